"""Write the requested report formats from a store; each format is one module in `formats/`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console

from single_shot_eval.errors import UserError
from single_shot_eval.report.data import load_report_data
from single_shot_eval.report.terminal import render_summary


def available_formats() -> dict[str, ModuleType]:
    """Format name -> module, discovered from the `formats` package."""
    package = importlib.import_module("single_shot_eval.report.formats")
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"single_shot_eval.report.formats.{info.name}")
        found[str(module.FORMAT)] = module
    return found


def write_reports(
    store_file: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = ("json", "md"),
    console: Console | None = None,
    baseline: str | None = None,
) -> dict[str, Any]:
    """Rebuild the reports in `out_dir` from the store alone; returns the JSON document.

    ``baseline`` names the contestant the value scores are relative to (default: the most
    accurate paid contestant).
    """
    known = available_formats()
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise UserError(
            f"--format: unknown report format {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create report directory ({exc.strerror})") from None
    data = load_report_data(store_file, baseline=baseline)
    for name in formats:
        known[name].write(data, out_dir)
    if console is not None:
        render_summary(console, data.summary)
    json_module = known["json"]
    document: dict[str, Any] = json_module.results_document(data)
    return document
