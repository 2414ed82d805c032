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

import hashlib
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from single_shot_eval.analysis import pareto, stats
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.stats import JsonReady
from single_shot_eval.records import Sample, Verdict

__all__ = [
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

CONFIDENCE = 0.95
PASS_AT_K = (1, 5, 10)
ALPHA = 0.05
POWER = 0.8
#: Gaps (accuracy points) for which each comparison says how many examples a test needs.
DETECTABLE_POINTS = (1, 3, 5)
#: Expected pass rate of each control: the reference must pass everything, the mutant nothing.
CONTROL_EXPECTED_PASS_RATE = {"reference": 1.0, "mutant": 0.0}

_CHECK_VERDICTS = frozenset({Verdict.PASS, Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH})


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class ModelSummary(JsonReady):
    """Everything measured about one model on one task.

    Rates are fractions in [0, 1]; NaN (None in JSON) marks a number that cannot be computed,
    and ``notes`` says why. Samples with a harness error are in none of these figures.

    * ``pass_at_1``: mean over runs of the run's accuracy (passes / samples of that run).
    * ``example_pass_rate``: mean over examples of the example's pass rate; the estimate the
      headline interval ``example_ci_*`` surrounds (equals ``pass_at_1`` when every run has
      every example). ``example_ci_method`` names the interval (see the module docstring).
    * ``t_ci_*``: run-to-run Student-t (see the module docstring).
    * ``pass_at_k``: unbiased pass@k (Chen et al. 2021) averaged over examples, over each
      example's *distinct generations* (cached replays count once), for each k in (1, 5, 10)
      not above the smallest number of generations of any example; ``pass_at_k_note`` says
      why a k is missing.
    * ``behaviour_pass_rate``: passes among samples of examples that offer a behaviour check.
    * ``accuracy_by_level``: passes / samples per difficulty level; ``level_weighted_score``:
      sum of weight x level accuracy over the levels present, divided by their summed weight.
    * Cost: ``actual_cost_usd`` is what was spent (generated samples only; a cached replay
      costs nothing); ``nominal_cost_usd`` is what every sample would cost if generated (the
      seed's "total"); ``cost_per_sample_usd`` = nominal / samples, the price of one
      translation; ``accuracy_per_dollar`` = pass_at_1 / cost_per_sample_usd.
    * ``generations``: samples generated by the model (not replayed from the cache).
    * ``harness_errors``: samples whose verification or generation our own machinery failed
      (``harness_error``); left out of every figure above, including ``n_samples``.
    * ``mean_tokens_per_s``: mean over samples with positive latency and output tokens of
      output tokens / latency.
    """

    task_id: str
    model_id: str
    n_samples: int
    n_examples: int
    n_runs: int
    runs: tuple[int, ...]
    harness_errors: int
    generations: int
    pass_at_1: float
    run_accuracies: tuple[float, ...]
    example_pass_rate: float
    example_ci_low: float
    example_ci_high: float
    example_ci_method: str
    t_ci_low: float
    t_ci_high: float
    t_ci_degenerate: bool
    runs_identical: bool
    bootstrap_resamples: int
    clustered_standard_error: float
    pass_at_k: dict[int, float]
    pass_at_k_note: str
    compile_rate: float
    behaviour_checked_samples: int
    behaviour_pass_rate: float
    compile_only: int
    verdict_counts: dict[str, int]
    accuracy_by_level: dict[int, float]
    samples_by_level: dict[int, int]
    level_weighted_score: float
    actual_cost_usd: float
    nominal_cost_usd: float
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

    @property
    def passes(self) -> int:
        return self.verdict_counts.get(Verdict.PASS.value, 0)


@dataclass(frozen=True)
class ControlCheck(JsonReady):
    """The self-check of one harness control (`reference` must pass, `mutant` must fail).

    * ``answered_examples``: examples for which the control had code (a corpus offers a mutant
      for only some examples; an example without one is answered with nothing).
    * ``unexpected_examples``: examples that contradict the expectation (a reference that
      failed, a mutant that passed), sorted. ``ok`` is True when there is none (a mutant
      control with no mutant to check is vacuously ok; a reference without a translation fails).
    * ``pass_rate``: mean per-example pass rate over the answered examples.
    """

    model_id: str
    role: str
    expected_pass_rate: float
    pass_rate: float
    ok: bool
    n_examples: int
    answered_examples: int
    unexpected_examples: tuple[str, ...]
    summary: ModelSummary


@dataclass(frozen=True)
class Comparison(JsonReady):
    """Contestant A against contestant B on the examples both answered (same task).

    Every statistic pairs by *example*:

    * ``accuracy_a`` / ``accuracy_b``: mean per-example pass rate on the common examples;
      ``accuracy_difference`` = a - b with a paired bootstrap interval over examples
      (``difference_ci_method``: BCa, or exact given the discordant count when every example
      differs the same way).
    * McNemar: ``mcnemar_b`` (A passed, B failed) and ``mcnemar_c`` (the reverse) over the
      common examples, in the lowest run both have (with identical runs that is every run;
      otherwise the other runs are left to the bootstrap and the paired t). The exact p is
      conservative; the mid-p has close to nominal size and is the primary test: ``holm_p``
      and ``bonferroni_p`` adjust it over all contestant pairs of the task.
    * ``paired_t_*``: paired t-test over per-example pass rates (``scipy.stats.ttest_rel``);
      ``cohens_dz`` its effect size; ``cohens_h``: arcsine difference of the two accuracies.
    * Power (exact power of the mid-p McNemar test, `stats.mcnemar_power`, at the observed
      weaker rate, errors independent): ``minimum_detectable_difference`` with 80% power at
      alpha 0.05 on this many common examples (infinite when none is detectable), and
      ``examples_needed`` for gaps of 1, 3 and 5 points.
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
    difference_ci_method: str
    mcnemar_run: int | None
    mcnemar_b: int
    mcnemar_c: int
    mcnemar_exact_p: float
    mcnemar_mid_p: float
    paired_t_statistic: float
    paired_t_p: float
    cohens_h: float
    cohens_dz: float
    holm_p: float
    bonferroni_p: float
    minimum_detectable_difference: float
    examples_needed: dict[int, int]
    bootstrap_resamples: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskSummary(JsonReady):
    """One task: contestants (``models``, sorted by id), the controls' self-check, pairwise
    comparisons of contestants and their frontier. ``notes`` are task-level remarks;
    ``harness_errors`` counts the `harness_error` samples of each model that has any, also of
    a model that has nothing else (and so no summary in ``models``)."""

    task_id: str
    models: tuple[ModelSummary, ...]
    controls: tuple[ControlCheck, ...]
    comparisons: tuple[Comparison, ...]
    pareto: pareto.ParetoAnalysis
    notes: tuple[str, ...] = ()
    harness_errors: dict[str, int] = field(default_factory=dict)

    def model(self, model_id: str) -> ModelSummary:
        """A contestant's or a control's summary."""
        for summary in self.models:
            if summary.model_id == model_id:
                return summary
        for control in self.controls:
            if control.model_id == model_id:
                return control.summary
        raise KeyError(f"task {self.task_id!r} has no model {model_id!r}")

    def comparison(self, model_a: str, model_b: str) -> Comparison:
        """The comparison of the two contestants, oriented as asked (A - B)."""
        for item in self.comparisons:
            if (item.model_a, item.model_b) == (model_a, model_b):
                return item
            if (item.model_a, item.model_b) == (model_b, model_a):
                return _swapped(item)
        raise KeyError(f"task {self.task_id!r} has no comparison of {model_a!r} and {model_b!r}")

    @property
    def self_check_ok(self) -> bool:
        """True when every control behaved as expected (vacuously with no control)."""
        return all(control.ok for control in self.controls)


@dataclass(frozen=True)
class EvaluationSummary(JsonReady):
    """Per-task summaries (sorted by task id) and the settings that produced them."""

    tasks: tuple[TaskSummary, ...]
    level_weights: dict[int, float] = field(default_factory=dict)
    seed: int = 0
    bootstrap_resamples: int = 10_000
    confidence: float = CONFIDENCE
    baseline: str | None = None

    def task(self, task_id: str) -> TaskSummary:
        for summary in self.tasks:
            if summary.task_id == task_id:
                return summary
        raise KeyError(f"no task {task_id!r} in this summary")


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


def _percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    if not values:
        return math.nan, math.nan, math.nan
    p50, p95, p99 = np.percentile(np.asarray(values, dtype=np.float64), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def _mean_or_nan(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def control_role(model_id: str, samples: Iterable[Sample]) -> str | None:
    """``"reference"`` or ``"mutant"`` when the model is a harness control, else None.

    Samples written by the reference backend carry ``extra["control"]``; stores written before
    that are recognised by the built-in control ids.
    """
    roles = {sample.extra.get("control") for sample in samples}
    if len(roles) == 1:
        (role,) = roles
        if role in CONTROL_EXPECTED_PASS_RATE:
            return role
    return model_id if model_id in CONTROL_EXPECTED_PASS_RATE else None


# --------------------------------------------------------------------------------------------
# Model summaries


def _pass_at_k(samples: Sequence[Sample], examples: Sequence[str]) -> tuple[dict[int, float], str]:
    """pass@k over each example's distinct generations; a cached replay is not a new sample."""
    generated: dict[str, list[bool]] = defaultdict(list)
    replayed: dict[str, list[bool]] = defaultdict(list)
    for sample in samples:
        (replayed if sample.cached_response else generated)[sample.example_id].append(
            sample.passed
        )
    counts = {}
    for example in examples:
        outcomes = generated[example] or replayed[example][:1]
        counts[example] = (len(outcomes), sum(outcomes))
    smallest = min(n for n, _ in counts.values())
    smallest_samples = min(
        len(generated[e]) + len(replayed[e]) for e in examples
    )
    values = {
        k: float(np.mean([stats.pass_at_k(n, c, k) for n, c in counts.values()]))
        for k in PASS_AT_K
        if k <= smallest
    }
    missing = [k for k in PASS_AT_K if smallest < k <= smallest_samples]
    note = ""
    if missing:
        note = (
            f"pass@{', pass@'.join(map(str, missing))} not reported: runs replayed from the "
            f"response cache (temperature 0) are one generation, so an example has only "
            f"{smallest} distinct sample(s) and its k samples cannot differ"
        )
    return values, note


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
    if harness_errors:
        notes.append(
            f"{harness_errors} sample(s) with a harness error (our machinery failed) are left "
            "out of every denominator"
        )

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
            "the run-to-run t-interval is undefined, the interval over examples is exact"
        )
    elif t_interval.degenerate:
        t_low = t_high = math.nan
        notes.append(f"run-to-run t-interval undefined: {t_interval.note}")

    example_rates = data.example_pass_rates(data.examples)
    headline = stats.example_interval(
        example_rates,
        resamples=bootstrap_resamples,
        seed=_label_seed(seed, "model-bootstrap", data.task_id, data.model_id),
        confidence=CONFIDENCE,
        samples=n_samples,
    )
    if headline.note and headline.method != stats.EXACT:
        notes.append(f"interval over examples: {headline.note}")

    clustered = stats.clustered_standard_error(
        [float(s.passed) for s in samples], [s.example_id for s in samples]
    )
    pass_at_k, pass_at_k_note = _pass_at_k(samples, data.examples)

    verdict_counts = {verdict.value: 0 for verdict in Verdict}
    for sample in samples:
        verdict_counts[sample.verdict.value] += 1
    verdict_counts[Verdict.HARNESS_ERROR.value] += harness_errors

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

    generated = [s for s in samples if not s.cached_response]
    nominal_cost = math.fsum(s.cost_usd for s in samples)
    actual_cost = math.fsum(s.cost_usd for s in generated)
    if len(generated) < n_samples:
        notes.append(
            f"{n_samples - len(generated)} of {n_samples} samples were replayed from the "
            "response cache: actual spend counts each generation once, nominal cost prices "
            "every sample as generated"
        )
    cost_per_sample = nominal_cost / n_samples
    latency_p50, latency_p95, latency_p99 = _percentiles([s.latency_s for s in samples])
    rates = [
        s.output_tokens / s.latency_s for s in samples if s.latency_s > 0 and s.output_tokens > 0
    ]
    mean_tokens_per_s = float(np.mean(rates)) if rates else math.nan
    if not rates:
        notes.append("no sample has both output tokens and a positive latency: no tokens/s")
    per_dollar = pareto.accuracy_per_dollar(pass_at_1, cost_per_sample)
    if cost_per_sample == 0:
        notes.append("free model (cost $0): accuracy per dollar is unbounded or undefined")

    return ModelSummary(
        task_id=data.task_id,
        model_id=data.model_id,
        n_samples=n_samples,
        n_examples=len(data.examples),
        n_runs=len(data.runs),
        runs=data.runs,
        harness_errors=harness_errors,
        generations=len(generated),
        pass_at_1=pass_at_1,
        run_accuracies=run_values,
        example_pass_rate=headline.estimate,
        example_ci_low=headline.low,
        example_ci_high=headline.high,
        example_ci_method=headline.method,
        t_ci_low=t_low,
        t_ci_high=t_high,
        t_ci_degenerate=t_interval.degenerate or runs_identical,
        runs_identical=runs_identical,
        bootstrap_resamples=bootstrap_resamples,
        clustered_standard_error=clustered,
        pass_at_k=pass_at_k,
        pass_at_k_note=pass_at_k_note,
        compile_rate=sum(s.compiled for s in samples) / n_samples,
        behaviour_checked_samples=len(checked),
        behaviour_pass_rate=_mean_or_nan(sum(s.passed for s in checked), len(checked)),
        compile_only=verdict_counts[Verdict.COMPILE_ONLY.value],
        verdict_counts=verdict_counts,
        accuracy_by_level=accuracy_by_level,
        samples_by_level={level: level_totals[level] for level in sorted(level_totals)},
        level_weighted_score=level_weighted,
        actual_cost_usd=actual_cost,
        nominal_cost_usd=nominal_cost,
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
    )


def _control_check(role: str, data: _ModelSamples, summary: ModelSummary) -> ControlCheck:
    """How a control fared against its expectation (see `ControlCheck`)."""
    answered = sorted(
        {s.example_id for s in data.samples if s.verdict is not Verdict.NO_CODE}
    )
    rates = dict(zip(answered, data.example_pass_rates(answered), strict=True))
    expected = CONTROL_EXPECTED_PASS_RATE[role]
    unexpected = tuple(e for e in answered if rates[e] != expected)
    if role == "reference":
        # An example without a reference translation is a failure of the self-check too.
        unexpected = tuple(sorted({*unexpected, *(set(data.examples) - set(answered))}))
    pass_rate = float(np.mean(list(rates.values()))) if rates else math.nan
    return ControlCheck(
        model_id=data.model_id,
        role=role,
        expected_pass_rate=expected,
        pass_rate=pass_rate,
        ok=not unexpected,
        n_examples=len(data.examples),
        answered_examples=len(answered),
        unexpected_examples=unexpected,
        summary=summary,
    )


# --------------------------------------------------------------------------------------------
# Comparisons


def _compare(
    a: _ModelSamples, b: _ModelSamples, *, seed: int, bootstrap_resamples: int
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
        seed=_label_seed(seed, "pair-bootstrap", a.task_id, a.model_id, b.model_id),
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
    mdd = stats.minimum_detectable_difference(
        len(common), stronger, weaker, alpha=ALPHA, power=POWER
    )
    needed = {
        points: stats.examples_needed(points / 100, stronger, weaker, alpha=ALPHA, power=POWER)
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


def _adjusted(comparisons: Sequence[Comparison]) -> tuple[Comparison, ...]:
    """The comparisons with Holm and Bonferroni p over the family (all contestant pairs)."""
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
        cohens_h=-item.cohens_h,
        cohens_dz=-item.cohens_dz,
    )


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
    data: Sequence[_ModelSamples],
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
        seed=_label_seed(seed, "frontier-membership", task_id),
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
    _check_levels(sample_list)
    data = _ModelSamples.build(sample_list)
    return _summarize_model(
        data,
        level_weights=level_weights,
        seed=seed,
        bootstrap_resamples=bootstrap_resamples,
        offering_checks=_examples_offering_checks(sample_list),
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
    data_a = _ModelSamples.build(list_a)
    data_b = _ModelSamples.build(list_b)
    return _compare(data_a, data_b, seed=seed, bootstrap_resamples=bootstrap_resamples)


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
    _check_levels(sample_list)
    notes = [
        f"{model_id}: all {count} sample(s) are harness errors; nothing to analyse"
        for model_id, count in sorted(harness_errors.items())
        if not any(s.model_id == model_id for s in sample_list)
    ]
    by_model: dict[str, list[Sample]] = defaultdict(list)
    for sample in sample_list:
        by_model[sample.model_id].append(sample)
    offering_checks = _examples_offering_checks(sample_list)
    contestants: list[tuple[_ModelSamples, ModelSummary]] = []
    controls: list[ControlCheck] = []
    for model_id in sorted(by_model):
        data = _ModelSamples.build(by_model[model_id])
        summary = _summarize_model(
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
            controls.append(_control_check(role, data, summary))
    comparisons = _adjusted(
        [
            _compare(a, b, seed=seed, bootstrap_resamples=bootstrap_resamples)
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
