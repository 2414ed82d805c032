"""The error the analysis raises when asked for something the samples cannot support."""

from __future__ import annotations

from single_shot_eval.errors import UserError


class AnalysisError(UserError):
    """Samples cannot be analysed as asked (e.g. mixing tasks in one comparison or frontier)."""
