"""Number formatting shared by every report, so all of them print a figure the same way."""

from __future__ import annotations

import math


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 1) -> str:
    """0.923 -> '92.3%'; NaN -> '–'."""
    if missing(value):
        return "–"
    assert value is not None
    return f"{100 * value:.{digits}f}%"


def pct_ci(low: float | None, high: float | None) -> str:
    if missing(low) or missing(high):
        return "–"
    assert low is not None and high is not None
    return f"[{100 * low:.1f}, {100 * high:.1f}]"


def usd(value: float | None) -> str:
    """Dollar amounts across many orders of magnitude, with 3 significant digits when small."""
    if missing(value):
        return "–"
    assert value is not None
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    return f"${value:.3g}"


def seconds(value: float | None) -> str:
    if missing(value):
        return "–"
    assert value is not None
    if value == 0:
        return "0 ms"
    if value < 0.01:
        return f"{value * 1000:.2g} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def ratio(value: float | None) -> str:
    """A ratio as '2.5x', '0.95x' (from 0.1 up), or '1/N x' for smaller ratios."""
    if missing(value):
        return "–"
    assert value is not None
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0x"
    if value >= 1:
        return f"{value:,.1f}x"
    if value >= 0.1:
        return f"{value:.2f}x"
    return f"1/{1 / value:,.0f}x"


def pvalue(value: float | None) -> str:
    if missing(value):
        return "–"
    assert value is not None
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


def number(value: float | None, digits: int = 3) -> str:
    if missing(value):
        return "–"
    assert value is not None
    if math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


def signed_points(value: float | None, digits: int = 1) -> str:
    """A difference of two rates in percentage points with its sign: 0.125 -> '+12.5 pp'."""
    if missing(value):
        return "–"
    assert value is not None
    points = round(100 * value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{points:+.{digits}f} pp"


def per_million_tokens_usd(total_usd: float, tokens: int) -> float:
    """Dollars per million tokens (input + output); NaN when no token was counted."""
    return total_usd / tokens * 1_000_000 if tokens > 0 else math.nan


HARNESS_ERRORS_NOTE = (
    "harness_error: this tool's machinery failed (not the model); left out of every rate and "
    "denominator; `evaluate --resume` redoes them"
)


def harness_errors(counts: dict[str, int], quote: str = "") -> str:
    """'a: 3, b: 1' for the models with `harness_error` samples; '' when there are none."""
    return ", ".join(f"{quote}{model}{quote}: {n}" for model, n in sorted(counts.items()) if n)


def gap(value: float | None) -> str:
    """A detectable gap in points: 0.0997 -> '10.0 pts'; infinite -> 'none detectable'."""
    if missing(value):
        return "–"
    assert value is not None
    if math.isinf(value):
        return "none detectable"
    return f"{100 * value:.1f} pts"


def value_score(value: float | None, note: str = "") -> str:
    """A value score as a ratio; a free contestant that passes something reads 'free'."""
    if value is not None and not missing(value) and math.isinf(value) and "free" in note:
        return "free ($0)"
    return ratio(value)


BASELINE_MARK = " (baseline)"


def model_label(model_id: str, baselines: frozenset[str] = frozenset()) -> str:
    """A model's id as reports show it, marked when it was evaluated as a baseline."""
    return f"{model_id}{BASELINE_MARK}" if model_id in baselines else model_id
