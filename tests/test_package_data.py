"""Data files the code loads (e.g. the harness's `support.rs`) are declared as package data, so an
installed wheel has them, not only a source checkout."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import single_shot_eval

PACKAGE_DIR = Path(single_shot_eval.__file__).parent
PYPROJECT = PACKAGE_DIR.parents[1] / "pyproject.toml"


def _declared_patterns() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["single_shot_eval"]
    assert isinstance(patterns, list)
    return [str(pattern) for pattern in patterns]


def _matches(relative: str, pattern: str) -> bool:
    # setuptools globs: `**` spans folders; fnmatch's `*` already crosses `/`.
    return fnmatch.fnmatch(relative, pattern.replace("**/", ""))


def test_every_non_python_file_in_the_package_is_package_data() -> None:
    patterns = _declared_patterns()
    files = [
        path.relative_to(PACKAGE_DIR).as_posix()
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert "verify/function_harness/support.rs" in files
    undeclared = [name for name in files if not any(_matches(name, p) for p in patterns)]
    assert undeclared == []


def test_harness_support_code_loads_from_the_data_file() -> None:
    from single_shot_eval.verify.function_harness import render

    support = (PACKAGE_DIR / "verify" / "function_harness" / "support.rs").read_text("utf-8")
    module = render.render_target_cases(
        render.harness_target("def f(x: int) -> int:\n    return x\n", "f"), []
    )
    assert support in module
    assert "fn harness_passed(nonce: &str, case_index: usize)" in support
