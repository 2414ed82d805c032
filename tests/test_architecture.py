"""The layout the README describes, enforced: imports go one way, and no source file sprawls.

The import graph is read from the source with `ast` (every `import` and `from ... import`,
including the ones inside functions and under `TYPE_CHECKING`), so a lazy import cannot hide
an upward edge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "single_shot_eval"

#: Each part of the package, lowest first. A part may import only parts of a lower layer; parts
#: in one layer do not import each other (the runner and the reports meet only in results/).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "pysource", "rustsource", "version"}),
    frozenset({"results", "config"}),
    frozenset({"sandbox"}),
    frozenset({"corpus"}),
    frozenset({"verify", "models"}),
    frozenset({"casegen", "analysis", "modelprep"}),
    frozenset({"run", "report"}),
    frozenset({"cli"}),
    frozenset({"__main__", "__init__"}),
)

MAX_LINES = 600


def _part(module: str) -> str:
    """The top-level part a dotted module name (under the package) belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[dotted.removesuffix(".__init__")] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that `name` imports."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        found.update(t for t in targets if t in modules and t != name)
    return found


def _layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"{part!r} is in no layer: add it to LAYERS in {__file__}")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_every_import_goes_to_a_lower_layer() -> None:
    upward = [
        f"{source} -> {target}"
        for source, targets in sorted(_graph().items())
        for target in sorted(targets)
        if _part(source) != _part(target) and _layer_of(_part(target)) >= _layer_of(_part(source))
    ]
    assert upward == []


def test_the_parts_of_the_package_form_no_cycle() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in _graph().items():
        edges[_part(source)].update(_part(t) for t in targets if _part(t) != _part(source))
    done: set[str] = set()

    def visit(part: str, path: tuple[str, ...]) -> None:
        assert part not in path, f"import cycle: {' -> '.join((*path, part))}"
        if part in done:
            return
        for target in sorted(edges[part]):
            visit(target, (*path, part))
        done.add(part)

    for part in sorted(edges):
        visit(part, ())


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The checker must find an upward edge written as a lazy import inside a function.
    module = tmp_path / "single_shot_eval" / "corpus" / "lazy.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text("def f():\n    from single_shot_eval.verify import verifier\n",
                      encoding="utf-8")
    modules = {
        "single_shot_eval.corpus.lazy": module,
        "single_shot_eval.verify.verifier": tmp_path / "unused.py",
    }
    imported = _imports("single_shot_eval.corpus.lazy", module, modules)
    assert imported == {"single_shot_eval.verify.verifier"}
    assert _layer_of("verify") > _layer_of("corpus")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_source_file_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"
