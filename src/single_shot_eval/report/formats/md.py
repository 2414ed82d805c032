"""`report.md`: the seed's Princeton-style report as proper pipe tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from single_shot_eval.analysis.aggregate import TaskSummary
from single_shot_eval.report import fmt
from single_shot_eval.report.data import ReportData

if TYPE_CHECKING:  # matplotlib is imported only when plots are drawn
    from single_shot_eval.report.plots import PlotSet

FORMAT = "md"
FILENAME = "report.md"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def _image(plots: PlotSet | None, task_id: str, kind: str, alt: str) -> list[str]:
    """A Markdown image linking the plot's PNG (relative to the report), when it was written."""
    plot = plots.get(task_id, kind) if plots is not None else None
    if plot is None or not plot.png_path.exists():
        return []
    return [f"![{alt}]({plot.png_path.parent.name}/{plot.png_path.name})", ""]


def _task_section(task: TaskSummary, plots: PlotSet | None = None) -> list[str]:
    out = [f"## Task `{task.task_id}`", ""]
    pareto = task.pareto
    out += ["### Model results", ""]
    rows = []
    for m in task.models:
        rows.append([
            f"`{m.model_id}`",
            fmt.pct(m.pass_at_1),
            fmt.pct_ci(m.t_ci_low, m.t_ci_high) + (" (runs identical)" if m.runs_identical else ""),
            fmt.pct_ci(m.bca_ci_low, m.bca_ci_high),
            fmt.pct(m.compile_rate),
            fmt.pct(m.behaviour_pass_rate),
            fmt.usd(m.cost_per_sample_usd),
            fmt.usd(m.total_cost_usd),
            fmt.seconds(m.latency_p50_s),
            fmt.seconds(m.latency_p99_s),
            "◆" if pareto.on_front(m.model_id) else "",
            fmt.ratio(pareto.trade_off(m.model_id).value_score),
        ])
    out += _table(
        ["Model", "pass@1", "95% CI (t, runs)", "95% CI (BCa, examples)", "Compile", "Behaviour",
         "$/sample", "Total $", "p50", "p99", "Frontier", "Value"],
        rows,
    )
    out += [
        "",
        f"{task.models[0].n_examples if task.models else 0} examples; pass@1 is the strict "
        "metric (every ground truth of the example passed). Value = accuracy per dollar "
        f"relative to the most accurate model (`{pareto.reference_model_id}`).",
        "",
        "### Pareto frontier",
        "",
        *_image(plots, task.task_id, "pareto", "Pareto frontier"),
    ]
    rows = []
    for t in pareto.trade_offs:
        rows.append([
            f"`{t.model_id}`",
            "yes" if t.model_id in pareto.pareto_front else "no",
            "yes" if t.model_id in pareto.convex_frontier else "no",
            fmt.pct(pareto.membership_probability(t.model_id), 0),
            fmt.pct(t.accuracy_gap),
            fmt.ratio(t.cost_ratio),
            fmt.ratio(t.latency_ratio),
            fmt.number(t.accuracy_per_dollar, 1),
        ])
    out += _table(
        ["Model", "Non-dominated", "Convex hull", "P(frontier)", "Accuracy gap", "Cost ratio",
         "Latency ratio", "Passes per $"],
        rows,
    )
    if pareto.dominated:
        out += ["", "Dominated: " + "; ".join(
            f"`{d.model_id}` by `{d.dominated_by}`" for d in pareto.dominated
        )]
    out += ["", "### Statistical comparisons", ""]
    if task.comparisons:
        rows = []
        for c in task.comparisons:
            rows.append([
                f"`{c.model_a}` − `{c.model_b}`",
                fmt.pct(c.accuracy_difference),
                fmt.pct_ci(c.difference_ci_low, c.difference_ci_high),
                f"{c.mcnemar_b}/{c.mcnemar_c}",
                fmt.pvalue(c.mcnemar_mid_p),
                fmt.pvalue(c.holm_p),
                fmt.pvalue(c.paired_t_p),
                fmt.number(c.cohens_h, 2),
                fmt.pct(c.minimum_detectable_difference),
            ])
        out += _table(
            ["Pair", "Δ accuracy", "95% CI (paired bootstrap)", "McNemar b/c", "p (mid-p)",
             "p (Holm)", "p (paired t, runs)", "Cohen's h", "Min. detectable Δ (80% power)"],
            rows,
        )
    else:
        out.append("One model only: nothing to compare.")
    out += ["", "### Accuracy by Py2Rs level", ""]
    out += _image(plots, task.task_id, "levels", "Accuracy by Py2Rs level")
    levels = sorted({lvl for m in task.models for lvl in m.accuracy_by_level})
    out += _table(
        ["Model", *[f"L{lvl}" for lvl in levels], "Weighted"],
        [[f"`{m.model_id}`", *[fmt.pct(m.accuracy_by_level.get(lvl), 0) for lvl in levels],
          fmt.pct(m.level_weighted_score)] for m in task.models],
    )
    failures = [
        *_image(plots, task.task_id, "verdicts", "Verdicts per model"),
        *_image(plots, task.task_id, "error-codes", "rustc error codes per model"),
    ]
    if failures:
        out += ["", "### Where models fail", "", *failures[:-1]]
    notes = [f"- `{m.model_id}`: {n}" for m in task.models for n in m.notes]
    if notes:
        out += ["", "Notes:", "", *notes]
    return [*out, ""]


def _case_counts_section(text: str | None) -> list[str]:
    """Per example, how many hand-written and generated cases judged it."""
    if not text:
        return []
    counts: dict[str, list[int]] = json.loads(text)
    hand = sum(c[0] for c in counts.values())
    generated = sum(c[1] for c in counts.values())
    lines = ["", f"Cases that judged each example ({hand} hand-written, {generated} generated "
             "in all):", ""]
    return lines + _table(["Example", "Hand-written", "Generated"],
                          [[example_id, str(c[0]), str(c[1])]
                           for example_id, c in sorted(counts.items())])


def render_markdown(data: ReportData, plots: PlotSet | None = None) -> str:
    """The whole Markdown report; plot images are linked when `plots` holds written files."""
    prov = data.provenance
    models = sorted({m.model_id for t in data.summary.tasks for m in t.models})
    rustc = prov["rustc_version"].splitlines()[0] if prov.get("rustc_version") else "unknown"
    lines = [
        "# single-shot-eval report",
        "",
        "## Summary",
        "",
        f"- Samples: {data.sample_count} (store: `{data.store_path.name}`)",
        f"- Tasks: {', '.join(t.task_id for t in data.summary.tasks)}",
        f"- Models: {', '.join(models)}",
        f"- Toolchain: {rustc}, Python {prov.get('python_version', '?')}, "
        f"sandbox: {prov.get('sandbox', '?')}",
        "",
    ]
    for task in data.summary.tasks:
        lines += _task_section(task, plots)
    lines += ["## Configuration", ""]
    lines += _table(
        ["Key", "Value"],
        [[k, v.splitlines()[0] if k == "rustc_version" else v]
         for k, v in sorted(prov.items()) if k not in {"tasks", "models", "case_counts"}],
    )
    lines += _case_counts_section(prov.get("case_counts"))
    if "models" in prov:
        lines += ["", "Models:", "", "```json", json.dumps(json.loads(prov["models"]), indent=1),
                  "```"]
    lines += [
        "",
        f"Statistics: seed {data.summary.seed}, {data.summary.bootstrap_resamples} bootstrap "
        "resamples; rebuilt from the store alone with `single-shot-eval report`.",
        "",
    ]
    return "\n".join(lines)


def write(data: ReportData, out_dir: Path) -> Path:
    """Write the plots (once per build) and `report.md`, which links their PNG files."""
    from single_shot_eval.report.plots import ensure_plots

    plots = ensure_plots(data, out_dir)
    path = out_dir / FILENAME
    path.write_text(render_markdown(data, plots), encoding="utf-8")
    return path
