"""The terminal summary printed after `evaluate` and by `report`."""

from __future__ import annotations

from rich.console import Console

from single_shot_eval.analysis.aggregate import EvaluationSummary, TaskSummary
from single_shot_eval.analysis.divergence import DivergenceSummary
from single_shot_eval.analysis.repair import RepairSummary
from single_shot_eval.report import fmt
from single_shot_eval.report.fit import FittedTable

FORMAT_ONLY_NOTE = (
    "format-only failures (the answer is the requested signature without a body)"
)


def self_check_line(task: TaskSummary) -> str:
    """One line on the harness controls: 'self-check ok: reference 10/10 pass, mutant ...'."""
    parts = []
    for control in task.controls:
        failures = len(control.unexpected_examples)
        if not control.applicable:
            text = (
                f"{control.model_id} not applicable (no example of the "
                f"{control.n_examples} has its code)"
            )
        elif control.role == "reference":
            text = (
                f"{control.model_id} {control.n_examples - failures}/{control.n_examples} "
                "pass (must be 100%)"
            )
        else:
            text = (
                f"{control.model_id} {failures}/{control.answered_examples} pass (must be 0%; "
                f"{control.n_examples - control.answered_examples} example(s) have none)"
            )
        parts.append(text)
    return f"self-check {task.self_check_result}: " + "; ".join(parts)


def render_summary(
    console: Console, summary: EvaluationSummary, baselines: frozenset[str] = frozenset()
) -> None:
    """Per task: the self-check, one table of contestants (baselines marked), and the
    contestant comparisons."""
    for task in summary.tasks:
        console.print(f"[bold]Task {task.task_id}[/]")
        if task.controls:
            style = {"ok": "green", "FAILED": "bold red"}.get(task.self_check_result, "yellow")
            console.print(f"  [{style}]{self_check_line(task)}[/]")
        if fmt.harness_errors(task.harness_errors):
            console.print(
                f"  harness errors: {fmt.harness_errors(task.harness_errors)} "
                f"({fmt.HARNESS_ERRORS_NOTE})"
            )
        if not task.models:
            console.print("  no contestant: only harness controls were evaluated")
            continue
        table = FittedTable(
            "model",
            ("pass@1", "95% CI", "run-to-run", "compile", "$/sample", "spent", "p50", "◆"),
            justify=("right",) * 7 + ("center",),
            caption="95% CI: over examples (exact when runs are identical, else cluster "
            "bootstrap BCa); run-to-run: Student-t over run accuracies; spent: actual spend "
            "(cached replays free); ◆ on the cost/accuracy Pareto frontier",
        )
        for m in task.models:
            run_ci = "runs same" if m.runs_identical else _compact_ci(m.t_ci_low, m.t_ci_high)
            table.add_row(
                fmt.model_label(m.model_id, baselines),
                fmt.pct(m.pass_at_1),
                _compact_ci(m.example_ci_low, m.example_ci_high),
                run_ci,
                fmt.pct(m.compile_rate),
                fmt.usd(m.cost_per_sample_usd),
                fmt.usd(m.actual_cost_usd),
                fmt.seconds(m.latency_p50_s),
                "◆" if task.pareto.on_front(m.model_id) else "",
            )
        table.render(console)
        format_only = [m for m in task.models if m.format_only_failures]
        if format_only:
            counts = ", ".join(f"{m.model_id} {m.format_only_failures}" for m in format_only)
            console.print(f"  {FORMAT_ONLY_NOTE}: {counts}")
        if task.comparisons:
            render_comparisons(console, task)


def render_comparisons(console: Console, task: TaskSummary) -> None:
    """Every pair of contestants: paired difference, McNemar, Holm, power."""
    table = FittedTable(
        "A − B",
        ("Δ", "95% CI", "McNemar", "mid-p", "Holm"),
        caption="Δ: A's pass@1 minus B's on the examples both answered, paired bootstrap CI; "
        "McNemar: examples only A / only B passed, exact mid-p; Holm: mid-p adjusted over all "
        "pairs",
    )
    for c in task.comparisons:
        table.add_row(
            f"{c.model_a}\n− {c.model_b}",
            fmt.signed_points(c.accuracy_difference),
            fmt.pct_ci(c.difference_ci_low, c.difference_ci_high),
            f"{c.mcnemar_b}/{c.mcnemar_c}",
            fmt.pvalue(c.mcnemar_mid_p),
            fmt.pvalue(c.holm_p),
        )
    table.render(console)
    for c in task.comparisons:
        needed = ", ".join(f"{p} pt: {n:,}" for p, n in sorted(c.examples_needed.items()))
        console.print(
            f"  {c.model_a} − {c.model_b}: min. detectable Δ at 80% power "
            f"{fmt.gap(c.minimum_detectable_difference)}; examples needed for {needed}"
        )


# The repair table's figure columns, short enough for an 80-column terminal.
TERMINAL_REPAIR_HEADER = ("acc.", "95% CI", "passed", "asked", "cum. $/sample", "cum. tokens")


def render_repair(console: Console, repair: RepairSummary) -> None:
    """Per task that asked for repair turns: pass@1 and repair@1..R of every contestant, then
    the pairwise comparisons at the last turn."""
    from single_shot_eval.report import repair_view

    for task_id in sorted(repair.turns):
        console.print(f"[bold]{repair_view.task_heading(task_id, repair)}[/]")
        table = FittedTable("model, turn", TERMINAL_REPAIR_HEADER, caption=repair_view.CAPTION)
        for curve in repair.for_task(task_id):
            for row, point in zip(repair_view.curve_rows(curve), curve.points, strict=True):
                row[3] = _compact_ci(point.ci_low, point.ci_high)
                row[7] = row[7].removesuffix(" (est.)")
                table.add_row(f"{row[0]} {row[1]}", *row[2:])
        table.render(console)
        for curve in repair.for_task(task_id):
            for note in repair_view.curve_notes(curve):
                console.print(f"  {note}")
        for line in repair_view.comparison_lines(repair, task_id):
            console.print(f"  {line}")


def render_divergences(console: Console, summary: DivergenceSummary) -> None:
    """Per task with labelled failures: the strict and seed-only rates and the samples failing
    a case of each divergence kind."""
    from single_shot_eval.report import divergence_view

    for task_id in divergence_view.task_ids(summary):
        table = FittedTable(
            "model", divergence_view.header(summary, task_id),
            title=f"{divergence_view.TITLE} (task {task_id})",
            caption=divergence_view.CAPTION,
        )
        for model_id, cells in divergence_view.rows(summary, task_id):
            table.add_row(model_id, *cells)
        table.render(console)


def _compact_ci(low: float | None, high: float | None) -> str:
    """'12–31%': a 95% interval in the width a terminal column affords (one decimal below 10%)."""
    if fmt.missing(low) or fmt.missing(high):
        return "–"
    assert low is not None and high is not None
    digits = 1 if high < 0.1 or low > 0.9 else 0
    return f"{100 * low:.{digits}f}–{100 * high:.{digits}f}%"
