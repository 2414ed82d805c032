"""The sandbox sits below the verifier: its package imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import single_shot_eval.sandbox

SANDBOX_DIR = Path(single_shot_eval.sandbox.__file__).parent
# What the sandbox may import from the project: itself and the shared error types.
ALLOWED_PREFIXES = ("single_shot_eval.sandbox", "single_shot_eval.errors")


def _project_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.append(node.module)
    return [name for name in names if name.split(".")[0] == "single_shot_eval"]


def test_sandbox_package_imports_only_itself_and_errors() -> None:
    files = sorted(SANDBOX_DIR.glob("*.py"))
    assert {path.name for path in files} >= {"__init__.py", "runner.py", "wrapper.py"}
    offending = {
        f"{path.name}: {name}"
        for path in files
        for name in _project_imports(path)
        if not name.startswith(ALLOWED_PREFIXES)
    }
    assert offending == set()


def test_wrapper_imports_no_package_module() -> None:
    """The in-sandbox program runs as `python -I -S -c SOURCE`: the package is not importable."""
    assert _project_imports(SANDBOX_DIR / "wrapper.py") == []
