"""The layout the README describes, enforced: imports go one way, no two files import each
other (directly or around a loop), and no source file sprawls.

The import graph is read from the source with `ast` (every `import` and `from ... import`,
including the ones inside functions and under `TYPE_CHECKING`), so a lazy import cannot hide
an upward edge or a loop.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Mapping
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

#: File-level import loops not broken yet, each with the reason: the loop test fails on any other
#: loop, and on one of these once it is gone (then delete it here).
KNOWN_LOOPS: dict[frozenset[str], str] = {}


def _part(module: str) -> str:
    """The top-level part a dotted module name (under the package) belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of `package` by dotted name (a sub-package by its own name)."""
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        dotted = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        modules[dotted.removesuffix(".__init__")] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that `name` imports. `from pkg import sub` imports the module
    `pkg.sub`, not `pkg`'s own code: every import of a submodule runs its package's
    `__init__.py` first, and that implicit edge is no one's dependency, so it is not counted."""
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
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules
                       else module for alias in node.names]
        found.update(t for t in targets if t in modules and t != name)
    return found


def _layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"{part!r} is in no layer: add it to LAYERS in {__file__}")


def _graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = _modules(package)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _import_loops(graph: Mapping[str, set[str]]) -> dict[frozenset[str], tuple[str, ...]]:
    """Each group of modules that import one another around a loop, with one such loop as a
    path (shortest, from the group's first module by name back to it); empty without loops."""

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for target in graph.get(todo.pop(), set()) - seen:
                seen.add(target)
                todo.append(target)
        return seen

    reach = {module: reachable(module) for module in graph}
    loops: dict[frozenset[str], tuple[str, ...]] = {}
    for start in sorted(graph):
        if start not in reach[start] or any(start in group for group in loops):
            continue
        group = frozenset(m for m in reach[start] if start in reach[m])
        previous: dict[str, str] = {}
        frontier = [start]
        while start not in previous:  # breadth first, inside the group, back to `start`
            reached: list[str] = []
            for module in frontier:
                for target in sorted((graph[module] & group) - previous.keys()):
                    previous[target] = module
                    reached.append(target)
            frontier = reached
        path = [start, previous[start]]
        while path[-1] != start:
            path.append(previous[path[-1]])
        loops[group] = tuple(reversed(path))
    return loops


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


def test_no_file_imports_itself_around_a_loop() -> None:
    loops = _import_loops(_graph())
    new = [" -> ".join(path) for group, path in sorted(loops.items()) if group not in KNOWN_LOOPS]
    assert new == [], "import loops between files (break them; see KNOWN_LOOPS)"
    assert [sorted(group) for group in KNOWN_LOOPS if group not in loops] == [], (
        "a known loop is gone: delete it from KNOWN_LOOPS"
    )


def _package(root: Path, files: Mapping[str, str]) -> Path:
    """A package `pkg` under `root` with `files` (name -> source)."""
    package = root / "pkg"
    package.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_the_loop_check_sees_a_loop_through_lazy_and_type_checking_imports(
    tmp_path: Path,
) -> None:
    package = _package(tmp_path, {
        "a.py": "def f():\n    from pkg import b\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import f\n",
        "c.py": "from pkg.a import f\n",
    })
    assert _import_loops(_graph(package)) == {
        frozenset({"pkg.a", "pkg.b"}): ("pkg.a", "pkg.b", "pkg.a"),
    }


def test_the_loop_check_passes_a_package_without_a_loop(tmp_path: Path) -> None:
    # A package re-exporting from its submodules, which import each other through it, is no loop.
    package = _package(tmp_path, {
        "__init__.py": "from pkg.a import f\n",
        "a.py": "from pkg import b\n\ndef f():\n    from . import c\n",
        "b.py": "from pkg.c import X\n",
        "c.py": "X = 1\n",
    })
    graph = _graph(package)
    assert graph["pkg.a"] == {"pkg.b", "pkg.c"}
    assert _import_loops(graph) == {}


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
