"""Figures of an evaluation, saved as PNG and SVG under `<out>/plots/` for reports and papers.

Four figures per task:

* `pareto`: the contestants' frontier points (per-example pass rate and cost per sample on the
  examples every contestant answered: the estimator of the frontier and its membership
  probability) with 95% intervals over examples, the non-dominated models highlighted and the
  convex hull of mixtures drawn. Controls (reference, mutant) are not drawn. A log axis cannot
  show a cost of 0, so free models sit at a marked "free" position one decade left of the
  cheapest paid model, behind a dotted break line; the legend says so.
* `levels`: accuracy per Py2Rs level, one bar per model in each level group.
* `error-codes`: how many samples of each model hit each rustc error code (top codes).
* `verdicts`: share of each model's samples per verdict, as one stacked bar per model.

The files are reproducible byte for byte: fixed figure sizes and DPI, a fixed SVG hash salt,
no date in the metadata, and colours chosen from the sorted model ids. Plots are drawn with
the Agg backend and need no display.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from single_shot_eval.analysis.aggregate import ModelSummary, TaskSummary
from single_shot_eval.analysis.repair import RepairCurve
from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.errors import UserError
from single_shot_eval.report.data import ReportData
from single_shot_eval.report.palette import (
    DOMINATED_COLOUR,
    FRONTIER_COLOUR,
    MODEL_COLOURS,
    VERDICT_COLOURS,
)
from single_shot_eval.results.records import Sample

__all__ = [
    "PLOTS_DIR",
    "PlotFile",
    "PlotSet",
    "ensure_plots",
    "error_code_counts",
    "free_position_usd",
    "plot_error_codes",
    "plot_levels",
    "plot_pareto",
    "plot_verdicts",
    "write_plots",
]

PLOTS_DIR = "plots"
PNG_DPI = 150
SVG_HASH_SALT = "single-shot-eval"
TOP_ERROR_CODES = 12
NO_CODE_LABEL = "no code"

PARETO_SIZE_IN = (9.0, 5.6)
LEVELS_SIZE_IN = (9.0, 4.6)
VERDICTS_WIDTH_IN = 9.0
ERROR_CODES_WIDTH_IN = 9.0

_STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "axes.titlesize": 12.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "path",
}


@dataclass(frozen=True)
class PlotFile:
    """One figure of one task, written as PNG and SVG (paths are absolute or as given)."""

    kind: str
    task_id: str
    title: str
    png_path: Path
    svg_path: Path


@dataclass(frozen=True)
class PlotSet:
    """Every figure written for a report, in task order, then pareto, levels, codes, verdicts."""

    out_dir: Path
    files: tuple[PlotFile, ...]

    def for_task(self, task_id: str) -> tuple[PlotFile, ...]:
        return tuple(f for f in self.files if f.task_id == task_id)

    def get(self, task_id: str, kind: str) -> PlotFile | None:
        for item in self.files:
            if item.task_id == task_id and item.kind == kind:
                return item
        return None


# --- helpers ----------------------------------------------------------------------------------


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _model_colours(model_ids: Iterable[str]) -> dict[str, str]:
    ordered = sorted(set(model_ids))
    return {m: MODEL_COLOURS[i % len(MODEL_COLOURS)] for i, m in enumerate(ordered)}


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return slug or "task"


def _task_suffixes(task_ids: Sequence[str]) -> list[str]:
    """File-name suffix per task: none for a single task (`pareto.png`), else `-<task slug>`,
    numbered when two task ids give the same slug."""
    if len(task_ids) == 1:
        return [""]
    suffixes: list[str] = []
    for index, task_id in enumerate(task_ids):
        suffix = f"-{_slug(task_id)}"
        if suffix in suffixes:
            suffix = f"{suffix}-{index + 1}"
        suffixes.append(suffix)
    return suffixes


def _save(figure: Figure, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write `stem.png` and `stem.svg` into `out_dir` without any date or random id."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create the plots directory ({exc.strerror})") from None
    png = out_dir / f"{stem}.png"
    svg = out_dir / f"{stem}.svg"
    with plt.rc_context(_STYLE):
        figure.savefig(png, dpi=PNG_DPI, metadata={"Software": None})
        figure.savefig(svg, metadata={"Date": None, "Creator": None})
    plt.close(figure)
    return png, svg


def _percent_axis(axis: Axes, which: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _pos: f"{100 * value:.0f}%")
    if which == "y":
        axis.yaxis.set_major_formatter(formatter)
    else:
        axis.xaxis.set_major_formatter(formatter)


def _usd_tick(value: float) -> str:
    if value >= 1:
        return f"${value:,.0f}"
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = value / 10**exponent
    if abs(mantissa - 1) < 1e-6:
        return f"${value:.{max(0, -exponent)}f}" if exponent >= -4 else f"$1e{exponent}"
    return f"${value:.2g}"


def _legend_below(figure: Figure, axis: Axes, *, ncols: int) -> None:
    """A figure legend under the plot whose entries read left to right, then top to bottom."""
    handles, labels = axis.get_legend_handles_labels()
    if not handles:
        return
    ncols = max(1, min(ncols, len(handles)))
    rows = math.ceil(len(handles) / ncols)
    order = [row * ncols + col for col in range(ncols) for row in range(rows)
             if row * ncols + col < len(handles)]
    figure.legend([handles[i] for i in order], [labels[i] for i in order],
                  loc="outside lower center", ncols=ncols)


# --- Pareto -----------------------------------------------------------------------------------


def free_position_usd(costs_usd: Sequence[float]) -> float:
    """Where free models (cost 0) sit on the log cost axis: one decade below the cheapest
    paid model's decade, or 1e-6 when every model is free."""
    paid = [c for c in costs_usd if _finite(c) and c > 0]
    if not paid:
        return 1e-6
    return float(10.0 ** (math.floor(math.log10(min(paid))) - 1))


def _error_bar(model: ModelSummary, y: float) -> tuple[float, float]:
    """Distance from the plotted accuracy down and up to the model's interval over examples."""
    low, high = model.example_ci_low, model.example_ci_high
    if _finite(low) and _finite(high):
        return max(0.0, y - low), max(0.0, high - y)
    return 0.0, 0.0


def _label_offsets(points: Sequence[tuple[str, float, float]]) -> dict[str, tuple[float, float]]:
    """Label offsets in points, stacked downwards when labels would overlap (deterministic)."""
    placed: list[tuple[float, float]] = []
    offsets: dict[str, tuple[float, float]] = {}
    for model_id, x, y in sorted(points, key=lambda p: (-p[2], p[1], p[0])):
        decade = math.log10(x)
        dy_points = 7.0
        while any(
            abs(decade - px) < 0.6 and abs((y * 300 + dy_points) - py) < 11 for px, py in placed
        ):
            dy_points -= 11.0
        placed.append((decade, y * 300 + dy_points))
        offsets[model_id] = (8.0, dy_points)
    return offsets


def plot_pareto(
    task: TaskSummary, out_dir: Path, *, stem: str = "pareto",
    repair: Sequence[RepairCurve] = (),
) -> PlotFile:
    """Cost per sample (log) vs accuracy with CIs, frontier, convex hull and free models; with
    `repair` curves, each contestant's pass@1 -> repair@1..R at its cumulative cost."""
    models = task.models
    colours = _model_colours(m.model_id for m in models)
    points = {p.model_id: p for p in task.pareto.points}
    costs = [points[m.model_id].cost_usd for m in models]
    # a contestant that generated no repair answer (a transpiler) has no curve to draw
    curves = [c for c in repair if c.model_id in colours and any(p.generated for p in c.points)]
    costs += [p.cumulative_cost_per_sample_usd for c in curves for p in c.points]
    x_free = free_position_usd(costs)
    paid = [c for c in costs if _finite(c) and c > 0]
    has_free = any(_finite(c) and c <= 0 for c in costs)
    front = set(task.pareto.pareto_front)

    def x_of(cost_usd: float) -> float:
        return cost_usd if _finite(cost_usd) and cost_usd > 0 else x_free

    with plt.rc_context(_STYLE):
        figure, axis = plt.subplots(figsize=PARETO_SIZE_IN, layout="constrained")
        axis.set_xscale("log")
        if paid:
            low_decade = math.floor(math.log10(min(paid)))
            high_decade = math.ceil(math.log10(max(paid)))
            if high_decade == low_decade:
                high_decade += 1
            break_x = 10.0 ** (low_decade - 0.5)
            left = x_free / 10**0.45 if has_free else 10.0**low_decade / 10**0.2
            axis.set_xlim(left, 10.0**high_decade * 10**0.15)
            ticks = [10.0**d for d in range(low_decade, high_decade + 1)]
            labels = [_usd_tick(t) for t in ticks]
            if has_free:
                ticks = [x_free, *ticks]
                labels = ["free", *labels]
                axis.axvspan(left, break_x, color="#f3f3f3", zorder=0, lw=0)
                axis.axvline(break_x, color="#9e9e9e", linestyle=":", linewidth=1.0, zorder=1)
        else:
            axis.set_xlim(x_free / 10, x_free * 10)
            ticks, labels = [x_free], ["free"]
            axis.axvspan(x_free / 10, x_free * 10, color="#f3f3f3", zorder=0, lw=0)
        axis.set_xticks(ticks, labels)
        axis.xaxis.set_minor_locator(NullLocator())

        # Convex hull: the best accuracy reachable by mixing two vertex models; segments are
        # linear in raw dollars, hence curved on the log axis. A segment leaving a free model
        # starts at the drawn "free" position (its true start, cost 0, is off the log axis).
        hull = [p for p in task.pareto.points if p.model_id in set(task.pareto.convex_frontier)]
        hull_x: list[float] = []
        hull_y: list[float] = []
        for left_point, right_point in itertools.pairwise(hull):
            start, stop = x_of(left_point.cost_usd), x_of(right_point.cost_usd)
            xs = np.geomspace(start, stop, 48) if stop > start else np.array([start, stop])
            gain = right_point.accuracy - left_point.accuracy
            for x in xs:
                share = 0.0 if stop <= start else min(1.0, max(0.0, (x - start) / (stop - start)))
                hull_x.append(float(x))
                hull_y.append(left_point.accuracy + share * gain)
        if len(hull) == 1:
            hull_x, hull_y = [x_of(hull[0].cost_usd)], [hull[0].accuracy]
        if hull_x:
            axis.plot(hull_x, hull_y, color=FRONTIER_COLOUR, linewidth=1.6, alpha=0.55,
                      zorder=2, label="convex hull (mixtures of frontier models)")

        for curve in curves:
            curve_x = [x_of(r.cumulative_cost_per_sample_usd) for r in curve.points]
            curve_y = [r.accuracy if _finite(r.accuracy) else 0.0 for r in curve.points]
            axis.plot(curve_x, curve_y, color=colours[curve.model_id], linestyle="--",
                      linewidth=1.3, marker="s", markersize=4, alpha=0.85, zorder=3)
            for turn_point, x, y in zip(curve.points[1:], curve_x[1:], curve_y[1:], strict=True):
                axis.annotate(f"r{turn_point.turn}", (x, y), xytext=(4, -10),
                              textcoords="offset points", fontsize=7,
                              color=colours[curve.model_id], zorder=5)

        label_points = []
        for model in models:
            point = points[model.model_id]
            x = x_of(point.cost_usd)
            y = point.accuracy if _finite(point.accuracy) else 0.0
            down, up = _error_bar(model, y)
            on_front = model.model_id in front
            axis.errorbar(
                [x], [y], yerr=[[down], [up]], fmt="none", ecolor=colours[model.model_id],
                elinewidth=1.4, capsize=4, alpha=0.8, zorder=3,
            )
            axis.scatter(
                [x], [y], s=110 if on_front else 70, marker="D" if on_front else "o",
                color=colours[model.model_id],
                edgecolors=FRONTIER_COLOUR if on_front else DOMINATED_COLOUR,
                linewidths=2.0 if on_front else 1.0, zorder=4,
            )
            label_points.append((model.model_id, x, y))
        for model_id, (dx, dy) in sorted(_label_offsets(label_points).items()):
            x, y = next((px, py) for mid, px, py in label_points if mid == model_id)
            axis.annotate(
                model_id, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=9,
                color="#212121", zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )

        axis.set_ylim(-0.04, 1.06)
        _percent_axis(axis)
        axis.set_xlabel("cost per sample (USD, log scale)" if paid
                        else "cost per sample: every model is free")
        axis.set_ylabel("pass@1 (error bars: 95% CI over examples)")
        axis.set_title(f"Cost vs accuracy — task {task.task_id}", loc="left")
        handles: list[Line2D | Patch] = [
            Line2D([], [], marker="D", linestyle="none", markerfacecolor="white",
                   markeredgecolor=FRONTIER_COLOUR, markeredgewidth=2.0, markersize=8,
                   label="non-dominated (Pareto front)"),
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="white",
                   markeredgecolor=DOMINATED_COLOUR, markersize=7, label="dominated"),
        ]
        if len(hull) > 1:
            handles.append(Line2D([], [], color=FRONTIER_COLOUR, alpha=0.55, linewidth=1.6,
                                  label="convex hull (mixtures of frontier models)"))
        if curves:
            handles.append(Line2D([], [], color=DOMINATED_COLOUR, linestyle="--", marker="s",
                                  markersize=4, label="repair curve: repair@r (r1, r2, ...) at "
                                  "cumulative cost"))
        if has_free:
            free_label = (
                "free models (cost $0), drawn at 'free' left of the axis break" if paid
                else "free models (cost $0)"
            )
            handles.append(Patch(facecolor="#f3f3f3", edgecolor="#9e9e9e", linestyle=":",
                                 label=free_label))
        figure.legend(handles=handles, loc="outside lower center", ncols=2)
        title = f"Cost vs accuracy ({task.task_id})"
        png, svg = _save(figure, out_dir, stem)
    return PlotFile("pareto", task.task_id, title, png, svg)


# --- levels -----------------------------------------------------------------------------------


def plot_levels(task: TaskSummary, out_dir: Path, *, stem: str = "levels") -> PlotFile:
    """Grouped bars: accuracy per Py2Rs level present in the task, one bar per model."""
    models = task.models
    colours = _model_colours(m.model_id for m in models)
    levels = sorted({level for m in models for level in m.accuracy_by_level})
    names = {level.number: level.name for level in LEVELS}
    with plt.rc_context(_STYLE):
        figure, axis = plt.subplots(figsize=LEVELS_SIZE_IN, layout="constrained")
        width = 0.8 / max(1, len(models))
        positions = np.arange(len(levels), dtype=np.float64)
        for index, model in enumerate(models):
            heights = [model.accuracy_by_level.get(level, math.nan) for level in levels]
            offset = (index - (len(models) - 1) / 2) * width
            axis.bar(positions + offset, [h if _finite(h) else 0.0 for h in heights], width,
                     color=colours[model.model_id], label=model.model_id, zorder=3)
        counts = {level: max(m.samples_by_level.get(level, 0) for m in models) for level in levels}
        axis.set_xticks(
            positions,
            [f"L{level}\n{names.get(level, '')}\nn={counts[level]}" for level in levels],
            fontsize=8.5,
        )
        axis.set_ylim(0, 1.05)
        _percent_axis(axis)
        axis.grid(axis="x", visible=False)
        axis.set_ylabel("pass@1 within the level")
        axis.set_title(f"Accuracy by Py2Rs level — task {task.task_id}", loc="left")
        if not levels:
            axis.text(0.5, 0.5, "no samples", transform=axis.transAxes, ha="center")
        _legend_below(figure, axis, ncols=5)
        png, svg = _save(figure, out_dir, stem)
    return PlotFile("levels", task.task_id, f"Accuracy by level ({task.task_id})", png, svg)


# --- error codes ------------------------------------------------------------------------------


def error_code_counts(samples: Iterable[Sample], task_id: str) -> dict[str, Counter[str]]:
    """Per model of `task_id`: in how many samples each rustc error code appears.

    A sample counts once per code however often the code repeats in it; compiler errors
    without a code (mostly syntax errors) are counted under "no code".
    """
    counts: dict[str, Counter[str]] = {}
    for sample in samples:
        if sample.task_id != task_id:
            continue
        seen = {
            d.code if d.code else NO_CODE_LABEL for d in sample.diagnostics if d.level == "error"
        }
        counts.setdefault(sample.model_id, Counter()).update(seen)
    return counts


def plot_error_codes(
    task: TaskSummary,
    counts: dict[str, Counter[str]],
    out_dir: Path,
    *,
    stem: str = "error-codes",
) -> PlotFile:
    """Horizontal grouped bars: the most frequent error codes, one bar per model."""
    model_ids = [m.model_id for m in task.models]
    colours = _model_colours(model_ids)
    total: Counter[str] = Counter()
    for model_id in model_ids:
        total.update(counts.get(model_id, Counter()))
    codes = [code for code, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = codes[:TOP_ERROR_CODES]
    other = codes[TOP_ERROR_CODES:]
    rows = [*shown, *(["other codes"] if other else [])]
    height = min(12.0, max(2.8, 1.6 + 0.1 * len(rows) * max(2, len(model_ids))))
    with plt.rc_context(_STYLE):
        figure, axis = plt.subplots(figsize=(ERROR_CODES_WIDTH_IN, height), layout="constrained")
        if rows:
            bar = 0.8 / max(1, len(model_ids))
            positions = np.arange(len(rows), dtype=np.float64)
            for index, model_id in enumerate(model_ids):
                model_counts = counts.get(model_id, Counter())
                values = [model_counts.get(code, 0) for code in shown]
                if other:
                    values.append(sum(model_counts.get(code, 0) for code in other))
                offset = (index - (len(model_ids) - 1) / 2) * bar
                axis.barh(positions + offset, values, bar, color=colours[model_id],
                          label=model_id, zorder=3)
            axis.set_yticks(positions, rows)
            axis.invert_yaxis()
            axis.grid(axis="y", visible=False)
            axis.set_xlabel("samples with this error")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            _legend_below(figure, axis, ncols=5)
        else:
            axis.set_xticks([])
            axis.set_yticks([])
            axis.grid(visible=False)
            for spine in axis.spines.values():
                spine.set_visible(False)
            axis.text(0.5, 0.5, "no compiler errors in any sample", transform=axis.transAxes,
                      ha="center", va="center", fontsize=11, color="#616161")
        axis.set_title(f"rustc error codes — task {task.task_id}", loc="left")
        png, svg = _save(figure, out_dir, stem)
    return PlotFile("error-codes", task.task_id, f"rustc error codes ({task.task_id})", png, svg)


# --- verdicts ---------------------------------------------------------------------------------


def plot_verdicts(task: TaskSummary, out_dir: Path, *, stem: str = "verdicts") -> PlotFile:
    """One stacked horizontal bar per model: share of its samples per verdict."""
    models = task.models
    height = max(2.4, 1.5 + 0.45 * len(models))
    present = [  # shares of the counted samples: harness_error is not one of them
        (verdict, colour) for verdict, colour in VERDICT_COLOURS
        if verdict.counts_for_model and any(m.verdict_counts.get(verdict.value, 0) for m in models)
    ]
    with plt.rc_context(_STYLE):
        figure, axis = plt.subplots(figsize=(VERDICTS_WIDTH_IN, height), layout="constrained")
        positions = np.arange(len(models), dtype=np.float64)
        lefts = np.zeros(len(models))
        for verdict, colour in present:
            shares = np.array([
                m.verdict_counts.get(verdict.value, 0) / m.n_samples if m.n_samples else 0.0
                for m in models
            ])
            axis.barh(positions, shares, 0.6, left=lefts, color=colour,
                      label=verdict.value.replace("_", " "), zorder=3)
            for row, share in enumerate(shares):
                if share >= 0.06:
                    axis.text(lefts[row] + share / 2, row, f"{100 * share:.0f}%", ha="center",
                              va="center", fontsize=8, color="white", zorder=4)
            lefts += shares
        axis.set_yticks(positions, [m.model_id for m in models])
        axis.invert_yaxis()
        axis.set_xlim(0, 1)
        _percent_axis(axis, "x")
        axis.grid(axis="y", visible=False)
        axis.set_xlabel("share of samples")
        axis.set_title(f"Verdicts — task {task.task_id}", loc="left")
        _legend_below(figure, axis, ncols=5)
        png, svg = _save(figure, out_dir, stem)
    return PlotFile("verdicts", task.task_id, f"Verdicts ({task.task_id})", png, svg)


# --- all plots of a report --------------------------------------------------------------------


def write_plots(data: ReportData, out_dir: Path) -> PlotSet:
    """Write every figure of every task into `out_dir/plots/`; returns their paths."""
    plots_dir = out_dir / PLOTS_DIR
    tasks = data.summary.tasks
    files: list[PlotFile] = []
    for task, suffix in zip(tasks, _task_suffixes([t.task_id for t in tasks]), strict=True):
        if not task.models:
            continue  # controls only: the self-check table says everything there is to say
        counts = error_code_counts(data.samples(), task.task_id)
        repair = data.repair.for_task(task.task_id) if data.repair is not None else ()
        files.append(plot_pareto(task, plots_dir, stem=f"pareto{suffix}", repair=repair))
        files.append(plot_levels(task, plots_dir, stem=f"levels{suffix}"))
        files.append(plot_error_codes(task, counts, plots_dir, stem=f"error-codes{suffix}"))
        files.append(plot_verdicts(task, plots_dir, stem=f"verdicts{suffix}"))
    return PlotSet(plots_dir, tuple(files))


@dataclass
class _Written:
    data: ReportData
    out_dir: Path
    plots: PlotSet


_last_written: _Written | None = None


def ensure_plots(data: ReportData, out_dir: Path) -> PlotSet:
    """The plots of `data` in `out_dir/plots/`, written unless this same `ReportData` object
    already wrote them there (so the md and html formats of one build share one set)."""
    global _last_written
    target = out_dir.resolve()
    if (
        _last_written is not None
        and _last_written.data is data
        and _last_written.out_dir == target
        and all(f.png_path.exists() and f.svg_path.exists() for f in _last_written.plots.files)
    ):
        return _last_written.plots
    plots = write_plots(data, out_dir)
    _last_written = _Written(data, target, plots)
    return plots
