"""The terminal summary printed after `evaluate` and by `report`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from single_shot_eval.analysis.aggregate import EvaluationSummary
from single_shot_eval.report import fmt


def render_summary(console: Console, summary: EvaluationSummary) -> None:
    """One rich table per task: pass@1 with CIs, compile rate, cost, latency, frontier."""
    for task in summary.tasks:
        table = Table(title=f"Task {task.task_id}", title_justify="left")
        for name, justify in (
            ("Model", "left"), ("pass@1", "right"), ("95% CI (t, runs)", "right"),
            ("95% CI (BCa)", "right"), ("Compile", "right"), ("$/sample", "right"),
            ("Total $", "right"), ("p50", "right"), ("p99", "right"), ("Frontier", "center"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for m in task.models:
            t_ci = "identical runs" if m.runs_identical else fmt.pct_ci(m.t_ci_low, m.t_ci_high)
            table.add_row(
                m.model_id,
                fmt.pct(m.pass_at_1),
                t_ci,
                fmt.pct_ci(m.bca_ci_low, m.bca_ci_high),
                fmt.pct(m.compile_rate),
                fmt.usd(m.cost_per_sample_usd),
                fmt.usd(m.total_cost_usd),
                fmt.seconds(m.latency_p50_s),
                fmt.seconds(m.latency_p99_s),
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
