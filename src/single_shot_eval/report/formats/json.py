"""`results.json`: every aggregate plus every per-sample record, deterministic byte for byte."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from single_shot_eval.report.data import PROVENANCE_KEYS, ReportData
from single_shot_eval.report.quality import quality_json
from single_shot_eval.results.records import Sample

FORMAT = "json"
FILENAME = "results.json"


def sample_record(sample: Sample) -> dict[str, Any]:
    """A sample as plain JSON values."""
    data = sample.model_dump(mode="json", by_alias=True)
    data["passed"] = sample.passed
    data["compiled"] = sample.compiled
    return data


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def results_document(data: ReportData) -> dict[str, Any]:
    """The whole JSON document (summary, provenance, samples)."""
    provenance = data.provenance.json_items(PROVENANCE_KEYS)
    document: dict[str, Any] = _finite(
        {
            "schema": "single-shot-eval/results/v1",
            "provenance": provenance,
            "summary": data.summary.to_dict(),
            "samples": [sample_record(s) for s in data.samples()],
            **({"repair": data.repair.to_dict()} if data.repair is not None else {}),
            "divergences": data.divergences.to_dict(),
        }
    )
    if data.quality is not None:
        document["quality"] = quality_json(data.quality)
    return document


def write(data: ReportData, out_dir: Path) -> Path:
    path = out_dir / FILENAME
    with path.open("w", encoding="utf-8") as fh:
        json.dump(results_document(data), fh, indent=1, sort_keys=True, allow_nan=False)
        fh.write("\n")
    return path
