"""Controls before contestants: reference.rs must pass and mutant.rs must fail, or the example is
broken, named, and left out (`evaluate`, `check`). Real rustc, Python oracle and sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from single_shot_eval.config import EvaluationSettings, Prompts, TaskConfig, TaskInfo
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.models.registry import resolve_model_specs
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.records import Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.controls import CONTROL_KEY_PREFIX, ControlStatus, check_controls
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.verify.verifier import VerificationPolicy, VerificationResult, Verifier
from tests.conftest import run_cli

COUNT_PY = "import sys\nprint(len(sys.argv) - 1)\n"
COUNT_RS = 'fn main() {\n    println!("{}", std::env::args().count() - 1);\n}\n'
OFF_BY_ONE_RS = 'fn main() {\n    println!("{}", std::env::args().count());\n}\n'
CONSTANT_ZERO_RS = 'fn main() {\n    println!("0");\n}\n'


def _example(root: Path, name: str, python: str, reference: str, mutant: str | None,
             cases: str = '  - name: none\n    args: []\n  - name: two\n    args: ["a", "b"]\n'
             ) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(python)
    (folder / "cases.yaml").write_text("cases:\n" + cases)
    (folder / "reference.rs").write_text(reference)
    if mutant is not None:
        (folder / "mutant.rs").write_text(mutant)


@pytest.fixture
def corpus_root(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _example(root, "a_good", COUNT_PY, COUNT_RS, OFF_BY_ONE_RS)
    # The reference is wrong: the checks reject a "known-good" translation.
    _example(root, "b_bad_reference", "# b\n" + COUNT_PY, OFF_BY_ONE_RS, None)
    # Only a no-argument case: the mutant that always prints 0 slips through.
    _example(root, "c_lax_cases", "# c\n" + COUNT_PY, COUNT_RS, CONSTANT_ZERO_RS,
             cases="  - name: none\n    args: []\n")
    return root


def test_controls_name_the_broken_examples_and_why(corpus_root: Path) -> None:
    report = check_controls(load_corpus(corpus_root).examples, Verifier())
    by_id = {item.example_id: item for item in report.examples}
    assert [(i.example_id, i.reference, i.mutant, i.status) for i in report.examples] == [
        ("a_good", Verdict.PASS, Verdict.BEHAVIOUR_MISMATCH, ControlStatus.OK),
        ("b_bad_reference", Verdict.BEHAVIOUR_MISMATCH, None, ControlStatus.BROKEN),
        ("c_lax_cases", Verdict.PASS, Verdict.PASS, ControlStatus.BROKEN),
    ]
    assert report.broken_ids == {"b_bad_reference", "c_lax_cases"}
    assert by_id["b_bad_reference"].reason.startswith("reference.rs does not pass")
    assert "mutant.rs passes every check" in by_id["c_lax_cases"].reason
    assert report.warning_lines()[0].startswith("example b_bad_reference is broken and excluded")


def test_an_example_whose_oracle_cannot_finish_is_broken(tmp_path: Path) -> None:
    _example(tmp_path, "sleepy", "import time\ntime.sleep(2)\nprint(0)\n", CONSTANT_ZERO_RS, None,
             cases="  - name: none\n    args: []\n")
    hurried = Verifier(policy=VerificationPolicy(run_timeout_s=0.5))
    report = check_controls(load_corpus(tmp_path).examples, hurried)
    (item,) = report.examples
    assert (item.reference, item.status) == (Verdict.HARNESS_ERROR, ControlStatus.BROKEN)
    assert "timed out after 0.5 s" in item.reason


class _ExplodingVerifier(Verifier):
    """Our machinery fails on one example: its controls become harness errors, the rest go on."""

    def verify(self, code: str | None, example: Example) -> VerificationResult:
        if example.id == "b_bad_reference":
            raise RuntimeError("the sandbox exploded")
        return super().verify(code, example)


def test_a_verifier_that_raises_breaks_only_that_example(corpus_root: Path) -> None:
    report = check_controls(load_corpus(corpus_root).examples, _ExplodingVerifier())
    by_id = {item.example_id: item for item in report.examples}
    exploded = by_id["b_bad_reference"]
    assert (exploded.reference, exploded.status) == (Verdict.HARNESS_ERROR, ControlStatus.BROKEN)
    assert "RuntimeError: the sandbox exploded" in exploded.reason
    assert by_id["a_good"].status is ControlStatus.OK


def test_evaluate_leaves_broken_examples_out_and_warns(corpus_root: Path, tmp_path: Path) -> None:
    task = TaskConfig(
        task=TaskInfo(id="controls-check"),
        evaluation=EvaluationSettings(runs=1),
        prompts=Prompts(user_template="Translate:\n{python_code}"),
    )
    warnings: list[str] = []
    out = tmp_path / "out"
    outcome = evaluate(
        [task], resolve_model_specs("reference"), load_corpus(corpus_root),
        RunOptions(output=out),
        on_warning=warnings.append,
    )
    assert [b.example_id for b in outcome.broken_examples] == ["b_bad_reference", "c_lax_cases"]
    assert len(warnings) == 2
    assert "b_bad_reference" in warnings[0] and "c_lax_cases" in warnings[1]
    with ResultStore(outcome.store_path, create=False) as store:
        samples = list(store.iter_samples())
        verdict_keys = store.cache(CacheNamespace.VERDICTS).keys()
        control_keys = [k for k in verdict_keys if k.startswith(CONTROL_KEY_PREFIX)]
        recorded = json.loads(store.get_meta("broken_examples") or "[]")
    assert [(s.example_id, s.verdict) for s in samples] == [("a_good", Verdict.PASS)]
    # Five control verdicts (three references, two mutants), cached in the store.
    assert len(control_keys) == 5
    assert [row["example"] for row in recorded] == ["b_bad_reference", "c_lax_cases"]

    # Resumed: the controls come from the cache, and the same examples stay out.
    again = evaluate(
        [task], resolve_model_specs("reference"), load_corpus(corpus_root),
        RunOptions(output=out, resume=True),
        on_warning=warnings.append,
    )
    assert (again.completed, again.skipped) == (0, 1)
    assert [b.example_id for b in again.broken_examples] == ["b_bad_reference", "c_lax_cases"]


def test_check_command_prints_the_table_and_exits_1_on_a_broken_example(
    corpus_root: Path, tmp_path: Path
) -> None:
    result = run_cli("check", "--corpus", str(corpus_root))
    assert result.returncode == 1, result.stderr
    for text in ("a_good", "b_bad_reference", "c_lax_cases", "behaviour_mismatch", "broken",
                 "3 examples, 3 with controls, 2 broken"):
        assert text in result.stdout

    good_only = tmp_path / "good"
    _example(good_only, "a_good", COUNT_PY, COUNT_RS, OFF_BY_ONE_RS)
    result = run_cli("check", "--corpus", str(good_only), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{
        "example": "a_good", "reference": "pass", "mutant": "behaviour_mismatch",
        "status": "ok", "reason": "",
    }]
