"""Generated function and class cases: the Python original, run in the real sandbox, is the
oracle; real rustc judges translations with them. The fixture records are written here.

A wrong translation that only differs from Python on edges (`%` of a negative, `int(" 7")`,
integer square roots near big perfect squares) passes the record's happy-path cases and is
caught by the generated ones; a faithful translation passes both."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from single_shot_eval.casegen import CaseCache
from single_shot_eval.casegen.function_values import same_value
from single_shot_eval.casegen.functions import (
    CASES_PER_BUDGET_UNIT,
    DEFAULT_BUDGET,
    GENERATOR_VERSION,
    generate_function_cases,
    prepare_function_example,
)
from single_shot_eval.casegen.source_values import SourceValues
from single_shot_eval.corpus.example import CaseOrigin, Example, FunctionCase
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.sandbox import Sandbox
from single_shot_eval.verify.function_harness import (
    RUSTC_TEST_ARGS,
    TEST_BINARY_ARGS,
    TestRunOutcome,
    parse_libtest_output,
    render_test_module,
)

pytestmark = pytest.mark.slow

LAST_DIGIT = {
    "id": "last_digit",
    "python_code": "def last_digit(n: int) -> int:\n    return n % 10\n",
    "test_cases": [{"input": [123], "expected": 3}, {"input": [40], "expected": 0}],
    "level": "Functions",
}
PARSE_OR_ZERO = {
    "id": "parse_or_zero",
    "python_code": (
        "def parse_or_zero(text: str) -> int:\n"
        "    try:\n"
        "        return int(text)\n"
        "    except ValueError:\n"
        "        return 0\n"
    ),
    "test_cases": [{"input": ["42"], "expected": 42}, {"input": ["nope"], "expected": 0}],
    "level": "ErrorHandling",
}
FLOOR_ROOT = {
    "id": "floor_root",
    "python_code": (
        "import math\n\n"
        "def floor_root(n: int) -> int:\n"
        "    if n < 0:\n"
        "        return -1\n"
        "    return math.isqrt(n)\n"
    ),
    "test_cases": [{"input": [16], "expected": 4}, {"input": [10], "expected": 3}],
}
BUCKETS = {
    "id": "buckets",
    "python_code": "def buckets(xs: list) -> dict:\n"
    "    out = {}\n"
    "    for x in xs:\n"
    "        out[x // 3] = out.get(x // 3, 0) + 1\n"
    "    return out\n",
    "test_cases": [{"input": [[1, 4, 5]], "expected": {"0": 1, "1": 2}}],
    "notes": "bare list and dict",
}
WRONG_TRUTH = {
    "id": "triple",
    "python_code": "def triple(n: int) -> int:\n    return 3 * n\n",
    "test_cases": [{"input": [2], "expected": 6}, {"input": [5], "expected": 16}],
}
COUNTER = {
    "id": "clicker",
    "python_code": (
        "class Clicker:\n"
        "    def __init__(self, step: int):\n"
        "        self.step = step\n"
        "        self.value = 0\n"
        "\n"
        "    def click(self):\n"
        "        self.value += self.step\n"
        "\n"
        "    def undo(self):\n"
        "        if self.value >= self.step:\n"
        "            self.value -= self.step\n"
        "\n"
        "    def read(self) -> int:\n"
        "        return self.value\n"
    ),
    "test_cases": [],
    "level": "OopTraits",
}
ECHO = {
    "id": "echo_later",
    "python_code": "import asyncio\n\nasync def echo_later(value: int, pause: float) -> int:\n"
    "    await asyncio.sleep(pause)\n    return value * 2\n",
    "test_cases": [],
    "level": "Concurrency",
}
SCRIPT = {"id": "shout_script", "python_code": "print('HELLO')\n", "test_cases": []}
SET_ORDER = {
    "id": "distinct_words",
    "python_code": "def distinct_words(words: list[str]) -> list[str]:\n"
    "    return list(set(words))\n",
    "notes": "order depends on the hash seed",
}
TIER = {
    "id": "tier",
    "python_code": (
        "def tier(n: int) -> str:\n"
        "    if n > 100:\n"
        "        return 'high'\n"
        "    return 'low'\n"
    ),
    "test_cases": [{"input": [5], "expected": "low"}, {"input": [500], "expected": "high"}],
}
TALLY = {
    "id": "tally",
    "python_code": (
        "MARKS = {'I': 1, 'V': 5, 'X': 10}\n\n"
        "def tally(text: str) -> int:\n"
        "    total = 0\n"
        "    for index, mark in enumerate(text):\n"
        "        value = MARKS.get(mark, 0)\n"
        "        if index + 1 < len(text) and MARKS.get(text[index + 1], 0) > value:\n"
        "            total -= value\n"
        "        else:\n"
        "            total += value\n"
        "    return total\n"
    ),
    "test_cases": [{"input": ["III"], "expected": 3}, {"input": ["XVI"], "expected": 16}],
}
ALWAYS_RAISES = {
    "id": "always_raises",
    "python_code": "def always_raises(n: int) -> int:\n    raise ValueError(n)\n",
}

RUST = {
    "last_digit": (
        "pub fn last_digit(n: i64) -> i64 { n.rem_euclid(10) }",
        "pub fn last_digit(n: i64) -> i64 { n % 10 }",
    ),
    "parse_or_zero": (
        """
pub fn parse_or_zero(text: &str) -> i64 {
    let t = text.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return 0;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    match digits.parse::<i64>() {
        Ok(v) => if negative { -v } else { v },
        Err(_) => 0,
    }
}
""",
        "pub fn parse_or_zero(text: &str) -> i64 { text.parse::<i64>().unwrap_or(0) }",
    ),
    "floor_root": (
        """
pub fn floor_root(n: i64) -> i64 {
    if n < 0 { return -1; }
    let mut r = (n as f64).sqrt() as i64;
    while r * r > n { r -= 1; }
    while (r + 1) * (r + 1) <= n { r += 1; }
    r
}
""",
        "pub fn floor_root(n: i64) -> i64 { if n < 0 { -1 } else { (n as f64).sqrt() as i64 } }",
    ),
    "tier": (
        'pub fn tier(n: i64) -> String { (if n > 100 { "high" } else { "low" }).to_string() }',
        'pub fn tier(n: i64) -> String { (if n >= 100 { "high" } else { "low" }).to_string() }',
    ),
    "tally": (
        """
fn mark(c: Option<char>) -> i64 {
    match c { Some('I') => 1, Some('V') => 5, Some('X') => 10, _ => 0 }
}
pub fn tally(text: &str) -> i64 {
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0;
    for (i, c) in chars.iter().enumerate() {
        let value = mark(Some(*c));
        if mark(chars.get(i + 1).copied()) > value { total -= value; } else { total += value; }
    }
    total
}
""",
        """
pub fn tally(text: &str) -> i64 {
    text.chars().map(|c| match c { 'I' => 1, 'V' => 5, 'X' => 10, _ => 0 }).sum()
}
""",
    ),
    "clicker": (
        """
pub struct Clicker { step: i64, value: i64 }
impl Clicker {
    pub fn new(step: i64) -> Clicker { Clicker { step, value: 0 } }
    pub fn click(&mut self) { self.value += self.step; }
    pub fn undo(&mut self) { if self.value >= self.step { self.value -= self.step; } }
    pub fn read(&self) -> i64 { self.value }
}
""",
        """
pub struct Clicker { step: i64, value: i64 }
impl Clicker {
    pub fn new(step: i64) -> Clicker { Clicker { step, value: 0 } }
    pub fn click(&mut self) { self.value += self.step; }
    pub fn undo(&mut self) { self.value -= self.step; }
    pub fn read(&self) -> i64 { self.value }
}
""",
    ),
}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Example]:
    path = tmp_path_factory.mktemp("corpus") / "records.jsonl"
    records = [LAST_DIGIT, PARSE_OR_ZERO, FLOOR_ROOT, BUCKETS, WRONG_TRUTH, COUNTER, ECHO, SCRIPT,
               SET_ORDER, ALWAYS_RAISES, TIER, TALLY]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {example.id: example for example in load_corpus(path)}


@pytest.fixture(scope="module")
def prepared(
    examples: dict[str, Example], sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    cache = CaseCache(tmp_path_factory.mktemp("cache"))
    warnings: list[str] = []
    result = {
        key: prepare_function_example(example, sandbox, cache=cache, warn=warnings.append)
        for key, example in examples.items()
        if example.entry_point is not None
    }
    return {"prepared": result, "warnings": warnings, "cache": cache}


def hand_written(example: Example) -> list[FunctionCase]:
    return [c for c in example.function_cases if c.origin is CaseOrigin.HAND_WRITTEN]


def generated(example: Example) -> list[FunctionCase]:
    return [c for c in example.function_cases if c.origin is CaseOrigin.GENERATED]


def run_rust(rust: str, example: Example, cases: Sequence[FunctionCase], folder: Path,
             name: str) -> TestRunOutcome:
    assert example.entry_point is not None
    source = folder / f"{name}.rs"
    source.write_text(
        rust + "\n" + render_test_module(example.python_source, example.entry_point, cases),
        encoding="utf-8",
    )
    binary = folder / name
    build = subprocess.run(["rustc", *RUSTC_TEST_ARGS, "-o", str(binary), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(binary), *TEST_BINARY_ARGS], capture_output=True, text=True,
                         timeout=120)
    return parse_libtest_output(run.stdout)


def test_generated_cases_cover_edges_and_the_whole_function(prepared: dict[str, Any]) -> None:
    last = prepared["prepared"]["last_digit"]
    inputs = [case.inputs[0] for case in generated(last.example)]
    assert any(n < 0 for n in inputs)
    assert all(case.origin is CaseOrigin.GENERATED for case in last.case_set.function_cases)
    assert 2 < len(inputs) <= DEFAULT_BUDGET * CASES_PER_BUDGET_UNIT
    assert last.case_set.line_coverage == 1.0
    parse = prepared["prepared"]["parse_or_zero"]
    texts = {case.inputs[0] for case in generated(parse.example)}
    assert texts & {" 7", "7 ", "\t8\n"}
    assert "1_000" in texts
    assert parse.case_set.line_coverage == 1.0
    for case in generated(parse.example):  # the oracle's answer is recorded, not guessed
        try:
            python_says = int(case.inputs[0])
        except ValueError:
            python_says = 0
        assert case.expected == python_says


def test_bare_collections_are_typed_and_keys_follow_the_code(prepared: dict[str, Any]) -> None:
    buckets = prepared["prepared"]["buckets"].example
    assert any(case.inputs[0] == [] and case.expected == {} for case in generated(buckets))
    negative = [case for case in generated(buckets) if any(x < 0 for x in case.inputs[0])]
    assert negative
    for case in negative:  # Python floors: -1 // 3 == -1
        expected = {}
        for x in case.inputs[0]:
            expected[x // 3] = expected.get(x // 3, 0) + 1
        assert same_value(case.expected, expected)


def test_expected_that_disagrees_with_python_is_flagged_and_corrected(
    prepared: dict[str, Any],
) -> None:
    triple = prepared["prepared"]["triple"]
    flagged = [w for w in prepared["warnings"] if w.startswith("triple:")]
    assert flagged == [
        "triple: hand-written case 1 (input [5]): expected 16 but Python returns 15; judged by "
        "what Python does"
    ]
    assert [(c.inputs, c.expected) for c in hand_written(triple.example)] == [((2,), 6), ((5,), 15)]
    assert not any(w.startswith("last_digit:") for w in prepared["warnings"])


def test_class_and_async_records_get_cases(prepared: dict[str, Any]) -> None:
    clicker = prepared["prepared"]["clicker"]
    cases = generated(clicker.example)
    assert cases
    assert clicker.case_set.line_coverage == 1.0
    for case in cases:
        step, calls = case.inputs[0][0], case.inputs[1]
        value, results = 0, []
        for name, _args in calls:  # replay the sequence in plain Python
            if name == "click":
                value += step
            elif name == "undo" and value >= step:
                value -= step
            results.append(value if name == "read" else None)
        assert case.expected == results
    echo = prepared["prepared"]["echo_later"]
    assert generated(echo.example)
    assert all(0 <= case.inputs[1] <= 0.01 for case in generated(echo.example))
    assert all(case.expected == 2 * case.inputs[0] for case in generated(echo.example))


def test_generation_is_reproducible_and_cached(
    examples: dict[str, Example], sandbox: Sandbox, prepared: dict[str, Any]
) -> None:
    example = examples["last_digit"]
    again = generate_function_cases(example, sandbox)
    first = prepared["prepared"]["last_digit"].case_set
    assert again.function_cases == first.function_cases
    assert again.generator == GENERATOR_VERSION
    hit = prepare_function_example(example, sandbox, cache=prepared["cache"])
    assert hit.case_set.cached
    assert hit.example.function_cases == prepared["prepared"]["last_digit"].example.function_cases


@pytest.mark.parametrize("example_id", ["last_digit", "parse_or_zero", "floor_root", "clicker",
                                        "tier", "tally"])
def test_generated_cases_catch_what_hand_written_ones_miss(
    prepared: dict[str, Any], example_id: str, tmp_path: Path
) -> None:
    example = prepared["prepared"][example_id].example
    right, wrong = RUST[example_id]
    every = list(example.function_cases)
    assert every
    faithful = run_rust(right, example, every, tmp_path, "right")
    assert (faithful.passed, faithful.failed) == (len(every), 0)
    hand = hand_written(example)
    if hand:
        happy = run_rust(wrong, example, hand, tmp_path, "wrong_hand")
        assert (happy.passed, happy.failed) == (len(hand), 0)
    caught = run_rust(wrong, example, generated(example), tmp_path, "wrong_generated")
    assert caught.failed >= 1


def test_script_records_are_programs_not_generated_here(examples: dict[str, Example],
                                                       sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="needs a function example"):
        generate_function_cases(examples["shout_script"], sandbox)


def test_the_verifier_judges_class_records_with_generated_cases(
    prepared: dict[str, Any], sandbox: Sandbox
) -> None:
    from single_shot_eval.results.records import Verdict
    from single_shot_eval.verify.verifier import VerdictCache, Verifier

    verifier = Verifier(sandbox=sandbox, cache=VerdictCache())
    example = prepared["prepared"]["clicker"].example
    right, wrong = RUST["clicker"]
    faithful = verifier.verify(right, example)
    assert faithful.verdict is Verdict.PASS
    assert faithful.stages[-1].checks_total == len(example.function_cases)
    assert verifier.verify(wrong, example).verdict is Verdict.TEST_FAILURE


def test_volatile_inputs_are_dropped_and_nothing_left_is_unjudgeable(
    prepared: dict[str, Any],
) -> None:
    distinct = prepared["prepared"]["distinct_words"]
    kept = generated(distinct.example)
    assert kept  # the empty list and single words have one order under every hash seed
    assert all(len(set(case.inputs[0])) <= 1 for case in kept)
    assert distinct.case_set.dropped_nondeterministic >= 1
    raises = prepared["prepared"]["always_raises"]
    assert raises.example.function_cases == ()
    assert raises.example.unjudgeable_reason == (
        "no hand-written case and none generated (no candidate survived the oracle)"
    )


def test_the_boundary_of_a_threshold_is_generated(prepared: dict[str, Any]) -> None:
    inputs = {case.inputs[0] for case in generated(prepared["prepared"]["tier"].example)}
    assert {100, 101} <= inputs


def test_strings_are_built_from_the_programs_own_alphabet(prepared: dict[str, Any]) -> None:
    texts = [case.inputs[0] for case in generated(prepared["prepared"]["tally"].example)]
    over_alphabet = [t for t in texts if len(t) >= 2 and set(t) <= set("IVX")]
    assert len(over_alphabet) >= 3
    # A smaller mark before a larger one: the subtractive branch is reached.
    assert any("IV" in t or "IX" in t or "VX" in t for t in over_alphabet)


SOURCE = '''
TABLE = {"M": 1000, "CM": 900}
PAIRS = {")": "("}


def f(text: str, n: int) -> str:
    """Docstring words are not values."""
    parts = text.split("-")
    if len(parts) != 3 or n >= 42:
        raise ValueError(f"bad {text}")
    match parts[0]:
        case "Q":
            return ":".join(parts[:2])
    return text.strip("#").lower()
'''


def test_source_values_mine_boundaries_lengths_separators_and_alphabet() -> None:
    values = SourceValues.of(SOURCE)
    assert {41, 42, 43} <= set(values.ints)
    assert values.ints.index(42) < values.ints.index(1000)  # comparison operands first
    assert values.lengths == (2, 3, 4)
    assert {"-", ":"} <= set(values.separators)
    assert set("MCQ#") <= set(values.alphabet)
    assert (")", "(") in values.pairs and ("(", ")") not in values.pairs
    assert "Docstring words are not values." not in values.strs
    assert not any(s.startswith("bad") for s in values.strs)
