"""Write the requested report formats from a store; each format is one module in `formats/`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console

from single_shot_eval.errors import UserError
from single_shot_eval.report.data import load_report_data
from single_shot_eval.report.quality import print_quality
from single_shot_eval.report.terminal import (
    render_divergences,
    render_repair,
    render_summary,
)


def available_formats() -> dict[str, ModuleType]:
    """Format name -> module, discovered from the `formats` package."""
    package = importlib.import_module("single_shot_eval.report.formats")
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"single_shot_eval.report.formats.{info.name}")
        found[str(module.FORMAT)] = module
    return found


# `report --output FILE` / `evaluate --output FILE.json`: the format a file name asks for.
FORMAT_BY_SUFFIX = {".md": "md", ".json": "json", ".html": "html", ".csv": "csv"}


def format_for_file(path: Path) -> str:
    """The report format `path`'s suffix names; a `UserError` for any other suffix."""
    found = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if found is None:
        raise UserError(
            f"--output {path}: a report file must end in "
            f"{', '.join(FORMAT_BY_SUFFIX)} (or give a directory)"
        )
    return found


def write_reports(
    store_file: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = ("json", "md"),
    console: Console | None = None,
    baseline: str | None = None,
    file_names: Mapping[str, str] | None = None,
    quality: bool = True,
) -> dict[str, Any]:
    """Rebuild the reports in `out_dir` from the store alone; returns the JSON document.

    ``baseline`` names the contestant the value scores are relative to (default: the most
    accurate paid contestant). `file_names` renames a format's file (`{"json": "results.json"}`
    -> `out.json`): it is written under the format's own name and moved, and a file that
    already had that name is left as it was. `quality`: the quality section, from the lint
    findings the store holds (no tool runs here)."""
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
    data = load_report_data(store_file, baseline=baseline, quality=quality)
    renames = file_names or {}
    for name in formats:
        target = renames.get(name)
        default = out_dir / str(known[name].FILENAME)
        if target is None or out_dir / target == default:
            known[name].write(data, out_dir)
            continue
        kept = default.with_name(default.name + ".kept") if default.exists() else None
        if kept is not None:
            default.replace(kept)
        try:
            known[name].write(data, out_dir).replace(out_dir / target)
        finally:
            if kept is not None:
                kept.replace(default)
    if console is not None:
        render_summary(console, data.summary, data.baselines)
        if data.repair is not None:
            render_repair(console, data.repair)
        render_divergences(console, data.divergences)
        print_quality(console, data.quality)
    json_module = known["json"]
    document: dict[str, Any] = json_module.results_document(data)
    return document
