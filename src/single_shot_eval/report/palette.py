"""Colours shared by the plots and the HTML report, kept free of matplotlib so that importing
a report format stays cheap (matplotlib is loaded only when plots are drawn)."""

from __future__ import annotations

from single_shot_eval.results.records import Verdict

#: One colour per model, assigned in sorted-id order (the colour-blind friendly "tab10" family).
MODEL_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
FRONTIER_COLOUR = "#c2185b"
DOMINATED_COLOUR = "#9e9e9e"

#: Verdicts from best to worst, with the colour each has in plots and badges.
VERDICT_COLOURS: tuple[tuple[Verdict, str], ...] = (
    (Verdict.PASS, "#2e7d32"),
    (Verdict.COMPILE_ONLY, "#81c784"),
    (Verdict.BEHAVIOUR_MISMATCH, "#fbc02d"),
    (Verdict.TEST_FAILURE, "#ffa000"),
    (Verdict.CRASH, "#e64a19"),
    (Verdict.TIMEOUT, "#8d6e63"),
    (Verdict.COMPILE_ERROR, "#c62828"),
    (Verdict.NO_CODE, "#5e35b1"),
    (Verdict.MODEL_ERROR, "#424242"),
    (Verdict.HARNESS_ERROR, "#90a4ae"),
)
