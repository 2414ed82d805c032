"""Summaries of stored `Sample` rows: per model, per model pair and per task frontier.

`summarize` groups samples by (task_id, model_id) and never merges tasks. For each model it
reports pass@1 with three kinds of uncertainty, each answering a different question:

* ``t_ci_*``: Student-t interval over the accuracy of each run (run-to-run variation only,
  as the seed did). Undefined with one run; when every run scored identically per example
  (temperature 0 on a deterministic backend) ``runs_identical`` is True and the bounds are
  NaN (None in JSON) rather than a zero-width interval that would look like certainty.
* ``bootstrap_ci_*`` / ``bca_ci_*``: percentile and BCa bootstrap over *examples* (each
  example's pass rate averaged over its runs): how much pass@1 would move on another corpus
  drawn like this one. This is the interval to quote.
* ``clustered_standard_error``: standard error of the pooled sample pass rate, clustered by
  example (runs of one example are correlated).

Samples with the verdict `harness_error` (our machinery failed, not the model) are left out of
every rate, count and comparison; each summary says how many there were (``harness_errors``).

Comparisons between two models use only the examples both answered. All random numbers come
from generators seeded by ``seed`` and the task / model ids, so the same samples and seed give
byte-identical ``to_dict()`` output, whatever the input order.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from single_shot_eval.analysis import pareto, stats
from single_shot_eval.analysis._plain import plain
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.records import Sample, Verdict

__all__ = [
    "AnalysisError",
    "Comparison",
    "EvaluationSummary",
    "ModelSummary",
    "TaskSummary",
    "compare",
    "pareto_from_summaries",
    "summarize",
    "summarize_model",
    "summarize_task",
]

CONFIDENCE = 0.95
PASS_AT_K = (1, 5, 10)
ALPHA = 0.05
POWER = 0.8

_CHECK_VERDICTS = frozenset({Verdict.PASS, Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH})


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class ModelSummary:
    """Everything measured about one model on one task.

    Rates are fractions in [0, 1]; NaN (None in JSON) marks a number that cannot be computed,
    and ``notes`` says why.

    * ``pass_at_1``: mean over runs of the run's accuracy (passes / samples of that run).
    * ``example_pass_rate``: mean over examples of the example's pass rate; the estimate the
      bootstrap intervals surround (equals ``pass_at_1`` when every run has every example).
    * ``pass_at_k``: unbiased pass@k (Chen et al. 2021) averaged over examples, for each k in
      (1, 5, 10) not above the smallest number of samples any example has.
    * ``behaviour_pass_rate``: passes among samples of examples that offer a behaviour check
      (an example counts as offering one unless its samples were only ever judged
      compile-only, by any model of the task).
    * ``accuracy_by_level``: passes / samples per difficulty level; ``level_weighted_score``:
      sum of weight x level accuracy over the levels present, divided by their summed weight.
    * ``cost_per_sample_usd``: total cost / samples; ``accuracy_per_dollar``: pass_at_1 /
      cost_per_sample_usd (expected passing translations per dollar; None when free).
    * ``mean_tokens_per_s``: mean over samples with positive latency and output tokens of
      output tokens / latency.
    * ``harness_errors``: samples whose verification or generation our own machinery failed
      (``harness_error``); left out of every figure above, including ``n_samples``.
    """

    task_id: str
    model_id: str
    n_samples: int
    n_examples: int
    n_runs: int
    runs: tuple[int, ...]
    pass_at_1: float
    run_accuracies: tuple[float, ...]
    t_ci_low: float
    t_ci_high: float
    t_ci_degenerate: bool
    runs_identical: bool
    example_pass_rate: float
    bootstrap_ci_low: float
    bootstrap_ci_high: float
    bca_ci_low: float
    bca_ci_high: float
    bootstrap_standard_error: float
    bootstrap_resamples: int
    clustered_standard_error: float
    pass_at_k: dict[int, float]
    compile_rate: float
    behaviour_checked_samples: int
    behaviour_pass_rate: float
    compile_only: int
    verdict_counts: dict[str, int]
    accuracy_by_level: dict[int, float]
    samples_by_level: dict[int, int]
    level_weighted_score: float
    total_cost_usd: float
    cost_per_sample_usd: float
    input_tokens: int
    output_tokens: int
    estimated_token_samples: int
    latency_p50_s: float
    latency_p95_s: float
    latency_p99_s: float
    mean_tokens_per_s: float
    accuracy_per_dollar: float
    notes: tuple[str, ...] = ()
    harness_errors: int = 0

    @property
    def passes(self) -> int:
        return self.verdict_counts.get(Verdict.PASS.value, 0)

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class Comparison:
    """Model A against model B on the examples both answered (same task).

    * ``accuracy_a`` / ``accuracy_b``: mean per-example pass rate on the common examples;
      ``accuracy_difference`` = a - b with a paired bootstrap percentile CI over examples.
    * McNemar: ``mcnemar_b`` (A passed, B failed) and ``mcnemar_c`` (the reverse) counted over
      the common examples in the lowest run both models have (runs of one example are
      correlated; counting them as separate pairs would overstate the evidence). The exact
      p is conservative; the mid-p has close to nominal size and is the family's primary test:
      ``holm_p`` and ``bonferroni_p`` adjust ``mcnemar_mid_p`` over all pairs of the task.
    * ``paired_t_*`` / ``welch_t_*``: t-tests on run-level accuracies (common examples), as
      the seed did. They see only run-to-run variation, not example sampling; when that
      variation is zero (identical runs) they are NaN with a note instead of p = 0.
    * ``cohens_d``: difference of per-example pass rates over their pooled SD;
      ``cohens_h``: arcsine difference of the two accuracies.
    * ``minimum_detectable_difference``: smallest gap detectable with 80% power at alpha 0.05
      by a paired test on this many common examples (see `stats.minimum_detectable_difference`;
      base rate = mean of the two accuracies; errors assumed independent, so conservative).
    """

    task_id: str
    model_a: str
    model_b: str
    n_common_examples: int
    accuracy_a: float
    accuracy_b: float
    accuracy_difference: float
    difference_ci_low: float
    difference_ci_high: float
    mcnemar_run: int | None
    mcnemar_b: int
    mcnemar_c: int
    mcnemar_exact_p: float
    mcnemar_mid_p: float
    paired_runs: int
    paired_t_statistic: float
    paired_t_p: float
    welch_t_statistic: float
    welch_t_p: float
    welch_t_df: float
    cohens_d: float
    cohens_h: float
    holm_p: float
    bonferroni_p: float
    minimum_detectable_difference: float
    bootstrap_resamples: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class TaskSummary:
    """Models, pairwise comparisons and frontier of one task (models sorted by id).

    ``harness_errors`` counts the `harness_error` samples of each model that has any, also of
    a model that has nothing else (and so no summary in ``models``).
    """

    task_id: str
    models: tuple[ModelSummary, ...]
    comparisons: tuple[Comparison, ...]
    pareto: pareto.ParetoAnalysis
    harness_errors: dict[str, int] = field(default_factory=dict)

    def model(self, model_id: str) -> ModelSummary:
        for summary in self.models:
            if summary.model_id == model_id:
                return summary
        raise KeyError(f"task {self.task_id!r} has no model {model_id!r}")

    def comparison(self, model_a: str, model_b: str) -> Comparison:
        """The comparison of the two models, oriented as asked (A - B)."""
        for item in self.comparisons:
            if (item.model_a, item.model_b) == (model_a, model_b):
                return item
            if (item.model_a, item.model_b) == (model_b, model_a):
                return _swapped(item)
        raise KeyError(f"task {self.task_id!r} has no comparison of {model_a!r} and {model_b!r}")

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class EvaluationSummary:
    """Per-task summaries (sorted by task id) and the settings that produced them."""

    tasks: tuple[TaskSummary, ...]
    level_weights: dict[int, float] = field(default_factory=dict)
    seed: int = 0
    bootstrap_resamples: int = 10_000
    confidence: float = CONFIDENCE

    def task(self, task_id: str) -> TaskSummary:
        for summary in self.tasks:
            if summary.task_id == task_id:
                return summary
        raise KeyError(f"no task {task_id!r} in this summary")

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


# --------------------------------------------------------------------------------------------
# Grouped samples


def _label_seed(seed: int, *labels: str) -> list[int]:
    """Seed for one generator: the user's seed plus stable 32-bit hashes of the labels."""
    if seed < 0:
        raise AnalysisError(f"seed must be a non-negative integer, got {seed}")
    words = [seed]
    for label in labels:
        words.append(int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "little"))
    return words


@dataclass(frozen=True)
class _ModelSamples:
    """One model's samples on one task, indexed by (example, run)."""

    task_id: str
    model_id: str
    samples: tuple[Sample, ...]
    outcomes: dict[tuple[str, int], bool]
    costs_usd: dict[tuple[str, int], float]
    examples: tuple[str, ...]
    runs: tuple[int, ...]

    @classmethod
    def build(cls, samples: Sequence[Sample]) -> _ModelSamples:
        ordered = tuple(sorted(samples, key=lambda s: (s.run, s.example_id)))
        task_ids = {s.task_id for s in ordered}
        model_ids = {s.model_id for s in ordered}
        if len(task_ids) != 1 or len(model_ids) != 1:
            raise AnalysisError(
                "one model summary needs the samples of one task and one model, got tasks "
                f"{sorted(task_ids)} and models {sorted(model_ids)}"
            )
        outcomes: dict[tuple[str, int], bool] = {}
        costs: dict[tuple[str, int], float] = {}
        for sample in ordered:
            key = (sample.example_id, sample.run)
            if key in outcomes:
                raise AnalysisError(
                    f"task {sample.task_id!r}, model {sample.model_id!r}: example "
                    f"{sample.example_id!r} has two samples for run {sample.run}; remove the "
                    "duplicate from the store"
                )
            outcomes[key] = sample.passed
            costs[key] = sample.cost_usd
        return cls(
            task_id=task_ids.pop(),
            model_id=model_ids.pop(),
            samples=ordered,
            outcomes=outcomes,
            costs_usd=costs,
            examples=tuple(sorted({s.example_id for s in ordered})),
            runs=tuple(sorted({s.run for s in ordered})),
        )

    def example_pass_rates(self, examples: Sequence[str]) -> NDArray[np.float64]:
        """Pass rate of each example over this model's runs, in the given order."""
        return self._example_means(self.outcomes, examples)

    def example_costs_usd(self, examples: Sequence[str]) -> NDArray[np.float64]:
        """Mean cost per sample of each example over this model's runs."""
        return self._example_means(self.costs_usd, examples)

    def _example_means(
        self, values: Mapping[tuple[str, int], float], examples: Sequence[str]
    ) -> NDArray[np.float64]:
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for (example, _run), value in values.items():
            totals[example] += float(value)
            counts[example] += 1
        return np.array([totals[e] / counts[e] for e in examples], dtype=np.float64)

    def run_accuracies(self, examples: Iterable[str] | None = None) -> dict[int, float]:
        """Accuracy of each run over its samples (restricted to ``examples`` if given)."""
        allowed = None if examples is None else set(examples)
        passes: dict[int, int] = defaultdict(int)
        totals: dict[int, int] = defaultdict(int)
        for (example, run), passed in self.outcomes.items():
            if allowed is not None and example not in allowed:
                continue
            passes[run] += int(passed)
            totals[run] += 1
        return {run: passes[run] / totals[run] for run in sorted(totals)}

    def runs_identical(self) -> bool:
        """True with two or more runs when every example scored the same in every run."""
        if len(self.runs) < 2:
            return False
        seen: dict[str, bool] = {}
        for (example, _run), passed in self.outcomes.items():
            if seen.setdefault(example, passed) != passed:
                return False
        return True


def _check_levels(samples: Sequence[Sample]) -> None:
    levels: dict[str, int] = {}
    for sample in sorted(samples, key=lambda s: (s.model_id, s.run, s.example_id)):
        level = levels.setdefault(sample.example_id, sample.level)
        if level != sample.level:
            raise AnalysisError(
                f"task {sample.task_id!r}: example {sample.example_id!r} has level {level} in "
                f"one sample and {sample.level} in another (model {sample.model_id!r}, run "
                f"{sample.run}); re-run the evaluation with one corpus version"
            )


def _examples_offering_checks(samples: Iterable[Sample]) -> frozenset[str]:
    """Examples that offer a behaviour check, judged from every sample of the task."""
    checked: set[str] = set()
    compile_only: set[str] = set()
    examples: set[str] = set()
    for sample in samples:
        examples.add(sample.example_id)
        if sample.behaviour_checked or sample.verdict in _CHECK_VERDICTS:
            checked.add(sample.example_id)
        elif sample.verdict is Verdict.COMPILE_ONLY:
            compile_only.add(sample.example_id)
    return frozenset(e for e in examples if e in checked or e not in compile_only)


def _split_harness_errors(samples: Iterable[Sample]) -> tuple[list[Sample], dict[str, int]]:
    """The samples that count for their model, and the `harness_error`s per model."""
    counted: list[Sample] = []
    harness_errors: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.verdict.counts_for_model:
            counted.append(sample)
        else:
            harness_errors[sample.model_id] += 1
    return counted, dict(sorted(harness_errors.items()))


def _percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    if not values:
        return math.nan, math.nan, math.nan
    p50, p95, p99 = np.percentile(np.asarray(values, dtype=np.float64), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def _mean_or_nan(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


# --------------------------------------------------------------------------------------------
# Model summaries


def _summarize_model(
    data: _ModelSamples,
    *,
    level_weights: Mapping[int, float],
    seed: int,
    bootstrap_resamples: int,
    offering_checks: frozenset[str],
    harness_errors: int = 0,
) -> ModelSummary:
    samples = data.samples
    notes: list[str] = []
    n_samples = len(samples)

    run_accuracy = data.run_accuracies()
    run_values = tuple(run_accuracy.values())
    pass_at_1 = float(np.mean(run_values))
    runs_identical = data.runs_identical()
    t_interval = stats.t_confidence_interval(run_values, CONFIDENCE)
    t_low, t_high = t_interval.low, t_interval.high
    if runs_identical:
        t_low = t_high = math.nan
        notes.append(
            "runs_identical: every run scored the same on every example (e.g. temperature 0); "
            "the run-level t-interval is degenerate, quote the bootstrap interval over examples"
        )
    elif t_interval.degenerate:
        t_low = t_high = math.nan
        notes.append(f"t-interval over runs undefined: {t_interval.note}")

    example_rates = data.example_pass_rates(data.examples)
    bootstrap = stats.bootstrap_ci(
        example_rates,
        resamples=bootstrap_resamples,
        seed=_label_seed(seed, "model-bootstrap", data.task_id, data.model_id),
        confidence=CONFIDENCE,
    )
    if bootstrap.bca.note:
        notes.append(f"BCa interval: {bootstrap.bca.note}")

    clustered = stats.clustered_standard_error(
        [float(s.passed) for s in samples], [s.example_id for s in samples]
    )

    per_example_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample in samples:
        counts = per_example_counts[sample.example_id]
        counts[0] += 1
        counts[1] += int(sample.passed)
    smallest_n = min(counts[0] for counts in per_example_counts.values())
    pass_at_k = {
        k: float(
            np.mean(
                [
                    stats.pass_at_k(per_example_counts[e][0], per_example_counts[e][1], k)
                    for e in data.examples
                ]
            )
        )
        for k in PASS_AT_K
        if k <= smallest_n
    }

    verdict_counts = {verdict.value: 0 for verdict in Verdict}
    for sample in samples:
        verdict_counts[sample.verdict.value] += 1
    verdict_counts[Verdict.HARNESS_ERROR.value] = harness_errors
    if harness_errors:
        notes.append(
            f"{harness_errors} harness_error sample(s) (our machinery failed) are not counted; "
            "`evaluate --resume` redoes them"
        )

    checked = [s for s in samples if s.example_id in offering_checks]
    level_passes: dict[int, int] = defaultdict(int)
    level_totals: dict[int, int] = defaultdict(int)
    for sample in samples:
        level_passes[sample.level] += int(sample.passed)
        level_totals[sample.level] += 1
    accuracy_by_level = {
        level: level_passes[level] / level_totals[level] for level in sorted(level_totals)
    }
    missing = [level for level in accuracy_by_level if level not in level_weights]
    if missing:
        raise AnalysisError(
            f"task {data.task_id!r}: samples have level(s) {missing} but level_weights only "
            f"covers {sorted(level_weights)}; add a weight for every level in the corpus"
        )
    weight_total = sum(float(level_weights[level]) for level in accuracy_by_level)
    level_weighted = _mean_or_nan(
        sum(float(level_weights[level]) * acc for level, acc in accuracy_by_level.items()),
        weight_total,
    )

    total_cost = math.fsum(s.cost_usd for s in samples)
    cost_per_sample = total_cost / n_samples
    latency_p50, latency_p95, latency_p99 = _percentiles([s.latency_s for s in samples])
    rates = [
        s.output_tokens / s.latency_s for s in samples if s.latency_s > 0 and s.output_tokens > 0
    ]
    mean_tokens_per_s = float(np.mean(rates)) if rates else math.nan
    if not rates:
        notes.append("no sample has both output tokens and a positive latency: no tokens/s")
    per_dollar = pareto.accuracy_per_dollar(pass_at_1, cost_per_sample)
    if cost_per_sample == 0:
        notes.append("free model (cost 0): accuracy per dollar is unbounded or undefined")

    return ModelSummary(
        task_id=data.task_id,
        model_id=data.model_id,
        n_samples=n_samples,
        n_examples=len(data.examples),
        n_runs=len(data.runs),
        runs=data.runs,
        pass_at_1=pass_at_1,
        run_accuracies=run_values,
        t_ci_low=t_low,
        t_ci_high=t_high,
        t_ci_degenerate=t_interval.degenerate or runs_identical,
        runs_identical=runs_identical,
        example_pass_rate=bootstrap.estimate,
        bootstrap_ci_low=bootstrap.percentile.low,
        bootstrap_ci_high=bootstrap.percentile.high,
        bca_ci_low=bootstrap.bca.low,
        bca_ci_high=bootstrap.bca.high,
        bootstrap_standard_error=bootstrap.standard_error,
        bootstrap_resamples=bootstrap_resamples,
        clustered_standard_error=clustered,
        pass_at_k=pass_at_k,
        compile_rate=sum(s.compiled for s in samples) / n_samples,
        behaviour_checked_samples=len(checked),
        behaviour_pass_rate=_mean_or_nan(sum(s.passed for s in checked), len(checked)),
        compile_only=verdict_counts[Verdict.COMPILE_ONLY.value],
        verdict_counts=verdict_counts,
        accuracy_by_level=accuracy_by_level,
        samples_by_level={level: level_totals[level] for level in sorted(level_totals)},
        level_weighted_score=level_weighted,
        total_cost_usd=total_cost,
        cost_per_sample_usd=cost_per_sample,
        input_tokens=sum(s.input_tokens for s in samples),
        output_tokens=sum(s.output_tokens for s in samples),
        estimated_token_samples=sum(s.tokens_estimated for s in samples),
        latency_p50_s=latency_p50,
        latency_p95_s=latency_p95,
        latency_p99_s=latency_p99,
        mean_tokens_per_s=mean_tokens_per_s,
        accuracy_per_dollar=per_dollar,
        notes=tuple(notes),
        harness_errors=harness_errors,
    )


# --------------------------------------------------------------------------------------------
# Comparisons


def _compare(
    a: _ModelSamples, b: _ModelSamples, *, seed: int, bootstrap_resamples: int
) -> Comparison:
    """Comparison of two models on their common examples, before family-wise adjustment."""
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
            task_id=a.task_id,
            model_a=a.model_id,
            model_b=b.model_id,
            n_common_examples=0,
            accuracy_a=nan,
            accuracy_b=nan,
            accuracy_difference=nan,
            difference_ci_low=nan,
            difference_ci_high=nan,
            mcnemar_run=None,
            mcnemar_b=0,
            mcnemar_c=0,
            mcnemar_exact_p=nan,
            mcnemar_mid_p=nan,
            paired_runs=0,
            paired_t_statistic=nan,
            paired_t_p=nan,
            welch_t_statistic=nan,
            welch_t_p=nan,
            welch_t_df=nan,
            cohens_d=nan,
            cohens_h=nan,
            holm_p=nan,
            bonferroni_p=nan,
            minimum_detectable_difference=nan,
            bootstrap_resamples=bootstrap_resamples,
            notes=tuple(notes),
        )
    rates_a = a.example_pass_rates(common)
    rates_b = b.example_pass_rates(common)
    accuracy_a = float(np.mean(rates_a))
    accuracy_b = float(np.mean(rates_b))
    difference = stats.paired_bootstrap_difference_ci(
        rates_a,
        rates_b,
        resamples=bootstrap_resamples,
        seed=_label_seed(seed, "pair-bootstrap", a.task_id, a.model_id, b.model_id),
        confidence=CONFIDENCE,
    )

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
    if len(common_runs) > 1:
        notes.append(
            f"McNemar counts pairs in run {mcnemar_run} only; the paired bootstrap CI uses all "
            "runs through per-example pass rates"
        )

    runs_a = a.run_accuracies(common)
    runs_b = b.run_accuracies(common)
    paired_runs = [run for run in runs_a if run in runs_b]
    paired = stats.paired_t_test(
        [runs_a[run] for run in paired_runs], [runs_b[run] for run in paired_runs]
    )
    welch = stats.welch_t_test(list(runs_a.values()), list(runs_b.values()))
    paired_t, paired_p = paired.statistic, paired.p_value
    welch_t, welch_p, welch_df = welch.statistic, welch.p_value, welch.df
    if paired.note:
        paired_t = paired_p = nan
        notes.append(f"paired t-test on runs undefined: {paired.note}")
    if welch.note:
        welch_t = welch_p = welch_df = nan
        notes.append(f"Welch t-test on runs undefined: {welch.note}")

    mdd = stats.minimum_detectable_difference(
        len(common), (accuracy_a + accuracy_b) / 2, alpha=ALPHA, power=POWER
    )
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
        mcnemar_run=mcnemar_run,
        mcnemar_b=b_count,
        mcnemar_c=c_count,
        mcnemar_exact_p=exact_p,
        mcnemar_mid_p=mid_p,
        paired_runs=len(paired_runs),
        paired_t_statistic=paired_t,
        paired_t_p=paired_p,
        welch_t_statistic=welch_t,
        welch_t_p=welch_p,
        welch_t_df=welch_df,
        cohens_d=stats.cohens_d(rates_a, rates_b),
        cohens_h=stats.cohens_h(min(1.0, max(0.0, accuracy_a)), min(1.0, max(0.0, accuracy_b))),
        holm_p=mid_p,
        bonferroni_p=mid_p,
        minimum_detectable_difference=mdd,
        bootstrap_resamples=bootstrap_resamples,
        notes=tuple(notes),
    )


def _adjusted(comparisons: Sequence[Comparison]) -> tuple[Comparison, ...]:
    """The comparisons with Holm and Bonferroni p over the family (all pairs of the task)."""
    p_values = [item.mcnemar_mid_p for item in comparisons]
    holm = stats.holm_adjust(p_values)
    bonferroni = stats.bonferroni_adjust(p_values)
    return tuple(
        replace(item, holm_p=h, bonferroni_p=bf)
        for item, h, bf in zip(comparisons, holm, bonferroni, strict=True)
    )


def _swapped(item: Comparison) -> Comparison:
    """The same comparison seen from the other side (B - A)."""
    return replace(
        item,
        model_a=item.model_b,
        model_b=item.model_a,
        accuracy_a=item.accuracy_b,
        accuracy_b=item.accuracy_a,
        accuracy_difference=-item.accuracy_difference,
        difference_ci_low=-item.difference_ci_high,
        difference_ci_high=-item.difference_ci_low,
        mcnemar_b=item.mcnemar_c,
        mcnemar_c=item.mcnemar_b,
        paired_t_statistic=-item.paired_t_statistic,
        welch_t_statistic=-item.welch_t_statistic,
        cohens_d=-item.cohens_d,
        cohens_h=-item.cohens_h,
    )


# --------------------------------------------------------------------------------------------
# Frontier


def _point(summary: ModelSummary) -> pareto.ModelPoint:
    return pareto.ModelPoint(
        model_id=summary.model_id,
        # Rounded to 12 significant digits so that values equal as fractions are not split
        # by floating-point summation order.
        accuracy=float(pareto.round_significant(np.array([summary.pass_at_1]))[0]),
        cost_usd=float(pareto.round_significant(np.array([summary.cost_per_sample_usd]))[0]),
        latency_s=summary.latency_p50_s,
        task_id=summary.task_id,
    )


def pareto_from_summaries(summaries: Sequence[ModelSummary]) -> pareto.ParetoAnalysis:
    """Frontier analysis from model summaries of one task (no membership probabilities).

    Raises AnalysisError when the summaries belong to different tasks.
    """
    return pareto.analyse_pareto([_point(summary) for summary in summaries])


def _task_pareto(
    summaries: Sequence[ModelSummary],
    data: Sequence[_ModelSamples],
    *,
    seed: int,
    bootstrap_resamples: int,
) -> pareto.ParetoAnalysis:
    common = sorted(set.intersection(*(set(d.examples) for d in data))) if data else []
    membership: dict[str, float] | None = None
    if common:
        pass_rates = np.column_stack([d.example_pass_rates(common) for d in data])
        costs = np.column_stack([d.example_costs_usd(common) for d in data])
        probability = pareto.frontier_membership_probability(
            pass_rates,
            costs,
            resamples=bootstrap_resamples,
            seed=_label_seed(seed, "frontier-membership", data[0].task_id),
        )
        membership = {d.model_id: float(p) for d, p in zip(data, probability, strict=True)}
    return pareto.analyse_pareto(
        [_point(summary) for summary in summaries],
        membership=membership,
        membership_resamples=bootstrap_resamples if membership else 0,
        membership_examples=len(common),
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


def summarize_model(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> ModelSummary:
    """Summary of one model on one task; samples of several tasks or models raise."""
    sample_list, harness_errors = _split_harness_errors(samples)
    if not sample_list:
        raise AnalysisError(
            "no samples to summarize"
            + (" (every sample is a harness_error)" if harness_errors else "")
        )
    _check_settings(level_weights, bootstrap_resamples)
    _check_levels(sample_list)
    data = _ModelSamples.build(sample_list)
    return _summarize_model(
        data,
        level_weights=level_weights,
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        offering_checks=_examples_offering_checks(sample_list),
        harness_errors=sum(harness_errors.values()),
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
    list_a, _ = _split_harness_errors(samples_a)
    list_b, _ = _split_harness_errors(samples_b)
    if not list_a or not list_b:
        raise AnalysisError("each model needs at least one sample to be compared")
    _check_settings({}, bootstrap_resamples)
    data_a = _ModelSamples.build(list_a)
    data_b = _ModelSamples.build(list_b)
    return _compare(data_a, data_b, seed=seed, bootstrap_resamples=bootstrap_resamples)


def summarize_task(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> TaskSummary:
    """Summary of one task: every model, every pair, the frontier. Mixed tasks raise.

    `harness_error` samples are counted per model and left out of everything else.
    """
    every_sample = list(samples)
    if not every_sample:
        raise AnalysisError("no samples to summarize")
    sample_list, harness_errors = _split_harness_errors(every_sample)
    task_ids = sorted({s.task_id for s in every_sample})
    if not sample_list and len(task_ids) == 1:
        raise AnalysisError(
            f"task {task_ids[0]!r}: all {len(every_sample)} samples are harness_error (this "
            "tool's machinery failed; each sample's `error` says how): fix the cause, then "
            "rerun `evaluate --resume` to redo them"
        )
    if len(task_ids) > 1:
        raise AnalysisError(
            f"samples of several tasks ({', '.join(task_ids)}) cannot be merged into one task "
            "summary; use summarize() to get one summary per task"
        )
    _check_settings(level_weights, bootstrap_resamples)
    _check_levels(sample_list)
    by_model: dict[str, list[Sample]] = defaultdict(list)
    for sample in sample_list:
        by_model[sample.model_id].append(sample)
    data = [_ModelSamples.build(by_model[model_id]) for model_id in sorted(by_model)]
    offering_checks = _examples_offering_checks(sample_list)
    summaries = tuple(
        _summarize_model(
            item,
            level_weights=level_weights,
            seed=seed,
            bootstrap_resamples=bootstrap_resamples,
            offering_checks=offering_checks,
            harness_errors=harness_errors.get(item.model_id, 0),
        )
        for item in data
    )
    comparisons = _adjusted(
        [
            _compare(a, b, seed=seed, bootstrap_resamples=bootstrap_resamples)
            for a, b in itertools.combinations(data, 2)
        ]
    )
    frontier = _task_pareto(summaries, data, seed=seed, bootstrap_resamples=bootstrap_resamples)
    return TaskSummary(task_ids[0], summaries, comparisons, frontier, harness_errors)


def summarize(
    samples: Iterable[Sample],
    *,
    level_weights: Mapping[int, float],
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> EvaluationSummary:
    """Summaries of every task in ``samples``, grouped by (task_id, model_id).

    ``level_weights`` maps each difficulty level to its weight in the level-weighted score;
    every level present in the samples needs one. ``seed`` makes every bootstrap
    reproducible; ``bootstrap_resamples`` is used for every bootstrap (model CIs, pairwise
    difference CIs and frontier membership).
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
        )
        for task_id in sorted(by_task)
    )
    return EvaluationSummary(
        tasks=tasks,
        level_weights={int(level): float(w) for level, w in sorted(level_weights.items())},
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        confidence=CONFIDENCE,
    )
