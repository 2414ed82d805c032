"""download -> convert -> validate -> evaluate -> report, each stage skippable.

The pipeline halts at the first failed gate (a checksum, a refused file, a broken header, a
quality threshold) with a `PipelineHalt` whose message names the stage, the gate and the figure.
Stages hand each other plain file paths, so any stage can be skipped when its input exists:
skip `download` and give `model`, skip `convert` to validate and evaluate the model as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from single_shot_eval.errors import UserError
from single_shot_eval.modelprep import OVERRIDE_FLAG
from single_shot_eval.modelprep.cache import DEFAULT_SIZE_LIMIT_BYTES, ModelCache
from single_shot_eval.modelprep.convert import (
    ConversionResult,
    default_output_path,
    normalize_quant_type,
    quantize_gguf,
)
from single_shot_eval.modelprep.download import (
    DownloadedFile,
    download_models,
    load_download_spec,
)
from single_shot_eval.modelprep.quality import load_thresholds, load_validation_prompts
from single_shot_eval.modelprep.validate import FileValidation, validate_model_files
from single_shot_eval.models.quality_gate import QualityGateError
from single_shot_eval.models.registry import ModelConfig

STAGES = ("download", "convert", "validate", "evaluate", "report")


class PipelineHalt(UserError):
    """The pipeline stopped at a stage; the message names the stage and the failed gate."""

    def __init__(self, stage: str, cause: UserError) -> None:
        self.stage = stage
        self.cause = cause
        self.gate = getattr(cause, "gate", "")
        super().__init__(f"pipeline halted at stage '{stage}': {cause}")


@dataclass(frozen=True)
class PipelineConfig:
    """What to run. `models_file` feeds `download`; `model` replaces it when download is skipped."""

    output: Path
    models_file: Path | None = None
    model: Path | None = None
    quant_types: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()
    cache_dir: Path | None = None
    cache_size_limit_bytes: int = DEFAULT_SIZE_LIMIT_BYTES
    allow_pickle: bool = False
    thresholds_path: Path | None = None
    prompts_path: Path | None = None
    n_threads: int | None = None
    tasks: str | None = None
    corpus: Path | None = None
    limit: int | None = None
    runs: int | None = None
    seed: int | None = None
    allow_failed_quality_gate: bool = False
    report_formats: tuple[str, ...] = ("json", "md")

    def runs_stage(self, stage: str) -> bool:
        return stage not in self.skip


@dataclass
class PipelineResult:
    """What each stage produced; stages that were skipped leave their fields empty."""

    stages_run: list[str] = field(default_factory=list)
    downloaded: list[DownloadedFile] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    conversions: list[ConversionResult] = field(default_factory=list)
    candidates: list[Path] = field(default_factory=list)
    validations: list[FileValidation] = field(default_factory=list)
    store_path: Path | None = None
    results: dict[str, Any] | None = None


def check_config(config: PipelineConfig) -> None:
    """Reject impossible combinations before any work starts."""
    unknown = sorted(config.skip - set(STAGES))
    if unknown:
        raise UserError(f"--skip: unknown stage {unknown[0]!r} (stages: {', '.join(STAGES)})")
    if config.runs_stage("download"):
        if config.models_file is None:
            raise UserError("the download stage needs --models-file (or --skip download --model)")
    elif config.model is None:
        raise UserError("with --skip download, give the GGUF to start from with --model")
    if config.runs_stage("convert") and not config.quant_types:
        raise UserError("the convert stage needs --types (e.g. Q8_0,Q4_K_M) or --skip convert")


def run_pipeline(
    config: PipelineConfig, *, on_event: Callable[[str], None] | None = None
) -> PipelineResult:
    """Run the stages in order; raise `PipelineHalt` at the first failure."""
    check_config(config)
    say = on_event or (lambda _message: None)
    result = PipelineResult()
    stage = "download"
    try:
        if config.runs_stage("download"):
            _download(config, result, say)
        else:
            assert config.model is not None
            result.sources = [config.model]
        stage = "convert"
        if config.runs_stage("convert"):
            _convert(config, result, say)
        else:
            result.candidates = list(result.sources)
        stage = "validate"
        if config.runs_stage("validate"):
            _validate(config, result, say)
        stage = "evaluate"
        if config.runs_stage("evaluate"):
            _evaluate(config, result, say)
        stage = "report"
        if config.runs_stage("report"):
            _report(config, result, say)
    except PipelineHalt:
        raise
    except UserError as exc:
        raise PipelineHalt(stage, exc) from exc
    return result


def _download(config: PipelineConfig, result: PipelineResult, say: Callable[[str], None]) -> None:
    assert config.models_file is not None
    sources = load_download_spec(config.models_file)
    cache = ModelCache(config.cache_dir, size_limit_bytes=config.cache_size_limit_bytes)
    result.downloaded = download_models(
        sources,
        cache,
        allow_pickle=config.allow_pickle,
        on_file=lambda f: say(
            f"download: {f.repo_id}/{f.filename} {f.size_bytes} bytes, {f.checksum} verified"
            + ("" if f.fetched else " (cached)")
        ),
    )
    result.sources = [f.path for f in result.downloaded if f.kind == "gguf"]
    result.stages_run.append("download")
    if not result.sources and (config.runs_stage("convert") or config.runs_stage("evaluate")):
        raise UserError(
            f"{config.models_file}: no GGUF file was downloaded; convert and evaluate run GGUF "
            "models (skip them to only fetch safetensors)"
        )


def _convert(config: PipelineConfig, result: PipelineResult, say: Callable[[str], None]) -> None:
    types = [normalize_quant_type(t) for t in config.quant_types]
    out_dir = config.output / "models"
    for source in result.sources:
        for quant_type in types:
            target = default_output_path(source, quant_type, out_dir)
            conversion = quantize_gguf(
                source, target, quant_type, threads=config.n_threads, overwrite=True
            )
            result.conversions.append(conversion)
            result.candidates.append(conversion.output)
            say(
                f"convert: {source.name} -> {target.name} "
                f"({conversion.output_header.file_size_bytes} bytes, "
                f"{conversion.duration_s:.1f} s; tensor types "
                + ", ".join(f"{n} x{c}" for n, c in conversion.tensor_types.items())
                + ")"
            )
    result.stages_run.append("convert")


def _validate(config: PipelineConfig, result: PipelineResult, say: Callable[[str], None]) -> None:
    thresholds = load_thresholds(config.thresholds_path)
    prompts = load_validation_prompts(config.prompts_path)
    by_source: dict[Path, list[Path]] = {}
    for conversion in result.conversions:
        by_source.setdefault(conversion.source, []).append(conversion.output)
    converted = {p for paths in by_source.values() for p in paths}
    unconverted = [p for p in result.candidates if p not in converted]
    if unconverted:
        result.validations.extend(validate_model_files(unconverted))
    for source, outputs in by_source.items():
        say(f"validate: quality gate of {len(outputs)} model(s) against {source.name}")
        result.validations.extend(
            validate_model_files(
                outputs,
                reference=source,
                thresholds=thresholds,
                prompts=prompts,
                n_threads=config.n_threads,
            )
        )
    for validation in result.validations:
        report = validation.quality
        if report is None:
            say(f"validate: {validation.path.name}: {validation.format} structure ok")
            continue
        figures = report.comparison
        say(
            f"validate: {validation.path.name} ({report.quant_type}): mean KL "
            f"{figures.mean_kl:.5f}, max KL {figures.max_kl:.4f}, top-{figures.top_k} "
            f"agreement {figures.top_k_agreement:.3f}, cosine {figures.mean_cosine:.5f} -> "
            + ("pass" if report.passed else "FAIL")
        )
    result.stages_run.append("validate")
    for validation in result.validations:
        if validation.quality is not None and not validation.quality.passed:
            if not config.allow_failed_quality_gate:
                raise validation.quality.error()
            say(f"validate: {validation.path.name} failed its gate; continuing ({OVERRIDE_FLAG})")


def _evaluate(config: PipelineConfig, result: PipelineResult, say: Callable[[str], None]) -> None:
    from single_shot_eval.config import load_tasks
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.run.evaluate import RunOptions, evaluate
    from single_shot_eval.verify.toolchain import detect_toolchain

    tasks = load_tasks(config.tasks)
    corpus = load_corpus(config.corpus)
    models = [
        ModelConfig(
            id=candidate.stem,
            backend="llama_cpp",
            model=str(candidate),
            options={} if config.n_threads is None else {"n_threads": config.n_threads},
            # the backend checks each model's recorded quality gate when it loads it
            allow_failed_quality_gate=config.allow_failed_quality_gate,
        )
        for candidate in result.candidates
    ]
    detect_toolchain()
    say(f"evaluate: {len(models)} model(s) on {len(tasks)} task(s)")
    options = RunOptions(output=config.output, runs=config.runs, limit=config.limit,
                         resume=True, seed=config.seed)
    outcome = evaluate(tasks, models, corpus, options)
    if outcome.interrupted:
        raise UserError(
            f"evaluation interrupted; {outcome.completed} samples are stored in "
            f"{outcome.store_path}: run the pipeline again to continue"
        )
    result.store_path = outcome.store_path
    say(f"evaluate: {outcome.completed} samples evaluated, {outcome.skipped} already stored")
    result.stages_run.append("evaluate")


def _report(config: PipelineConfig, result: PipelineResult, say: Callable[[str], None]) -> None:
    from single_shot_eval.report.build import write_reports
    from single_shot_eval.results.store import store_path

    path = result.store_path or store_path(config.output)
    if not path.exists():
        raise UserError(f"{config.output}: no results store to report on (run evaluate first)")
    result.results = write_reports(path, config.output, formats=config.report_formats)
    say(f"report: {', '.join(config.report_formats)} written to {config.output}")
    result.stages_run.append("report")


__all__ = [
    "STAGES",
    "PipelineConfig",
    "PipelineHalt",
    "PipelineResult",
    "QualityGateError",
    "run_pipeline",
]
