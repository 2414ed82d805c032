"""Parsing Python from many threads at once: one lock, and no module that goes around it.

CPython 3.11's AST constructor keeps its recursion depth in shared state (python/cpython#106905);
two threads parsing deep sources at once can raise `SystemError: AST constructor recursion depth
mismatch`. `single_shot_eval.pysource` serialises every parse and compile behind one lock.
"""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

from single_shot_eval import pysource
from single_shot_eval.pysource import compile_python, parse_expression, parse_python

PACKAGE = Path(pysource.__file__).resolve().parent
THREADS = 16
PARSES_PER_THREAD = 50


def _nested_program(depth: int) -> str:
    """A program whose expressions nest `depth` deep (parentheses, lists, calls, lambdas)."""
    arithmetic = "(" * depth + "1" + " + 1)" * depth
    lists = "[" * depth + "0" + "]" * depth
    calls = "f(" * depth + "x" + ")" * depth
    return (
        "def f(x):\n    return x\n\n"
        f"a = {arithmetic}\n"
        f"b = {lists}\n"
        "x = 2\n"
        f"c = {calls}\n"
        f"d = {'lambda: ' * 20}{arithmetic}\n"
    )


class _GilYielder:
    """Cyclic garbage whose finalizer releases the GIL: the garbage collector, triggered by the
    allocations of a parse, runs it in the middle of that parse and lets another thread in
    (what a busy evaluation's thread pools and subprocess objects do by chance)."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        time.sleep(0)


def test_many_threads_parse_and_compile_deep_sources_without_error() -> None:
    sources = [_nested_program(depth) for depth in (40, 70, 90)]
    expression = "(" * 80 + "2" + " * 3)" * 80
    failures: list[BaseException] = []
    parsed = [0] * THREADS
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        try:
            for i in range(PARSES_PER_THREAD):
                for _ in range(50):
                    _GilYielder()
                source = sources[(index + i) % len(sources)]
                match i % 3:
                    case 0:
                        tree = parse_python(source)
                        assert isinstance(tree.body[1], ast.Assign)
                    case 1:
                        code = compile_python(source, f"<thread {index}>")
                        assert code.co_filename == f"<thread {index}>"
                    case _:
                        node = parse_expression(expression)
                        assert isinstance(node, ast.BinOp)
                parsed[index] += 1
        except BaseException as exc:  # collected and reported below, with the thread's index
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert parsed == [PARSES_PER_THREAD] * THREADS


def test_the_parsed_program_means_what_it_says() -> None:
    namespace: dict[str, object] = {}
    exec(compile_python(_nested_program(40), "<nested>"), namespace)
    assert namespace["a"] == 41
    assert namespace["c"] == 2
    node = parse_expression("(1 + 2) * 3")
    assert isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
    assert isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Add)


def _direct_parse_calls(path: Path) -> list[str]:
    """`ast.parse(...)`, `compile(...)` and `from ast import parse` uses in one module."""
    tree = parse_python(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    parse_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ast":
            for alias in node.names:
                if alias.name == "parse":
                    parse_aliases.add(alias.asname or alias.name)
                    found.append((node.lineno, "from ast import parse"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "parse" and (
            isinstance(func.value, ast.Name) and func.value.id == "ast"
        ):
            found.append((node.lineno, "ast.parse("))
        elif isinstance(func, ast.Name) and func.id in {"compile", *parse_aliases}:
            found.append((node.lineno, f"{func.id}("))
        elif isinstance(func, ast.Attribute) and func.attr == "compile" and (
            isinstance(func.value, ast.Name) and func.value.id == "builtins"
        ):
            found.append((node.lineno, "builtins.compile("))
    return [f"{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_no_module_parses_python_around_the_lock() -> None:
    modules = [
        path for path in sorted(PACKAGE.rglob("*.py"))
        # data/ holds the corpus's Python programs (run as oracles), not this package's code
        if "data" not in path.relative_to(PACKAGE).parts and path.name != "pysource.py"
    ]
    assert len(modules) > 30
    offenders = [hit for path in modules for hit in _direct_parse_calls(path)]
    assert offenders == []


def test_the_check_finds_a_direct_parse(tmp_path: Path) -> None:
    module = tmp_path / "offender.py"
    module.write_text(
        "import ast\nimport re\nfrom ast import parse as p\n"
        "ast.parse('x')\ncompile('x', 'f', 'exec')\nre.compile('x')\np('y')\n",
        encoding="utf-8",
    )
    assert _direct_parse_calls(module) == [
        "offender.py:3: from ast import parse",
        "offender.py:4: ast.parse(",
        "offender.py:5: compile(",
        "offender.py:7: p(",
    ]
