"""`report.html`: one self-contained page (inline CSS, plots embedded as data URIs, no script).

The page can be opened offline and mailed around: it references no URL at all. Its size stays
bounded on large stores: the drill-down (`report.html_drill_down`) shows at most
`MAX_SAMPLES_PER_MODEL` samples per model in full (failures first), says how many it leaves
out, and clips long texts. Every value taken
from the store is escaped. Key elements carry stable ids and data attributes for tools and
tests: `#summary`, `#model-table` (rows `data-model`, numeric cells `data-col` / `data-value`),
`#self-check` (rows `data-model`), `#pareto-plot`, `#levels-plot`, `#error-codes-plot`,
`#verdicts-plot`, `#level-heatmap` (contestant x level pass@1), `#comparison-matrix`, `#quality`
(Rust quality of passing answers, `table.quality-table` rows `data-model` / `data-role`),
`#drill-down`, `#provenance` (ids of a second task get a `-2` suffix, and so on).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING

from single_shot_eval.analysis.aggregate import DETECTABLE_POINTS, ModelSummary, TaskSummary
from single_shot_eval.report import fmt
from single_shot_eval.report.data import ReportData
from single_shot_eval.report.html_drill_down import ModelSamples, collect_samples, drill_down
from single_shot_eval.report.html_kit import LEVEL_NAMES as _LEVEL_NAMES
from single_shot_eval.report.html_kit import STYLESHEET
from single_shot_eval.report.html_kit import clip as _clip
from single_shot_eval.report.html_kit import element_id as _element_id
from single_shot_eval.report.html_kit import escape as _e
from single_shot_eval.report.html_kit import num_cell as _num_cell
from single_shot_eval.report.quality import level_heatmap_html, quality_html
from single_shot_eval.report.terminal import self_check_line

if TYPE_CHECKING:  # matplotlib is imported only when plots are drawn
    from single_shot_eval.report.plots import PlotFile, PlotSet

FORMAT = "html"
FILENAME = "report.html"


# --- sections ---------------------------------------------------------------------------------


def _figure(plot: PlotFile | None, element_id: str, caption: str) -> str:
    if plot is None or not plot.svg_path.exists():
        return f'<p class="muted" id="{_e(element_id)}">Plot not available.</p>'
    svg = base64.b64encode(plot.svg_path.read_bytes()).decode("ascii")
    return (
        f'<figure class="plot" id="{_e(element_id)}" data-plot="{_e(plot.kind)}">'
        f'<img src="data:image/svg+xml;base64,{svg}" alt="{_e(plot.title)}">'
        f"<figcaption>{caption} Also saved as <code>{_e(plot.png_path.parent.name)}/"
        f"{_e(plot.png_path.name)}"
        f"</code> and <code>{_e(plot.svg_path.name)}</code>.</figcaption></figure>"
    )


def _summary_section(data: ReportData) -> str:
    tasks = data.summary.tasks
    models = sorted({m.model_id for t in tasks for m in t.models})
    controls = sorted({c.model_id for t in tasks for c in t.controls})
    prov = data.provenance
    rustc = prov.get("rustc_version", "").splitlines()[0] if prov.get("rustc_version") else ""
    cards = [
        ("Samples", f"{data.sample_count:,}"),
        ("Contestants", str(len(models))),
        ("Controls", str(len(controls))),
        ("Tasks", str(len(tasks))),
        ("Examples", ", ".join(
            str(max(m.n_examples for m in [*t.models, *(c.summary for c in t.controls)]))
            for t in tasks if t.models or t.controls) or "0"),
    ]
    if data.baselines:
        cards.append(("Baselines", ", ".join(sorted(data.baselines))))
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">']
    for label, value in cards:
        out.append(f'<div class="card"><div class="card-value">{_e(value)}</div>'
                   f'<div class="card-label">{_e(label)}</div></div>')
    out.append("</div><ul class=\"findings\">")
    for task in tasks:
        if task.controls:
            out.append(f"<li>Task <code>{_e(task.task_id)}</code>: "
                       f"{_e(self_check_line(task))}.</li>")
        if not task.models:
            continue
        pareto = task.pareto
        best = max(task.models, key=lambda m: (m.example_pass_rate, m.model_id))
        front = ", ".join(pareto.pareto_front)
        line = (
            f"Task <code>{_e(task.task_id)}</code>: most accurate contestant "
            f"<strong>{_e(best.model_id)}</strong> with pass@1 {_e(fmt.pct(best.pass_at_1))} "
            f"(95% CI over examples {_e(fmt.pct_ci(best.example_ci_low, best.example_ci_high))})"
            f" at {_e(fmt.usd(best.cost_per_sample_usd))} per sample; cost–accuracy frontier: "
            f"{_e(front)}."
        )
        if pareto.dominated:
            line += " Dominated: " + "; ".join(
                f"{_e(d.model_id)} (by {_e(d.dominated_by)})" for d in pareto.dominated
            ) + "."
        out.append(f"<li>{line}</li>")
    toolchain = f"{rustc or 'rustc unknown'}, Python {prov.get('python_version', '?')}, " \
        f"sandbox: {prov.get('sandbox', '?')}"
    out.append(f"<li>Verified with {_e(toolchain)}.</li></ul></section>")
    return "".join(out)


#: (header, second header line, tooltip) of each model-table column.
_MODEL_COLUMNS = (
    ("Model", "", ""), ("pass@1", "", "strict: every check of the example passed"),
    ("95% CI", "examples", "over examples: exact when runs are identical, else cluster "
     "bootstrap BCa; the interval to quote"),
    ("Run-to-run", "t, 95%", "Student t over run accuracies: run-to-run variation only"),
    ("Compile", "", "share of samples that compiled"),
    ("Behaviour", "", "pass rate on examples that offer a behaviour check"),
    ("Cost", "per sample", ""), ("Cost", "per 1M tok", "total cost per million tokens"),
    ("Spent", "USD", "actual spend: responses replayed from the cache are free"),
    ("Nominal", "USD", "every sample priced as generated"), ("Latency", "p50", ""),
    ("Latency", "p95", ""),
    ("Latency", "p99", ""), ("Speed", "tokens/s", "mean output tokens per second"),
    ("Frontier", "", "◆ = non-dominated in cost × accuracy"),
    ("Value", "", "accuracy per dollar relative to the baseline contestant"),
)


def _model_row(
    task: TaskSummary, m: ModelSummary, baselines: frozenset[str] = frozenset()
) -> str:
    pareto = task.pareto
    on_front = pareto.on_front(m.model_id)
    trade = pareto.trade_off(m.model_id)
    value = trade.value_score
    t_ci = "runs identical" if m.runs_identical else fmt.pct_ci(m.t_ci_low, m.t_ci_high)
    per_mtok = fmt.per_million_tokens_usd(m.nominal_cost_usd, m.input_tokens + m.output_tokens)
    cells = [
        f'<th scope="row" class="model" data-col="model_id">'
        f"{_e(fmt.model_label(m.model_id, baselines))}</th>",
        _num_cell(fmt.pct(m.pass_at_1), "pass_at_1", m.pass_at_1, " strong"),
        _num_cell(fmt.pct_ci(m.example_ci_low, m.example_ci_high), "example_ci"),
        _num_cell(t_ci, "t_ci"),
        _num_cell(fmt.pct(m.compile_rate), "compile_rate", m.compile_rate),
        _num_cell(fmt.pct(m.behaviour_pass_rate), "behaviour_pass_rate", m.behaviour_pass_rate),
        _num_cell(fmt.usd(m.cost_per_sample_usd), "cost_per_sample_usd", m.cost_per_sample_usd),
        _num_cell(fmt.usd(per_mtok), "cost_per_mtok_usd", per_mtok),
        _num_cell(fmt.usd(m.actual_cost_usd), "actual_cost_usd", m.actual_cost_usd),
        _num_cell(fmt.usd(m.nominal_cost_usd), "nominal_cost_usd", m.nominal_cost_usd),
        _num_cell(fmt.seconds(m.latency_p50_s), "latency_p50_s", m.latency_p50_s),
        _num_cell(fmt.seconds(m.latency_p95_s), "latency_p95_s", m.latency_p95_s),
        _num_cell(fmt.seconds(m.latency_p99_s), "latency_p99_s", m.latency_p99_s),
        _num_cell(fmt.number(m.mean_tokens_per_s, 1), "mean_tokens_per_s", m.mean_tokens_per_s),
        f'<td class="center frontier" data-col="frontier" data-value="{str(on_front).lower()}">'
        f'{"◆" if on_front else ""}</td>',
        _num_cell(fmt.value_score(value, trade.note), "value_score", value),
    ]
    css = ' class="on-front"' if on_front else ""
    return f'<tr data-model="{_e(m.model_id)}"{css}>{"".join(cells)}</tr>'


def _header_cell(name: str, sub: str = "", tip: str = "") -> str:
    title = f' title="{_e(tip)}"' if tip else ""
    second = f'<br><span class="sub">{_e(sub)}</span>' if sub else ""
    return f'<th scope="col"{title}>{_e(name)}{second}</th>'


def _model_table(
    task: TaskSummary, task_index: int, baselines: frozenset[str] = frozenset()
) -> str:
    head = "".join(_header_cell(name, sub, tip) for name, sub, tip in _MODEL_COLUMNS)
    rows = "".join(_model_row(task, m, baselines) for m in task.models)
    examples = max((m.n_examples for m in task.models), default=0)
    runs = max((m.n_runs for m in task.models), default=0)
    return (
        f'<div class="table-wrap"><table class="model-table" '
        f'id="{_element_id("model-table", task_index)}" data-task="{_e(task.task_id)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        f'<p class="note">{examples} examples × {runs} runs. pass@1 is strict (every ground '
        "truth of the example passed). Value = accuracy per dollar relative to the baseline "
        f"<code>{_e(task.pareto.baseline_model_id)}</code> (the most accurate paid contestant "
        "unless <code>--baseline</code> names one); “free” for a $0 contestant that passes "
        "something.</p>"
    )


def _harness_errors_note(task: TaskSummary) -> str:
    """How many `harness_error` samples each model had (left out of every figure above)."""
    counts = fmt.harness_errors(task.harness_errors)
    if not counts:
        return ""
    return (
        f'<p class="note harness-errors" data-task="{_e(task.task_id)}">Harness errors: '
        f"{_e(counts)} ({_e(fmt.HARNESS_ERRORS_NOTE)}).</p>"
    )


def _self_check(task: TaskSummary, task_index: int) -> str:
    """The harness controls apart from the contestants: each must score as expected."""
    if not task.controls:
        return ""
    rows = []
    for c in task.controls:
        status = '<span class="ok">ok</span>' if c.ok else '<span class="fail">FAILED</span>'
        unexpected = ", ".join(c.unexpected_examples[:10]) or "–"
        rows.append(
            f'<tr data-model="{_e(c.model_id)}"><th scope="row" class="model">{_e(c.model_id)}'
            f"</th><td>{_e(c.role)}</td>"
            + _num_cell(fmt.pct(c.expected_pass_rate, 0), "expected_pass_rate",
                        c.expected_pass_rate)
            + _num_cell(fmt.pct(c.pass_rate), "pass_rate", c.pass_rate)
            + _num_cell(f"{c.answered_examples}/{c.n_examples}", "answered_examples",
                        c.answered_examples)
            + f'<td class="center" data-col="ok" data-value="{str(c.ok).lower()}">{status}</td>'
            f"<td>{_e(unexpected)}</td></tr>"
        )
    head = "".join(f'<th scope="col">{h}</th>' for h in (
        "Control", "Role", "Must score", "Scored", "Examples with code", "Result",
        "Unexpected examples",
    ))
    return (
        f'<h3>Self-check</h3><div class="table-wrap"><table class="self-check" '
        f'id="{_element_id("self-check", task_index)}"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div><p class="note">Harness controls check '
        "the verifier, not a model: they are left out of the frontier, the value scores, the "
        "comparisons, the multiple-testing family and the power figures.</p>"
    )


def _frontier_table(task: TaskSummary) -> str:
    pareto = task.pareto
    dominated = {d.model_id: d.dominated_by for d in pareto.dominated}
    rows = []
    for t in pareto.trade_offs:
        rows.append(
            f'<tr data-model="{_e(t.model_id)}"><th scope="row" class="model">{_e(t.model_id)}</th>'
            f'<td class="center">{"yes" if t.model_id in pareto.pareto_front else "no"}</td>'
            f'<td class="center">{"yes" if t.model_id in pareto.convex_frontier else "no"}</td>'
            f'<td class="num">{_e(fmt.pct(pareto.membership_probability(t.model_id), 0))}</td>'
            f"<td>{_e(dominated.get(t.model_id, '–'))}</td>"
            f'<td class="num">{_e(fmt.signed_points(-t.accuracy_gap))}</td>'
            f'<td class="num">{_e(fmt.ratio(t.cost_ratio))}</td>'
            f'<td class="num">{_e(fmt.ratio(t.latency_ratio))}</td>'
            f'<td class="num">{_e(fmt.number(t.accuracy_per_dollar, 1))}</td></tr>'
        )
    head = "".join(f'<th scope="col">{h}</th>' for h in (
        "Model", "Non-dominated", "Convex hull", "P(frontier)", "Dominated by",
        f"Δ vs {_e(pareto.baseline_model_id)}", "Cost ratio", "Latency ratio", "Passes per $",
    ))
    resamples = (
        f" Frontier points and P(frontier) use one estimator: per-example pass rates and costs "
        f"on the {pareto.membership_examples} examples every contestant answered; P(frontier) "
        f"is the share of {pareto.membership_resamples:,} bootstrap resamples of them in which "
        "the model is non-dominated."
        if pareto.membership_resamples else ""
    )
    return (
        f'<div class="table-wrap"><table class="frontier-table"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div><p class="note">Ratios are relative to '
        f"the baseline.{_e(resamples)}</p>"
    )


def _levels_table(task: TaskSummary) -> str:
    levels = sorted({lvl for m in task.models for lvl in m.accuracy_by_level})
    head = "".join(
        f'<th scope="col">L{lvl}<br><span class="sub">{_e(_LEVEL_NAMES.get(lvl, ""))}</span></th>'
        for lvl in levels
    )
    rows = []
    for m in task.models:
        cells = "".join(
            _num_cell(fmt.pct(m.accuracy_by_level.get(lvl), 0), f"level_{lvl}",
                      m.accuracy_by_level.get(lvl))
            for lvl in levels
        )
        rows.append(
            f'<tr data-model="{_e(m.model_id)}"><th scope="row" class="model">{_e(m.model_id)}'
            f"</th>{cells}"
            + _num_cell(fmt.pct(m.level_weighted_score), "level_weighted_score",
                        m.level_weighted_score)
            + "</tr>"
        )
    return (
        f'<div class="table-wrap"><table class="levels-table"><thead><tr><th scope="col">Model'
        f'</th>{head}<th scope="col">Weighted</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div>"
    )


def _comparison_matrix(task: TaskSummary, task_index: int) -> str:
    ids = [m.model_id for m in task.models]
    if len(ids) < 2:
        return (f'<p class="muted" id="{_element_id("comparison-matrix", task_index)}">'
                "One contestant only: nothing to compare.</p>")
    head = "".join(f'<th scope="col">{_e(b)}</th>' for b in ids)
    rows = []
    for a in ids:
        cells = []
        for b in ids:
            if a == b:
                cells.append('<td class="diag">—</td>')
                continue
            c = task.comparison(a, b)
            significant = not fmt.missing(c.holm_p) and c.holm_p < 0.05
            css = "cell sig" if significant else "cell"
            difference = c.accuracy_difference
            sign = "pos" if difference > 0 else "neg" if difference < 0 else ""
            cells.append(
                f'<td class="{css}" data-a="{_e(a)}" data-b="{_e(b)}">'
                f'<div class="diff {sign}">{_e(fmt.signed_points(c.accuracy_difference))}</div>'
                f'<div class="sub">p<sub>Holm</sub> {_e(fmt.pvalue(c.holm_p))}</div>'
                f'<div class="sub">h {_e(fmt.number(c.cohens_h, 2))}</div></td>'
            )
        rows.append(f'<tr data-model="{_e(a)}"><th scope="row" class="model">{_e(a)}</th>'
                    f"{''.join(cells)}</tr>")
    details = []
    for c in task.comparisons:
        details.append(
            f"<tr><td>{_e(c.model_a)} − {_e(c.model_b)}</td>"
            f'<td class="num">{_e(fmt.signed_points(c.accuracy_difference))}</td>'
            f'<td class="num">{_e(fmt.pct_ci(c.difference_ci_low, c.difference_ci_high))}</td>'
            f'<td class="num">{c.mcnemar_b}/{c.mcnemar_c}</td>'
            f'<td class="num">{_e(fmt.pvalue(c.mcnemar_mid_p))}</td>'
            f'<td class="num">{_e(fmt.pvalue(c.holm_p))}</td>'
            f'<td class="num">{_e(fmt.number(c.cohens_h, 2))}</td>'
            f'<td class="num">{_e(fmt.number(c.cohens_dz, 2))}</td>'
            f'<td class="num">{_e(fmt.gap(c.minimum_detectable_difference))}</td>'
            + "".join(f'<td class="num">{c.examples_needed.get(p, 0):,}</td>'
                      for p in DETECTABLE_POINTS)
            + "</tr>"
        )
    detail_head = "".join(f'<th scope="col">{h}</th>' for h in (
        "Pair", "Δ accuracy", "95% CI (paired, examples)", "McNemar b/c", "p (mid-p)",
        "p (Holm)", "Cohen's h", "d_z", "Min. detectable Δ",
        *[f"Examples for {p} pt" for p in DETECTABLE_POINTS],
    ))
    return (
        f'<div class="table-wrap"><table class="matrix" '
        f'id="{_element_id("comparison-matrix", task_index)}"><thead><tr>'
        f'<th scope="col" class="corner">row − column</th>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
        '<p class="note">Each cell: difference in pass@1 (row minus column) on the examples '
        "both answered, McNemar mid-p adjusted over all pairs by Holm, and Cohen's h. Shaded "
        "cells are significant at 5% after adjustment.</p>"
        '<details class="more"><summary>All pairwise statistics</summary>'
        f'<div class="table-wrap"><table><thead><tr>{detail_head}</tr></thead>'
        f'<tbody>{"".join(details)}</tbody></table></div>'
        '<p class="note">Every statistic pairs by example. Minimum detectable Δ: smallest gap '
        "the mid-p McNemar test on these common examples detects with 80% power at α = 0.05 "
        "(exact power at the observed weaker rate, errors independent); examples for 1, 3 and "
        "5 points: how many examples that test needs for such a gap.</p></details>"
    )


def _task_section(
    task: TaskSummary,
    task_index: int,
    plots: PlotSet,
    kept: dict[tuple[str, str], ModelSamples],
    baselines: frozenset[str] = frozenset(),
) -> str:
    tid = task.task_id
    notes = [f"<li><code>{_e(m.model_id)}</code>: {_e(n)}</li>" for m in task.models
             for n in m.notes]
    notes += [
        f"<li><code>{_e(c.model_a)}</code> vs <code>{_e(c.model_b)}</code>: {_e(n)}</li>"
        for c in task.comparisons for n in c.notes
    ]
    notes_html = (
        '<details class="more"><summary>Notes on the statistics</summary>'
        f'<ul class="notes">{"".join(notes)}</ul></details>' if notes else ""
    )
    return (
        f'<section class="task" id="{_element_id("task", task_index)}" data-task="{_e(tid)}">'
        f"<h2>Task <code>{_e(tid)}</code></h2>"
        + _self_check(task, task_index)
        + _harness_errors_note(task)
        + (_contestant_sections(task, task_index, plots, baselines) + notes_html if task.models else
           '<p class="muted">No contestant: only harness controls were evaluated.</p>')
        + "<h3>Per-example drill-down</h3>"
        + '<p class="note">The store keeps the prompt’s SHA-256 digest, not its text; the '
        "corpus example with that id holds the Python source.</p>"
        + drill_down(task, task_index, kept)
        + "</section>"
    )


def _contestant_sections(
    task: TaskSummary, task_index: int, plots: PlotSet, baselines: frozenset[str]
) -> str:
    """Model table, frontier, levels, failures and comparisons: contestants only."""
    tid = task.task_id
    return (
        f"<h3>Contestants</h3>{_model_table(task, task_index, baselines)}"
        "<h3>Cost vs accuracy</h3>"
        + _figure(
            plots.get(tid, "pareto"), _element_id("pareto-plot", task_index),
            "Cost per sample on a log axis against pass@1 (per-example rates on the examples "
            "every contestant answered) with 95% intervals over examples. Diamonds are "
            "non-dominated; the line is the convex hull reachable by mixing frontier models. "
            "Free models sit at the “free” position left of the axis break.",
        )
        + _frontier_table(task)
        + "<h3>Accuracy by Py2Rs level</h3>"
        + _figure(plots.get(tid, "levels"), _element_id("levels-plot", task_index),
                  "pass@1 within each difficulty level (n = samples per model).")
        + _levels_table(task)
        + "<h4>pass@1 heatmap: contestant × level</h4>"
        + level_heatmap_html(task, _element_id("level-heatmap", task_index))
        + "<h3>Where models fail</h3>"
        + '<div class="two-col">'
        + _figure(plots.get(tid, "verdicts"), _element_id("verdicts-plot", task_index),
                  "Share of samples per verdict.")
        + _figure(plots.get(tid, "error-codes"), _element_id("error-codes-plot", task_index),
                  "Samples in which each rustc error code appears (most frequent codes).")
        + "</div>"
        + f"<h3>Pairwise comparisons</h3>{_comparison_matrix(task, task_index)}"
    )


def _provenance(data: ReportData) -> str:
    prov = data.provenance
    rows = []
    labels = (
        ("tool_version", "Tool version"), ("rustc_version", "rustc"),
        ("toolchain_fingerprint", "Toolchain fingerprint"), ("python_version", "Python"),
        ("sandbox", "Sandbox"), ("seed", "Sampling seed"), ("started_at", "Started"),
        ("updated_at", "Last updated"),
    )
    for key, label in labels:
        if key in prov:
            value = prov[key]
            cell = f"<pre>{_e(value)}</pre>" if "\n" in value else f"<code>{_e(value)}</code>"
            rows.append(f'<tr data-key="{_e(key)}"><th scope="row">{_e(label)}</th>'
                        f"<td>{cell}</td></tr>")
    task_ids = ", ".join(t.task_id for t in data.summary.tasks)
    rows.append(f'<tr data-key="tasks"><th scope="row">Tasks</th><td>{_e(task_ids)}</td></tr>')
    rows.append(
        f'<tr data-key="statistics"><th scope="row">Statistics</th><td>seed '
        f"{data.summary.seed}, {data.summary.bootstrap_resamples:,} bootstrap resamples, "
        f"{100 * data.summary.confidence:.0f}% intervals</td></tr>"
    )
    rows.append(
        f'<tr data-key="store"><th scope="row">Store</th><td><code>{_e(data.store_path.name)}'
        f"</code> ({data.sample_count:,} samples)</td></tr>"
    )
    extras = []
    for key, title in (("tasks", "Task configuration"), ("models", "Model configuration")):
        if key in prov:
            try:
                text = json.dumps(json.loads(prov[key]), indent=1, sort_keys=True)
            except ValueError:
                text = prov[key]
            extras.append(
                f'<details class="more"><summary>{_e(title)}</summary>'
                f'<pre class="code">{_e(_clip(text, 20000))}</pre></details>'
            )
    return (
        '<section id="provenance"><h2>Provenance</h2><table class="kv"><tbody>'
        f'{"".join(rows)}</tbody></table>{"".join(extras)}<p class="note">Rebuilt from the '
        "store alone with <code>single-shot-eval report</code>; no model or compiler was "
        "called to write this page.</p></section>"
    )




def _repair_section(data: ReportData) -> str:
    """pass@1 and repair@1..R per contestant (only when the evaluation had repair turns)."""
    if data.repair is None:
        return ""
    from single_shot_eval.report import repair_view

    indexes = {task.task_id: i for i, task in enumerate(data.summary.tasks)}
    out = ['<section id="repair"><h2>Repair turns (repair@r)</h2>',
           f'<p class="note">{_e(repair_view.CAPTION)}</p>']
    for task_id in sorted(data.repair.turns):
        head = "".join(_header_cell(name) for name in repair_view.HEADER)
        rows = []
        for curve in data.repair.for_task(task_id):
            for row in repair_view.curve_rows(curve):
                cells = [f"<td><code>{_e(row[0])}</code></td>", f"<td>{_e(row[1])}</td>"]
                cells += [f'<td class="num">{_e(c)}</td>' for c in row[2:]]
                rows.append(f"<tr data-model=\"{_e(curve.model_id)}\">{''.join(cells)}</tr>")
        notes = [n for c in data.repair.for_task(task_id) for n in repair_view.curve_notes(c)]
        plot_link = ""
        if task_id in indexes:
            anchor = _element_id("pareto-plot", indexes[task_id])
            plot_link = (
                f'<p class="note">The repair curves (accuracy against cumulative cost per '
                f'sample) are drawn dashed on the task’s <a href="#{anchor}">cost vs accuracy '
                "plot</a>.</p>"
            )
        out.append(
            f"<h3>{_e(repair_view.task_heading(task_id, data.repair))}</h3>"
            f'<div class="table-wrap"><table class="repair-table" data-task="{_e(task_id)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            + plot_link
            + (f'<ul class="notes">{"".join(f"<li>{_e(n)}</li>" for n in notes)}</ul>'
               if notes else "")
        )
    out.append("</section>")
    return "".join(out)


def render_html(data: ReportData, plots: PlotSet) -> str:
    """The whole page as one string (deterministic for a given store and plot files)."""
    kept = collect_samples(data.samples())
    models = sorted({m.model_id for t in data.summary.tasks for m in t.models})
    tasks = "".join(
        _task_section(task, index, plots, kept, data.baselines)
        for index, task in enumerate(data.summary.tasks)
    )
    version = data.provenance.get("tool_version", "?")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>single-shot-eval report — {_e(', '.join(models))}</title>"
        f"<style>{STYLESHEET}</style></head><body><main>"
        '<header class="top"><h1>single-shot-eval report</h1><p class="lede">One-shot '
        "Python → Rust translation, verified by rustc: every answer must compile and behave "
        f"like the Python original. Models: {_e(', '.join(models))}.</p></header>"
        f"{_summary_section(data)}{tasks}{_repair_section(data)}{quality_html(data.quality)}"
        f"{_provenance(data)}"
        f"<footer>single-shot-eval {_e(version)} · self-contained report: no network access "
        "is needed to view it.</footer>"
        "</main></body></html>\n"
    )


def write(data: ReportData, out_dir: Path) -> Path:
    """Write the plots (once per build) and `report.html` into `out_dir`."""
    from single_shot_eval.report.plots import ensure_plots

    plots = ensure_plots(data, out_dir)
    path = out_dir / FILENAME
    path.write_text(render_html(data, plots), encoding="utf-8")
    return path
