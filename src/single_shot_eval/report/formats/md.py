"""`report.md`: the seed's Princeton-style report as proper pipe tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from single_shot_eval.analysis.aggregate import DETECTABLE_POINTS, TaskSummary
from single_shot_eval.report import fmt
from single_shot_eval.report.data import ReportData
from single_shot_eval.report.quality import quality_markdown
from single_shot_eval.report.terminal import self_check_line

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


_METHOD_NAMES = {
    "clopper-pearson": "exact (Clopper–Pearson)",
    "cluster-bootstrap-bca": "cluster bootstrap (BCa)",
    "wilson": "Wilson",
    "paired-bootstrap-bca": "paired bootstrap (BCa)",
    "exact-conditional": "exact, given the discordant count",
}


def method_name(method: str) -> str:
    """A statistics method as a reader would name it."""
    return _METHOD_NAMES.get(method, method or "–")


def _self_check(task: TaskSummary) -> list[str]:
    if not task.controls:
        return []
    out = ["### Self-check (harness controls)", "", self_check_line(task), ""]
    rows = []
    for c in task.controls:
        unexpected = ", ".join(f"`{e}`" for e in c.unexpected_examples[:10])
        if len(c.unexpected_examples) > 10:
            unexpected += f" and {len(c.unexpected_examples) - 10} more"
        rows.append([
            f"`{c.model_id}`", c.role, fmt.pct(c.expected_pass_rate, 0), fmt.pct(c.pass_rate),
            f"{c.answered_examples}/{c.n_examples}", c.result,
            unexpected or "–",
        ])
    out += _table(
        ["Control", "Role", "Must score", "Scored", "Examples with code", "Result",
         "Unexpected examples"],
        rows,
    )
    harness = fmt.harness_errors(task.harness_errors, quote="`")
    if harness:
        out += ["", f"Harness errors: {harness} ({fmt.HARNESS_ERRORS_NOTE})."]
    out += [
        "",
        "Controls check the harness, not a model: they are left out of the frontier, the "
        "value scores, the comparisons, the multiple-testing family and the power figures.",
        "",
    ]
    return out


def _task_section(
    task: TaskSummary, plots: PlotSet | None = None, baselines: frozenset[str] = frozenset()
) -> list[str]:
    out = [f"## Task `{task.task_id}`", ""]
    out += _self_check(task)
    out += [f"- {note}" for note in task.notes]
    if not task.models:
        out += ["No contestant: only harness controls were evaluated.", ""]
        return out
    pareto = task.pareto
    out += ["### Model results", ""]
    rows = []
    for m in task.models:
        trade = pareto.trade_off(m.model_id)
        rows.append([
            f"`{m.model_id}`" + (fmt.BASELINE_MARK if m.model_id in baselines else ""),
            fmt.pct(m.pass_at_1),
            fmt.pct_ci(m.example_ci_low, m.example_ci_high),
            method_name(m.example_ci_method),
            fmt.pct_ci(m.t_ci_low, m.t_ci_high) + (" (runs identical)" if m.runs_identical else ""),
            fmt.pct(m.compile_rate),
            fmt.pct(m.behaviour_pass_rate),
            fmt.usd(m.cost_per_sample_usd),
            fmt.usd(m.actual_cost_usd),
            fmt.usd(m.nominal_cost_usd),
            fmt.seconds(m.latency_p50_s),
            fmt.seconds(m.latency_p99_s),
            "◆" if pareto.on_front(m.model_id) else "",
            fmt.value_score(trade.value_score, trade.note),
        ])
    out += _table(
        ["Model", "pass@1", "95% CI (examples)", "CI method", "Run-to-run 95% (t)", "Compile",
         "Behaviour", "$/sample", "Spent", "Nominal $", "p50", "p99", "Frontier", "Value"],
        rows,
    )
    examples = max(m.n_examples for m in task.models)
    out += [
        "",
        f"{examples} examples; pass@1 is the strict metric (every ground truth of the example "
        "passed). The 95% CI is over examples, the unit a reader generalises over: exact "
        "(Clopper–Pearson) when every example scored the same in every run, cluster bootstrap "
        "(BCa) otherwise. Run-to-run is the seed's Student-t over run accuracies: how much a "
        "re-run moves the score on this corpus, not how much another corpus would; undefined "
        "with one run or identical runs. Spent is what was generated (responses replayed from "
        "the cache are free); nominal prices every sample as generated. Value = accuracy per "
        f"dollar relative to the baseline `{pareto.baseline_model_id}` (the most accurate paid "
        "contestant unless `--baseline` names one).",
        "",
    ]
    pass_at_k = [(m, k, v) for m in task.models for k, v in sorted(m.pass_at_k.items()) if k > 1]
    k_notes = [f"- `{m.model_id}`: {m.pass_at_k_note}" for m in task.models if m.pass_at_k_note]
    if pass_at_k or k_notes:
        out += ["pass@k (unbiased, over distinct generations):", ""]
        out += [f"- `{m.model_id}` pass@{k}: {fmt.pct(v)}" for m, k, v in pass_at_k]
        out += [*k_notes, ""]
    out += ["### Pareto frontier", "", *_image(plots, task.task_id, "pareto", "Pareto frontier")]
    rows = []
    for t in pareto.trade_offs:
        rows.append([
            f"`{t.model_id}`",
            fmt.pct(t.accuracy),
            fmt.usd(t.cost_usd),
            "yes" if t.model_id in pareto.pareto_front else "no",
            "yes" if t.model_id in pareto.convex_frontier else "no",
            fmt.pct(pareto.membership_probability(t.model_id), 0),
            fmt.signed_points(-t.accuracy_gap),
            fmt.ratio(t.cost_ratio),
            fmt.ratio(t.latency_ratio),
            fmt.number(t.accuracy_per_dollar, 1),
        ])
    out += _table(
        ["Model", "Accuracy", "$/sample", "Non-dominated", "Convex hull", "P(frontier)",
         f"Δ vs `{pareto.baseline_model_id}`", "Cost ratio", "Latency ratio", "Passes per $"],
        rows,
    )
    if pareto.membership_resamples:
        out += [
            "",
            f"Frontier points and P(frontier) use one estimator: per-example pass rates and "
            f"costs on the {pareto.membership_examples} examples every contestant answered "
            f"(P = share of {pareto.membership_resamples:,} bootstrap resamples of them in "
            "which the model is non-dominated).",
        ]
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
                str(c.n_common_examples),
                fmt.signed_points(c.accuracy_difference),
                fmt.pct_ci(c.difference_ci_low, c.difference_ci_high),
                f"{c.mcnemar_b}/{c.mcnemar_c}",
                fmt.pvalue(c.mcnemar_exact_p),
                fmt.pvalue(c.mcnemar_mid_p),
                fmt.pvalue(c.holm_p),
                fmt.number(c.cohens_h, 2),
                fmt.number(c.cohens_dz, 2),
                fmt.gap(c.minimum_detectable_difference),
                *[f"{c.examples_needed.get(p, 0):,}" for p in DETECTABLE_POINTS],
            ])
        out += _table(
            ["Pair", "Examples", "Δ accuracy", "95% CI (paired, examples)", "McNemar b/c",
             "p (exact)", "p (mid-p)", "p (Holm)", "Cohen's h", "d_z", "Min. detectable Δ",
             *[f"Examples for {p} pt" for p in DETECTABLE_POINTS]],
            rows,
        )
        out += [
            "",
            "Every comparison pairs by example: McNemar on the examples' outcomes (mid-p is the "
            "primary test; Holm adjusts it over all contestant pairs), the paired bootstrap of "
            "the per-example difference, Cohen's h on the two accuracies and d_z on the "
            "per-example differences. Power is the exact power of the mid-p McNemar test at "
            "α = 0.05 and 80% power, at the observed weaker rate with independent errors "
            "(models that fail on the same examples need fewer): the smallest gap detectable "
            "on these examples, and the examples needed to detect 1, 3 and 5 points.",
        ]
    else:
        out.append("One contestant only: nothing to compare.")
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
    notes += [f"- `{c.model_a}` − `{c.model_b}`: {n}" for c in task.comparisons for n in c.notes]
    if notes:
        out += ["", "Notes:", "", *notes]
    return [*out, ""]


def _case_counts_section(counts: dict[str, tuple[int, int]] | None) -> list[str]:
    """Per example, how many hand-written and generated cases judged it."""
    if not counts:
        return []
    hand = sum(c[0] for c in counts.values())
    generated = sum(c[1] for c in counts.values())
    lines = ["", f"Cases that judged each example ({hand} hand-written, {generated} generated "
             "in all):", ""]
    return lines + _table(["Example", "Hand-written", "Generated"],
                          [[example_id, str(c[0]), str(c[1])]
                           for example_id, c in sorted(counts.items())])


def _repair_section(data: ReportData, plots: PlotSet | None) -> list[str]:
    """pass@1 and repair@1..R per contestant (only when the evaluation had repair turns)."""
    if data.repair is None:
        return []
    from single_shot_eval.report import repair_view

    out = ["## Repair turns (repair@r)", "", repair_view.CAPTION, ""]
    for task_id in sorted(data.repair.turns):
        out += [f"### {repair_view.task_heading(task_id, data.repair)}", ""]
        rows = []
        for curve in data.repair.for_task(task_id):
            rows += [[f"`{row[0]}`", *row[1:]] for row in repair_view.curve_rows(curve)]
        out += _table(repair_view.HEADER, rows)
        notes = [n for c in data.repair.for_task(task_id) for n in repair_view.curve_notes(c)]
        notes += repair_view.comparison_lines(data.repair, task_id)
        out += ["", *[f"- {n}" for n in notes], ""] if notes else [""]
    return out


def _divergence_section(data: ReportData) -> list[str]:
    """The divergence taxonomy per contestant (only when some failing case is labelled)."""
    from single_shot_eval.report import divergence_view

    summary = data.divergences
    task_ids = divergence_view.task_ids(summary)
    if not task_ids:
        return []
    out = [f"## {divergence_view.TITLE}", "", divergence_view.CAPTION, ""]
    for task_id in task_ids:
        out += [f"### Task `{task_id}`", ""]
        out += _table(
            ["Model", *divergence_view.header(summary, task_id)],
            [[f"`{model}`", *cells] for model, cells in divergence_view.rows(summary, task_id)],
        )
        out += [""]
    return out


def render_markdown(data: ReportData, plots: PlotSet | None = None) -> str:
    """The whole Markdown report; plot images are linked when `plots` holds written files."""
    prov = data.provenance_text
    models = sorted({m.model_id for t in data.summary.tasks for m in t.models})
    controls = sorted({c.model_id for t in data.summary.tasks for c in t.controls})
    rustc = prov["rustc_version"].splitlines()[0] if prov.get("rustc_version") else "unknown"
    lines = [
        "# single-shot-eval report",
        "",
        "## Summary",
        "",
        f"- Samples: {data.sample_count} (store: `{data.store_path.name}`)",
        f"- Tasks: {', '.join(t.task_id for t in data.summary.tasks)}",
        f"- Contestants: {', '.join(models) or 'none'}",
        f"- Controls (self-check): {', '.join(controls) or 'none'}",
        *(
            [f"- Baselines: {', '.join(sorted(data.baselines))}"] if data.baselines else []
        ),
        f"- Toolchain: {rustc}, Python {prov.get('python_version', '?')}, "
        f"sandbox: {prov.get('sandbox', '?')}",
        "",
    ]
    for task in data.summary.tasks:
        lines += _task_section(task, plots, data.baselines)
    lines += _repair_section(data, plots)
    lines += _divergence_section(data)
    lines += quality_markdown(data.quality)
    lines += ["## Configuration", ""]
    lines += _table(
        ["Key", "Value"],
        [[k, v.splitlines()[0] if k == "rustc_version" else v]
         for k, v in sorted(prov.items())
         if k not in {"tasks", "models", "numeric_settings", "baselines", "case_counts"}],
    )
    lines += _case_counts_section(data.provenance.case_counts)
    if data.provenance.models is not None:
        lines += ["", "Models:", "", "```json", json.dumps(data.provenance.models, indent=1),
                  "```"]
    if data.provenance.numeric_settings is not None:
        lines += ["", "Settings that change a local model's arithmetic (part of the response "
                  "cache key):", "", "```json",
                  json.dumps(data.provenance.numeric_settings, indent=1), "```"]
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
