"""`report.html`: one self-contained page (inline CSS, plots embedded as data URIs, no script).

The page can be opened offline and mailed around: it references no URL at all. Its size stays
bounded on large stores: the drill-down shows at most `MAX_SAMPLES_PER_MODEL` samples per model
in full (failures first), says how many it leaves out, and clips long texts. Every value taken
from the store is escaped. Key elements carry stable ids and data attributes for tools and
tests: `#summary`, `#model-table` (rows `data-model`, numeric cells `data-col` / `data-value`),
`#self-check` (rows `data-model`), `#pareto-plot`, `#levels-plot`, `#error-codes-plot`,
`#verdicts-plot`, `#comparison-matrix`,
`#drill-down`, `#provenance` (ids of a second task get a `-2` suffix, and so on).
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from single_shot_eval.analysis.aggregate import DETECTABLE_POINTS, ModelSummary, TaskSummary
from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.report import fmt
from single_shot_eval.report.data import ReportData
from single_shot_eval.report.palette import VERDICT_COLOURS
from single_shot_eval.report.terminal import self_check_line
from single_shot_eval.results.records import Sample, StageResult

if TYPE_CHECKING:  # matplotlib is imported only when plots are drawn
    from single_shot_eval.report.plots import PlotFile, PlotSet

FORMAT = "html"
FILENAME = "report.html"

MAX_SAMPLES_PER_MODEL = 30
MAX_TEXT_CHARS = 6000
MAX_DIAGNOSTICS = 12
MAX_DIAGNOSTIC_CHARS = 2000

_LEVEL_NAMES = {level.number: level.name for level in LEVELS}
_VERDICT_COLOUR = {verdict.value: colour for verdict, colour in VERDICT_COLOURS}
_VERDICT_RANK = {verdict.value: rank for rank, (verdict, _) in enumerate(VERDICT_COLOURS)}


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters not shown)"


def _element_id(base: str, task_index: int) -> str:
    return base if task_index == 0 else f"{base}-{task_index + 1}"


def _raw(value: float | int | None) -> str:
    """A number as the JSON report spells it (repr of the float); empty when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value)


def _num_cell(text: str, column: str, value: float | int | None = None, extra: str = "") -> str:
    data_value = f' data-value="{_e(_raw(value))}"' if value is not None else ""
    return f'<td class="num{extra}" data-col="{_e(column)}"{data_value}>{_e(text)}</td>'


def _verdict_badge(verdict: str) -> str:
    colour = _VERDICT_COLOUR.get(verdict, "#616161")
    return (
        f'<span class="badge" style="background:{colour}">'
        f"{_e(verdict.replace('_', ' '))}</span>"
    )


# --- samples for the drill-down ---------------------------------------------------------------


@dataclass
class _ModelSamples:
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


def _collect_samples(samples: Iterable[Sample]) -> dict[tuple[str, str], _ModelSamples]:
    """One streaming pass: per (task, model), the first failures and passes in store order."""
    kept: dict[tuple[str, str], _ModelSamples] = defaultdict(_ModelSamples)
    for sample in samples:
        entry = kept[(sample.task_id, sample.model_id)]
        entry.verdicts[sample.verdict.value] += 1
        bucket = entry.passes if sample.passed else entry.failures
        if len(bucket) < MAX_SAMPLES_PER_MODEL:
            bucket.append(sample)
    return kept


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


def _stage_rows(stages: Sequence[StageResult]) -> str:
    rows = []
    for s in stages:
        checks = f"{s.checks_passed}/{s.checks_total}" if s.checks_total else "–"
        mark = '<span class="ok">✓</span>' if s.ok else '<span class="fail">✗</span>'
        rows.append(
            f"<tr><td>{_e(s.stage)}</td><td class=\"center\">{mark}</td>"
            f'<td class="num">{_e(fmt.seconds(s.duration_s))}</td><td class="num">{_e(checks)}'
            f"</td><td>{_e(_clip(s.detail, 300))}</td></tr>"
        )
    return "".join(rows)


def _failing_cases(stages: Sequence[StageResult]) -> str:
    out = []
    for s in stages:
        if s.failing_case is None and s.expected is None and s.actual is None:
            continue
        out.append(
            f'<div class="failing"><h5>Failing case ({_e(s.stage)})</h5>'
            f"<pre>{_e(_clip(s.failing_case or '(not recorded)', 1500))}</pre>"
            '<div class="compare"><div><h6>Expected</h6>'
            f"<pre>{_e(_clip(s.expected if s.expected is not None else '(none)', 2500))}</pre>"
            "</div><div><h6>Actual</h6>"
            f"<pre>{_e(_clip(s.actual if s.actual is not None else '(none)', 2500))}</pre>"
            "</div></div></div>"
        )
    return "".join(out)


def _sample_details(sample: Sample) -> str:
    level = _LEVEL_NAMES.get(sample.level, "")
    tokens = f"{sample.input_tokens:,} in / {sample.output_tokens:,} out" + (
        " (estimated)" if sample.tokens_estimated else ""
    )
    parts = [
        f'<details class="sample" data-example="{_e(sample.example_id)}" '
        f'data-run="{sample.run}" data-verdict="{_e(sample.verdict.value)}"><summary>'
        f'<span class="ex">{_e(sample.example_id)}</span> <span class="muted">run {sample.run}'
        f" · L{sample.level} {_e(level)}</span> {_verdict_badge(sample.verdict.value)}"
        f'<span class="muted right">{_e(fmt.seconds(sample.latency_s))}</span></summary>'
        '<div class="sample-body"><dl class="meta">'
        f'<dt>Prompt digest</dt><dd><code title="{_e(sample.prompt_sha256)}">'
        f"sha256:{_e(sample.prompt_sha256[:16])}…</code></dd>"
        f"<dt>Tokens</dt><dd>{_e(tokens)}</dd>"
        f"<dt>Latency</dt><dd>{_e(fmt.seconds(sample.latency_s))}</dd>"
        f"<dt>Cost</dt><dd>{_e(fmt.usd(sample.cost_usd))}"
        f"{' (cached response)' if sample.cached_response else ''}</dd></dl>",
    ]
    if sample.error:
        parts.append(f'<p class="error">{_e(_clip(sample.error, 1500))}</p>')
    if sample.stages:
        parts.append(
            '<table class="stages"><thead><tr><th>Stage</th><th>OK</th><th>Time</th>'
            f"<th>Checks</th><th>Detail</th></tr></thead><tbody>{_stage_rows(sample.stages)}"
            "</tbody></table>"
        )
    parts.append(_failing_cases(sample.stages))
    if sample.diagnostics:
        shown = sample.diagnostics[:MAX_DIAGNOSTICS]
        items = "".join(
            f'<li><span class="diag-level {_e(d.level)}">{_e(d.level)}</span>'
            f"{f' <code>{_e(d.code)}</code>' if d.code else ''}"
            f' <span class="muted">{_e(d.category)}</span>'
            f"<pre>{_e(_clip(d.message, MAX_DIAGNOSTIC_CHARS))}</pre></li>"
            for d in shown
        )
        more = len(sample.diagnostics) - len(shown)
        more_note = f'<p class="muted">… {more} more messages not shown.</p>' if more else ""
        parts.append(f'<h5>Compiler messages</h5><ul class="diagnostics">{items}</ul>{more_note}')
    if sample.extracted_code is not None:
        parts.append(
            f'<h5>Extracted Rust</h5><pre class="code">{_e(_clip(sample.extracted_code))}</pre>'
        )
    else:
        parts.append('<h5>Extracted Rust</h5><p class="muted">No code block was found.</p>')
    # The completion mostly repeats the extracted code, so it is clipped shorter when the
    # code is shown above it.
    limit = MAX_TEXT_CHARS if sample.extracted_code is None else MAX_TEXT_CHARS // 3
    parts.append(
        '<details class="completion"><summary>Raw completion</summary>'
        f'<pre class="code">{_e(_clip(sample.completion, limit))}</pre></details>'
    )
    parts.append("</div></details>")
    return "".join(parts)


def _drill_down(
    task: TaskSummary, task_index: int, kept: dict[tuple[str, str], _ModelSamples]
) -> str:
    out = [f'<div class="drill-down" id="{_element_id("drill-down", task_index)}">']
    for m in [*task.models, *(c.summary for c in task.controls)]:
        entry = kept.get((task.task_id, m.model_id), _ModelSamples())
        shown = sorted(
            entry.shown(),
            key=lambda s: (s.passed, _VERDICT_RANK.get(s.verdict.value, 0) * -1, s.example_id,
                           s.run),
        )
        counts = " ".join(
            f"{_verdict_badge(v.value)} {entry.verdicts[v.value]}"
            for v, _ in VERDICT_COLOURS if entry.verdicts.get(v.value)
        )
        elided = entry.total - len(shown)
        elided_note = (
            f'<p class="muted">{elided} of {entry.total} samples are not shown in full (at most '
            f"{MAX_SAMPLES_PER_MODEL} per model, failures first); samples.csv and results.json "
            "list them all.</p>" if elided > 0 else ""
        )
        out.append(
            f'<details class="model-samples" data-model="{_e(m.model_id)}"><summary>'
            f'<span class="model">{_e(m.model_id)}</span> <span class="muted">{entry.total} '
            f"samples, {len(shown)} shown</span> <span class=\"counts\">{counts}</span>"
            f"</summary>{elided_note}{''.join(_sample_details(s) for s in shown)}</details>"
        )
    out.append("</div>")
    return "".join(out)


def _task_section(
    task: TaskSummary,
    task_index: int,
    plots: PlotSet,
    kept: dict[tuple[str, str], _ModelSamples],
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
        + _drill_down(task, task_index, kept)
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


_CSS = """
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#ffffff;--soft:#f6f7f9;
--accent:#c2185b;--ok:#2e7d32;--bad:#c62828;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Helvetica Neue",Arial,
sans-serif;font-size:15px;line-height:1.5;color:var(--fg);background:var(--bg)}
body{margin:0}
main{max-width:1240px;margin:0 auto;padding:32px 28px 64px}
header.top{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:8px}
h1{font-size:28px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:22px;margin:40px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h2 code{font-size:inherit}
h3{font-size:17px;margin:28px 0 10px;color:#344054}
h5{font-size:13px;margin:14px 0 6px;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted)}
h6{font-size:12px;margin:4px 0;color:var(--muted)}
code,pre{font-family:"DejaVu Sans Mono",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:12.5px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;
overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word;margin:4px 0}
.lede{color:var(--muted);margin:0}
.muted{color:var(--muted)}
.note{color:var(--muted);font-size:13px;margin:6px 0 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}
.card{background:var(--soft);border:1px solid var(--line);border-radius:10px;
padding:12px 18px;min-width:120px}
.card-value{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
.card-label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.findings li{margin:4px 0}
.table-wrap{overflow-x:auto;margin:6px 0}
table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600;color:#344054;white-space:nowrap;
border-bottom:2px solid #d0d5dd;font-size:12.5px}
tbody tr:hover{background:#fafbfc}
td.num{text-align:right;white-space:nowrap}
td.center{text-align:center}
td.strong{font-weight:700}
th.model{font-weight:600;white-space:nowrap}
table.model-table{font-size:13px}
table.model-table thead th:not(:first-child){text-align:right}
table.model-table th,table.model-table td{padding:6px 7px}
tr.on-front th.model{color:var(--accent)}
td.frontier{color:var(--accent);font-size:15px}
.sub{font-weight:400;color:var(--muted);font-size:11.5px}
figure.plot{margin:12px 0 16px;background:#fff;border:1px solid var(--line);border-radius:10px;
padding:12px}
figure.plot img{display:block;width:100%;height:auto}
figcaption{color:var(--muted);font-size:13px;margin-top:6px}
.two-col{display:grid;grid-template-columns:1fr;gap:8px}
table.matrix td.cell{text-align:center;min-width:120px}
table.matrix td.sig{background:#fdecf3}
table.matrix td.diag{text-align:center;color:#c0c4cc;background:var(--soft)}
table.matrix .corner{color:var(--muted);font-weight:400;font-style:italic}
.diff{font-weight:700;font-size:14px}.diff.pos{color:var(--ok)}.diff.neg{color:var(--bad)}
details.more{margin:10px 0}
details>summary{cursor:pointer}
details.model-samples{border:1px solid var(--line);border-radius:10px;margin:10px 0;
padding:8px 14px;background:#fff}
details.model-samples>summary{font-size:15px;padding:4px 0}
details.model-samples>summary .model{font-weight:700}
.counts{margin-left:12px;font-size:12px}
details.sample{border-top:1px solid var(--line);padding:6px 0}
details.sample>summary{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
details.sample .ex{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:13px}
.right{margin-left:auto}
.sample-body{padding:6px 0 10px 18px}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 8px;font-size:11.5px;
font-weight:600;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px;
margin:4px 0 8px}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
table.stages{font-size:12.5px}
.ok{color:var(--ok);font-weight:700}.fail{color:var(--bad);font-weight:700}
.error{color:var(--bad)}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:10px}
ul.diagnostics{list-style:none;padding:0;margin:0}
ul.diagnostics li{margin:6px 0}
.diag-level{font-weight:600}.diag-level.error{color:var(--bad)}
.diag-level.warning{color:#b26a00}
table.kv th{width:210px;color:#344054}
table.kv pre{max-height:none}
footer{margin-top:48px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);
padding-top:10px}
"""


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
    kept = _collect_samples(data.samples())
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
        f"<style>{_CSS}</style></head><body><main>"
        '<header class="top"><h1>single-shot-eval report</h1><p class="lede">One-shot '
        "Python → Rust translation, verified by rustc: every answer must compile and behave "
        f"like the Python original. Models: {_e(', '.join(models))}.</p></header>"
        f"{_summary_section(data)}{tasks}{_repair_section(data)}{_provenance(data)}"
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
