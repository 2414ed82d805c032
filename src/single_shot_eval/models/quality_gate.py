"""The recorded quality-gate verdict of a converted GGUF, checked by the backend that loads it.

`modelprep.quality` measures a converted model against its original and writes the verdict next
to it (`<stem>.quality.json`); the llama.cpp backend reads it with `check_quality_gate` before
it loads the model, so no evaluation path (the CLI, the pipeline, a Ray worker) can use a model
that failed its gate unless the model's config allows it (`--allow-failed-quality-gate`). The
reading lives here, below `modelprep`, because a backend may not import model preparation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from single_shot_eval.errors import UserError

OVERRIDE_FLAG = "--allow-failed-quality-gate"
"""The flag that lets `evaluate` use a model that failed its quality gate."""


class QualityGateError(UserError):
    """A converted model failed a quality gate; the message names the gate and the figure."""

    def __init__(self, message: str, *, gate: str = "", measured: float = 0.0, limit: float = 0.0):
        self.gate = gate
        self.measured = measured
        self.limit = limit
        super().__init__(message)


def quality_report_path(model: Path | str) -> Path:
    """Where the gate result of `model` lives: `<dir>/<stem>.quality.json`."""
    model = Path(model)
    return model.with_name(f"{model.stem}.quality.json")


def file_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def failure_message(
    model: Path, quant_type: str, class_name: str, gate: str, measured: float, limit: float,
    *, upper_bound: bool,
) -> str:
    """One line naming the failed gate, its figure and its limit."""
    op = ">" if upper_bound else "<"
    return (
        f"quality gate '{gate}' failed for {model.name} ({quant_type}, {class_name} "
        f"thresholds): {gate} = {measured:.4g} {op} limit {limit:g}"
    )


def check_quality_gate(path: Path | str) -> None:
    """Refuse a model whose recorded quality gate failed; raise `QualityGateError` if so.

    A model without `<stem>.quality.json` passes (it was not converted here). A record that
    describes other content (the file was replaced since: its SHA-256 differs) does not apply.
    """
    model = Path(path)
    record_path = quality_report_path(model)
    if not record_path.is_file():
        return
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        passed = record["passed"]
        recorded_size = int(record["model_size_bytes"])
        recorded_sha = str(record["model_sha256"])
        checks = [c for c in record["checks"] if not c["passed"]]
        if passed is not True:
            first = checks[0]
            gate, measured = str(first["gate"]), float(first["measured"])
            limit, upper_bound = float(first["limit"]), bool(first["upper_bound"])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise UserError(
            f"{record_path}: unreadable quality report ({type(exc).__name__}: {exc}); delete it "
            "or re-run `single-shot-eval validate --reference ORIGINAL` on the model"
        ) from None
    if passed is True:
        return
    try:
        size = model.stat().st_size
    except OSError:
        return  # no model file: resolving the model reports that
    if size != recorded_size or file_sha256(model) != recorded_sha:
        return  # the record describes a different file
    message = failure_message(
        model, str(record.get("quant_type")), str(record.get("threshold_class")), gate,
        measured, limit, upper_bound=upper_bound,
    )
    raise QualityGateError(
        f"{message}; recorded in {record_path} (pass {OVERRIDE_FLAG} to evaluate it anyway)",
        gate=gate,
        measured=measured,
        limit=limit,
    )
