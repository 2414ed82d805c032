"""Which samples the HTML report's drill-down shows: per model, the first failures and passes in
store order, within bounded size (`templates/drill_down.html.j2` shows their stages, failing
cases, diagnostics and answer)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from single_shot_eval.analysis.aggregate import TaskSummary
from single_shot_eval.report.html_kit import VERDICT_RANK
from single_shot_eval.report.palette import VERDICT_COLOURS
from single_shot_eval.results.records import Sample

MAX_SAMPLES_PER_MODEL = 30


@dataclass
class KeptSamples:
    """The samples of one model kept for the drill-down, and counts of all of them."""

    failures: list[Sample] = field(default_factory=list)
    passes: list[Sample] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())

    def shown(self) -> list[Sample]:
        kept = self.failures[:MAX_SAMPLES_PER_MODEL]
        kept += self.passes[: MAX_SAMPLES_PER_MODEL - len(kept)]
        return kept


def collect_samples(samples: Iterable[Sample]) -> dict[tuple[str, str], KeptSamples]:
    """One streaming pass: per (task, model), the first failures and passes in store order."""
    kept: dict[tuple[str, str], KeptSamples] = defaultdict(KeptSamples)
    for sample in samples:
        entry = kept[(sample.task_id, sample.model_id)]
        entry.verdicts[sample.verdict.value] += 1
        bucket = entry.passes if sample.passed else entry.failures
        if len(bucket) < MAX_SAMPLES_PER_MODEL:
            bucket.append(sample)
    return kept


@dataclass(frozen=True)
class ModelDrillDown:
    """One model's part of the drill-down: its samples shown in full, failures (worst verdict)
    first, and how many it has of each verdict."""

    model_id: str
    total: int
    shown: list[Sample]
    verdict_counts: list[tuple[str, int]]
    shown_at_most: int = MAX_SAMPLES_PER_MODEL

    @property
    def elided(self) -> int:
        return self.total - len(self.shown)


def drill_down_models(
    task: TaskSummary, kept: dict[tuple[str, str], KeptSamples]
) -> list[ModelDrillDown]:
    """Contestants, then controls, as the drill-down lists them."""
    models = []
    for m in [*task.models, *(c.summary for c in task.controls)]:
        entry = kept.get((task.task_id, m.model_id), KeptSamples())
        shown = sorted(
            entry.shown(),
            key=lambda s: (s.passed, VERDICT_RANK.get(s.verdict.value, 0) * -1, s.example_id,
                           s.run),
        )
        counts = [(v.value, entry.verdicts[v.value]) for v, _ in VERDICT_COLOURS
                  if entry.verdicts.get(v.value)]
        models.append(ModelDrillDown(m.model_id, entry.total, shown, counts))
    return models
