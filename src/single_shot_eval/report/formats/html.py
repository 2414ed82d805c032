"""`report.html`: one self-contained page (inline CSS, plots embedded as data URIs, no script).

The page can be opened offline and mailed around: it references no URL at all. Its size stays
bounded on large stores: the drill-down (`report.html_drill_down`) shows at most
`MAX_SAMPLES_PER_MODEL` samples per model in full (failures first), says how many it leaves
out, and clips long texts. The markup is in Jinja2 templates (`report/templates/`, rendered by
`report.html_kit` with autoescape on, so every value taken from the store is escaped); this
module gathers what they show. Key elements carry stable ids and data attributes for tools and
tests: `#summary`, `#model-table` (rows `data-model`, numeric cells `data-col` / `data-value`),
`#self-check` (rows `data-model`), `#pareto-plot`, `#levels-plot`, `#error-codes-plot`,
`#verdicts-plot`, `#level-heatmap` (contestant x level pass@1), `#comparison-matrix`, `#quality`
(Rust quality of passing answers, `table.quality-table` rows `data-model` / `data-role`),
`#drill-down`, `#provenance` (ids of a second task get a `-2` suffix, and so on).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from single_shot_eval.analysis.aggregate import ModelSummary, TaskSummary
from single_shot_eval.report import divergence_view, fmt, repair_view
from single_shot_eval.report.data import ReportData
from single_shot_eval.report.html_drill_down import (
    KeptSamples,
    ModelDrillDown,
    collect_samples,
    drill_down_models,
)
from single_shot_eval.report.html_kit import STYLESHEET, element_id, render
from single_shot_eval.report.terminal import self_check_line

if TYPE_CHECKING:  # matplotlib is imported only when plots are drawn
    from single_shot_eval.report.plots import PlotFile, PlotSet

FORMAT = "html"
FILENAME = "report.html"

_PLOT_KINDS = ("pareto", "levels", "verdicts", "error-codes")
_PROVENANCE_LABELS = (
    ("tool_version", "Tool version"), ("rustc_version", "rustc"),
    ("toolchain_fingerprint", "Toolchain fingerprint"), ("python_version", "Python"),
    ("sandbox", "Sandbox"), ("seed", "Sampling seed"), ("started_at", "Started"),
    ("updated_at", "Last updated"),
)


@dataclass(frozen=True)
class _Figure:
    """A plot as the page embeds it: the SVG inline, the file names in the caption."""

    kind: str
    title: str
    svg_base64: str
    png_dir: str
    png_name: str
    svg_name: str


def _figure(plot: PlotFile | None) -> _Figure | None:
    if plot is None or not plot.svg_path.exists():
        return None
    svg = base64.b64encode(plot.svg_path.read_bytes()).decode("ascii")
    return _Figure(plot.kind, plot.title, svg, plot.png_path.parent.name, plot.png_path.name,
                   plot.svg_path.name)


@dataclass(frozen=True)
class _TaskPage:
    """What `task.html.j2` shows of one task beyond its summary."""

    task: TaskSummary
    index: int
    baselines: frozenset[str]
    best: ModelSummary | None  # the most accurate contestant
    self_check_line: str
    harness_errors: str
    dominated_by: dict[str, str]
    levels: list[int]  # levels with a pass rate, for the levels table
    heatmap_levels: list[int]  # levels with samples, for the heatmap
    notes: list[tuple[tuple[str, ...], str]]  # (model id or pair, note)
    figures: dict[str, _Figure | None]
    drill_down: list[ModelDrillDown]


def _task_page(
    task: TaskSummary, index: int, plots: PlotSet, kept: dict[tuple[str, str], KeptSamples],
    baselines: frozenset[str],
) -> _TaskPage:
    notes: list[tuple[tuple[str, ...], str]] = [
        ((m.model_id,), n) for m in task.models for n in m.notes
    ]
    notes += [((c.model_a, c.model_b), n) for c in task.comparisons for n in c.notes]
    return _TaskPage(
        task=task,
        index=index,
        baselines=baselines,
        best=max(task.models, key=lambda m: (m.example_pass_rate, m.model_id), default=None),
        self_check_line=self_check_line(task) if task.controls else "",
        harness_errors=fmt.harness_errors(task.harness_errors),
        dominated_by={d.model_id: d.dominated_by for d in task.pareto.dominated},
        levels=sorted({lvl for m in task.models for lvl in m.accuracy_by_level}),
        heatmap_levels=sorted({lvl for m in task.models for lvl in m.samples_by_level}),
        notes=notes,
        figures={kind: _figure(plots.get(task.task_id, kind)) for kind in _PLOT_KINDS},
        drill_down=drill_down_models(task, kept),
    )


@dataclass(frozen=True)
class _Summary:
    cards: list[tuple[str, str]]  # (label, value)
    toolchain: str


def _summary(data: ReportData) -> _Summary:
    tasks = data.summary.tasks
    prov = data.provenance_text
    examples = ", ".join(
        str(max(m.n_examples for m in [*t.models, *(c.summary for c in t.controls)]))
        for t in tasks if t.models or t.controls
    )
    cards = [
        ("Samples", f"{data.sample_count:,}"),
        ("Contestants", str(len({m.model_id for t in tasks for m in t.models}))),
        ("Controls", str(len({c.model_id for t in tasks for c in t.controls}))),
        ("Tasks", str(len(tasks))),
        ("Examples", examples or "0"),
    ]
    if data.baselines:
        cards.append(("Baselines", ", ".join(sorted(data.baselines))))
    rustc = prov.get("rustc_version", "").splitlines()[0] if prov.get("rustc_version") else ""
    toolchain = (f"{rustc or 'rustc unknown'}, Python {prov.get('python_version', '?')}, "
                 f"sandbox: {prov.get('sandbox', '?')}")
    return _Summary(cards, toolchain)


@dataclass(frozen=True)
class _Provenance:
    rows: list[tuple[str, str, str]]  # (key, label, value) of what the store recorded
    task_ids: list[str]
    seed: int
    bootstrap_resamples: int
    confidence_pct: str
    store_name: str
    sample_count: int
    configurations: list[tuple[str, str]]  # (title, JSON text)


def _provenance(data: ReportData) -> _Provenance:
    prov = data.provenance_text
    configurations = [
        (title, json.dumps(value, indent=1, sort_keys=True))
        for value, title in ((data.provenance.tasks, "Task configuration"),
                             (data.provenance.models, "Model configuration"))
        if value is not None
    ]
    return _Provenance(
        rows=[(key, label, prov[key]) for key, label in _PROVENANCE_LABELS if key in prov],
        task_ids=[t.task_id for t in data.summary.tasks],
        seed=data.summary.seed,
        bootstrap_resamples=data.summary.bootstrap_resamples,
        confidence_pct=f"{100 * data.summary.confidence:.0f}",
        store_name=data.store_path.name,
        sample_count=data.sample_count,
        configurations=configurations,
    )


@dataclass(frozen=True)
class _RepairTable:
    task_id: str
    heading: str
    rows: list[tuple[str, list[str]]]  # (model id, cells)
    notes: list[str]
    plot_anchor: str | None  # the task's cost vs accuracy plot, which draws the curves


@dataclass(frozen=True)
class _Repair:
    """pass@1 and repair@1..R per contestant (only when the evaluation had repair turns)."""

    caption: str
    header: list[str]
    tables: list[_RepairTable]


def _repair(data: ReportData) -> _Repair | None:
    if data.repair is None:
        return None
    indexes = {task.task_id: i for i, task in enumerate(data.summary.tasks)}
    tables = []
    for task_id in sorted(data.repair.turns):
        curves = data.repair.for_task(task_id)
        tables.append(_RepairTable(
            task_id=task_id,
            heading=repair_view.task_heading(task_id, data.repair),
            rows=[(c.model_id, row) for c in curves for row in repair_view.curve_rows(c)],
            notes=[n for c in curves for n in repair_view.curve_notes(c)]
            + repair_view.comparison_lines(data.repair, task_id),
            plot_anchor=(element_id("pareto-plot", indexes[task_id])
                         if task_id in indexes else None),
        ))
    return _Repair(repair_view.CAPTION, repair_view.HEADER, tables)


@dataclass(frozen=True)
class _Divergences:
    """The divergence taxonomy per task: (task id, figure headers, rows of model and cells)."""

    title: str
    caption: str
    tables: list[tuple[str, list[str], list[tuple[str, list[str]]]]]


def _divergences(data: ReportData) -> _Divergences:
    summary = data.divergences
    return _Divergences(divergence_view.TITLE, divergence_view.CAPTION, [
        (task_id, divergence_view.header(summary, task_id), divergence_view.rows(summary, task_id))
        for task_id in divergence_view.task_ids(summary)
    ])


def render_html(data: ReportData, plots: PlotSet) -> str:
    """The whole page as one string (deterministic for a given store and plot files)."""
    kept = collect_samples(data.samples())
    return render(
        "page.html.j2",
        models=sorted({m.model_id for t in data.summary.tasks for m in t.models}),
        stylesheet=Markup(STYLESHEET),  # a data file of this package, not store content
        summary=_summary(data),
        tasks=[_task_page(task, index, plots, kept, data.baselines)
               for index, task in enumerate(data.summary.tasks)],
        repair=_repair(data),
        divergences=_divergences(data),
        quality=data.quality,
        provenance=_provenance(data),
        version=data.provenance.tool_version or "?",
    )


def write(data: ReportData, out_dir: Path) -> Path:
    """Write the plots (once per build) and `report.html` into `out_dir`."""
    from single_shot_eval.report.plots import ensure_plots

    plots = ensure_plots(data, out_dir)
    path = out_dir / FILENAME
    path.write_text(render_html(data, plots), encoding="utf-8")
    return path
