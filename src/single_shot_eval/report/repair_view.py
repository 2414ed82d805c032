"""The repair@r table as text rows, shared by the terminal, Markdown and HTML reports.

One row per contestant and turn: pass@1 (turn 0), then repair@1..R, each with its 95% interval
over examples, the answers that passed by then, the repair answers generated at that turn, and
the cumulative cost and tokens per sample.
"""

from __future__ import annotations

from single_shot_eval.analysis.repair import RepairCurve, RepairSummary
from single_shot_eval.report import fmt

HEADER = [
    "model", "turn", "accuracy", "95% CI", "passed", "repair answers", "$/sample (cum.)",
    "tokens/sample (cum.)",
]
CAPTION = (
    "turn 0 is the one-shot answer (pass@1); repair@r counts the answers that passed by repair "
    "turn r (each turn: the model's failing answer plus feedback, answered again); 95% CI over "
    "examples, as for pass@1; $/sample and tokens/sample are cumulative over turns 0..r "
    "(a chain that passed stops)."
)


def task_heading(task_id: str, summary: RepairSummary) -> str:
    """'Task X: 2 repair turns, feedback: both'."""
    seen = summary.turns[task_id]
    return f"Task {task_id}: {seen.turns} repair turn(s), feedback: {seen.feedback}"


def tokens(value: float, estimated: bool) -> str:
    if fmt.missing(value):
        return "–"
    return f"{value:,.0f}" + (" (est.)" if estimated else "")


def curve_rows(curve: RepairCurve) -> list[list[str]]:
    """The rows of one contestant (model id plain; formats decorate it)."""
    rows = []
    for point in curve.points:
        rows.append([
            curve.model_id,
            point.label,
            fmt.pct(point.accuracy),
            fmt.pct_ci(point.ci_low, point.ci_high),
            f"{point.passed}/{curve.n_samples}",
            "–" if point.turn == 0 else str(point.generated),
            fmt.usd(point.cumulative_cost_per_sample_usd),
            tokens(point.cumulative_tokens_per_sample, curve.tokens_estimated),
        ])
    return rows


def curve_notes(curve: RepairCurve) -> list[str]:
    notes = []
    if curve.left_out_harness_errors:
        notes.append(
            f"{curve.model_id}: {curve.left_out_harness_errors} chain(s) with a harness error "
            "left out (our machinery failed; --resume redoes them)"
        )
    if len(curve.points) > 1 and all(p.generated == 0 for p in curve.points[1:]):
        notes.append(
            f"{curve.model_id}: no repair answer was generated (every answer passed or earned "
            "no turn, or the backend does not read the prompt, e.g. a transpiler)"
        )
    return notes


def comparison_lines(summary: RepairSummary, task_id: str) -> list[str]:
    """One line per contestant pair at the task's last turn R: the difference in passed-by-R
    rate, McNemar counts, mid-p and Holm-adjusted p (the headline's comparisons are at pass@1)."""
    turns = summary.turns[task_id].turns
    lines = []
    for c in summary.comparisons_for(task_id):
        lines.append(
            f"repair@{turns}: {c.model_a} − {c.model_b}: "
            f"Δ {fmt.signed_points(c.accuracy_difference)} "
            f"{fmt.pct_ci(c.difference_ci_low, c.difference_ci_high)}, "
            f"McNemar {c.mcnemar_b}/{c.mcnemar_c}, mid-p {fmt.pvalue(c.mcnemar_mid_p)}, "
            f"Holm {fmt.pvalue(c.holm_p)}"
        )
    return lines
