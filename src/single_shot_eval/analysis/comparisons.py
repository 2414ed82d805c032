"""Paired comparison of two contestants on the examples both answered: McNemar, paired
bootstrap, effect sizes, power; Holm and Bonferroni adjustment over the contestant pairs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from single_shot_eval.analysis import power, stats
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.per_model import ModelSamples, label_seed
from single_shot_eval.analysis.summaries import (
    ALPHA,
    CONFIDENCE,
    DETECTABLE_POINTS,
    POWER,
    Comparison,
)

# --------------------------------------------------------------------------------------------
# Comparisons


def compare_samples(
    a: ModelSamples, b: ModelSamples, *, seed: int, bootstrap_resamples: int
) -> Comparison:
    """Comparison of two contestants on their common examples, before family adjustment."""
    if a.task_id != b.task_id:
        raise AnalysisError(
            f"cannot compare model {a.model_id!r} on task {a.task_id!r} with model "
            f"{b.model_id!r} on task {b.task_id!r}: comparisons are within one task"
        )
    notes: list[str] = []
    common = sorted(set(a.examples) & set(b.examples))
    only = len(set(a.examples) ^ set(b.examples))
    if only:
        notes.append(f"{only} example(s) answered by only one of the two models are left out")
    nan = math.nan
    if not common:
        notes.append("no example answered by both models: nothing to compare")
        return Comparison(
            task_id=a.task_id, model_a=a.model_id, model_b=b.model_id, n_common_examples=0,
            accuracy_a=nan, accuracy_b=nan, accuracy_difference=nan, difference_ci_low=nan,
            difference_ci_high=nan, difference_ci_method="", mcnemar_run=None, mcnemar_b=0,
            mcnemar_c=0, mcnemar_exact_p=nan, mcnemar_mid_p=nan, paired_t_statistic=nan,
            paired_t_p=nan, cohens_h=nan, cohens_dz=nan, holm_p=nan, bonferroni_p=nan,
            minimum_detectable_difference=math.inf, examples_needed={},
            bootstrap_resamples=bootstrap_resamples, notes=tuple(notes),
        )
    rates_a = a.example_pass_rates(common)
    rates_b = b.example_pass_rates(common)
    accuracy_a = float(np.mean(rates_a))
    accuracy_b = float(np.mean(rates_b))
    difference = stats.paired_bootstrap_difference_ci(
        rates_a,
        rates_b,
        resamples=bootstrap_resamples,
        seed=label_seed(seed, "pair-bootstrap", a.task_id, a.model_id, b.model_id),
        confidence=CONFIDENCE,
    )
    if difference.note:
        notes.append(f"difference interval: {difference.note}")

    common_runs = sorted(set(a.runs) & set(b.runs))
    mcnemar_run: int | None = None
    b_count = c_count = 0
    exact_p = mid_p = nan
    for run in common_runs:
        pairs = [
            (a.outcomes[(e, run)], b.outcomes[(e, run)])
            for e in common
            if (e, run) in a.outcomes and (e, run) in b.outcomes
        ]
        if pairs:
            mcnemar_run = run
            b_count = sum(pa and not pb for pa, pb in pairs)
            c_count = sum(pb and not pa for pa, pb in pairs)
            mcnemar = stats.mcnemar_exact(b_count, c_count)
            exact_p, mid_p = mcnemar.p_value, mcnemar.mid_p_value
            if len(pairs) < len(common):
                notes.append(f"McNemar uses the {len(pairs)} common examples present in run {run}")
            break
    if mcnemar_run is None:
        notes.append("no run in which both models answered a common example: no McNemar test")
    elif len(common_runs) > 1 and not (a.runs_identical() and b.runs_identical()):
        notes.append(
            f"runs differ: McNemar pairs the examples of run {mcnemar_run}; the bootstrap "
            "interval and the paired t use every run through per-example pass rates"
        )

    paired = stats.paired_t_test(rates_a, rates_b)
    if paired.note:
        notes.append(f"paired t over examples: {paired.note}")
    weaker = min(accuracy_a, accuracy_b)
    stronger = max(accuracy_a, accuracy_b)
    mdd = power.minimum_detectable_difference(
        len(common), stronger, weaker, alpha=ALPHA, power=POWER
    )
    needed = {
        points: power.examples_needed(points / 100, stronger, weaker, alpha=ALPHA, power=POWER)
        for points in DETECTABLE_POINTS
    }
    return Comparison(
        task_id=a.task_id,
        model_a=a.model_id,
        model_b=b.model_id,
        n_common_examples=len(common),
        accuracy_a=accuracy_a,
        accuracy_b=accuracy_b,
        accuracy_difference=accuracy_a - accuracy_b,
        difference_ci_low=difference.low,
        difference_ci_high=difference.high,
        difference_ci_method=difference.method,
        mcnemar_run=mcnemar_run,
        mcnemar_b=b_count,
        mcnemar_c=c_count,
        mcnemar_exact_p=exact_p,
        mcnemar_mid_p=mid_p,
        paired_t_statistic=paired.statistic,
        paired_t_p=paired.p_value,
        cohens_h=stats.cohens_h(min(1.0, max(0.0, accuracy_a)), min(1.0, max(0.0, accuracy_b))),
        cohens_dz=stats.cohens_dz(rates_a, rates_b),
        holm_p=mid_p,
        bonferroni_p=mid_p,
        minimum_detectable_difference=mdd,
        examples_needed=needed,
        bootstrap_resamples=bootstrap_resamples,
        notes=tuple(notes),
    )


def adjusted_for_family(comparisons: Sequence[Comparison]) -> tuple[Comparison, ...]:
    """The comparisons with Holm and Bonferroni p over the family (all contestant pairs)."""
    p_values = [item.mcnemar_mid_p for item in comparisons]
    holm = stats.holm_adjust(p_values)
    bonferroni = stats.bonferroni_adjust(p_values)
    return tuple(
        replace(item, holm_p=h, bonferroni_p=bf)
        for item, h, bf in zip(comparisons, holm, bonferroni, strict=True)
    )
