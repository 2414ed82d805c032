"""Tests of the function harness (signatures, Rust test modules, libtest parsing) and of the
bundled function records it checks. Tests marked slow compile real Rust with rustc."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import single_shot_eval
from single_shot_eval.corpus.contract import (
    SIGNATURE_CONVENTION,
    UnsupportedCaseValue,
    UnsupportedSignature,
    find_entry_point,
    rust_signature,
    rust_string_literal,
    rust_uses,
)
from single_shot_eval.corpus.example import FunctionCase
from single_shot_eval.errors import ConfigError
from single_shot_eval.verify.function_harness import (
    HARNESS_TEST_FILTER,
    RUSTC_TEST_ARGS,
    TEST_BINARY_ARGS,
    TestRunOutcome,
    parse_libtest_output,
    render_test_module,
)

RECORDS_PATH = (
    Path(single_shot_eval.__file__).parent / "data" / "corpus" / "functions" / "functions.jsonl"
)
RECORD_KEYS = {
    "id",
    "python_code",
    "entry_point",
    "test_cases",
    "reference_rust",
    "mutant_rust",
    "mutant_target",
    "level",
    "description",
    "tags",
}


def load_records() -> list[dict[str, Any]]:
    """Every record of the bundled functions.jsonl, in file order."""
    lines = RECORDS_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def record_cases(record: dict[str, Any]) -> list[FunctionCase]:
    return [FunctionCase(tuple(case["input"]), case["expected"]) for case in record["test_cases"]]


def run_python_entry_point(python_code: str, entry_point: str, inputs: list[Any]) -> Any:
    """Call the record's Python function on (a copy of) the inputs; the result as JSON values."""
    namespace: dict[str, Any] = {"__name__": "record_under_test"}
    exec(compile(python_code, "<record>", "exec", dont_inherit=True), namespace)
    result = namespace[entry_point](*copy.deepcopy(inputs))
    return json.loads(json.dumps(result))


def compile_test_binary(rust_source: str, workdir: Path, name: str) -> Path:
    """Compile `rust_source` as the verifier does; fail the test with rustc's errors if needed."""
    source = workdir / f"{name}.rs"
    binary = workdir / name
    source.write_text(rust_source, encoding="utf-8")
    result = subprocess.run(
        ["rustc", *RUSTC_TEST_ARGS, "-o", str(binary), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{name} does not compile:\n{result.stderr[-4000:]}"
    return binary


def run_test_binary(
    binary: Path, args: Sequence[str] = TEST_BINARY_ARGS, *, backtrace: str = "0"
) -> str:
    """Run a compiled test binary and return its stdout."""
    env = {"PATH": os.environ.get("PATH", ""), "RUST_BACKTRACE": backtrace}
    result = subprocess.run(
        [str(binary), *args], capture_output=True, text=True, timeout=120, env=env
    )
    return result.stdout


def run_harness(
    candidate_rust: str,
    python_code: str,
    entry_point: str,
    cases: Sequence[FunctionCase],
    workdir: Path,
    name: str,
) -> TestRunOutcome:
    module = render_test_module(python_code, entry_point, cases)
    binary = compile_test_binary(candidate_rust + "\n" + module, workdir, name)
    return parse_libtest_output(run_test_binary(binary))


def failed_case_names(outcome: TestRunOutcome) -> set[str]:
    return {name.removeprefix(HARNESS_TEST_FILTER) for name, _ in outcome.failures}


# ---------------------------------------------------------------------------------------------
# Signatures

WORD_LENGTHS = "def word_lengths(words: list[str], min_len: int = 0) -> dict[str, int]:\n    ...\n"


@pytest.mark.parametrize(
    ("annotation", "as_parameter", "as_return"),
    [
        ("int", "i64", "i64"),
        ("float", "f64", "f64"),
        ("bool", "bool", "bool"),
        ("str", "&str", "String"),
        ("list[int]", "&[i64]", "Vec<i64>"),
        ("list[str]", "&[String]", "Vec<String>"),
        ("list[list[float]]", "&[Vec<f64>]", "Vec<Vec<f64>>"),
        ("List[str]", "&[String]", "Vec<String>"),
        ("typing.List[int]", "&[i64]", "Vec<i64>"),
        ("tuple[int, str]", "(i64, String)", "(i64, String)"),
        ("tuple[float]", "(f64,)", "(f64,)"),
        ("Tuple[str, list[int], bool]", "(String, Vec<i64>, bool)", "(String, Vec<i64>, bool)"),
        ("dict[str, int]", "&HashMap<String, i64>", "HashMap<String, i64>"),
        ("Dict[int, list[str]]", "&HashMap<i64, Vec<String>>", "HashMap<i64, Vec<String>>"),
        ("set[str]", "&HashSet<String>", "HashSet<String>"),
        ("set[tuple[int, int]]", "&HashSet<(i64, i64)>", "HashSet<(i64, i64)>"),
        ("Optional[str]", "Option<String>", "Option<String>"),
        ("int | None", "Option<i64>", "Option<i64>"),
        ("None | list[int]", "Option<Vec<i64>>", "Option<Vec<i64>>"),
        ("Union[float, None]", "Option<f64>", "Option<f64>"),
        ("list[Optional[float]]", "&[Option<f64>]", "Vec<Option<f64>>"),
        ("dict[str, int] | None", "Option<HashMap<String, i64>>", "Option<HashMap<String, i64>>"),
        ("'list[int]'", "&[i64]", "Vec<i64>"),
    ],
)
def test_signature_maps_each_annotation(annotation: str, as_parameter: str, as_return: str) -> None:
    header = "from typing import *\nimport typing\n"
    code = f"{header}def f(x: {annotation}) -> {annotation}:\n    pass\n"
    assert rust_signature(code, "f") == f"pub fn f(x: {as_parameter}) -> {as_return}"


def test_signature_of_the_brief_example_and_its_uses() -> None:
    assert (
        rust_signature(WORD_LENGTHS, "word_lengths")
        == "pub fn word_lengths(words: &[String], min_len: i64) -> HashMap<String, i64>"
    )
    assert rust_uses(WORD_LENGTHS, "word_lengths") == ["use std::collections::HashMap;"]


def test_none_return_has_no_arrow_and_keywords_become_raw_identifiers() -> None:
    code = "def type(match: str, move: set[int]) -> None:\n    pass\n"
    assert rust_signature(code, "type") == "pub fn r#type(r#match: &str, r#move: &HashSet<i64>)"
    assert rust_uses(code, "type") == ["use std::collections::HashSet;"]


def test_uses_lists_both_collections_sorted_and_nothing_for_plain_types() -> None:
    both = "def f(a: set[int]) -> dict[str, int]:\n    pass\n"
    assert rust_uses(both, "f") == [
        "use std::collections::HashMap;",
        "use std::collections::HashSet;",
    ]
    assert rust_uses("def g(a: list[int]) -> str:\n    pass\n", "g") == []


@pytest.mark.parametrize(
    "annotation",
    [
        "list",
        "float | int",
        "Union[int, str]",
        "dict[float, int]",
        "set[list[int]]",
        "tuple[int, ...]",
        "Foo",
        "list[Foo]",
        "Callable[[int], int]",
        "list[None]",
    ],
)
def test_unsupported_annotation_raises_naming_the_parameter(annotation: str) -> None:
    code = f"def f(count: int, items: {annotation}) -> int:\n    return count\n"
    with pytest.raises(UnsupportedSignature) as raised:
        rust_signature(code, "f")
    assert raised.value.parameter == "items"
    assert "'items'" in str(raised.value)
    assert isinstance(raised.value, ConfigError)


@pytest.mark.parametrize(
    ("code", "culprit"),
    [
        ("def f(a, b: int) -> int:\n    return b\n", "a"),
        ("def f(a: int):\n    return a\n", "return"),
        ("def f(a: int) -> Foo:\n    return a\n", "return"),
        ("def f(a: int, *rest: int) -> int:\n    return a\n", "rest"),
        ("def f(a: int, *, scale: int = 2) -> int:\n    return a\n", "scale"),
        ("def f(a: int, **options: int) -> int:\n    return a\n", "options"),
        ("def f(self: int) -> int:\n    return self\n", "self"),
        ("def f(a: None) -> int:\n    return 1\n", "a"),
    ],
)
def test_signatures_rust_cannot_call_raise_naming_the_culprit(code: str, culprit: str) -> None:
    with pytest.raises(UnsupportedSignature) as raised:
        rust_signature(code, "f")
    assert raised.value.parameter == culprit
    assert repr(culprit) in str(raised.value)


def test_unknown_or_async_entry_point_raises() -> None:
    with pytest.raises(UnsupportedSignature, match="no top-level function"):
        rust_signature("def f(a: int) -> int:\n    return a\n", "g")
    with pytest.raises(UnsupportedSignature, match="async"):
        rust_signature("async def f(a: int) -> int:\n    return a\n", "f")


def test_signature_convention_is_the_prompt_text_of_the_docstring() -> None:
    assert "`int` -> `i64`" in SIGNATURE_CONVENTION
    assert "`list[T]` -> `&[T']` as a parameter" in SIGNATURE_CONVENTION
    assert "`Optional[T]` / `T | None` -> `Option<T'>`" in SIGNATURE_CONVENTION
    assert "Test module" not in SIGNATURE_CONVENTION


# ---------------------------------------------------------------------------------------------
# Entry points, literals and case validation


def test_find_entry_point() -> None:
    assert find_entry_point("import math\n\ndef only(x: int) -> int:\n    return x\n") == "only"
    helpers = "def helper():\n    pass\n\ndef target():\n    pass\n\ndef main():\n    target()\n"
    assert find_entry_point(helpers) == "target"
    assert find_entry_point("def main():\n    pass\n") == "main"
    with pytest.raises(ConfigError, match="no top-level function"):
        find_entry_point("x = 1\n")
    with pytest.raises(ConfigError, match="no top-level function"):
        find_entry_point("def main():\n    pass\n\ndef main():\n    pass\n")


def test_rust_string_literal_escapes() -> None:
    assert rust_string_literal('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert rust_string_literal("a\nb\tc\rd\x01e\x7f") == '"a\\nb\\tc\\rd\\u{1}e\\u{7f}"'
    assert rust_string_literal("naïve 日本 {}") == '"naïve 日本 {}"'


def test_missing_trailing_arguments_take_the_literal_default() -> None:
    module = render_test_module(WORD_LENGTHS, "word_lengths", [FunctionCase((["ab"],), {"ab": 2})])
    assert "super::word_lengths(&[::std::string::String::from(\"ab\")], 0_i64)" in module
    assert "fn case_0()" in module
    assert "fn case_1()" not in module


@pytest.mark.parametrize(
    ("inputs", "expected", "message"),
    [
        ((["a"], 1.5), {}, "case 0, argument 'min_len'"),
        ((["a"], True), {}, "argument 'min_len'"),
        ((["a"], 2**63), {}, "outside the i64 range"),
        (("a", 1), {}, "argument 'words'"),
        ((["a"], 1), {"a": "1"}, "expected['a']"),
        ((["a"], 1), ["a"], "need a JSON object"),
        ((["a"], 1, 2), {}, "3 inputs but the function takes 2"),
        ((), {}, "no input for parameter 'words'"),
    ],
)
def test_case_values_that_do_not_fit_the_types_raise(
    inputs: tuple[Any, ...], expected: Any, message: str
) -> None:
    with pytest.raises(UnsupportedCaseValue) as raised:
        render_test_module(WORD_LENGTHS, "word_lengths", [FunctionCase(inputs, expected)])
    assert message in str(raised.value)


def test_json_object_keys_convert_to_int_keys_and_reject_non_integers() -> None:
    code = "def f(table: dict[int, str]) -> int:\n    return 0\n"
    module = render_test_module(code, "f", [FunctionCase(({"-3": "x"},), 0)])
    assert '(-3_i64, ::std::string::String::from("x"))' in module
    with pytest.raises(UnsupportedCaseValue, match="not an integer"):
        render_test_module(code, "f", [FunctionCase(({"three": "x"},), 0)])


# ---------------------------------------------------------------------------------------------
# libtest parsing (captured output; the slow tests below parse live output too)

CAPTURED_ABORT = """
running 3 tests
test single_shot_eval_harness::case_0 ... ok
test single_shot_eval_harness::case_1 ... """

CAPTURED_FAILURE = """
running 2 tests
test single_shot_eval_harness::case_0 ... FAILED
test single_shot_eval_harness::case_1 ... ok

failures:

---- single_shot_eval_harness::case_0 stdout ----

thread 'single_shot_eval_harness::case_0' (7561) panicked at t.rs:5:60:
case 0 failed
  inputs:   [2]
  expected: 5
  actual:   4
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/library/std/src/panicking.rs:689:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.


failures:
    single_shot_eval_harness::case_0

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.29s
"""


def test_parse_captured_failure_keeps_only_the_panic_message() -> None:
    outcome = parse_libtest_output(CAPTURED_FAILURE)
    assert (outcome.passed, outcome.failed, outcome.not_run) == (1, 1, 0)
    assert outcome.failures == (
        (
            "single_shot_eval_harness::case_0",
            "case 0 failed\n  inputs:   [2]\n  expected: 5\n  actual:   4",
        ),
    )


def test_parse_output_cut_short_by_an_abort() -> None:
    outcome = parse_libtest_output(CAPTURED_ABORT)
    assert (outcome.passed, outcome.failed, outcome.not_run) == (1, 2, 1)
    assert outcome.failures[0][0] == "single_shot_eval_harness::case_1"
    assert "aborted" in outcome.failures[0][1]
    assert not outcome.all_passed


def test_parse_empty_output_counts_nothing() -> None:
    outcome = parse_libtest_output("")
    assert (outcome.passed, outcome.failed, outcome.total) == (0, 0, 0)
    assert not outcome.all_passed


# ---------------------------------------------------------------------------------------------
# Bundled records: static checks (fast)


def test_records_have_the_promised_shape() -> None:
    records = load_records()
    assert len(records) == 33
    assert len({record["id"] for record in records}) == len(records)
    for record in records:
        assert set(record) <= RECORD_KEYS, record["id"]
        assert 6 <= len(record["test_cases"]) <= 12, record["id"]
        assert record["level"] in range(2, 8), record["id"]
        assert record["description"], record["id"]
        assert "fn main" not in record["reference_rust"], record["id"]
        assert find_entry_point(record["python_code"]) == record["entry_point"], record["id"]
    assert {record["level"] for record in records} == {3, 4, 5, 6, 7}
    assert sum("mutant_rust" in record for record in records) >= 8
    signatures = [rust_signature(r["python_code"], r["entry_point"]) for r in records]
    assert sum("f64" in sig.split("->")[-1] for sig in signatures) >= 3
    rich_types = ("Option<", "HashMap<", "Vec<Vec<")
    assert sum(any(kind in sig for kind in rich_types) for sig in signatures) >= 3


def test_records_levels_agree_with_the_classifier() -> None:
    from single_shot_eval.corpus.classify import classify_source

    for record in load_records():
        assert classify_source(record["python_code"]).level.number == record["level"], record["id"]


def test_records_load_through_the_corpus_loader() -> None:
    from single_shot_eval.corpus.loader import load_jsonl

    examples = load_jsonl(RECORDS_PATH)
    assert [example.id for example in examples] == [record["id"] for record in load_records()]
    assert all(example.function_cases and example.reference_rust for example in examples)


@pytest.mark.parametrize("record", load_records(), ids=lambda record: str(record["id"]))
def test_record_python_produces_every_expected_value(record: dict[str, Any]) -> None:
    for index, case in enumerate(record["test_cases"]):
        actual = run_python_entry_point(record["python_code"], record["entry_point"], case["input"])
        assert actual == case["expected"], f"{record['id']} case {index}"


# ---------------------------------------------------------------------------------------------
# Real rustc (slow)


@pytest.mark.slow
def test_references_pass_every_case_and_mutants_fail_one(tmp_path: Path) -> None:
    problems = []
    mutants_checked = 0
    for record in load_records():
        cases = record_cases(record)
        python_code, entry = record["python_code"], record["entry_point"]
        reference = run_harness(
            record["reference_rust"], python_code, entry, cases, tmp_path, f"{record['id']}_ref"
        )
        if (reference.passed, reference.failed) != (len(cases), 0):
            problems.append(f"{record['id']} reference: {reference}")
        if "mutant_rust" in record:
            mutants_checked += 1
            mutant = run_harness(
                record["mutant_rust"], python_code, entry, cases, tmp_path, f"{record['id']}_mut"
            )
            if mutant.failed == 0 or mutant.total != len(cases):
                problems.append(f"{record['id']} mutant not caught: {mutant}")
    assert problems == []
    assert mutants_checked >= 8


SUMS_PY = """
def sums(a: float, b: float) -> tuple[float, list[float | None], dict[str, float]]:
    total = a + b
    return total, [total, None], {"total": total}
"""
SUMS_RS = """
use std::collections::HashMap;

pub fn sums(a: f64, b: f64) -> (f64, Vec<Option<f64>>, HashMap<String, f64>) {
    let total = a + b;
    (total, vec![Some(total), None], HashMap::from([("total".to_string(), total)]))
}
"""


@pytest.mark.slow
def test_float_tolerance_anywhere_in_the_value(tmp_path: Path) -> None:
    def case(a: float, b: float, top: float, inner: Any, in_map: float) -> FunctionCase:
        return FunctionCase((a, b), [top, [inner, None], {"total": in_map}])

    assert 0.1 + 0.2 != 0.3
    cases = [
        case(0.1, 0.2, 0.3, 0.3, 0.3),  # 0: exact arithmetic differs, within tolerance
        case(0.1, 0.2, 0.3001, 0.3, 0.3),  # 1: a plain f64 off by 1e-4
        case(0.1, 0.2, 0.3, 0.3001, 0.3),  # 2: inside Vec<Option<f64>>
        case(0.1, 0.2, 0.3, 0.3, 0.3001),  # 3: a HashMap value
        case(1e-12, 0.0, 0.0, 0.0, 0.0),  # 4: absolute tolerance near zero
        case(1e20, 1e4, 1e20, 1e20, 1e20),  # 5: relative tolerance for large values
        case(0.1, 0.2, 0.3, None, 0.3),  # 6: None versus Some
        case(1.0, 1.0, 2.000000001, 2.0, 2.0),  # 7: relative error 5e-10: accepted
        case(1.0, 1.0, 2.00000001, 2.0, 2.0),  # 8: relative error 5e-9: rejected
    ]
    outcome = run_harness(SUMS_RS, SUMS_PY, "sums", cases, tmp_path, "sums")
    assert outcome.passed == 4
    assert failed_case_names(outcome) == {"case_1", "case_2", "case_3", "case_6", "case_8"}


ECHO_PY = """
from typing import Optional

def echo_all(
    count: int, ratio: float, flag: bool, name: str, tags: list[str], pair: tuple[int, str],
    scores: dict[str, list[float]], ids: set[int], nickname: Optional[str],
    grid: list[list[int]], lookup: dict[int, bool], maybe_ratio: float | None = None,
) -> tuple[int, float, bool, str, list[str], tuple[int, str], dict[str, list[float]], set[int],
           Optional[str], list[list[int]], dict[int, bool], Optional[float]]:
    return (count, ratio, flag, name, tags, pair, scores, ids, nickname, grid, lookup, maybe_ratio)
"""
ECHO_SIGNATURE = (
    "pub fn echo_all(count: i64, ratio: f64, flag: bool, name: &str, tags: &[String], "
    "pair: (i64, String), scores: &HashMap<String, Vec<f64>>, ids: &HashSet<i64>, "
    "nickname: Option<String>, grid: &[Vec<i64>], lookup: &HashMap<i64, bool>, "
    "maybe_ratio: Option<f64>) -> (i64, f64, bool, String, Vec<String>, (i64, String), "
    "HashMap<String, Vec<f64>>, HashSet<i64>, Option<String>, Vec<Vec<i64>>, HashMap<i64, bool>, "
    "Option<f64>)"
)
ECHO_BODY = """ {
    (count, ratio, flag, name.to_string(), tags.to_vec(), pair, scores.clone(), ids.clone(),
     nickname, grid.to_vec(), lookup.clone(), maybe_ratio)
}

// Names a careless harness could clash with: all must be shadowed or fully qualified.
pub struct Vec3;
pub const TOLERANCE: f64 = 0.5;
pub fn harness_check() {}
pub mod tests {}
"""


@pytest.mark.slow
def test_every_supported_type_round_trips_through_rust_literals(tmp_path: Path) -> None:
    inf, nan = float("inf"), float("nan")
    typical = [5, 2.5, True, 'héllo "q" \\ \n\t\x01 {}', ["a", "b"], [1, "x"],
               {"s": [0.1, 2.0]}, [3, 1, 2], "nick", [[1, 2], [3]], {"1": True, "-2": False}, 0.5]
    extremes = [-(2**63), -0.0, False, "", [], [0, ""], {}, [], None, [], {}]
    infinities = [2**63 - 1, inf, True, "日本", ["日本"], [0, "z"], {"k": [nan]}, [0], "",
                  [[]], {"0": False}, -inf]
    wrong_set = [*typical[:7], [3, 1], *typical[8:]]
    wrong_float = [*typical[:6], {"s": [0.1001, 2.0]}, *typical[7:]]
    cases = [
        FunctionCase(tuple(typical), typical),
        FunctionCase(tuple(extremes), [*extremes, None]),
        FunctionCase(tuple(infinities), infinities),
        FunctionCase(tuple(typical), wrong_set),
        FunctionCase(tuple(typical), wrong_float),
    ]
    assert rust_signature(ECHO_PY, "echo_all") == ECHO_SIGNATURE
    candidate = "\n".join(rust_uses(ECHO_PY, "echo_all")) + "\n" + ECHO_SIGNATURE + ECHO_BODY
    outcome = run_harness(candidate, ECHO_PY, "echo_all", cases, tmp_path, "echo")
    assert outcome.passed == 3
    assert failed_case_names(outcome) == {"case_3", "case_4"}


KEYWORD_PY = "def type(match: str, loop: list[int]) -> None:\n    pass\n"
KEYWORD_RS = "pub fn r#type(r#match: &str, r#loop: &[i64]) {\n    let _ = (r#match, r#loop);\n}\n"


@pytest.mark.slow
def test_keyword_names_and_unit_return_compile(tmp_path: Path) -> None:
    assert rust_signature(KEYWORD_PY, "type") + " {" == KEYWORD_RS.split("\n")[0]
    cases = [FunctionCase(("x", [1]), None), FunctionCase(("", []), None)]
    outcome = run_harness(KEYWORD_RS, KEYWORD_PY, "type", cases, tmp_path, "keywords")
    assert (outcome.passed, outcome.failed) == (2, 0)


HALVE_PY = "def halve(n: int) -> int:\n    return n // 2\n"
HALVE_RS = """
pub fn halve(n: i64) -> i64 {
    if n == 7 {
        let empty: Vec<i64> = Vec::new();
        return empty[3];
    }
    n / 2
}

#[cfg(test)]
mod tests {
    #[test]
    fn candidate_own_test() {
        panic!("the candidate's own failing test");
    }
}
"""
HALVE_CASES = [
    FunctionCase((4,), 2),
    FunctionCase((-3,), -2),  # Python floors, Rust truncates: -1
    FunctionCase((7,), 3),  # the candidate panics
    FunctionCase((10,), 5),
]


@pytest.mark.slow
def test_parse_live_output_with_failures_panics_and_candidate_tests(tmp_path: Path) -> None:
    module = render_test_module(HALVE_PY, "halve", HALVE_CASES)
    binary = compile_test_binary(HALVE_RS + module, tmp_path, "halve")

    filtered = parse_libtest_output(run_test_binary(binary, backtrace="1"))
    assert (filtered.passed, filtered.failed) == (2, 2)
    messages = dict(filtered.failures)
    wrong = messages[f"{HARNESS_TEST_FILTER}case_1"]
    assert wrong == "case 1 failed\n  inputs:   [-3]\n  expected: -2\n  actual:   -1"
    assert "index out of bounds" in messages[f"{HARNESS_TEST_FILTER}case_2"]
    assert "stack backtrace" not in messages[f"{HARNESS_TEST_FILTER}case_2"]

    everything = run_test_binary(binary, ["--test-threads=1"])
    assert parse_libtest_output(everything).failed == 3
    only_harness = parse_libtest_output(everything, name_prefix=HARNESS_TEST_FILTER)
    assert (only_harness.passed, only_harness.failed) == (2, 2)


DEPTH_PY = "def depth(n: int) -> int:\n    return n\n"
DEPTH_RS = """
pub fn depth(n: i64) -> i64 {
    if n == 2 {
        return 1 + depth(n);
    }
    n
}
"""


@pytest.mark.slow
def test_parse_live_output_of_an_aborted_run(tmp_path: Path) -> None:
    cases = [FunctionCase((1,), 1), FunctionCase((2,), 2), FunctionCase((3,), 3)]
    outcome = run_harness(DEPTH_RS, DEPTH_PY, "depth", cases, tmp_path, "depth")
    assert (outcome.passed, outcome.failed, outcome.not_run) == (1, 2, 1)
    assert outcome.failures[0][0] == f"{HARNESS_TEST_FILTER}case_1"
