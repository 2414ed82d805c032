"""Where each contestant's translations part from the Python: per task and model, how many
samples fail a case of each divergence kind (`verify.divergence` labels the cases), and a
second, labelled pass rate on seed-derived cases alone (the strict pass@1 stays the headline).

A sample is counted once per kind, however many of its cases have it, so contestants compare
by samples whatever the number of cases per example.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from single_shot_eval.results.records import DivergenceKind, Sample

#: Stages whose failures are cases (the others fail as a whole: a build, a pytest suite).
CASE_STAGES = frozenset({"tests", "behaviour"})


def passes_seed_cases(sample: Sample) -> bool:
    """Whether `sample` passes when only seed-derived cases count: it compiled and every
    failing case it has is labelled and not a seed or a seed's mutation. A failure that is not
    a case, or a failing case nobody labelled (not run, or stored before the taxonomy), counts
    against it, so this rate is never below the strict one for a reason it cannot show."""
    if sample.passed:
        return True
    if not sample.compiled:
        return False
    for stage in sample.stages:
        if stage.ok:
            continue
        failing = stage.checks_total - stage.checks_passed
        if (
            stage.stage not in CASE_STAGES
            or failing <= 0
            or len(stage.divergences) < failing
            or any(d.seed_derived for d in stage.divergences)
        ):
            return False
    return True


@dataclass(frozen=True)
class ModelDivergences:
    """One contestant on one task: samples counted, those with a labelled failing case, the
    samples per kind (kinds in taxonomy order, zero counts left out) and the seed-only passes."""

    task_id: str
    model_id: str
    samples: int
    passes: int
    labelled: int
    by_kind: tuple[tuple[DivergenceKind, int], ...]
    seed_passes: int

    @property
    def seed_pass_rate(self) -> float | None:
        return self.seed_passes / self.samples if self.samples else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "model_id": self.model_id,
            "samples": self.samples,
            "strict_passes": self.passes,
            "samples_with_labelled_failures": self.labelled,
            "samples_by_kind": {kind.value: count for kind, count in self.by_kind},
            "seed_cases_only_passes": self.seed_passes,
            "seed_cases_only_pass_rate": self.seed_pass_rate,
        }


@dataclass(frozen=True)
class DivergenceSummary:
    """Every contestant's divergences, in task then model order."""

    models: tuple[ModelDivergences, ...] = ()

    @property
    def any_labelled(self) -> bool:
        """False when no sample has a labelled failing case (nothing to show)."""
        return any(m.labelled for m in self.models)

    def for_task(self, task_id: str) -> tuple[ModelDivergences, ...]:
        return tuple(m for m in self.models if m.task_id == task_id)

    def to_dict(self) -> list[dict[str, Any]]:
        return [m.to_dict() for m in self.models]


def summarize_divergences(
    samples: Iterable[Sample], contestants: Iterable[tuple[str, str]] | None = None
) -> DivergenceSummary:
    """The divergence summary of `samples` (harness errors left out, as everywhere). With
    `contestants` ((task, model) pairs), only those, in that order."""
    totals: Counter[tuple[str, str]] = Counter()
    labelled: Counter[tuple[str, str]] = Counter()
    seed_passes: Counter[tuple[str, str]] = Counter()
    passes: Counter[tuple[str, str]] = Counter()
    kinds: defaultdict[tuple[str, str], Counter[DivergenceKind]] = defaultdict(Counter)
    for sample in samples:
        if not sample.verdict.counts_for_model:
            continue
        key = (sample.task_id, sample.model_id)
        totals[key] += 1
        passes[key] += sample.passed
        seed_passes[key] += passes_seed_cases(sample)
        found = {k for s in sample.stages for d in s.divergences for k in d.kinds}
        labelled[key] += bool(found)
        kinds[key].update(found)
    order = list(contestants) if contestants is not None else sorted(totals)
    return DivergenceSummary(tuple(
        ModelDivergences(
            task_id, model_id, totals[(task_id, model_id)], passes[(task_id, model_id)],
            labelled[(task_id, model_id)],
            tuple((k, kinds[(task_id, model_id)][k]) for k in DivergenceKind
                  if kinds[(task_id, model_id)][k]),
            seed_passes[(task_id, model_id)],
        )
        for task_id, model_id in order if totals[(task_id, model_id)]
    ))
