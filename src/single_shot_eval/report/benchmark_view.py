"""Terminal and JSON output of the `benchmark` command: how a corpus spreads over the Py2Rs levels.

The terminal layout (a header box, a bar per populated level, a bar per difficulty band, and a
dot per level) lets a reader see at a glance which levels a corpus leaves untested. Both outputs
are built from one `BenchmarkSummary`, so the numbers on screen and in `--json` always agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from single_shot_eval.corpus.classify import ClassifiedExample, LevelReason
from single_shot_eval.corpus.levels import LEVELS, Difficulty, Py2RsLevel

__all__ = [
    "BenchmarkSummary",
    "ClassifiedExample",
    "DifficultyCount",
    "LevelCount",
    "benchmark_json",
    "render_benchmark",
    "summarise_benchmark",
]

TITLE = "Py2Rs 10-Level Benchmark Analysis"
BOX_WIDTH_CHARS = 66
BAR_WIDTH_CHARS = 20
TOP_REASONS = 3
FILLED_MARK = "●"
EMPTY_MARK = "○"

_DIFFICULTY_STYLES: dict[Difficulty, str] = {
    Difficulty.TRIVIAL: "green",
    Difficulty.EASY: "cyan",
    Difficulty.MEDIUM: "yellow",
    Difficulty.HARD: "magenta",
    Difficulty.EXPERT: "red",
}


@dataclass(frozen=True)
class LevelCount:
    """How many corpus examples sit at one level, and their share of the corpus (0-100)."""

    level: Py2RsLevel
    count: int
    percent: float


@dataclass(frozen=True)
class DifficultyCount:
    """How many corpus examples fall in one difficulty band, and which levels form the band."""

    difficulty: Difficulty
    level_numbers: tuple[int, ...]
    count: int
    percent: float


@dataclass(frozen=True)
class BenchmarkSummary:
    """Counts per level (all ten) and per difficulty band, plus the coverage dots."""

    corpus_size: int
    levels: tuple[LevelCount, ...]
    difficulties: tuple[DifficultyCount, ...]

    @property
    def coverage(self) -> str:
        """One mark per level, L1 first: `●` when the level has examples, `○` when empty."""
        return "".join(FILLED_MARK if entry.count else EMPTY_MARK for entry in self.levels)

    @property
    def levels_covered(self) -> int:
        """Number of levels with at least one example."""
        return sum(1 for entry in self.levels if entry.count)


def _percent(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def summarise_benchmark(results: Sequence[ClassifiedExample]) -> BenchmarkSummary:
    """Count classified examples per level and per difficulty band."""
    total = len(results)
    per_level = Counter(result.report.level.number for result in results)
    levels = tuple(
        LevelCount(level, per_level[level.number], _percent(per_level[level.number], total))
        for level in LEVELS
    )
    difficulties = []
    for difficulty in Difficulty:
        numbers = tuple(level.number for level in LEVELS if level.difficulty is difficulty)
        count = sum(per_level[number] for number in numbers)
        difficulties.append(DifficultyCount(difficulty, numbers, count, _percent(count, total)))
    return BenchmarkSummary(total, levels, tuple(difficulties))


# --- terminal ---------------------------------------------------------------------------------


def render_benchmark(
    console: Console, results: Sequence[ClassifiedExample], verbose: bool = False
) -> None:
    """Print the level analysis of a classified corpus to `console`.

    `verbose` adds one line per example: its level and up to three constructs that decide it,
    flagging a level that differs from the one the example's metadata declares. Lines never
    exceed the console width (bars shrink first, then long lines end in an ellipsis).
    """
    summary = summarise_benchmark(results)
    bar_width = max(5, min(BAR_WIDTH_CHARS, console.width - 46))
    console.print(_header_box(summary, min(BOX_WIDTH_CHARS, console.width)))
    console.print()
    _print_level_distribution(console, summary, bar_width)
    console.print()
    _print_difficulty_breakdown(console, summary, bar_width)
    console.print()
    _print_coverage(console, summary)
    if verbose and results:
        console.print()
        _print_examples(console, results)


def _print_level_distribution(console: Console, summary: BenchmarkSummary, bar_width: int) -> None:
    _print_heading(console, "Level Distribution")
    if summary.corpus_size == 0:
        _print_line(console, Text("(no examples)"))
    for entry in summary.levels:
        if entry.count:
            label = f"L{entry.level.number:<3}({entry.level.name})"
            style = _DIFFICULTY_STYLES[entry.level.difficulty]
            line = _bar_line(label, 22, entry.count, entry.percent, bar_width, style)
            _print_line(console, line)


def _print_difficulty_breakdown(
    console: Console, summary: BenchmarkSummary, bar_width: int
) -> None:
    _print_heading(console, "Difficulty Breakdown")
    for band in summary.difficulties:
        style = _DIFFICULTY_STYLES[band.difficulty]
        line = _bar_line(band.difficulty.value, 10, band.count, band.percent, bar_width, style)
        line.append(f"  L{band.level_numbers[0]}-L{band.level_numbers[-1]}", style="dim")
        _print_line(console, line)


def _print_coverage(console: Console, summary: BenchmarkSummary) -> None:
    legend = f"Visual Summary ({FILLED_MARK} = has examples, {EMPTY_MARK} = empty)"
    _print_line(console, Text(legend))
    coverage = Text("Levels 1-10: ")
    for entry in summary.levels:
        if entry.count:
            coverage.append(FILLED_MARK, style=_DIFFICULTY_STYLES[entry.level.difficulty])
        else:
            coverage.append(EMPTY_MARK, style="dim")
    coverage.append(f"  ({summary.levels_covered}/{len(LEVELS)} levels covered)")
    _print_line(console, coverage)


def _print_examples(console: Console, results: Sequence[ClassifiedExample]) -> None:
    _print_heading(console, "Examples")
    id_width = min(max(len(result.example_id) for result in results), 32)
    for result in sorted(results, key=_by_level_then_id):
        _print_line(console, _example_line(result, id_width))


def _by_level_then_id(result: ClassifiedExample) -> tuple[int, str]:
    return (result.report.level.number, result.example_id)


def _header_box(summary: BenchmarkSummary, width: int) -> Table:
    noun = "example" if summary.corpus_size == 1 else "examples"
    table = Table(box=box.SQUARE, width=width, header_style="bold", show_edge=True)
    table.add_column(TITLE, no_wrap=True, overflow="ellipsis")
    table.add_row(Text(f"Corpus:   {summary.corpus_size} {noun}"))
    return table


def _print_heading(console: Console, title: str) -> None:
    console.print(Text(title, style="bold"))
    console.print(Text("─" * len(title)))


def _print_line(console: Console, line: Text) -> None:
    console.print(line, no_wrap=True, overflow="ellipsis", soft_wrap=False)


def _bar_line(
    label: str, label_width: int, count: int, percent: float, bar_width: int, style: str
) -> Text:
    """`label [████░░░░]  40% (20 examples)`; a non-empty count always shows one block."""
    filled = round(percent / 100 * bar_width)
    if count and filled == 0:
        filled = 1
    noun = "example" if count == 1 else "examples"
    line = Text(label.ljust(label_width))
    line.append("[")
    line.append("█" * filled, style=style)
    line.append("░" * (bar_width - filled), style="dim")
    line.append(f"] {percent:>3.0f}% ({count} {noun})")
    return line


def _example_line(result: ClassifiedExample, id_width: int) -> Text:
    level = result.report.level
    line = Text(result.example_id.ljust(id_width) + "  ")
    line.append(f"L{level.number:<3}", style=_DIFFICULTY_STYLES[level.difficulty])
    line.append(f"{level.name:<16}")
    if result.declared_level is not None and result.declared_level != level.number:
        line.append(f"(declared L{result.declared_level}) ", style="bold red")
    reasons = result.report.deciding_reasons[:TOP_REASONS]
    line.append("; ".join(f"{reason.construct} (line {reason.line})" for reason in reasons))
    return line


# --- JSON -------------------------------------------------------------------------------------


def _reason_json(reason: LevelReason) -> dict[str, Any]:
    return {"level": reason.level, "construct": reason.construct, "line": reason.line}


def benchmark_json(results: Sequence[ClassifiedExample]) -> dict[str, Any]:
    """The same analysis as plain JSON values, for `benchmark --json`.

    Percentages are rounded to one decimal; counts are exact and sum to `corpus_size`.
    """
    summary = summarise_benchmark(results)
    return {
        "corpus_size": summary.corpus_size,
        "levels": [
            {
                "level": entry.level.number,
                "name": entry.level.name,
                "difficulty": entry.level.difficulty.value,
                "weight": entry.level.weight,
                "count": entry.count,
                "percent": round(entry.percent, 1),
            }
            for entry in summary.levels
        ],
        "difficulties": [
            {
                "difficulty": band.difficulty.value,
                "levels": list(band.level_numbers),
                "count": band.count,
                "percent": round(band.percent, 1),
            }
            for band in summary.difficulties
        ],
        "coverage": summary.coverage,
        "levels_covered": summary.levels_covered,
        "examples": [
            {
                "id": result.example_id,
                "level": result.report.level.number,
                "name": result.report.level.name,
                "declared_level": result.declared_level,
                "reasons": [_reason_json(reason) for reason in result.report.reasons],
            }
            for result in results
        ],
    }
