"""The terminal summary printed after `evaluate` and by `report`."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from single_shot_eval.analysis.aggregate import EvaluationSummary
from single_shot_eval.report import fmt


def render_summary(
    console: Console, summary: EvaluationSummary, baselines: frozenset[str] = frozenset()
) -> None:
    """One rich table per task: pass@1 with CIs, compile rate, cost, latency, frontier."""
    for task in summary.tasks:
        table = Table(
            title=f"Task {task.task_id}", title_justify="left", box=box.SIMPLE_HEAD,
            caption="CI t: Student-t 95% over runs; CI BCa: bootstrap 95% over examples; "
            "p50: median latency; ◆ on the cost/accuracy Pareto frontier",
            caption_justify="left",
        )
        table.add_column("model", no_wrap=True)
        for name, justify in (
            ("pass@1", "right"), ("CI t", "right"), ("CI BCa", "right"), ("compile", "right"),
            ("$/sample", "right"), ("total $", "right"), ("p50", "right"), ("◆", "center"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for m in task.models:
            t_ci = "runs same" if m.runs_identical else _compact_ci(m.t_ci_low, m.t_ci_high)
            table.add_row(
                fmt.model_label(m.model_id, baselines),
                fmt.pct(m.pass_at_1),
                t_ci,
                _compact_ci(m.bca_ci_low, m.bca_ci_high),
                fmt.pct(m.compile_rate),
                fmt.usd(m.cost_per_sample_usd),
                fmt.usd(m.total_cost_usd),
                fmt.seconds(m.latency_p50_s),
                "◆" if task.pareto.on_front(m.model_id) else "",
            )
        console.print(table)
        for c in task.comparisons:
            console.print(
                f"  {c.model_a} − {c.model_b}: Δ {fmt.pct(c.accuracy_difference)} "
                f"{fmt.pct_ci(c.difference_ci_low, c.difference_ci_high)}, McNemar mid-p "
                f"{fmt.pvalue(c.mcnemar_mid_p)} (Holm {fmt.pvalue(c.holm_p)}), "
                f"min. detectable Δ at 80% power {fmt.pct(c.minimum_detectable_difference)}"
            )


def _compact_ci(low: float | None, high: float | None) -> str:
    """'12–31%': a 95% interval in the width a terminal column affords."""
    if fmt.missing(low) or fmt.missing(high):
        return "–"
    assert low is not None and high is not None
    return f"{100 * low:.0f}–{100 * high:.0f}%"
