"""`samples.csv`: one row per sample, for spreadsheets and pandas.

`counts_for_model` is 0 for `harness_error` samples (our machinery failed): filter on it before
computing a model's rates, as every other report does.
"""

from __future__ import annotations

import csv
from pathlib import Path

from single_shot_eval.report.data import ReportData

FORMAT = "csv"
FILENAME = "samples.csv"

COLUMNS = (
    "task_id", "model_id", "run", "example_id", "level", "verdict", "passed", "compiled",
    "input_tokens", "output_tokens", "tokens_estimated", "latency_s", "cost_usd",
    "cached_response", "error_codes", "prompt_sha256", "counts_for_model",
)


def write(data: ReportData, out_dir: Path) -> Path:
    path = out_dir / FILENAME
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for s in data.samples():
            writer.writerow([
                s.task_id, s.model_id, s.run, s.example_id, s.level, s.verdict.value,
                int(s.passed), int(s.compiled), s.input_tokens, s.output_tokens,
                int(s.tokens_estimated), repr(s.latency_s), repr(s.cost_usd),
                int(s.cached_response), " ".join(s.error_codes), s.prompt_sha256,
                int(s.verdict.counts_for_model),
            ])
    return path
