"""One contestant's (or control's) samples grouped by example, and its `ModelSummary`."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from single_shot_eval.analysis import pareto, stats
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.summaries import (
    CONFIDENCE,
    CONTROL_EXPECTED_PASS_RATE,
    PASS_AT_K,
    ControlCheck,
    ModelSummary,
)
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.rustsource import is_signature_only

CHECK_VERDICTS = frozenset({Verdict.PASS, Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH})

# --------------------------------------------------------------------------------------------
# Grouped samples


def label_seed(seed: int, *labels: str) -> list[int]:
    """Seed for one generator: the user's seed plus stable 32-bit hashes of the labels."""
    if seed < 0:
        raise AnalysisError(f"seed must be a non-negative integer, got {seed}")
    words = [seed]
    for label in labels:
        words.append(int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "little"))
    return words


@dataclass(frozen=True)
class ModelSamples:
    """One model's samples on one task, indexed by (example, run)."""

    task_id: str
    model_id: str
    samples: tuple[Sample, ...]
    outcomes: dict[tuple[str, int], bool]
    costs_usd: dict[tuple[str, int], float]
    examples: tuple[str, ...]
    runs: tuple[int, ...]

    @classmethod
    def build(cls, samples: Sequence[Sample]) -> ModelSamples:
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


def check_levels(samples: Sequence[Sample]) -> None:
    levels: dict[str, int] = {}
    for sample in sorted(samples, key=lambda s: (s.model_id, s.run, s.example_id)):
        level = levels.setdefault(sample.example_id, sample.level)
        if level != sample.level:
            raise AnalysisError(
                f"task {sample.task_id!r}: example {sample.example_id!r} has level {level} in "
                f"one sample and {sample.level} in another (model {sample.model_id!r}, run "
                f"{sample.run}); re-run the evaluation with one corpus version"
            )


def examples_offering_checks(samples: Iterable[Sample]) -> frozenset[str]:
    """Examples that offer a behaviour check, judged from every sample of the task."""
    checked: set[str] = set()
    compile_only: set[str] = set()
    examples: set[str] = set()
    for sample in samples:
        examples.add(sample.example_id)
        if sample.behaviour_checked or sample.verdict in CHECK_VERDICTS:
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

    Samples written by the reference backend carry ``details.control``; stores written before
    that are recognised by the built-in control ids.
    """
    roles = {sample.details.control for sample in samples}
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


def summarize_model_samples(
    data: ModelSamples,
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
        seed=label_seed(seed, "model-bootstrap", data.task_id, data.model_id),
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
        format_only_failures=sum(
            1 for s in samples
            if not s.passed and s.extracted_code and is_signature_only(s.extracted_code)
        ),
        notes=tuple(notes),
    )


def control_check(role: str, data: ModelSamples, summary: ModelSummary) -> ControlCheck:
    """How a control fared against its expectation (see `ControlCheck`)."""
    answered = sorted(
        {s.example_id for s in data.samples if s.verdict is not Verdict.NO_CODE}
    )
    rates = dict(zip(answered, data.example_pass_rates(answered), strict=True))
    expected = CONTROL_EXPECTED_PASS_RATE[role]
    unexpected = tuple(e for e in answered if rates[e] != expected)
    if role == "reference" and answered:
        # An example without a reference translation is a failure of the self-check too
        # (a corpus with none at all leaves the control not applicable, see `ControlCheck`).
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


