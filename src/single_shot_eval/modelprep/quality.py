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
(`<stem>.quality.json`); `check_quality_gate` reads it so that `evaluate` refuses a model that
failed its gate unless the user overrides it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy.special import rel_entr, softmax

from single_shot_eval.errors import ConfigError, ModelSpecError, UserError
from single_shot_eval.modelprep import OVERRIDE_FLAG
from single_shot_eval.modelprep.gguf import read_gguf_header
from single_shot_eval.version import __version__

DEFAULT_TOP_K = 10
DEFAULT_N_CTX = 512
REPORT_SCHEMA_VERSION = 1

FloatArray = npt.NDArray[np.float64]


class QualityGateError(UserError):
    """A converted model failed a quality gate; the message names the gate and the figure."""

    def __init__(self, message: str, *, gate: str = "", measured: float = 0.0, limit: float = 0.0):
        self.gate = gate
        self.measured = measured
        self.limit = limit
        super().__init__(message)


# --- bundled data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationPrompt:
    """One text fed to both models."""

    id: str
    text: str


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


# --- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionMetrics:
    """Per-position figures of one prompt (arrays of equal length)."""

    kl: FloatArray
    top_k_overlap: FloatArray
    top1_match: FloatArray
    cosine: FloatArray


def compare_logits(reference: FloatArray, candidate: FloatArray, top_k: int) -> PositionMetrics:
    """Compare two (positions x vocabulary) logit matrices position by position."""
    if reference.shape != candidate.shape or reference.ndim != 2:
        raise ValueError(f"logit shapes differ: {reference.shape} vs {candidate.shape}")
    ref = reference.astype(np.float64, copy=False)
    cand = candidate.astype(np.float64, copy=False)
    # KL(P || Q) = sum p log(p / q); the clamp removes rounding below zero for equal rows.
    divergence = rel_entr(softmax(ref, axis=1), softmax(cand, axis=1)).sum(axis=1)
    kl: FloatArray = np.maximum(divergence, 0.0)
    k = min(top_k, ref.shape[1])
    top_ref = np.argpartition(-ref, k - 1, axis=1)[:, :k]
    top_cand = np.argpartition(-cand, k - 1, axis=1)[:, :k]
    overlap = (top_ref[:, :, None] == top_cand[:, None, :]).any(axis=2).sum(axis=1) / k
    top1 = (ref.argmax(axis=1) == cand.argmax(axis=1)).astype(np.float64)
    norms = np.linalg.norm(ref, axis=1) * np.linalg.norm(cand, axis=1)
    cosine = (ref * cand).sum(axis=1) / np.where(norms == 0, 1.0, norms)
    return PositionMetrics(kl, overlap.astype(np.float64), top1, cosine)


@dataclass(frozen=True)
class PromptFigures:
    """Summary figures of one validation prompt."""

    prompt_id: str
    tokens: int
    mean_kl: float
    max_kl: float
    top_k_agreement: float


@dataclass(frozen=True)
class LogitComparison:
    """Figures over all positions of all validation prompts."""

    prompts: int
    positions: int
    top_k: int
    mean_kl: float
    max_kl: float
    max_kl_prompt: str
    top_k_agreement: float
    top1_agreement: float
    mean_cosine: float
    min_cosine: float
    per_prompt: tuple[PromptFigures, ...] = ()


def summarize(
    metrics: Sequence[tuple[str, PositionMetrics]], top_k: int
) -> LogitComparison:
    """Pool per-position figures of every prompt into one comparison."""
    if not metrics:
        raise ValueError("no prompt was compared")
    kl = np.concatenate([m.kl for _, m in metrics])
    overlap = np.concatenate([m.top_k_overlap for _, m in metrics])
    top1 = np.concatenate([m.top1_match for _, m in metrics])
    cosine = np.concatenate([m.cosine for _, m in metrics])
    per_prompt = tuple(
        PromptFigures(
            prompt_id=pid,
            tokens=len(m.kl),
            mean_kl=float(m.kl.mean()),
            max_kl=float(m.kl.max()),
            top_k_agreement=float(m.top_k_overlap.mean()),
        )
        for pid, m in metrics
    )
    worst = max(per_prompt, key=lambda p: p.max_kl)
    return LogitComparison(
        prompts=len(metrics),
        positions=len(kl),
        top_k=top_k,
        mean_kl=float(kl.mean()),
        max_kl=float(kl.max()),
        max_kl_prompt=worst.prompt_id,
        top_k_agreement=float(overlap.mean()),
        top1_agreement=float(top1.mean()),
        mean_cosine=float(cosine.mean()),
        min_cosine=float(cosine.min()),
        per_prompt=per_prompt,
    )


def default_threads() -> int:
    """Half the usable cores: llama.cpp's threads spin while they wait for each other, and with
    every core busy (a shared machine, the verifier's rustc jobs) prompt evaluation on all cores
    ran seven times slower than on one in our measurements."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


class LogitSource:
    """A GGUF model loaded with logits for every position (`logits_all=True`)."""

    def __init__(self, path: Path, *, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelSpecError(
                "the quality gate needs llama-cpp-python: pip install 'single-shot-eval[local]'"
            ) from None
        read_gguf_header(path)  # a clear error before llama.cpp sees a broken file
        self.path = path
        threads = n_threads if n_threads is not None else default_threads()
        self.n_ctx = n_ctx
        try:
            self.llama: Any = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_batch=n_ctx,
                logits_all=True,
                n_threads=threads,
                n_threads_batch=threads,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelSpecError(f"{path}: llama.cpp cannot load this model: {exc}") from None

    @property
    def n_vocab(self) -> int:
        return int(self.llama.n_vocab())

    def tokenize(self, text: str) -> list[int]:
        tokens = list(self.llama.tokenize(text.encode("utf-8"), add_bos=True))
        return tokens[: self.n_ctx]

    def logits(self, tokens: Sequence[int]) -> FloatArray:
        """Logits (positions x vocabulary) after each token of `tokens`."""
        self.llama.reset()
        self.llama.eval(list(tokens))
        return np.array(self.llama.scores[: len(tokens)], dtype=np.float64)

    def close(self) -> None:
        close = getattr(self.llama, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> LogitSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def compare_models(
    reference: LogitSource,
    candidates: Sequence[LogitSource],
    prompts: Iterable[ValidationPrompt],
    *,
    top_k: int = DEFAULT_TOP_K,
) -> list[LogitComparison]:
    """Feed every prompt (tokenized by the reference) to the reference once and to each
    candidate, and pool the figures per candidate."""
    for candidate in candidates:
        if reference.n_vocab != candidate.n_vocab:
            raise QualityGateError(
                f"{candidate.path}: vocabulary of {candidate.n_vocab} tokens differs from the "
                f"reference's {reference.n_vocab}; the models cannot be compared",
                gate="vocabulary",
                measured=candidate.n_vocab,
                limit=reference.n_vocab,
            )
    metrics: list[list[tuple[str, PositionMetrics]]] = [[] for _ in candidates]
    for prompt in prompts:
        tokens = reference.tokenize(prompt.text)
        expected = reference.logits(tokens)
        for per_candidate, candidate in zip(metrics, candidates, strict=True):
            per_candidate.append(
                (prompt.id, compare_logits(expected, candidate.logits(tokens), top_k))
            )
    return [summarize(m, top_k) for m in metrics]


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
            _failure_message(self.model, self.quant_type, self.thresholds.name, first),
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


def _failure_message(model: Path, quant_type: str, class_name: str, check: GateCheck) -> str:
    op = ">" if check.upper_bound else "<"
    return (
        f"quality gate '{check.gate}' failed for {model.name} ({quant_type}, {class_name} "
        f"thresholds): {check.gate} = {check.measured:.4g} {op} limit {check.limit:g}"
    )


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


def check_quality_gate(path: Path | str) -> None:
    """Refuse a model whose recorded quality gate failed; raise `QualityGateError` if so.

    A model without `<stem>.quality.json` passes (it was not converted here). A record that
    describes other content (the file was replaced since: its SHA-256 differs) does not apply.
    Call this for every GGUF before evaluating it, unless the user passed
    `--allow-failed-quality-gate`.
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
            failed = GateCheck(
                str(first["gate"]), float(first["measured"]), float(first["limit"]),
                bool(first["upper_bound"]), False,
            )
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
    message = _failure_message(
        model, str(record.get("quant_type")), str(record.get("threshold_class")), failed
    )
    raise QualityGateError(
        f"{message}; recorded in {record_path} (pass {OVERRIDE_FLAG} to evaluate it anyway)",
        gate=failed.gate,
        measured=failed.measured,
        limit=failed.limit,
    )


def gate_model_configs(configs: Iterable[Any]) -> None:
    """`check_quality_gate` for every llama_cpp `ModelConfig` whose `model` is a GGUF path."""
    for config in configs:
        if getattr(config, "backend", None) != "llama_cpp":
            continue
        model = getattr(config, "model", None)
        if isinstance(model, str) and model.endswith(".gguf"):
            check_quality_gate(Path(model))
