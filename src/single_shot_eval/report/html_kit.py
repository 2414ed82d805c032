"""The HTML report's one Jinja2 environment: templates in `report/templates/`, autoescape on.

Everything the page shows goes through `render`, so every value taken from the store is escaped
by Jinja2 itself; templates hold the markup, Python modules only choose what to show.

Two settings keep the page byte for byte what the f-string version wrote:

* Escaping is `html.escape(str(value), quote=True)`, not MarkupSafe's spelling: the two differ
  only in the entity for a quote (`&#x27;` / `&quot;` against `&#39;` / `&#34;`), and reports
  built from one store must stay identical across versions. Jinja2 wraps every `{{ … }}` in
  MarkupSafe's `escape(finalize(value))`; our `finalize` hands back `Markup` already escaped
  the stdlib way, which MarkupSafe then leaves alone. It takes the evaluation context, which
  also makes Jinja2 finalize constant expressions at run time rather than MarkupSafe-escape
  them at compile time, so `{{ "it's" }}` is spelled the same way too. The `join` filter is
  replaced for the same reason. Not covered: `a ~ b` where one side is already `Markup`
  (MarkupSafe escapes the other side), so templates concatenate plain values only.
* The page is one line of markup. Line breaks in a template are layout: before Jinja2 parses
  a template, `_OneLine` drops each break and the indentation after it when it touches markup
  (`<`, `>`, `{`, `}` on either side) and turns it into one space between two words of text.
  So inline markup keeps the text it needs a space beside on its own line (or writes the space
  as `{{ " " }}`), and `{{ "\\n" }}` is a real newline.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_eval_context
from jinja2.ext import Extension
from jinja2.nodes import EvalContext
from markupsafe import Markup

from single_shot_eval.analysis.aggregate import DETECTABLE_POINTS
from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.report import fmt
from single_shot_eval.report.palette import VERDICT_COLOURS
from single_shot_eval.report.quality import (
    QUALITY_NOTE,
    clippy_clean_verdict,
    contestant_name,
    quality_cells,
)

MAX_TEXT_CHARS = 6000

STYLESHEET = resources.files("single_shot_eval.report").joinpath("report.css").read_text(
    encoding="utf-8"
)

LEVEL_NAMES = {level.number: level.name for level in LEVELS}
VERDICT_COLOUR = {verdict.value: colour for verdict, colour in VERDICT_COLOURS}
VERDICT_RANK = {verdict.value: rank for rank, (verdict, _) in enumerate(VERDICT_COLOURS)}

_MARKUP_EDGE = frozenset("<>{}")
_BREAK = re.compile(r"\n[ \t]*")


class _OneLine(Extension):
    """Drop template line breaks and indentation; a break between two words becomes a space."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        def replace(match: re.Match[str]) -> str:
            before = source[match.start() - 1] if match.start() else "\n"
            after = source[match.end()] if match.end() < len(source) else "\n"
            words = not ({before, after} & _MARKUP_EDGE or before.isspace() or after.isspace())
            return " " if words else ""

        return _BREAK.sub(replace, source)


def _escape(value: object) -> Markup:
    """`value` as HTML text or a quoted attribute (the stdlib's entities; see the module doc)."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(html.escape(str(value), quote=True))


@pass_eval_context
def _finalize(context: EvalContext, value: object) -> object:
    return _escape(value) if context.autoescape else value


def _join(items: Iterable[object], separator: str = "") -> Markup:
    return _escape(separator).join(_escape(item) for item in items)


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` cut to `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters not shown)"


def element_id(base: str, task_index: int) -> str:
    """The id of a per-task element: `base` for the first task, `base-2` for the second …"""
    return base if task_index == 0 else f"{base}-{task_index + 1}"


def raw_number(value: float | None) -> str:
    """A number as the JSON report spells it (repr of the float); empty when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value)


def heat_colour(rate: float) -> tuple[str, str]:
    """Background and text colour for a pass rate: white (0%) to deep blue (100%)."""
    low, high = (247, 251, 255), (8, 48, 107)
    r, g, b = (round(a + (z - a) * rate) for a, z in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}", "#ffffff" if rate >= 0.5 else "#101828"


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("single_shot_eval.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        extensions=[_OneLine],
    )
    environment.filters.update(
        join=_join, clip=clip, thousands="{:,}".format, repr=repr
    )
    environment.tests["nan"] = _is_nan
    environment.globals.update(
        fmt=fmt,
        element_id=element_id,
        raw_number=raw_number,
        level_names=LEVEL_NAMES,
        verdict_colour=VERDICT_COLOUR,
        max_text_chars=MAX_TEXT_CHARS,
        detectable_points=DETECTABLE_POINTS,
        heat_colour=heat_colour,
        quality_cells=quality_cells,
        contestant_name=contestant_name,
        clippy_clean_verdict=clippy_clean_verdict,
        quality_note=QUALITY_NOTE,
    )
    return environment


#: The one environment every part of the page is rendered with.
ENVIRONMENT = _environment()


def render(template: str, **context: object) -> str:
    """Render `templates/<template>` with `context` (values are escaped on output)."""
    return ENVIRONMENT.get_template(template).render(**context)
