"""Summaries of stored `Sample` rows: per model, per model pair and per task frontier.

`summarize` groups samples by (task_id, model_id) and never merges tasks.

Controls and contestants
------------------------
`reference` (the known-good translations) and `mutant` (plausible but wrong Rust) are harness
controls, not models: they check the verifier (they must score 100% and 0%). They get a
`ControlCheck` in the task's self-check and are left out of everything that ranks models: the
frontier, the trade-offs and value score, the pairwise comparisons, the Holm family and the
power figures. Everything else is a contestant.

Units
-----
The unit of every interval and every comparison is the example. For each contestant:

* ``example_ci_*`` (the headline interval of pass@1): Clopper–Pearson over examples when every
  example scored the same in every run (one run, or temperature 0), cluster bootstrap over
  examples (BCa, widened where sparse data need it to the exact interval at the effective
  sample size) otherwise, exact at 0% and 100%; never zero width (`stats.example_interval`).
* ``t_ci_*``: Student-t over the accuracy of each run, kept from the seed and labelled
  run-to-run: it measures how much a re-run moves the score on *this* corpus, not how much
  another corpus would; NaN with one run or identical runs.
* ``clustered_standard_error``: standard error of the pooled sample pass rate, clustered by
  example (runs of one example are correlated).

`harness_error` samples (our machinery failed, `Verdict.counts_for_model` is False) are left
out of every denominator and counted per model (``harness_errors``).

Responses replayed from the response cache (temperature 0: runs 2..N ask the identical
question) are one generation: they count once in the actual spend and in pass@k.

Comparisons between two contestants use only the examples both answered. All random numbers
come from generators seeded by ``seed`` and the task / model ids, so the same samples and seed
give byte-identical ``to_dict()`` output, whatever the input order.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from single_shot_eval.analysis import pareto
from single_shot_eval.analysis.comparisons import adjusted_for_family, compare_samples
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.per_model import (
    ModelSamples,
    check_levels,
    control_check,
    control_role,
    examples_offering_checks,
    label_seed,
    summarize_model_samples,
)
from single_shot_eval.analysis.summaries import (
    CONFIDENCE,
    DETECTABLE_POINTS,
    Comparison,
    ControlCheck,
    EvaluationSummary,
    ModelSummary,
    TaskSummary,
)
from single_shot_eval.results.records import Sample

__all__ = [
    "DETECTABLE_POINTS",
    "AnalysisError",
    "Comparison",
    "ControlCheck",
    "EvaluationSummary",
    "ModelSummary",
    "TaskSummary",
    "compare",
    "control_role",
    "pareto_from_summaries",
    "summarize",
    "summarize_model",
    "summarize_task",
]


# --------------------------------------------------------------------------------------------
# Frontier


def _rounded(value: float) -> float:
    # Rounded to 12 significant digits so that values equal as fractions are not split by
    # floating-point summation order.
    return float(pareto.round_significant(np.array([value]))[0])


def _point(summary: ModelSummary) -> pareto.ModelPoint:
    return pareto.ModelPoint(
        model_id=summary.model_id,
        accuracy=_rounded(summary.example_pass_rate),
        cost_usd=_rounded(summary.cost_per_sample_usd),
        latency_s=summary.latency_p50_s,
        task_id=summary.task_id,
    )


def pareto_from_summaries(
    summaries: Sequence[ModelSummary], *, baseline: str | None = None
) -> pareto.ParetoAnalysis:
    """Frontier analysis from model summaries of one task (no membership probabilities).

    Points are each model's per-example pass rate and cost per sample. Raises AnalysisError
    when the summaries belong to different tasks.
    """
    return pareto.analyse_pareto([_point(summary) for summary in summaries], baseline_id=baseline)


def _task_pareto(
    task_id: str,
    summaries: Sequence[ModelSummary],
    data: Sequence[ModelSamples],
    *,
    seed: int,
    bootstrap_resamples: int,
    baseline: str | None,
) -> pareto.ParetoAnalysis:
    """The contestants' frontier: points and membership from one estimator.

    Both use the per-example pass rates and mean costs on the examples every contestant
    answered: the points are their means, the membership probability resamples their rows.
    """
    common = sorted(set.intersection(*(set(d.examples) for d in data))) if data else []
    if not common:
        return pareto.analyse_pareto(
            [_point(summary) for summary in summaries], baseline_id=baseline, task_id=task_id
        )
    pass_rates = np.column_stack([d.example_pass_rates(common) for d in data])
    costs = np.column_stack([d.example_costs_usd(common) for d in data])
    points = [
        pareto.ModelPoint(
            model_id=summary.model_id,
            accuracy=_rounded(float(np.mean(pass_rates[:, index]))),
            cost_usd=_rounded(float(np.mean(costs[:, index]))),
            latency_s=summary.latency_p50_s,
            task_id=task_id,
        )
        for index, summary in enumerate(summaries)
    ]
    probability = pareto.frontier_membership_probability(
        pass_rates,
        costs,
        resamples=bootstrap_resamples,
        seed=label_seed(seed, "frontier-membership", task_id),
    )
    membership = {d.model_id: float(p) for d, p in zip(data, probability, strict=True)}
    return pareto.analyse_pareto(
        points,
        membership=membership,
        membership_resamples=bootstrap_resamples,
        membership_examples=len(common),
        baseline_id=baseline,
        task_id=task_id,
    )


# --------------------------------------------------------------------------------------------
# Public entry points


def _check_settings(level_weights: Mapping[int, float], bootstrap_resamples: int) -> None:
    if bootstrap_resamples < 2:
        raise AnalysisError(f"bootstrap_resamples must be at least 2, got {bootstrap_resamples}")
    for level, weight in level_weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise AnalysisError(
                f"level_weights[{level}] = {weight}: weights must be finite and non-negative"
            )


def _counted(samples: Iterable[Sample]) -> tuple[list[Sample], dict[str, int]]:
    """Samples that count for their model, and the number of harness errors per model."""
    counted: list[Sample] = []
    harness_errors: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.verdict.counts_for_model:
            counted.append(sample)
        else:
            harness_errors[sample.model_id] += 1
    return counted, dict(harness_errors)


def summarize_model(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> ModelSummary:
    """Summary of one model on one task; samples of several tasks or models raise."""
    sample_list, harness_errors = _counted(samples)
    if not sample_list:
        raise AnalysisError(
            "no samples to summarize"
            + (" (every sample is a harness_error)" if harness_errors else "")
        )
    _check_settings(level_weights, bootstrap_resamples)
    check_levels(sample_list)
    data = ModelSamples.build(sample_list)
    return summarize_model_samples(
        data,
        level_weights=level_weights,
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        offering_checks=examples_offering_checks(sample_list),
        harness_errors=harness_errors.get(data.model_id, 0),
    )


def compare(
    samples_a: Iterable[Sample],
    samples_b: Iterable[Sample],
    *,
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> Comparison:
    """Compare two models (each given by its samples) on the examples both answered.

    A family of one: Holm and Bonferroni p equal the McNemar mid-p. Raises AnalysisError
    when the two models' samples come from different tasks.
    """
    list_a, _ = _counted(samples_a)
    list_b, _ = _counted(samples_b)
    if not list_a or not list_b:
        raise AnalysisError("each model needs at least one counted sample to be compared")
    _check_settings({}, bootstrap_resamples)
    data_a = ModelSamples.build(list_a)
    data_b = ModelSamples.build(list_b)
    return compare_samples(data_a, data_b, seed=seed, bootstrap_resamples=bootstrap_resamples)


def summarize_task(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
    baseline: str | None = None,
) -> TaskSummary:
    """Summary of one task: controls checked, every contestant, every contestant pair, the
    contestants' frontier (trade-offs relative to ``baseline``, see `pareto.baseline_point`).
    Mixed tasks raise."""
    all_samples = list(samples)
    if not all_samples:
        raise AnalysisError("no samples to summarize")
    task_ids = sorted({s.task_id for s in all_samples})
    if len(task_ids) > 1:
        raise AnalysisError(
            f"samples of several tasks ({', '.join(task_ids)}) cannot be merged into one task "
            "summary; use summarize() to get one summary per task"
        )
    task_id = task_ids[0]
    _check_settings(level_weights, bootstrap_resamples)
    sample_list, harness_errors = _counted(all_samples)
    if not sample_list:
        raise AnalysisError(
            f"task {task_id!r}: all {len(all_samples)} samples are harness_error (this "
            "tool's machinery failed; each sample's `error` says how): fix the cause, then "
            "rerun `evaluate --resume` to redo them"
        )
    check_levels(sample_list)
    notes = [
        f"{model_id}: all {count} sample(s) are harness errors; nothing to analyse"
        for model_id, count in sorted(harness_errors.items())
        if not any(s.model_id == model_id for s in sample_list)
    ]
    by_model: dict[str, list[Sample]] = defaultdict(list)
    for sample in sample_list:
        by_model[sample.model_id].append(sample)
    offering_checks = examples_offering_checks(sample_list)
    contestants: list[tuple[ModelSamples, ModelSummary]] = []
    controls: list[ControlCheck] = []
    for model_id in sorted(by_model):
        data = ModelSamples.build(by_model[model_id])
        summary = summarize_model_samples(
            data,
            level_weights=level_weights,
            seed=seed,
            bootstrap_resamples=bootstrap_resamples,
            offering_checks=offering_checks,
            harness_errors=harness_errors.get(model_id, 0),
        )
        role = control_role(model_id, by_model[model_id])
        if role is None:
            contestants.append((data, summary))
        else:
            controls.append(control_check(role, data, summary))
    comparisons = adjusted_for_family(
        [
            compare_samples(a, b, seed=seed, bootstrap_resamples=bootstrap_resamples)
            for (a, _), (b, _) in itertools.combinations(contestants, 2)
        ]
    )
    frontier = _task_pareto(
        task_id,
        [summary for _, summary in contestants],
        [data for data, _ in contestants],
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        baseline=baseline,
    )
    return TaskSummary(
        task_id,
        tuple(summary for _, summary in contestants),
        tuple(controls),
        comparisons,
        frontier,
        tuple(notes),
        dict(sorted(harness_errors.items())),
    )


def summarize(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
    baseline: str | None = None,
) -> EvaluationSummary:
    """Summaries of every task in ``samples``, grouped by (task_id, model_id).

    ``level_weights`` maps each difficulty level to its weight in the level-weighted score;
    every level present in the samples needs one. ``seed`` makes every bootstrap
    reproducible; ``bootstrap_resamples`` is used for every bootstrap (model intervals,
    pairwise difference intervals and frontier membership). ``baseline`` names the contestant
    the value scores are relative to (default: the most accurate paid contestant).
    """
    by_task: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_task[sample.task_id].append(sample)
    _check_settings(level_weights, bootstrap_resamples)
    tasks = tuple(
        summarize_task(
            by_task[task_id],
            level_weights=level_weights,
            seed=seed,
            bootstrap_resamples=bootstrap_resamples,
            baseline=baseline,
        )
        for task_id in sorted(by_task)
    )
    return EvaluationSummary(
        tasks=tasks,
        level_weights={int(level): float(w) for level, w in sorted(level_weights.items())},
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        confidence=CONFIDENCE,
        baseline=baseline,
    )

