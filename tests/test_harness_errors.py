"""`harness_error`: our machinery failed, not the model. Stored with its reason, shown in every
report, left out of every accuracy denominator, and redone by `evaluate --resume`."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from single_shot_eval.analysis.aggregate import summarize_model, summarize_task
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.config import TaskConfig, load_tasks
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.models.registry import resolve_model_specs
from single_shot_eval.report.build import write_reports
from single_shot_eval.results.records import Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore, store_path
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.verify.verifier import VerificationResult, Verifier


def _sample(model: str, run: int, example: str, verdict: Verdict) -> Sample:
    stages = (StageResult("compile", verdict.compiled, 0.1),)
    if verdict in (Verdict.PASS, Verdict.BEHAVIOUR_MISMATCH):
        stages += (StageResult("behaviour", verdict.passed, 0.1),)
    return Sample(
        task_id="t", model_id=model, run=run, example_id=example, level=1,
        prompt_sha256="0" * 64, completion="x", extracted_code="x", input_tokens=10,
        output_tokens=5, tokens_estimated=False, latency_s=1.0, cost_usd=0.01, verdict=verdict,
        stages=() if verdict is Verdict.HARNESS_ERROR else stages,
    )


def test_harness_errors_are_counted_apart_and_left_out_of_every_rate() -> None:
    samples = [
        _sample("a", 1, "e0", Verdict.PASS),
        _sample("a", 1, "e1", Verdict.HARNESS_ERROR),
        _sample("a", 1, "e2", Verdict.BEHAVIOUR_MISMATCH),
        _sample("a", 1, "e3", Verdict.HARNESS_ERROR),
        _sample("b", 1, "e0", Verdict.PASS),
        _sample("b", 1, "e1", Verdict.PASS),
        _sample("b", 1, "e2", Verdict.PASS),
        _sample("b", 1, "e3", Verdict.COMPILE_ERROR),
        _sample("c", 1, "e0", Verdict.HARNESS_ERROR),  # nothing but harness errors
    ]
    task = summarize_task(samples, level_weights={1: 1.0}, bootstrap_resamples=200)
    a = task.model("a")
    assert (a.n_samples, a.n_examples, a.pass_at_1, a.compile_rate) == (2, 2, 0.5, 1.0)
    assert a.harness_errors == 2
    assert a.verdict_counts[Verdict.HARNESS_ERROR.value] == 2
    assert a.nominal_cost_usd == pytest.approx(0.02)
    assert any("harness error" in note for note in a.notes)
    b = task.model("b")
    assert (b.n_samples, b.pass_at_1, b.harness_errors) == (4, 0.75, 0)
    assert [m.model_id for m in task.models] == ["a", "b"]
    assert task.harness_errors == {"a": 2, "c": 1}
    # the pair is compared on the examples both models have counted samples for
    (comparison,) = task.comparisons
    assert comparison.n_common_examples == 2
    assert summarize_model(samples[:4], level_weights={1: 1.0}, bootstrap_resamples=200) == a


def test_a_task_of_nothing_but_harness_errors_is_a_clear_error() -> None:
    samples = [_sample("a", 1, "e0", Verdict.HARNESS_ERROR)]
    with pytest.raises(AnalysisError, match="all 1 samples are harness_error"):
        summarize_task(samples, level_weights={1: 1.0})
    with pytest.raises(AnalysisError, match="every sample is a harness_error"):
        summarize_model(samples, level_weights={1: 1.0})


@pytest.fixture(scope="module")
def task() -> TaskConfig:
    return load_tasks(None)[0]


@pytest.fixture(scope="module")
def two_programs(bundled_corpus: Corpus) -> Corpus:
    examples = tuple(e for e in bundled_corpus if e.kind == "program")[:2]
    assert len(examples) == 2
    return dataclasses.replace(bundled_corpus, examples=examples)


def _stored(out: Path) -> dict[str, Sample]:
    with ResultStore(store_path(out), create=False) as store:
        return {s.example_id: s for s in store.iter_samples()}


def test_a_verifier_that_raises_stores_harness_error_and_resume_reverifies_it(
    tmp_path: Path,
    task: TaskConfig,
    two_programs: Corpus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken_example = two_programs.examples[1].id
    original = Verifier.verify
    calls: list[str] = []

    def failing_verify(self: Verifier, code: str | None, example: Example) -> VerificationResult:
        calls.append(example.id)
        if example.id == broken_example:
            raise RuntimeError("the sandbox exploded")
        return original(self, code, example)

    monkeypatch.setattr(Verifier, "verify", failing_verify)
    out = tmp_path / "out"
    reference = resolve_model_specs("reference")
    # Controls off: this test is about a contestant's verification failing (the controls'
    # own handling of a raising verifier is tested in test_controls.py).
    outcome = evaluate(
        [task], reference, two_programs,
        RunOptions(output=out, runs=1, max_retries=1, use_cache=False, controls=False),
    )
    assert (outcome.completed, outcome.retries, outcome.lost_units) == (2, 1, 1)
    assert calls.count(broken_example) == 2  # one try and one retry
    stored = _stored(out)
    broken = stored[broken_example]
    assert broken.verdict is Verdict.HARNESS_ERROR
    assert "failed 2 times inside the harness" in broken.error
    assert "RuntimeError: the sandbox exploded" in broken.error
    assert "in failing_verify" in broken.error  # where our machinery failed
    assert broken.completion  # the model's answer is kept
    assert stored[two_programs.examples[0].id].verdict is Verdict.PASS

    # Every report leaves it out of the denominator and says how many there were.
    document = write_reports(store_path(out), out, formats=("json", "md", "csv", "html"))
    # `reference` is a harness control: its summary sits in the self-check, not among models.
    (control,) = document["summary"]["tasks"][0]["controls"]
    summary = control["summary"]
    assert (summary["pass_at_1"], summary["n_samples"], summary["harness_errors"]) == (1.0, 1, 1)
    assert document["summary"]["tasks"][0]["harness_errors"] == {"reference": 1}
    markdown = (out / "report.md").read_text()
    assert "| `reference` | reference | 100% | 100.0% | 1/1 | ok | – |" in markdown
    assert "Harness errors: `reference`: 1 (" in markdown
    assert "Harness errors: reference: 1 (" in (out / "report.html").read_text()
    rows = list(csv.DictReader((out / "samples.csv").open()))
    assert {(r["verdict"], r["counts_for_model"]) for r in rows} == {
        ("pass", "1"), ("harness_error", "0"),
    }
    terminal = Console(file=io.StringIO(), width=200, color_system=None)
    write_reports(store_path(out), out, formats=("json",), console=terminal)
    shown = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert "harness errors: reference: 1 (harness_error: this tool's machinery failed" in shown

    # --resume redoes it: the stored answer is verified again, no model is asked anew.
    monkeypatch.setattr(Verifier, "verify", original)
    again = evaluate(
        [task], reference, two_programs,
        RunOptions(output=out, runs=1, resume=True, use_cache=False),
    )
    assert (again.completed, again.skipped, again.model_calls) == (1, 1, 0)
    redone = _stored(out)[broken_example]
    assert redone.verdict is Verdict.PASS
    assert redone.error == ""
    assert redone.completion == broken.completion
    final = write_reports(store_path(out), out, formats=("json",))
    summary = final["summary"]["tasks"][0]["controls"][0]["summary"]
    assert (summary["pass_at_1"], summary["n_samples"], summary["harness_errors"]) == (1.0, 2, 0)
    assert json.loads((out / "results.json").read_text())["summary"]["tasks"][0][
        "harness_errors"
    ] == {}
