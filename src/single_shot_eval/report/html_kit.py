"""Small pieces every part of the HTML report uses: escaping, clipping, numeric cells, verdict
badges, element ids, and the page's stylesheet (`report.css`, a data file of this package)."""

from __future__ import annotations

import html
import math
from importlib import resources

from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.report.palette import VERDICT_COLOURS

MAX_TEXT_CHARS = 6000

STYLESHEET = resources.files("single_shot_eval.report").joinpath("report.css").read_text(
    encoding="utf-8"
)

LEVEL_NAMES = {level.number: level.name for level in LEVELS}
VERDICT_COLOUR = {verdict.value: colour for verdict, colour in VERDICT_COLOURS}
VERDICT_RANK = {verdict.value: rank for rank, (verdict, _) in enumerate(VERDICT_COLOURS)}


def escape(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters not shown)"


def element_id(base: str, task_index: int) -> str:
    return base if task_index == 0 else f"{base}-{task_index + 1}"


def raw_number(value: float | int | None) -> str:
    """A number as the JSON report spells it (repr of the float); empty when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value)


def num_cell(text: str, column: str, value: float | int | None = None, extra: str = "") -> str:
    data_value = f' data-value="{escape(raw_number(value))}"' if value is not None else ""
    return f'<td class="num{extra}" data-col="{escape(column)}"{data_value}>{escape(text)}</td>'


def verdict_badge(verdict: str) -> str:
    colour = VERDICT_COLOUR.get(verdict, "#616161")
    return (
        f'<span class="badge" style="background:{colour}">'
        f"{escape(verdict.replace('_', ' '))}</span>"
    )
