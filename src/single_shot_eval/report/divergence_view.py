"""The divergence table as text rows, shared by the terminal, Markdown and HTML reports: per
contestant the strict pass@1, the pass rate on seed-derived cases alone, and how many samples
fail a case of each divergence kind."""

from __future__ import annotations

from single_shot_eval.analysis.divergence import DivergenceSummary
from single_shot_eval.report import fmt
from single_shot_eval.results.records import DivergenceKind

KIND_LABELS: dict[DivergenceKind, str] = {
    DivergenceKind.SEED: "seed",
    DivergenceKind.SEED_MUTATION: "seed mutation",
    DivergenceKind.NEGATIVE_DIVISION: "negative % or //",
    DivergenceKind.NON_ASCII: "non-ASCII",
    DivergenceKind.INTEGER_OVERFLOW: "int overflow",
    DivergenceKind.FLOAT_FORMATTING: "float format",
    DivergenceKind.EMPTY_INPUT: "empty input",
    DivergenceKind.PANIC: "panic",
    DivergenceKind.TIMEOUT: "timeout",
    DivergenceKind.OTHER: "other",
}

TITLE = "Where the translations part from the Python"
CAPTION = (
    "samples with a failing case of each kind (once per kind; a case may have several): seed = "
    "a hand-written case or a call the original's own file shows; seed mutation = one "
    "type-aware step from a seed; negative % or // = a negative operand where Python floors "
    "and Rust truncates; strict = pass@1, every case (the headline); seed cases only = the "
    "pass rate when only seed-derived cases count (a second rate, labelled as such)."
)


def header(summary: DivergenceSummary, task_id: str) -> list[str]:
    """The figure columns of one task: the two rates, labelled samples, then each kind seen."""
    return ["strict", "seed cases only", "with labels",
            *(KIND_LABELS[kind] for kind in kinds_seen(summary, task_id))]


def kinds_seen(summary: DivergenceSummary, task_id: str) -> list[DivergenceKind]:
    seen = {kind for m in summary.for_task(task_id) for kind, _ in m.by_kind}
    return [kind for kind in DivergenceKind if kind in seen]


def rows(summary: DivergenceSummary, task_id: str) -> list[tuple[str, list[str]]]:
    """(model id, figure cells) per contestant of `task_id`, in `header` order."""
    kinds = kinds_seen(summary, task_id)
    out = []
    for m in summary.for_task(task_id):
        counts = dict(m.by_kind)
        out.append((m.model_id, [
            f"{fmt.pct(m.passes / m.samples)} ({m.passes}/{m.samples})",
            f"{fmt.pct(m.seed_pass_rate)} ({m.seed_passes}/{m.samples})",
            str(m.labelled),
            *(str(counts.get(kind, 0)) for kind in kinds),
        ]))
    return out


def task_ids(summary: DivergenceSummary) -> list[str]:
    """Tasks with at least one labelled failing case (the others have nothing to show)."""
    return sorted({m.task_id for m in summary.models if m.labelled})
