"""Check model files: format by magic bytes, header structure, and optionally the logit gate.

The format is decided by the bytes, not the extension: a `.gguf` that is really an HTML error
page, a pickle or a git LFS pointer is reported as such. With a reference model, every GGUF is
also run through the quality gate against it (`quality.run_quality_gates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from single_shot_eval.errors import UserError
from single_shot_eval.modelprep.gguf import (
    ModelFileError,
    read_gguf_header,
    read_safetensors_header,
    sniff_format,
)
from single_shot_eval.modelprep.quality import (
    QualityReport,
    ThresholdTable,
    ValidationPrompt,
    run_quality_gates,
)


@dataclass(frozen=True)
class FileValidation:
    """What `validate` found for one file: its format, header figures and gate result."""

    path: Path
    format: str
    summary: dict[str, Any]
    quality: QualityReport | None = None

    @property
    def passed(self) -> bool:
        return self.quality is None or self.quality.passed

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"path": str(self.path), **self.summary}
        if self.quality is not None:
            document["quality"] = self.quality.to_json()
        return document


def detect_format(path: Path) -> str:
    """`gguf` or `safetensors` from the first bytes; `ModelFileError` for anything else."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except FileNotFoundError:
        raise ModelFileError(path, "file does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a directory, not a model file") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read file ({exc.strerror})") from None
    kind = sniff_format(head)
    if kind in ("gguf", "safetensors"):
        return kind
    if not head:
        raise ModelFileError(path, "empty file: neither GGUF nor safetensors")
    raise ModelFileError(path, f"neither GGUF nor safetensors: the file looks like {kind}")


def check_structure(path: Path) -> FileValidation:
    """Magic bytes and full header check of one file."""
    kind = detect_format(path)
    if kind == "gguf":
        return FileValidation(path, kind, read_gguf_header(path).summary())
    return FileValidation(path, kind, read_safetensors_header(path).summary())


def validate_model_files(
    paths: Sequence[Path],
    *,
    reference: Path | None = None,
    thresholds: ThresholdTable | None = None,
    prompts: Sequence[ValidationPrompt] | None = None,
    n_threads: int | None = None,
    write_reports: bool = True,
) -> list[FileValidation]:
    """Structure of every file; with `reference`, the quality gate of every GGUF against it.

    Gate failures do not raise here (each result says `passed`); structural problems do.
    """
    results = [check_structure(path) for path in paths]
    if reference is None:
        return results
    if detect_format(reference) != "gguf":
        raise UserError(f"--reference {reference}: the logit check needs a GGUF reference model")
    not_gguf = [r.path for r in results if r.format != "gguf"]
    if not_gguf:
        raise UserError(
            f"{not_gguf[0]}: the logit check against --reference runs GGUF models only"
        )
    reports = run_quality_gates(
        [r.path for r in results],
        reference,
        thresholds=thresholds,
        prompts=prompts,
        n_threads=n_threads,
        write_reports=write_reports,
    )
    return [
        FileValidation(r.path, r.format, r.summary, report)
        for r, report in zip(results, reports, strict=True)
    ]
