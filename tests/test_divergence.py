"""The divergence taxonomy: failing cases labelled by what distinguishes them (a seed, a seed's
mutation, a negative operand of `%`, non-ASCII text, ...), counted per contestant, shown by every
report and carried per sample by results.json. Fixtures are written here."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from single_shot_eval.analysis.divergence import passes_seed_cases
from single_shot_eval.casegen import CaseCache
from single_shot_eval.casegen.functions import prepare_function_example
from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseDerivation,
    CaseOrigin,
    Example,
    FunctionCase,
)
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.report.data import load_report_data
from single_shot_eval.report.formats.json import results_document
from single_shot_eval.report.formats.md import render_markdown
from single_shot_eval.report.terminal import render_divergences
from single_shot_eval.results.records import (
    Divergence,
    DivergenceKind,
    Sample,
    StageResult,
    Verdict,
)
from single_shot_eval.results.store import ResultStore
from single_shot_eval.sandbox import Sandbox
from single_shot_eval.verify.divergence import (
    divides_with_floor,
    function_case_divergence,
    program_case_divergence,
    same_but_for_float_format,
)
from single_shot_eval.verify.verdicts import VerdictCache
from single_shot_eval.verify.verifier import Verifier

K = DivergenceKind


def test_float_formatting_is_the_same_numbers_written_differently() -> None:
    assert same_but_for_float_format("mean 2.50\n", "mean 2.5\n")
    assert same_but_for_float_format("x=3.0", "x=3")
    assert same_but_for_float_format("1e-05", "0.00001")
    assert same_but_for_float_format("0.333", "0.3333333333")  # rounded to the coarser
    assert not same_but_for_float_format("2.5", "2.5")  # no difference at all
    assert not same_but_for_float_format("2.5", "2.6")
    assert not same_but_for_float_format("mean 2.5", "avg 2.5")
    assert not same_but_for_float_format("1 2", "1")


def test_floor_division_is_read_from_the_code_not_from_string_formatting() -> None:
    assert divides_with_floor("def f(a, b):\n    return a % b\n")
    assert divides_with_floor("def f(a, b):\n    a //= b\n    return a\n")
    assert divides_with_floor("def f(a, b):\n    return divmod(a, b)\n")
    assert not divides_with_floor("def f(a):\n    return '%d items' % a\n")
    assert not divides_with_floor("def f(a, b):\n    return a / b\n")


MOD_SOURCE = "def f(a: int, b: int) -> int:\n    return a % b\n"
MISMATCH = "case {i} failed\n  inputs:   [{a}, 3]\n  expected: {e}\n  actual:   {x}"


def test_a_function_case_is_labelled_by_its_input_its_origin_and_its_outcome() -> None:
    negative = FunctionCase((-7, 3), 2, CaseOrigin.GENERATED, CaseDerivation.SEED)
    d = function_case_divergence(MOD_SOURCE, 0, negative, MISMATCH.format(i=0, a=-7, e=2, x=-1))
    assert d.case == "case 0" and d.kinds == (K.SEED, K.NEGATIVE_DIVISION)
    big = FunctionCase((2**40, 3), 1, CaseOrigin.GENERATED, CaseDerivation.SEED_MUTATION)
    d = function_case_divergence(MOD_SOURCE, 1, big, "attempt to multiply with overflow")
    assert d.kinds == (K.SEED_MUTATION, K.INTEGER_OVERFLOW, K.PANIC)
    text = FunctionCase(("héllo", ""), "olléh", CaseOrigin.GENERATED)
    d = function_case_divergence("def f(s, t):\n    return s[::-1]\n", 2, text,
                                 MISMATCH.format(i=2, a='"x"', e='"olléh"', x='"oll\\u00e9h"'))
    assert d.kinds == (K.NON_ASCII, K.EMPTY_INPUT)
    plain = FunctionCase((5, 3), 2, CaseOrigin.GENERATED)
    d = function_case_divergence(MOD_SOURCE, 3, plain, MISMATCH.format(i=3, a=5, e=2, x=1))
    assert d.kinds == (K.OTHER,)
    # a hand-written case is a seed whatever its derivation field says
    hand = FunctionCase((5, 3), 2)
    d = function_case_divergence(MOD_SOURCE, 4, hand, MISMATCH.format(i=4, a=5, e=2, x=1))
    assert d.kinds == (K.SEED,)
    d = function_case_divergence(MOD_SOURCE, 5, plain, "", timed_out=True)
    assert d.kinds == (K.TIMEOUT,)


def test_a_program_case_is_labelled_by_argv_stdin_and_the_two_outputs() -> None:
    case = BehaviourCase("neg", ("-7", "3"), origin=CaseOrigin.GENERATED)
    d = program_case_divergence("import sys\nprint(int(sys.argv[1]) % 3)\n", case, "2\n", "-1\n",
                                "", panicked=False, timed_out=False)
    assert d.case == "neg" and d.kinds == (K.NEGATIVE_DIVISION,)
    case = BehaviourCase("mean", ("1", "2"), origin=CaseOrigin.GENERATED)
    d = program_case_divergence("print(1.5)\n", case, "1.50\n", "1.5\n", "", panicked=False,
                                timed_out=False)
    assert d.kinds == (K.FLOAT_FORMATTING,)
    d = program_case_divergence("print(1)\n", BehaviourCase("bare"), "1\n", "", "thread 'main' "
                                "panicked", panicked=True, timed_out=False)
    assert d.kinds == (K.SEED, K.EMPTY_INPUT, K.PANIC)


WRAP = {
    "id": "wrap_index",
    "python_code": (
        "def wrap_index(i: int, n: int) -> int:\n"
        '    """The index i wrapped into range(n), as Python indexes a ring buffer.\n\n'
        "    >>> wrap_index(-1, 5)\n    4\n"
        '    """\n'
        "    return i % n\n"
    ),
    "entry_point": "wrap_index",
    "test_cases": [{"input": [7, 5], "expected": 2}, {"input": [0, 3], "expected": 0}],
}
RIGHT = """pub fn wrap_index(i: i64, n: i64) -> i64 {
    let r = i % n;
    if r != 0 && (r < 0) != (n < 0) { r + n } else { r }
}
"""
TRUNCATING = "pub fn wrap_index(i: i64, n: i64) -> i64 {\n    i % n\n}\n"


@pytest.fixture(scope="module")
def wrap(tmp_path_factory: pytest.TempPathFactory) -> Example:
    folder = tmp_path_factory.mktemp("wrap")
    path = folder / "records.jsonl"
    path.write_text(json.dumps(WRAP) + "\n", encoding="utf-8")
    (example,) = load_corpus(path).examples
    return prepare_function_example(example, Sandbox(), cache=CaseCache(folder / "cache")).example


@pytest.mark.slow
def test_the_verifier_labels_the_failing_cases_of_a_real_translation(wrap: Example) -> None:
    derivations = [c.derivation for c in wrap.function_cases if c.origin is CaseOrigin.GENERATED]
    assert derivations[0] is CaseDerivation.SEED  # the doctest call
    assert CaseDerivation.SEED_MUTATION in derivations and CaseDerivation.NONE in derivations
    seeds = 2 + derivations.count(CaseDerivation.SEED) + derivations.count(
        CaseDerivation.SEED_MUTATION)
    verifier = Verifier(sandbox=Sandbox(), cache=VerdictCache())

    right = verifier.verify(RIGHT, wrap)
    assert right.verdict is Verdict.PASS
    (tests,) = [s for s in right.stages if s.stage == "tests"]
    assert tests.divergences == () and tests.seed_checks == seeds

    wrong = verifier.verify(TRUNCATING, wrap)
    assert wrong.verdict is Verdict.TEST_FAILURE
    (tests,) = [s for s in wrong.stages if s.stage == "tests"]
    assert tests.seed_checks == seeds
    assert len(tests.divergences) == tests.checks_total - tests.checks_passed > 0
    # the doctest's own call is among the failures, labelled a seed with a negative operand
    first_generated = len([c for c in wrap.function_cases if c.origin is CaseOrigin.HAND_WRITTEN])
    labelled = {d.case: d.kinds for d in tests.divergences}
    assert labelled[f"case {first_generated}"] == (K.SEED, K.NEGATIVE_DIVISION)
    assert all(K.NEGATIVE_DIVISION in kinds for kinds in labelled.values())
    assert not passes_seed_cases(_sample("m", "wrap", Verdict.TEST_FAILURE, tests))


def _sample(model: str, example: str, verdict: Verdict, *stages: StageResult) -> Sample:
    return Sample(
        task_id="t", model_id=model, run=1, example_id=example, level=3,
        prompt_sha256="00" * 32, completion="", extracted_code="fn x() {}", input_tokens=1,
        output_tokens=1, tokens_estimated=False, latency_s=0.1, cost_usd=0.0, verdict=verdict,
        stages=(StageResult("compile", verdict.compiled, 0.1), *stages),
    )


def _failing(*kinds: tuple[DivergenceKind, ...], total: int = 4) -> StageResult:
    divergences = tuple(Divergence(f"case {i}", k) for i, k in enumerate(kinds))
    return StageResult("tests", False, 0.1, "x", total, total - len(kinds),
                       divergences=divergences, seed_checks=2)


def test_the_seed_only_rate_forgives_only_labelled_failures_of_other_cases() -> None:
    assert passes_seed_cases(_sample("m", "a", Verdict.PASS))
    assert not passes_seed_cases(_sample("m", "a", Verdict.COMPILE_ERROR))
    assert passes_seed_cases(_sample("m", "a", Verdict.TEST_FAILURE, _failing((K.OTHER,))))
    assert not passes_seed_cases(
        _sample("m", "a", Verdict.TEST_FAILURE, _failing((K.OTHER,), (K.SEED_MUTATION,))))
    # a failing case nobody labelled (not run, or stored before the taxonomy) counts against
    unlabelled = StageResult("tests", False, 0.1, "x", 4, 2, divergences=(
        Divergence("case 3", (K.OTHER,)),))
    assert not passes_seed_cases(_sample("m", "a", Verdict.TEST_FAILURE, unlabelled))
    assert not passes_seed_cases(_sample("m", "a", Verdict.TEST_FAILURE,
                                         StageResult("pytest", False, 0.1)))


def _store(path: Path) -> Path:
    with ResultStore(path) as store:
        store.add_sample(_sample("alpha", "a", Verdict.PASS))
        store.add_sample(_sample("alpha", "b", Verdict.TEST_FAILURE,
                                 _failing((K.NEGATIVE_DIVISION, K.OTHER))))
        store.add_sample(_sample("beta", "a", Verdict.TEST_FAILURE,
                                 _failing((K.SEED, K.NON_ASCII), (K.NON_ASCII,))))
        store.add_sample(_sample("beta", "b", Verdict.COMPILE_ERROR))
    return path


def test_reports_and_results_json_show_the_kinds_per_contestant(tmp_path: Path) -> None:
    data = load_report_data(_store(tmp_path / "results.sqlite"))
    rows = {m.model_id: m for m in data.divergences.models}
    assert (rows["alpha"].passes, rows["alpha"].seed_passes) == (1, 2)
    assert (rows["beta"].passes, rows["beta"].seed_passes) == (0, 0)
    assert dict(rows["beta"].by_kind) == {K.SEED: 1, K.NON_ASCII: 1}  # once per sample

    document = results_document(data)
    by_model = {row["model_id"]: row for row in document["divergences"]}
    assert by_model["alpha"]["samples_by_kind"] == {"negative_division": 1, "other": 1}
    assert by_model["alpha"]["seed_cases_only_pass_rate"] == 1.0
    stages = [s for sample in document["samples"] for s in sample["stages"]
              if sample["model_id"] == "beta" and s["stage"] == "tests"]
    assert stages[0]["divergences"][0] == {"case": "case 0", "kinds": ["seed", "non_ascii"]}

    markdown = render_markdown(data)
    assert "## Where the translations part from the Python" in markdown
    assert "| `beta` | 0.0% (0/2) | 0.0% (0/2) | 1 | 1 | 0 | 1 | 0 |" in markdown

    out = io.StringIO()
    render_divergences(Console(file=out, width=80, color_system=None), data.divergences)
    text = out.getvalue()
    assert "negative % or //" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
