"""What every report is built from: the store's samples, their analysis and the provenance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from single_shot_eval.analysis.aggregate import EvaluationSummary, summarize
from single_shot_eval.analysis.divergence import DivergenceSummary, summarize_divergences
from single_shot_eval.analysis.quality import QualitySection
from single_shot_eval.analysis.repair import (
    RepairSummary,
    repair_settings_from_provenance,
    summarize_repair,
)
from single_shot_eval.corpus.levels import LEVEL_WEIGHTS
from single_shot_eval.report.quality import compute_quality
from single_shot_eval.results.provenance import RunProvenance
from single_shot_eval.results.records import Sample
from single_shot_eval.results.store import ResultStore

PROVENANCE_KEYS = (
    "tool_version",
    "rustc_version",
    "python_version",
    "toolchain_fingerprint",
    "sandbox",
    "seed",
    "started_at",
    "updated_at",
    "tasks",
    "models",
    "numeric_settings",
    "model_notes",
    "baselines",
    "case_counts",
)


@dataclass(frozen=True)
class ReportData:
    """A store's analysis plus a way to stream its samples again (for per-sample sections)."""

    store_path: Path
    summary: EvaluationSummary
    provenance: RunProvenance
    samples: Callable[[], Iterator[Sample]] = field(repr=False)
    sample_count: int = 0
    # Rust quality of passing answers (`report/quality.py`); None: not computed.
    quality: QualitySection | None = None
    # repair@r curves; None for a one-shot evaluation (no repair section anywhere)
    repair: RepairSummary | None = None
    # failing cases by divergence kind, and the pass rate on seed-derived cases alone
    divergences: DivergenceSummary = field(default_factory=DivergenceSummary)

    @property
    def baselines(self) -> frozenset[str]:
        """Ids of the models evaluated as baselines (`evaluate --baselines`)."""
        return frozenset(self.provenance.baselines or ())

    @property
    def provenance_text(self) -> dict[str, str]:
        """The reported provenance keys the store records, as their stored text."""
        return self.provenance.display_items(PROVENANCE_KEYS)


def load_report_data(path: Path, *, seed: int = 0, baseline: str | None = None,
                     quality: bool = False) -> ReportData:
    """Analyse the store at `path` (read-only; no model or compiler is called), opened once;
    `quality`: with the quality section, from the findings the store holds."""
    store = ResultStore(path, create=False)
    summary = summarize(
        store.iter_samples(), level_weights=LEVEL_WEIGHTS, seed=seed, baseline=baseline
    )
    provenance = store.provenance()
    repair = summarize_repair(
        store.iter_samples(), store.repair_turns(),
        repair_settings_from_provenance(provenance.tasks), seed=seed,
    )
    contestants = [(t.task_id, m.model_id) for t in summary.tasks for m in t.models]
    return ReportData(
        store_path=path,
        summary=summary,
        provenance=provenance,
        samples=store.iter_samples,
        sample_count=store.count(),
        repair=repair,
        quality=compute_quality(store.iter_samples(), store, tasks=summary.tasks,
                                seed=summary.seed, resamples=summary.bootstrap_resamples)
        if quality else None,
        divergences=summarize_divergences(store.iter_samples(), contestants),
    )
