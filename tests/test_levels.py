"""The Py2Rs classifier places realistic programs on the right level, and the benchmark view
renders and serialises the level distribution of a corpus."""

from __future__ import annotations

import io
import json
import textwrap

import pytest
from rich.console import Console

from single_shot_eval.corpus.classify import ClassifiedExample, LevelReport, classify_source
from single_shot_eval.corpus.levels import LEVEL_WEIGHTS, LEVELS, Difficulty, level_by_number
from single_shot_eval.report.benchmark_view import benchmark_json, render_benchmark


def classify(source: str) -> LevelReport:
    return classify_source(textwrap.dedent(source))


# --- one realistic program per level ----------------------------------------------------------

HELLO = '''
"""Print the banner of a tool."""
import sys

if __name__ == "__main__":
    print("toolbox 1.0")
    print()
    print("usage:", "toolbox <command>", sep=" ")
    print("exit codes", 0, 1, -2, end="\\n\\n")
'''

VARIABLES = """
import sys

celsius = float(sys.argv[1])
fahrenheit = celsius * 9 / 5 + 32
label = "hot" if fahrenheit > 86 else "mild"
if fahrenheit < 32:
    print(f"{fahrenheit:.1f} F: freezing")
elif label == "hot":
    print(f"{fahrenheit:.1f} F: hot")
else:
    print(f"{fahrenheit:.1f} F".upper())
"""

FUNCTIONS = """
import sys


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def main():
    limit = int(sys.argv[1])
    for n in range(1, limit + 1):
        print(f"{n}! = {factorial(n)}")


if __name__ == "__main__":
    main()
"""

COLLECTIONS = """
import sys
from collections import Counter


def main():
    words = sys.stdin.read().split()
    counts = Counter(word.lower() for word in words)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    for word, count in ranked[:10]:
        print(f"{word:<12}{count:>5}")
    print(", ".join(sorted({len(word) for word in words})))


main()
"""

CONTROL_FLOW = """
def collatz_lengths(limit):
    lengths = {}
    for start in range(1, limit):
        n, steps = start, 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        lengths[start] = steps
    return lengths


print(max(collatz_lengths(30).values()))
"""

ERROR_HANDLING = """
import sys


def parse_port(text):
    try:
        port = int(text)
    except ValueError:
        raise SystemExit(f"not a number: {text}") from None
    if not 0 < port < 65536:
        sys.exit(2)
    return port


with open(sys.argv[1]) as handle:
    ports = [parse_port(line) for line in handle]
print(sum(ports))
"""

OOP = """
from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    cents: int

    def __add__(self, other):
        return Money(self.cents + other.cents)

    def __str__(self):
        return f"${self.cents / 100:.2f}"


class Account:
    def __init__(self, owner):
        self.owner = owner
        self.entries = []

    @property
    def balance(self):
        total = Money(0)
        for entry in self.entries:
            total = total + entry
        return total


account = Account("ada")
account.entries.append(Money(1250))
print(account.balance)
"""

CONCURRENCY = """
import threading


def worker(results, index):
    results[index] = index * index


results = [0] * 4
threads = [threading.Thread(target=worker, args=(results, i)) for i in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(results)
"""

ASYNC_CONCURRENCY = """
async def fetch(delay):
    return delay * 2


async def main():
    total = 0
    for delay in range(3):
        total += await fetch(delay)
    print(total)
"""

FFI = """
import struct
import sys

data = sys.stdin.buffer.read()
count = len(data) // 4
values = struct.unpack(f"<{count}i", data[: count * 4])
print(sum(values))
"""

METAPROGRAMMING = """
import functools


def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        print(f"calling {function.__name__}")
        return function(*args)

    return wrapper


@logged
def add(a, b):
    return a + b


print(add(2, 3))
"""

REALISTIC_PROGRAMS = [
    pytest.param(HELLO, 1, id="L1-banner"),
    pytest.param(VARIABLES, 2, id="L2-temperature"),
    pytest.param(FUNCTIONS, 3, id="L3-factorial"),
    pytest.param(COLLECTIONS, 4, id="L4-word-count"),
    pytest.param(CONTROL_FLOW, 5, id="L5-collatz"),
    pytest.param(ERROR_HANDLING, 6, id="L6-port-parser"),
    pytest.param(OOP, 7, id="L7-money"),
    pytest.param(CONCURRENCY, 8, id="L8-threads"),
    pytest.param(ASYNC_CONCURRENCY, 8, id="L8-async"),
    pytest.param(FFI, 9, id="L9-struct"),
    pytest.param(METAPROGRAMMING, 10, id="L10-decorator"),
]


@pytest.mark.parametrize(("source", "expected_level"), REALISTIC_PROGRAMS)
def test_realistic_program_gets_its_level(source: str, expected_level: int) -> None:
    report = classify(source)
    assert report.level.number == expected_level, report.reasons
    assert report.reasons[0].level == expected_level
    assert report.deciding_reasons, "the chosen level must be explained"
    assert all(reason.level <= expected_level for reason in report.reasons)


def test_reasons_for_the_chosen_level_come_first_with_line_numbers() -> None:
    report = classify(CONTROL_FLOW)
    levels = [reason.level for reason in report.reasons]
    assert levels == sorted(levels, reverse=True)
    constructs = {reason.construct: reason.line for reason in report.deciding_reasons}
    # line 1 of the dedented source is blank, so `while` is on line 6
    assert constructs["`while` loop"] == 6
    assert constructs["loop nested inside another loop"] == 6
    assert any(reason.level == 3 for reason in report.reasons)  # def and range() still listed


# --- words are not constructs -----------------------------------------------------------------


def test_words_in_strings_comments_and_docstrings_do_not_count() -> None:
    source = '''
    """class Foo(threading.Thread): async def, import ctypes, eval(x), while True: yield"""
    # import threading; import ctypes; class A(metaclass=M): pass
    print("class threading import ctypes")
    print('async def f(): await g()  # try: raise')
    print("""@decorator
    def f(): exec("1")""")
    '''
    report = classify(source)
    assert report.level.number == 1, report.reasons


def test_a_print_of_a_computed_value_is_not_hello() -> None:
    assert classify('print("a" + "b")').level.number == 2
    assert classify("name = 'x'\nprint(name)").level.number == 2


def test_import_sys_and_main_guard_alone_stay_hello() -> None:
    source = """
    import sys

    if __name__ == "__main__":
        print("hi")
    """
    assert classify(source).level.number == 1
    assert classify("import sys\nprint(sys.argv[0])").level.number == 2


# --- boundaries the definition draws ----------------------------------------------------------


def test_dataclass_is_l7_but_a_user_defined_decorator_is_l10() -> None:
    dataclass_source = """
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int
        y: int

    print(Point(1, 2))
    """
    user_decorator_source = """
    def register(function):
        return function

    @register
    def greet():
        print("hi")

    greet()
    """
    dataclass_report = classify(dataclass_source)
    assert dataclass_report.level.number == 7
    assert any("@dataclass" in reason.construct for reason in dataclass_report.deciding_reasons)
    user_report = classify(user_decorator_source)
    assert user_report.level.number == 10
    assert user_report.deciding_reasons[0].construct == "user-defined decorator `@register`"
    assert user_report.deciding_reasons[0].line == 5


def test_lru_cache_is_l3_and_property_setter_is_not_a_user_decorator() -> None:
    cached = """
    import functools

    @functools.lru_cache(maxsize=None)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    print(fib(30))
    """
    assert classify(cached).level.number == 3
    setter = """
    class Box:
        def __init__(self):
            self._size = 0

        @property
        def size(self):
            return self._size

        @size.setter
        def size(self, value):
            self._size = value
    """
    assert classify(setter).level.number == 7


def test_an_exception_class_alone_is_l6_not_l7() -> None:
    source = """
    class ParseError(ValueError):
        def __init__(self, line):
            super().__init__(f"bad line {line}")
            self.line = line


    class FatalParseError(ParseError):
        pass


    def check(text):
        if not text:
            raise FatalParseError(1)
        return text
    """
    report = classify(source)
    assert report.level.number == 6, report.reasons
    constructs = [reason.construct for reason in report.deciding_reasons]
    assert "exception class `ParseError`" in constructs
    assert "exception class `FatalParseError`" in constructs  # derives from a user exception


def test_an_ordinary_class_is_l7() -> None:
    assert classify("class Stack:\n    pass\n").level.number == 7


def test_nested_loops_are_l5_but_sequential_loops_are_not() -> None:
    nested = """
    for row in range(3):
        for column in range(3):
            print(row * column)
    """
    sequential = """
    for row in range(3):
        print(row)
    for column in range(3):
        print(column)
    """
    nested_report = classify(nested)
    assert nested_report.level.number == 5
    assert nested_report.deciding_reasons[0].construct == "loop nested inside another loop"
    assert nested_report.deciding_reasons[0].line == 3
    assert classify(sequential).level.number == 3


def test_a_loop_inside_a_function_called_from_a_loop_is_not_nested() -> None:
    source = """
    def total(n):
        result = 0
        for i in range(n):
            result += i
        return result

    for n in range(3):
        print(total(n))
    """
    assert classify(source).level.number == 3


@pytest.mark.parametrize(
    ("snippet", "expected_level"),
    [
        pytest.param("import sys\nsys.exit(0)", 2, id="exit-0"),
        pytest.param("import sys\nsys.exit(1)", 6, id="exit-1"),
        pytest.param("import sys\nsys.exit('usage: x')", 6, id="exit-message"),
        pytest.param("x = [1, 2, 3][::-1]", 4, id="slice"),
        pytest.param("a, b = 1, 2", 4, id="tuple-unpacking"),
        pytest.param("n = 0\nwhile n < 3:\n    n += 1", 5, id="while"),
        pytest.param("def gen():\n    yield 1", 5, id="yield"),
        pytest.param("match 3:\n    case 3:\n        print('x')", 5, id="match"),
        pytest.param("assert abs(-2) == 2", 6, id="assert"),
        pytest.param("import abc\nclass Shape(abc.ABC):\n    pass", 7, id="abc"),
        pytest.param("from enum import Enum\nclass Color(Enum):\n    RED = 1", 7, id="enum"),
        pytest.param("import queue\nq = queue.Queue()", 8, id="queue"),
        pytest.param("view = memoryview(b'abc')", 9, id="memoryview"),
        pytest.param("import re\npattern = re.compile('a+')", 2, id="re-compile-not-builtin"),
        pytest.param("value = eval('1 + 2')", 10, id="eval"),
        pytest.param("class A:\n    pass\nprint(hasattr(A, 'x'))", 10, id="hasattr"),
        pytest.param("Point = type('Point', (), {})", 10, id="type-3-args"),
        pytest.param("kind = type(3)", 2, id="type-1-arg"),
        pytest.param("class M(type):\n    pass\nclass A(metaclass=M):\n    pass", 10, id="meta"),
        pytest.param(
            "class A:\n    def __getattr__(self, name):\n        return 1", 10, id="getattr"
        ),
        pytest.param("import inspect", 10, id="inspect"),
        pytest.param("import sys\ndef main():\n    return 0\nsys.exit(main())", 6, id="exit-main"),
        pytest.param(
            "import web\napp = web.App()\n@app.route('/')\ndef home():\n    pass",
            3,
            id="library-decorator-on-a-variable",
        ),
        pytest.param("memo = dict\n@memo\ndef f():\n    pass", 10, id="decorator-variable"),
    ],
)
def test_single_construct_levels(snippet: str, expected_level: int) -> None:
    report = classify_source(snippet)
    assert report.level.number == expected_level, report.reasons


def test_a_method_does_not_shadow_a_builtin_but_a_function_does() -> None:
    method = classify("class Stats:\n    def max(self):\n        return 1\nprint(max(3, 4))")
    assert "built-in `max()`" in [reason.construct for reason in method.reasons]
    function = classify("def max(a, b):\n    return a\nprint(max(3, 4))")
    assert "built-in `max()`" not in [reason.construct for reason in function.reasons]
    assert function.level.number == 3


def test_annotations_are_not_constructs() -> None:
    source = """
    def mean(values: list[float], weights: dict[str, tuple[int, int]] | None = None) -> float:
        return values[0]
    """
    report = classify(source)
    assert report.level.number == 3, report.reasons


def test_syntax_error_propagates_with_file_and_line() -> None:
    with pytest.raises(SyntaxError) as raised:
        classify_source("print('ok')\ndef broken(:\n", filename="broken.py")
    assert raised.value.filename == "broken.py"
    assert raised.value.lineno == 2


# --- the level table --------------------------------------------------------------------------


def test_level_table_matches_the_definition() -> None:
    assert [level.number for level in LEVELS] == list(range(1, 11))
    assert [level.name for level in LEVELS] == [
        "Hello", "Variables", "Functions", "Collections", "ControlFlow",
        "ErrorHandling", "OOP→Traits", "Concurrency", "FFI/Unsafe", "Metaprogramming",
    ]  # fmt: skip
    assert LEVEL_WEIGHTS == {1: 1, 2: 1.5, 3: 2, 4: 3, 5: 4, 6: 5, 7: 7, 8: 10, 9: 15, 10: 20}
    bands = [level.difficulty for level in LEVELS]
    assert bands == [
        Difficulty.TRIVIAL, Difficulty.TRIVIAL, Difficulty.EASY, Difficulty.EASY,
        Difficulty.MEDIUM, Difficulty.MEDIUM, Difficulty.HARD, Difficulty.HARD,
        Difficulty.EXPERT, Difficulty.EXPERT,
    ]  # fmt: skip
    assert level_by_number(7).name == "OOP→Traits"
    with pytest.raises(ValueError, match="between 1 and 10"):
        level_by_number(11)


# --- the benchmark view -----------------------------------------------------------------------


def _small_corpus() -> list[ClassifiedExample]:
    """Five examples: two L1, two L3 and one L6 (declared L5, so verbose flags it)."""
    return [
        ClassifiedExample("banner", classify(HELLO), 1),
        ClassifiedExample("usage", classify_source('print("usage: x")'), 1),
        ClassifiedExample("factorial", classify(FUNCTIONS), 3),
        ClassifiedExample("fib", classify_source("def fib(n):\n    return n"), 3),
        ClassifiedExample("ports", classify(ERROR_HANDLING), 5),
    ]


def _render(results: list[ClassifiedExample], verbose: bool, width: int = 100) -> str:
    buffer = io.StringIO()
    render_benchmark(Console(file=buffer, width=width, color_system=None), results, verbose)
    return buffer.getvalue()


def test_render_shows_box_bars_percentages_and_coverage() -> None:
    output = _render(_small_corpus(), verbose=False)
    lines = output.splitlines()
    assert lines[0] == "┌" + "─" * 64 + "┐"
    assert lines[1].startswith("│ Py2Rs 10-Level Benchmark Analysis")
    assert lines[2].startswith("├")
    assert lines[3].startswith("│ Corpus:   5 examples")
    assert lines[4] == "└" + "─" * 64 + "┘"
    assert "L1  (Hello)           [████████░░░░░░░░░░░░]  40% (2 examples)" in lines
    assert "L3  (Functions)       [████████░░░░░░░░░░░░]  40% (2 examples)" in lines
    assert "L6  (ErrorHandling)   [████░░░░░░░░░░░░░░░░]  20% (1 example)" in lines
    assert not any(line.startswith("L2 ") for line in lines)  # empty levels are left out
    assert "Trivial   [████████░░░░░░░░░░░░]  40% (2 examples)  L1-L2" in lines
    assert "Expert    [░░░░░░░░░░░░░░░░░░░░]   0% (0 examples)  L9-L10" in lines
    assert "Levels 1-10: ●○●○○●○○○○  (3/10 levels covered)" in lines
    assert "\x1b[" not in output  # color_system=None: no escape codes
    assert "factorial" not in output  # per-example lines only when verbose


def test_verbose_render_lists_each_example_and_flags_declared_mismatch() -> None:
    output = _render(_small_corpus(), verbose=True)
    example_lines = {line.split()[0]: line for line in output.splitlines() if line[:1].islower()}
    assert set(example_lines) == {"banner", "usage", "factorial", "fib", "ports"}
    assert "L3  Functions" in example_lines["fib"]
    assert "function definition `fib` (line 1)" in example_lines["fib"]
    assert "(declared L5)" in example_lines["ports"]
    assert "declared" not in example_lines["factorial"]


def test_render_respects_a_narrow_console() -> None:
    output = _render(_small_corpus(), verbose=True, width=50)
    assert max(len(line) for line in output.splitlines()) <= 50
    assert "Levels 1-10: ●○●○○●○○○○" in output


def test_render_of_an_empty_corpus() -> None:
    output = _render([], verbose=True)
    assert "Corpus:   0 examples" in output
    assert "(no examples)" in output
    assert "Levels 1-10: ○○○○○○○○○○" in output


def test_benchmark_json_numbers_add_up() -> None:
    results = _small_corpus()
    data = benchmark_json(results)
    assert json.loads(json.dumps(data)) == data  # plain JSON values only
    assert data["corpus_size"] == 5
    assert [entry["count"] for entry in data["levels"]] == [2, 0, 2, 0, 0, 1, 0, 0, 0, 0]
    assert sum(entry["count"] for entry in data["levels"]) == data["corpus_size"]
    assert sum(entry["count"] for entry in data["difficulties"]) == data["corpus_size"]
    assert sum(entry["percent"] for entry in data["levels"]) == pytest.approx(100.0)
    medium = next(entry for entry in data["difficulties"] if entry["difficulty"] == "Medium")
    assert medium == {"difficulty": "Medium", "levels": [5, 6], "count": 1, "percent": 20.0}
    assert data["coverage"] == "●○●○○●○○○○"
    assert data["levels_covered"] == 3
    ports = next(example for example in data["examples"] if example["id"] == "ports")
    assert ports["level"] == 6
    assert ports["declared_level"] == 5
    assert ports["reasons"][0]["level"] == 6
    assert {"level", "construct", "line"} == set(ports["reasons"][0])


def test_benchmark_json_of_thirds_rounds_each_percentage() -> None:
    results = [
        ClassifiedExample("a", classify_source("print(1)")),
        ClassifiedExample("b", classify_source("x = 1")),
        ClassifiedExample("c", classify_source("def f():\n    pass")),
    ]
    data = benchmark_json(results)
    assert [entry["percent"] for entry in data["levels"][:3]] == [33.3, 33.3, 33.3]
    assert sum(entry["count"] for entry in data["levels"]) == 3
