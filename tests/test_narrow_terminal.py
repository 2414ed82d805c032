"""What a user reads in a pipe, a log or CI: 80 columns, no figure cut, honest control lines,
format-only failures counted, and a progress that does not try to redraw."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from single_shot_eval.analysis.aggregate import summarize
from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.report.terminal import render_summary, self_check_line
from single_shot_eval.results.records import Verdict
from single_shot_eval.run.progress import EvaluationProgress
from tests.test_aggregate import grid, sample

WEIGHTS = {1: 1.0}
LONG_IDS = ("qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct", "smollm2-135m")


def _narrow(text_width: int, samples: list) -> str:  # type: ignore[type-arg]
    summary = summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=200)
    buffer = io.StringIO()
    render_summary(Console(file=buffer, width=text_width, color_system=None), summary)
    return buffer.getvalue()


def _contestants() -> list:  # type: ignore[type-arg]
    return (
        grid(LONG_IDS[0], [[True] * 18 + [False] * 2], cost_usd=0.0123)
        + grid(LONG_IDS[1], [[True] * 9 + [False] * 11], cost_usd=0.0045)
        + grid(LONG_IDS[2], [[False] * 20], cost_usd=0.0)
    )


def test_the_summary_fits_80_columns_without_cutting_a_figure() -> None:
    text = _narrow(80, _contestants())
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for model in LONG_IDS:  # ids are folded at most, never dropped
        assert model in text.replace("\n", "").replace(" ", "").replace("│", "")
    assert "90.0%" in text and "45.0%" in text  # the pass@1 figures, whole


def test_a_wide_terminal_shows_the_same_figures_on_fewer_lines() -> None:
    narrow, wide = _narrow(80, _contestants()), _narrow(200, _contestants())
    assert "…" not in wide
    assert len(wide.splitlines()) < len(narrow.splitlines())


def test_a_corpus_without_reference_translations_is_not_applicable_not_failed() -> None:
    samples = _contestants() + [
        sample("reference", 0, f"e{i}", verdict=Verdict.NO_CODE, cost_usd=0.0,
               extra={"control": "reference"})
        for i in range(20)
    ]
    (task,) = summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=200).tasks
    line = self_check_line(task)
    assert line.startswith("self-check not applicable")
    assert "FAILED" not in line
    assert [m.model_id for m in task.models] == sorted(LONG_IDS)  # contestants still ranked


def test_a_reference_missing_for_some_examples_still_fails() -> None:
    samples = _contestants() + [
        sample("reference", 0, f"e{i}", verdict=Verdict.NO_CODE if i == 3 else None,
               cost_usd=0.0, extra={"control": "reference"})
        for i in range(20)
    ]
    (task,) = summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=200).tasks
    assert self_check_line(task).startswith("self-check FAILED")


def test_answers_that_are_only_the_signature_are_counted_as_format_only() -> None:
    samples = grid("m", [[True, False, False]])
    samples[1] = samples[1].model_copy(update={"extracted_code": "pub fn entry(x: i64) -> i64;"})
    samples[2] = samples[2].model_copy(
        update={"extracted_code": "pub fn entry(x: i64) -> i64 { x + 1 }"}
    )
    (task,) = summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=200).tasks
    assert task.model("m").format_only_failures == 1
    assert "format-only" in _narrow(80, samples)


def test_progress_in_a_pipe_prints_plain_lines_not_a_cut_bar() -> None:
    from single_shot_eval.run.plan import EvaluationPlan

    buffer = io.StringIO()
    console = Console(file=buffer, width=80, color_system=None)  # a file: not a terminal
    progress = EvaluationProgress(console)
    units = tuple(type("Unit", (), {"turn": 0})() for _ in range(20))
    plan = EvaluationPlan.__new__(EvaluationPlan)
    object.__setattr__(plan, "units", units)
    object.__setattr__(plan, "already_done", 0)
    with progress:
        progress.start(plan)
        for s in grid("m", [[True] * 20]):
            progress.advance(s)
    lines = [line for line in buffer.getvalue().splitlines() if line.startswith("evaluate ")]
    assert len(lines) == 10  # one per tenth of the work
    assert lines[-1].startswith("evaluate 20/20") and "m 20/20" in lines[-1]
    assert "━" not in buffer.getvalue() and "…" not in buffer.getvalue()


def _example(example_id: str, kind: ExampleKind, level: int) -> Example:
    return Example(
        id=example_id, kind=kind, python_source="pass\n", script_name=f"{example_id}.py",
        level=level,
    )


def test_a_stratified_corpus_alternates_kinds_and_levels() -> None:
    f, p = ExampleKind.FUNCTION, ExampleKind.PROGRAM
    examples = (
        _example("p1a", p, 1), _example("p1b", p, 1), _example("p2a", p, 2),
        _example("f3a", f, 3), _example("f3b", f, 3), _example("f5a", f, 5),
        _example("p9a", p, 9),
    )
    corpus = Corpus(source=Path("."), examples=examples)
    order = [e.id for e in corpus.stratified().examples]
    assert order == ["f3a", "p1a", "f5a", "p2a", "f3b", "p9a", "p1b"]
    assert sorted(order) == sorted(e.id for e in examples)  # a reordering, nothing lost


def test_the_repair_table_fits_80_columns_and_compares_at_the_last_turn() -> None:
    from single_shot_eval.analysis.repair import RepairSettingsSeen, summarize_repair
    from single_shot_eval.report.terminal import render_repair
    from single_shot_eval.results.records import RepairTurn

    firsts = [s for s in _contestants() if s.run == 0]
    failing = [s for s in firsts if not s.passed and s.model_id == LONG_IDS[1]]
    later = [  # the 0.5b-like contestant fixes 8 of its 11 failures after feedback
        RepairTurn(turn=1, sample=s.model_copy(update={
            "verdict": Verdict.PASS if i < 8 else Verdict.COMPILE_ERROR, "cost_usd": 0.0031}))
        for i, s in enumerate(failing)
    ]
    repair = summarize_repair(firsts, later, {"task": RepairSettingsSeen(1, "both")},
                              bootstrap_resamples=200)
    assert repair is not None
    buffer = io.StringIO()
    render_repair(Console(file=buffer, width=80, color_system=None), repair)
    text = buffer.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "85.0%" in text and "$0.00" in text  # repair@1 of 17/20 and its cost, whole
    joined = text.replace("\n", " ")
    assert f"repair@1: {LONG_IDS[1]} − {LONG_IDS[2]}:" in joined and "McNemar 17/0" in joined
