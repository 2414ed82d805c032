"""Aggregation of hand-built `Sample` lists: grouping, rates, costs, comparisons, frontier."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from scipy import stats as scipy_stats

from single_shot_eval.analysis import power, stats
from single_shot_eval.analysis.aggregate import (
    compare,
    pareto_from_summaries,
    summarize,
    summarize_model,
    summarize_task,
)
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.errors import UserError
from single_shot_eval.results.records import Sample, StageResult, Verdict

WEIGHTS = {1: 1.0, 2: 2.0, 3: 4.0}
RESAMPLES = 500


def sample(
    model: str,
    run: int,
    example: str,
    passed: bool = True,
    *,
    task: str = "task",
    level: int = 1,
    verdict: Verdict | None = None,
    cost_usd: float = 0.01,
    latency_s: float = 1.0,
    input_tokens: int = 100,
    output_tokens: int = 50,
    cached: bool = False,
    extra: dict[str, str] | None = None,
) -> Sample:
    """One sample; by default a pass or a behaviour mismatch, both behaviour-checked."""
    chosen = verdict or (Verdict.PASS if passed else Verdict.BEHAVIOUR_MISMATCH)
    stages: tuple[StageResult, ...] = (StageResult("compile", chosen.compiled, 0.5),)
    if chosen in (Verdict.PASS, Verdict.BEHAVIOUR_MISMATCH):
        stages += (StageResult("behaviour", chosen is Verdict.PASS, 0.1),)
    return Sample(
        task_id=task,
        model_id=model,
        run=run,
        example_id=example,
        level=level,
        prompt_sha256="0" * 64,
        completion="```rust\nfn main() {}\n```",
        extracted_code="fn main() {}",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        tokens_estimated=False,
        latency_s=latency_s,
        cost_usd=cost_usd,
        verdict=chosen,
        stages=stages,
        cached_response=cached,
        extra=extra or {},
    )


def grid(model: str, outcomes: list[list[bool]], **kwargs: object) -> list[Sample]:
    """Samples from outcomes[run][example] with example ids e0, e1, ..."""
    return [
        sample(model, run, f"e{index}", passed, **kwargs)  # type: ignore[arg-type]
        for run, row in enumerate(outcomes)
        for index, passed in enumerate(row)
    ]


# --- grouping and tasks ----------------------------------------------------------------------


def test_mixing_tasks_raises_where_it_would_merge_them() -> None:
    first = grid("m", [[True, False]], task="t1")
    second = grid("n", [[True, True]], task="t2")
    with pytest.raises(AnalysisError, match="several tasks"):
        summarize_task(first + second, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    with pytest.raises(AnalysisError, match="within one task"):
        compare(first, second, bootstrap_resamples=RESAMPLES)
    with pytest.raises(AnalysisError):
        summarize_model(first + grid("m", [[True]], task="t2"), level_weights=WEIGHTS)
    s1 = summarize_model(first, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    s2 = summarize_model(second, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    with pytest.raises(UserError, match="one task"):
        pareto_from_summaries([s1, s2])


def test_summarize_keeps_tasks_apart() -> None:
    samples = grid("m", [[True, True]], task="t1") + grid("m", [[False, False]], task="t2")
    summary = summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert [t.task_id for t in summary.tasks] == ["t1", "t2"]
    assert summary.task("t1").model("m").pass_at_1 == 1.0
    assert summary.task("t2").model("m").pass_at_1 == 0.0
    assert summary.task("t1").model("m").n_samples == 2


def test_duplicate_samples_raise() -> None:
    samples = grid("m", [[True]]) + grid("m", [[False]])
    with pytest.raises(AnalysisError, match="two samples"):
        summarize(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)


# --- runs and intervals ----------------------------------------------------------------------


def test_identical_runs_are_detected_and_the_t_interval_is_not_pretended() -> None:
    row = [True, False, True, True]
    summary = summarize_model(
        grid("m", [row, row, row]), level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES
    )
    assert summary.runs_identical and summary.t_ci_degenerate
    assert math.isnan(summary.t_ci_low) and math.isnan(summary.t_ci_high)
    assert any("runs_identical" in note for note in summary.notes)
    assert json.loads(json.dumps(summary.to_dict(), allow_nan=False))["t_ci_low"] is None


def test_equal_run_accuracies_on_different_examples_are_not_identical_runs() -> None:
    summary = summarize_model(
        grid("m", [[True, False], [False, True]]),
        level_weights=WEIGHTS,
        bootstrap_resamples=RESAMPLES,
    )
    assert not summary.runs_identical
    assert summary.t_ci_degenerate and math.isnan(summary.t_ci_low)


def test_varying_runs_give_the_student_t_interval() -> None:
    outcomes = [[True, True, True, False], [True, False, False, False], [True, True, False, False]]
    summary = summarize_model(
        grid("m", outcomes), level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES
    )
    run_accuracies = [0.75, 0.25, 0.5]
    assert summary.run_accuracies == tuple(run_accuracies)
    assert summary.pass_at_1 == pytest.approx(0.5)
    low, high = scipy_stats.t.interval(
        0.95, 2, loc=np.mean(run_accuracies), scale=scipy_stats.sem(run_accuracies)
    )
    assert summary.t_ci_low == pytest.approx(low, abs=1e-9)
    assert summary.t_ci_high == pytest.approx(high, abs=1e-9)
    assert not summary.runs_identical and not summary.t_ci_degenerate
    # pass@k: every example has 3 samples, so only k = 1 is reported; example pass counts
    # are 3, 2, 1, 0 -> pass@1 = mean(1, 2/3, 1/3, 0).
    assert set(summary.pass_at_k) == {1}
    assert summary.pass_at_k[1] == pytest.approx(0.5)
    # Per-example rates 1, 2/3, 1/3, 0 vary: cluster bootstrap BCa over examples.
    assert summary.example_ci_method == stats.BCA
    assert summary.example_ci_low < summary.example_pass_rate < summary.example_ci_high
    assert summary.clustered_standard_error == pytest.approx(
        stats.clustered_standard_error(
            [float(p) for row in outcomes for p in row], [i for _ in outcomes for i in range(4)]
        )
    )


def test_pass_at_1_is_the_mean_of_run_accuracies_when_runs_are_unbalanced() -> None:
    samples = [*grid("m", [[True, True, False, False]]), sample("m", 1, "e0", True)]
    summary = summarize_model(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert summary.run_accuracies == (0.5, 1.0)
    assert summary.pass_at_1 == pytest.approx(0.75)
    assert summary.example_pass_rate == pytest.approx((1 + 1 + 0 + 0) / 4)
    assert summary.n_runs == 2 and summary.n_examples == 4 and summary.n_samples == 5


def test_a_single_run_is_not_called_identical_runs() -> None:
    summary = summarize_model(
        grid("m", [[True, False, True]]), level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES
    )
    assert not summary.runs_identical
    assert summary.t_ci_degenerate and math.isnan(summary.t_ci_high)
    assert any("two runs" in note for note in summary.notes)


def test_pass_at_k_uses_every_k_up_to_the_smallest_sample_count() -> None:
    outcomes = [[run < 3, run == 0] for run in range(10)]  # e0: 3 of 10 pass, e1: 1 of 10
    summary = summarize_model(
        grid("m", outcomes), level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES
    )
    assert set(summary.pass_at_k) == {1, 5, 10}
    expected_5 = (stats.pass_at_k(10, 3, 5) + stats.pass_at_k(10, 1, 5)) / 2
    assert summary.pass_at_k[5] == pytest.approx(expected_5)
    assert summary.pass_at_k[10] == 1.0


# --- rates, levels, costs --------------------------------------------------------------------


def test_accuracy_per_level_and_level_weighted_score() -> None:
    samples = [
        sample("m", 0, "a", True, level=1),
        sample("m", 0, "b", False, level=1),
        sample("m", 0, "c", True, level=2),
        sample("m", 0, "d", True, level=2),
        sample("m", 0, "e", False, level=3),
        sample("m", 0, "f", False, level=3),
        sample("m", 0, "g", True, level=3),
        sample("m", 0, "h", True, level=3),
    ]
    summary = summarize_model(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert summary.accuracy_by_level == {1: 0.5, 2: 1.0, 3: 0.5}
    assert summary.samples_by_level == {1: 2, 2: 2, 3: 4}
    assert summary.level_weighted_score == pytest.approx((1 * 0.5 + 2 * 1.0 + 4 * 0.5) / 7)
    with pytest.raises(AnalysisError, match="level"):
        summarize_model(samples, level_weights={1: 1.0, 2: 1.0}, bootstrap_resamples=RESAMPLES)


def test_cost_token_and_latency_totals() -> None:
    samples = [
        sample(
            "m",
            0,
            f"e{i}",
            i % 2 == 0,
            cost_usd=cost,
            latency_s=latency,
            input_tokens=10 * i,
            output_tokens=out,
        )
        for i, (cost, latency, out) in enumerate(
            [(0.01, 1.0, 100), (0.02, 2.0, 100), (0.03, 4.0, 0), (0.04, 0.5, 50)]
        )
    ]
    summary = summarize_model(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert summary.nominal_cost_usd == pytest.approx(0.10)
    assert summary.actual_cost_usd == pytest.approx(0.10)  # nothing was replayed
    assert summary.generations == 4
    assert summary.cost_per_sample_usd == pytest.approx(0.025)
    assert summary.input_tokens == 60 and summary.output_tokens == 250
    p50, p95, p99 = np.percentile([1.0, 2.0, 4.0, 0.5], [50, 95, 99])
    assert (summary.latency_p50_s, summary.latency_p95_s, summary.latency_p99_s) == pytest.approx(
        (p50, p95, p99)
    )
    # The sample without output tokens is left out: mean of 100/1, 100/2 and 50/0.5.
    assert summary.mean_tokens_per_s == pytest.approx((100 + 50 + 100) / 3)
    assert summary.accuracy_per_dollar == pytest.approx(0.5 / 0.025)


def test_compile_rate_behaviour_rate_and_verdict_counts() -> None:
    samples = [
        sample("m", 0, "a", verdict=Verdict.PASS),
        sample("m", 0, "b", verdict=Verdict.BEHAVIOUR_MISMATCH),
        sample("m", 0, "c", verdict=Verdict.COMPILE_ERROR),
        sample("m", 0, "d", verdict=Verdict.COMPILE_ONLY),  # example without a behaviour check
    ]
    summary = summarize_model(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert summary.compile_rate == pytest.approx(3 / 4)
    assert summary.pass_at_1 == pytest.approx(1 / 4)  # compile-only never counts as a pass
    assert summary.behaviour_checked_samples == 3
    assert summary.behaviour_pass_rate == pytest.approx(1 / 3)
    assert summary.compile_only == 1
    assert summary.verdict_counts["pass"] == 1 and summary.verdict_counts["compile_error"] == 1
    assert sum(summary.verdict_counts.values()) == 4


def test_free_model_has_no_accuracy_per_dollar_in_json() -> None:
    summary = summarize_model(
        grid("m", [[True, False]], cost_usd=0.0),
        level_weights=WEIGHTS,
        bootstrap_resamples=RESAMPLES,
    )
    assert summary.accuracy_per_dollar == math.inf
    assert json.loads(json.dumps(summary.to_dict(), allow_nan=False))["accuracy_per_dollar"] is None


# --- comparisons -----------------------------------------------------------------------------


def test_comparisons_use_only_examples_both_models_answered() -> None:
    a = grid("a", [[True, True, True, False, True]])
    b = grid("b", [[False, True, False, False]])  # e4 missing
    comparison = compare(a, b, bootstrap_resamples=RESAMPLES)
    assert comparison.n_common_examples == 4
    assert comparison.accuracy_a == pytest.approx(0.75)
    assert comparison.accuracy_b == pytest.approx(0.25)
    assert comparison.accuracy_difference == pytest.approx(0.5)
    assert (comparison.mcnemar_b, comparison.mcnemar_c) == (2, 0)
    assert comparison.mcnemar_exact_p == pytest.approx(0.5)  # 2 * (1/2)^2
    assert comparison.mcnemar_mid_p == pytest.approx(0.25)
    assert comparison.holm_p == comparison.mcnemar_mid_p  # a family of one
    assert comparison.cohens_h == pytest.approx(stats.cohens_h(0.75, 0.25))
    # Four examples never give a mid-p below 1/16: no gap is detectable, and it says so.
    assert comparison.minimum_detectable_difference == math.inf
    assert comparison.examples_needed == {
        points: power.examples_needed(points / 100, 0.75, 0.25) for points in (1, 3, 5)
    }
    assert any("only one of the two" in note for note in comparison.notes)


def test_family_adjustment_over_all_pairs_of_a_task() -> None:
    rng = random.Random(5)
    samples = []
    for model, rate in (("a", 0.9), ("b", 0.6), ("c", 0.5)):
        samples += grid(model, [[rng.random() < rate for _ in range(60)] for _ in range(3)])
    task = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    pairs = [(c.model_a, c.model_b) for c in task.comparisons]
    assert pairs == [("a", "b"), ("a", "c"), ("b", "c")]
    mid_p = [c.mcnemar_mid_p for c in task.comparisons]
    assert [c.holm_p for c in task.comparisons] == list(stats.holm_adjust(mid_p))
    assert [c.bonferroni_p for c in task.comparisons] == list(stats.bonferroni_adjust(mid_p))
    first = task.comparisons[0]
    # The paired t pairs examples (per-example pass rates over the 3 runs), not runs.
    rates = {
        model: [np.mean([s.passed for s in samples if s.model_id == model and
                         s.example_id == f"e{i}"]) for i in range(60)]
        for model in ("a", "b")
    }
    assert first.paired_t_p == pytest.approx(
        scipy_stats.ttest_rel(rates["a"], rates["b"]).pvalue, abs=1e-12
    )
    assert first.cohens_dz == pytest.approx(
        scipy_stats.ttest_rel(rates["a"], rates["b"]).statistic / math.sqrt(60), abs=1e-12
    )
    swapped = task.comparison("b", "a")
    assert swapped.accuracy_difference == -first.accuracy_difference
    assert (swapped.mcnemar_b, swapped.mcnemar_c) == (first.mcnemar_c, first.mcnemar_b)
    assert swapped.difference_ci_low == -first.difference_ci_high
    assert swapped.cohens_dz == -first.cohens_dz


def test_identical_runs_count_each_example_once() -> None:
    a = grid("a", [[True, True, False]] * 3)
    b = grid("b", [[True, False, False]] * 3)
    comparison = compare(a, b, bootstrap_resamples=RESAMPLES)
    assert (comparison.mcnemar_b, comparison.mcnemar_c) == (1, 0)  # one pair per example
    # Every example favours A: the bootstrap is a point, so the interval is exact given the
    # 3 discordant examples: 2 pi - 1 with pi in Clopper-Pearson(3 of 3) = [0.025^(1/3), 1].
    one_way = compare(grid("a", [[True] * 3] * 3), grid("b", [[False] * 3] * 3),
                      bootstrap_resamples=RESAMPLES)
    assert one_way.difference_ci_method == "exact-conditional"
    assert one_way.difference_ci_low == pytest.approx(2 * 0.025 ** (1 / 3) - 1)
    assert one_way.difference_ci_high == pytest.approx(1.0)
    assert one_way.mcnemar_exact_p == pytest.approx(0.25)  # 2 x (1/2)^3


# --- frontier and serialisation --------------------------------------------------------------


def test_task_frontier_from_samples() -> None:
    samples = (
        grid("big", [[True] * 10], cost_usd=1.0, latency_s=3.0)
        + grid("small", [[True] * 8 + [False] * 2], cost_usd=0.001, latency_s=0.1)
        + grid("waste", [[True] * 7 + [False] * 3], cost_usd=0.5, latency_s=2.0)
    )
    frontier = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES).pareto
    assert frontier.pareto_front == ("small", "big")
    assert [(d.model_id, d.dominated_by) for d in frontier.dominated] == [("waste", "small")]
    assert frontier.baseline_model_id == "big"
    assert frontier.membership_probability("waste") == 0.0
    # "big" leaves the front exactly when a resample misses both of small's failures (then
    # small is as accurate and cheaper): probability 1 - 0.8^10 ~ 0.893.
    assert frontier.membership_probability("big") == pytest.approx(1 - 0.8**10, abs=0.05)
    assert frontier.membership_probability("small") == 1.0
    assert frontier.membership_examples == 10
    small = frontier.trade_off("small")
    assert small.accuracy_gap == pytest.approx(0.2)
    assert small.value_score == pytest.approx((0.8 / 0.001) / (1.0 / 1.0))


def test_json_is_valid_and_byte_identical_whatever_the_input_order() -> None:
    rng = random.Random(3)
    samples = []
    for model in ("x", "y"):
        samples += grid(model, [[rng.random() < 0.6 for _ in range(30)] for _ in range(2)])
    samples.append(sample("z", 0, "e0", True, cost_usd=0.0))  # a free single-sample model
    first = json.dumps(
        summarize(samples, level_weights=WEIGHTS, seed=4, bootstrap_resamples=RESAMPLES).to_dict(),
        allow_nan=False,
        sort_keys=True,
    )
    rng.shuffle(samples)
    again = json.dumps(
        summarize(samples, level_weights=WEIGHTS, seed=4, bootstrap_resamples=RESAMPLES).to_dict(),
        allow_nan=False,
        sort_keys=True,
    )
    assert first == again
    other_seed = summarize(samples, level_weights=WEIGHTS, seed=5, bootstrap_resamples=RESAMPLES)
    assert json.dumps(other_seed.to_dict(), sort_keys=True) != first


# --- controls, harness errors, cached replays --------------------------------------------------


def _task_with_controls() -> list[Sample]:
    return (
        grid("reference", [[True] * 10], cost_usd=0.0, extra={"control": "reference"})
        + grid("mutant", [[False] * 10], cost_usd=0.0, extra={"control": "mutant"})
        + grid("paid", [[True] * 6 + [False] * 4], cost_usd=0.01)
        + grid("local", [[True] * 3 + [False] * 7], cost_usd=0.0)
    )


def test_controls_are_checked_apart_and_never_ranked() -> None:
    task = summarize_task(_task_with_controls(), level_weights=WEIGHTS,
                          bootstrap_resamples=RESAMPLES)
    assert [m.model_id for m in task.models] == ["local", "paid"]
    assert [(c.model_id, c.role, c.ok) for c in task.controls] == [
        ("mutant", "mutant", True), ("reference", "reference", True)
    ]
    assert task.self_check_ok
    assert [(c.model_a, c.model_b) for c in task.comparisons] == [("local", "paid")]
    only = task.comparisons[0]
    assert only.holm_p == only.mcnemar_mid_p  # a family of one: the controls are not in it
    assert set(task.pareto.pareto_front) | {d.model_id for d in task.pareto.dominated} == {
        "local", "paid"
    }
    # The free contestant does not become the baseline and zero the paid one's value.
    assert task.pareto.baseline_model_id == "paid"
    assert task.pareto.trade_off("paid").value_score == 1.0
    assert task.pareto.trade_off("local").value_score == math.inf
    assert "free" in task.pareto.trade_off("local").note
    assert task.model("reference").pass_at_1 == 1.0  # still reachable by id


def test_a_control_that_misbehaves_fails_the_self_check() -> None:
    samples = (
        grid("reference", [[True] * 9 + [False]], cost_usd=0.0)  # an older store: ids only
        + grid("mutant", [[True] + [False] * 9], cost_usd=0.0)
    )
    samples[-1] = sample("mutant", 0, "e9", verdict=Verdict.NO_CODE, cost_usd=0.0)
    task = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    reference, mutant = task.model("reference"), task.model("mutant")
    assert reference.pass_at_1 == 0.9 and mutant.pass_at_1 == 0.1
    checks = {c.model_id: c for c in task.controls}
    assert not task.self_check_ok and task.models == ()
    assert checks["reference"].unexpected_examples == ("e9",)
    assert checks["mutant"].unexpected_examples == ("e0",)
    assert checks["mutant"].answered_examples == 9  # e9 has no mutant
    assert task.pareto.pareto_front == () and task.comparisons == ()


def test_baseline_can_be_named_and_must_be_a_contestant() -> None:
    samples = _task_with_controls() + grid("big", [[True] * 9 + [False]], cost_usd=0.1)
    default = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert default.pareto.baseline_model_id == "big"
    named = summarize_task(
        samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES, baseline="paid"
    )
    assert named.pareto.baseline_model_id == "paid"
    # big: (0.9 / 0.1) / (0.6 / 0.01) = 0.15
    assert named.pareto.trade_off("big").value_score == pytest.approx(0.15)
    with pytest.raises(UserError, match="not a contestant"):
        summarize_task(
            samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES, baseline="reference"
        )


def test_harness_errors_leave_every_denominator_and_are_counted() -> None:
    samples = grid("m", [[True, False, True, True]])
    samples.append(sample("m", 0, "e4", verdict=Verdict.HARNESS_ERROR))
    samples.append(sample("m", 1, "e0", verdict=Verdict.HARNESS_ERROR))
    summary = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    model = summary.model("m")
    assert model.n_samples == 4 and model.n_examples == 4 and model.n_runs == 1
    assert model.pass_at_1 == 0.75 and model.compile_rate == 1.0
    assert model.harness_errors == 2
    assert model.verdict_counts["harness_error"] == 2
    assert model.nominal_cost_usd == pytest.approx(0.04)


def test_cached_replays_count_once_in_spend_and_pass_at_k() -> None:
    # Temperature 0: run 0 generated, runs 1-4 replayed from the response cache.
    samples = [
        sample("m", run, f"e{i}", i < 3, cost_usd=0.01, cached=run > 0)
        for run in range(5) for i in range(6)
    ]
    model = summarize_model(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert model.runs_identical and model.generations == 6
    assert model.actual_cost_usd == pytest.approx(0.06)
    assert model.nominal_cost_usd == pytest.approx(0.30)
    assert model.cost_per_sample_usd == pytest.approx(0.01)
    assert set(model.pass_at_k) == {1} and model.pass_at_k[1] == 0.5
    assert "pass@5 not reported" in model.pass_at_k_note
    # Identical runs: exact interval over the 6 examples, not a zero-width one.
    theirs = scipy_stats.binomtest(3, 6).proportion_ci(method="exact")
    assert (model.example_ci_low, model.example_ci_high) == pytest.approx(
        (theirs.low, theirs.high), abs=1e-12
    )
    generated = [s for s in samples if not s.cached_response] + [
        sample("m", run, f"e{i}", i < 3 or run == 1, cost_usd=0.01) for run in range(1, 5)
        for i in range(6)
    ]
    varied = summarize_model(generated, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    assert set(varied.pass_at_k) == {1, 5} and varied.pass_at_k_note == ""
    assert varied.pass_at_k[5] == 1.0  # every example passed at least once in 5 generations


def test_frontier_points_and_membership_use_the_same_examples() -> None:
    # "wide" answered e10 as well, and failed it; the frontier leaves e10 out of both its
    # points and its membership resamples, so the two never disagree.
    samples = (
        grid("wide", [[True] * 8 + [False] * 2 + [False]], cost_usd=0.01)
        + grid("narrow", [[True] * 7 + [False] * 3], cost_usd=0.02)
    )
    task = summarize_task(samples, level_weights=WEIGHTS, bootstrap_resamples=RESAMPLES)
    points = {p.model_id: p for p in task.pareto.points}
    assert points["wide"].accuracy == pytest.approx(0.8)  # 8/10, not 8/11
    assert task.model("wide").example_pass_rate == pytest.approx(8 / 11)
    assert task.pareto.membership_examples == 10
    assert task.pareto.membership_probability("narrow") == 0.0
