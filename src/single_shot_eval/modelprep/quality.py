"""Quality gate (statistical process control) for converted models.

A quantized model that silently diverges from its original invalidates any comparison made with
it. The gate runs the original and the converted GGUF on the bundled validation prompts, takes
the next-token distribution at every position of every prompt, and measures:

- mean KL(original || converted) over all positions, in nats, and its maximum;
- top-k agreement: the share of the original's k most likely tokens (k = 10) that are also among
  the converted model's k most likely, averaged over positions;
- cosine similarity of the two raw logit vectors, averaged over positions.

Thresholds are per quantization class (8-bit, 4-bit, 2/3-bit, ...) in
`data/quality_thresholds.yaml`. The result is written as JSON next to the converted model
(`<stem>.quality.json`); `models.quality_gate.check_quality_gate` reads it when the llama.cpp
backend loads the model, which refuses a model that failed its gate unless the user overrides it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.errors import ConfigError, ModelSpecError, UserError
from single_shot_eval.modelprep.gguf import read_gguf_header
from single_shot_eval.modelprep.logits import (
    DEFAULT_N_CTX,
    DEFAULT_TOP_K,
    LogitComparison,
    LogitSource,
    ValidationPrompt,
    compare_models,
)
from single_shot_eval.models.quality_gate import (
    QualityGateError,
    failure_message,
    file_sha256,
    quality_report_path,
)
from single_shot_eval.version import __version__

REPORT_SCHEMA_VERSION = 1

# --- bundled data -------------------------------------------------------------------------------


def _data_file(name: str) -> Path:
    return Path(str(resources.files("single_shot_eval") / "data" / name))


def load_validation_prompts(path: Path | None = None) -> tuple[ValidationPrompt, ...]:
    """The validation prompts (bundled `data/validation_prompts.yaml` by default)."""
    source = path or _data_file("validation_prompts.yaml")
    data = _load_yaml(source)
    entries = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(source, "expected a non-empty 'prompts' list", key="prompts")
    prompts = []
    for i, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("text"), str)
            or not entry["text"].strip()
        ):
            raise ConfigError(
                source, "each prompt needs a string 'id' and 'text'", key=f"prompts.{i}"
            )
        prompts.append(ValidationPrompt(entry["id"], entry["text"]))
    ids = [p.id for p in prompts]
    if len(set(ids)) != len(ids):
        raise ConfigError(source, "prompt ids must be unique", key="prompts")
    return tuple(prompts)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, f"cannot read file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"invalid YAML: {exc}") from None


class _ThresholdEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    types: list[str] = Field(min_length=1)
    max_mean_kl: float = Field(ge=0)
    max_max_kl: float | None = Field(default=None, ge=0)
    min_top_k_agreement: float = Field(ge=0, le=1)
    min_cosine: float | None = Field(default=None, ge=-1, le=1)


class _ThresholdFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(default=DEFAULT_TOP_K, ge=1)
    classes: list[_ThresholdEntry] = Field(min_length=1)


@dataclass(frozen=True)
class QualityThresholds:
    """Limits for one quantization class; None means the figure is reported but not gated."""

    name: str
    types: tuple[str, ...]
    max_mean_kl: float
    min_top_k_agreement: float
    max_max_kl: float | None = None
    min_cosine: float | None = None


@dataclass(frozen=True)
class ThresholdTable:
    """Every quantization class of a thresholds file, and the k of the top-k agreement."""

    source: Path
    top_k: int
    classes: tuple[QualityThresholds, ...]

    def for_type(self, quant_type: str) -> QualityThresholds:
        """The class whose `types` list names `quant_type` (Q8_0, Q4_K_M, ...)."""
        for entry in self.classes:
            if quant_type.upper() in entry.types:
                return entry
        raise ConfigError(
            self.source,
            f"no quality thresholds for quantization type {quant_type!r}; add it to the "
            "'types' of one of the classes",
            key="classes",
        )


def load_thresholds(path: Path | None = None) -> ThresholdTable:
    """The gate thresholds (bundled `data/quality_thresholds.yaml` by default)."""
    source = path or _data_file("quality_thresholds.yaml")
    data = _load_yaml(source)
    try:
        parsed = _ThresholdFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(source, err["msg"], key=".".join(map(str, err["loc"]))) from None
    classes = tuple(
        QualityThresholds(
            name=c.name,
            types=tuple(t.upper() for t in c.types),
            max_mean_kl=c.max_mean_kl,
            min_top_k_agreement=c.min_top_k_agreement,
            max_max_kl=c.max_max_kl,
            min_cosine=c.min_cosine,
        )
        for c in parsed.classes
    )
    seen: dict[str, str] = {}
    for entry in classes:
        for quant_type in entry.types:
            if quant_type in seen:
                raise ConfigError(
                    source,
                    f"type {quant_type} is listed in both {seen[quant_type]!r} and {entry.name!r}",
                    key="classes",
                )
            seen[quant_type] = entry.name
    return ThresholdTable(source=source, top_k=parsed.top_k, classes=classes)


# --- the gate ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateCheck:
    """One threshold applied to one figure."""

    gate: str
    measured: float
    limit: float
    upper_bound: bool
    passed: bool

    def describe(self) -> str:
        op = "<=" if self.upper_bound else ">="
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.gate} = {self.measured:.6g} (limit {op} {self.limit:g}): {verdict}"


def apply_thresholds(
    comparison: LogitComparison, thresholds: QualityThresholds
) -> tuple[GateCheck, ...]:
    """Every gated figure against its limit, in a fixed order (mean KL first)."""
    checks = [
        _check("mean KL", comparison.mean_kl, thresholds.max_mean_kl, upper=True),
        _check(
            f"top-{comparison.top_k} agreement",
            comparison.top_k_agreement,
            thresholds.min_top_k_agreement,
            upper=False,
        ),
    ]
    if thresholds.max_max_kl is not None:
        checks.append(_check("max KL", comparison.max_kl, thresholds.max_max_kl, upper=True))
    if thresholds.min_cosine is not None:
        checks.append(
            _check("logit cosine", comparison.mean_cosine, thresholds.min_cosine, upper=False)
        )
    return tuple(checks)


def _check(gate: str, measured: float, limit: float, *, upper: bool) -> GateCheck:
    passed = measured <= limit if upper else measured >= limit
    return GateCheck(gate, measured, limit, upper, passed)


@dataclass(frozen=True)
class QualityReport:
    """The gate's outcome for one converted model, as written to `<stem>.quality.json`."""

    model: Path
    reference: Path
    quant_type: str
    thresholds: QualityThresholds
    comparison: LogitComparison
    checks: tuple[GateCheck, ...]
    model_sha256: str
    model_size_bytes: int
    created_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[GateCheck, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def error(self) -> QualityGateError:
        """The error for the first failed check (call only when the report failed)."""
        first = self.failures[0]
        return QualityGateError(
            failure_message(
                self.model, self.quant_type, self.thresholds.name, first.gate, first.measured,
                first.limit, upper_bound=first.upper_bound,
            ),
            gate=first.gate,
            measured=first.measured,
            limit=first.limit,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool_version": __version__,
            "created_at": self.created_at,
            "model": str(self.model),
            "model_sha256": self.model_sha256,
            "model_size_bytes": self.model_size_bytes,
            "reference": str(self.reference),
            "quant_type": self.quant_type,
            "threshold_class": self.thresholds.name,
            "thresholds": {
                "max_mean_kl": self.thresholds.max_mean_kl,
                "min_top_k_agreement": self.thresholds.min_top_k_agreement,
                "max_max_kl": self.thresholds.max_max_kl,
                "min_cosine": self.thresholds.min_cosine,
            },
            "metrics": {k: v for k, v in asdict(self.comparison).items() if k != "per_prompt"},
            "per_prompt": [asdict(p) for p in self.comparison.per_prompt],
            "checks": [asdict(c) for c in self.checks],
            "passed": self.passed,
        }


def write_quality_report(report: QualityReport, path: Path | None = None) -> Path:
    """Write the report JSON atomically (next to the model by default)."""
    target = path or quality_report_path(report.model)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        partial.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"{target}: cannot write quality report ({exc.strerror})") from None
    return target


def run_quality_gates(
    models: Sequence[Path],
    reference: Path,
    *,
    thresholds: ThresholdTable | None = None,
    prompts: Sequence[ValidationPrompt] | None = None,
    n_ctx: int = DEFAULT_N_CTX,
    n_threads: int | None = None,
    write_reports: bool = True,
) -> list[QualityReport]:
    """Measure each of `models` against `reference`, apply its class's thresholds, write JSON.

    The reference runs once per prompt however many models are gated. Does not raise when a gate
    fails: the caller decides (the pipeline halts with `report.error()`).
    """
    table = thresholds or load_thresholds()
    headers = [read_gguf_header(model) for model in models]
    limits = []
    for model, header in zip(models, headers, strict=True):
        if header.file_type_name is None:
            raise ModelSpecError(
                f"{model}: GGUF has no general.file_type; cannot choose quality thresholds"
            )
        limits.append(table.for_type(header.file_type_name))
    chosen_prompts = tuple(prompts) if prompts is not None else load_validation_prompts()
    with ExitStack() as stack:
        ref_source = stack.enter_context(LogitSource(reference, n_ctx=n_ctx, n_threads=n_threads))
        candidates = [
            stack.enter_context(LogitSource(model, n_ctx=n_ctx, n_threads=n_threads))
            for model in models
        ]
        comparisons = compare_models(ref_source, candidates, chosen_prompts, top_k=table.top_k)
    reports = []
    for model, header, limit, comparison in zip(
        models, headers, limits, comparisons, strict=True
    ):
        report = QualityReport(
            model=model,
            reference=reference,
            quant_type=str(header.file_type_name),
            thresholds=limit,
            comparison=comparison,
            checks=apply_thresholds(comparison, limit),
            model_sha256=file_sha256(model),
            model_size_bytes=header.file_size_bytes,
        )
        if write_reports:
            write_quality_report(report)
        reports.append(report)
    return reports


def run_quality_gate(
    model: Path,
    reference: Path,
    *,
    thresholds: ThresholdTable | None = None,
    prompts: Sequence[ValidationPrompt] | None = None,
    n_ctx: int = DEFAULT_N_CTX,
    n_threads: int | None = None,
    write_report: bool = True,
) -> QualityReport:
    """`run_quality_gates` for one model."""
    return run_quality_gates(
        [model], reference, thresholds=thresholds, prompts=prompts, n_ctx=n_ctx,
        n_threads=n_threads, write_reports=write_report,
    )[0]
