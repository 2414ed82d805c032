"""Typer command functions for `download`, `convert`, `validate` and `pipeline`.

Register them in the CLI with `app.command("download")(download_command)` and so on. Failures
raise `UserError` subclasses (one line, exit code 2 in `cli.main`); nothing calls `sys.exit`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from single_shot_eval.modelprep import OVERRIDE_FLAG
from single_shot_eval.modelprep.cache import DEFAULT_SIZE_LIMIT_BYTES, ModelCache, parse_size

_DEFAULT_LIMIT_TEXT = f"{DEFAULT_SIZE_LIMIT_BYTES // 1000**3}GB"

CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Model cache directory (default: $SINGLE_SHOT_EVAL_MODEL_CACHE or "
        "~/.cache/single-shot-eval/models).",
    ),
]
CacheLimitOption = Annotated[
    str,
    typer.Option(
        "--cache-size-limit",
        help="Evict least-recently-used unpinned files beyond this size (10GB, 500MB, 2GiB).",
    ),
]
PickleOption = Annotated[
    bool,
    typer.Option(
        "--unsafe-allow-pickle",
        help="Allow pickle-based files (.bin .pt .pth .pkl .ckpt): loading them can run code.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")]
ThreadsOption = Annotated[
    int | None, typer.Option("--threads", min=1, help="CPU threads for llama.cpp.")
]


def _console(quiet: bool = False) -> Console:
    return Console(quiet=quiet, highlight=False, stderr=False)


def _write_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def download_command(
    models_file: Annotated[
        Path,
        typer.Option(
            "--models-file",
            help="YAML: models: [{repo_id, revision, files: [globs], format: gguf|safetensors}].",
        ),
    ],
    cache_dir: CacheDirOption = None,
    cache_size_limit: CacheLimitOption = _DEFAULT_LIMIT_TEXT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be fetched; fetch nothing.")
    ] = False,
    unsafe_allow_pickle: PickleOption = False,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Download models from a hub (HF_ENDPOINT, HF_HUB_OFFLINE, HF_TOKEN apply), verified by
    SHA-256, into a size-limited LRU cache."""
    from single_shot_eval.modelprep.download import (
        download_models,
        load_download_spec,
        plan_downloads,
    )

    console = _console(quiet or json_output)
    sources = load_download_spec(models_file)
    cache = ModelCache(cache_dir, size_limit_bytes=parse_size(cache_size_limit))
    plan = plan_downloads(sources, cache, allow_pickle=unsafe_allow_pickle)
    if dry_run:
        table = Table(title=f"would fetch {plan.bytes_to_fetch} bytes into {cache.root}")
        for column in ("repo", "commit", "file", "kind", "bytes", "status"):
            table.add_column(column)
        for f in plan.files:
            status = f"REFUSED: {f.refusal}" if f.refusal else ("cached" if f.cached else "fetch")
            table.add_row(
                f.source.repo_id, f.commit[:12], f.remote.filename, f.kind,
                str(f.remote.size_bytes or "?"), status,
            )
        console.print(table)
        if json_output:
            _write_json(
                [
                    {
                        "repo_id": f.source.repo_id, "commit": f.commit,
                        "filename": f.remote.filename, "kind": f.kind,
                        "size_bytes": f.remote.size_bytes, "sha256": f.remote.sha256,
                        "cached": f.cached, "refusal": f.refusal,
                    }
                    for f in plan.files
                ]
            )
        plan.raise_for_refusals()
        return
    done = download_models(
        sources,
        cache,
        allow_pickle=unsafe_allow_pickle,
        plan=plan,
        on_file=lambda f: console.print(
            f"{'fetched' if f.fetched else 'cached '} {f.repo_id}/{f.filename} "
            f"({f.size_bytes} bytes, {f.checksum} ok) -> {f.path}"
        ),
    )
    console.print(
        f"{len(done)} files verified; cache holds {cache.total_bytes()} of "
        f"{cache.size_limit_bytes} bytes"
    )
    if json_output:
        _write_json(
            [
                {
                    "repo_id": f.repo_id, "commit": f.commit, "filename": f.filename,
                    "path": str(f.path), "size_bytes": f.size_bytes, "sha256": f.sha256,
                    "fetched": f.fetched,
                }
                for f in done
            ]
        )


def convert_command(
    input: Annotated[Path, typer.Option("--input", help="GGUF model to quantize.")],
    quant_type: Annotated[
        str, typer.Option("--type", help="Target type: Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, Q2_K...")
    ],
    output: Annotated[
        Path | None,
        typer.Option(help="Output GGUF (default: next to the input, named by the type)."),
    ] = None,
    threads: ThreadsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output.")] = False,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Quantize a GGUF with llama.cpp's quantizer; input and output headers are checked."""
    from single_shot_eval.modelprep.convert import (
        default_output_path,
        normalize_quant_type,
        quantize_gguf,
    )

    console = _console(quiet or json_output)
    kind = normalize_quant_type(quant_type)
    target = output or default_output_path(input, kind)
    result = quantize_gguf(input, target, kind, threads=threads, overwrite=force)
    console.print(
        f"{result.source_header.file_type_name} -> {kind}: {target} "
        f"({result.output_header.file_size_bytes} bytes, {result.size_ratio:.2f}x the input, "
        f"{result.duration_s:.1f} s)"
    )
    types = ", ".join(f"{name} x{count}" for name, count in result.tensor_types.items())
    console.print(f"tensor types: {types}")
    if result.requantized:
        console.print(
            "[yellow]note[/]: the input was already quantized; errors compound. Gate it with "
            f"`validate --input {target} --reference {input}`"
        )
    if json_output:
        _write_json(result.summary())


def validate_command(
    inputs: Annotated[
        list[Path], typer.Option("--input", help="Model file to check (repeatable).")
    ],
    reference: Annotated[
        Path | None,
        typer.Option(help="Original GGUF: also run the logit quality gate against it."),
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Quality thresholds YAML (default: bundled).")
    ] = None,
    prompts: Annotated[
        Path | None, typer.Option(help="Validation prompts YAML (default: bundled).")
    ] = None,
    threads: ThreadsOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Check magic bytes and structure of GGUF/safetensors files; with --reference, run the
    quality gate (KL divergence, top-10 agreement, logit cosine) and record the verdict."""
    from single_shot_eval.modelprep.quality import load_thresholds, load_validation_prompts
    from single_shot_eval.modelprep.validate import validate_model_files

    console = _console(quiet or json_output)
    results = validate_model_files(
        inputs,
        reference=reference,
        thresholds=load_thresholds(thresholds) if reference is not None else None,
        prompts=load_validation_prompts(prompts) if reference is not None else None,
        n_threads=threads,
    )
    for r in results:
        figures = ", ".join(f"{k} {v}" for k, v in r.summary.items() if k != "format")
        console.print(f"{r.path}: {r.format} ok ({figures})")
        if r.quality is not None:
            for check in r.quality.checks:
                console.print(f"  {check.describe()}")
    if json_output:
        _write_json([r.to_json() for r in results])
    failed = [r for r in results if r.quality is not None and not r.quality.passed]
    if failed:
        assert failed[0].quality is not None
        raise failed[0].quality.error()


def pipeline_command(
    models_file: Annotated[
        Path | None, typer.Option("--models-file", help="Download YAML (download stage).")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="GGUF to start from when download is skipped.")
    ] = None,
    types: Annotated[
        str, typer.Option("--types", help="Comma-separated quantization types to convert to.")
    ] = "",
    output: Annotated[Path, typer.Option(help="Output directory.")] = Path("results/pipeline"),
    skip: Annotated[
        str,
        typer.Option(help="Comma-separated stages to skip: download, convert, validate, "
                     "evaluate, report."),
    ] = "",
    tasks: Annotated[str | None, typer.Option(help="Task YAML file or glob.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Corpus directory or JSONL.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N examples.")] = None,
    runs: Annotated[int | None, typer.Option(min=1, help="Runs per example.")] = None,
    allow_failed_quality_gate: Annotated[
        bool,
        typer.Option(OVERRIDE_FLAG, help="Evaluate models even if they failed their quality gate."),
    ] = False,
    unsafe_allow_pickle: PickleOption = False,
    cache_dir: CacheDirOption = None,
    cache_size_limit: CacheLimitOption = _DEFAULT_LIMIT_TEXT,
    thresholds: Annotated[
        Path | None, typer.Option(help="Quality thresholds YAML (default: bundled).")
    ] = None,
    prompts: Annotated[
        Path | None, typer.Option(help="Validation prompts YAML (default: bundled).")
    ] = None,
    threads: ThreadsOption = None,
    quiet: QuietOption = False,
) -> None:
    """download -> convert -> validate -> evaluate -> report; halts at the first failed gate."""
    from single_shot_eval.modelprep.pipeline import PipelineConfig, run_pipeline

    console = _console(quiet)
    config = PipelineConfig(
        output=output,
        models_file=models_file,
        model=model,
        quant_types=tuple(t.strip() for t in types.split(",") if t.strip()),
        skip=frozenset(s.strip() for s in skip.split(",") if s.strip()),
        cache_dir=cache_dir,
        cache_size_limit_bytes=parse_size(cache_size_limit),
        allow_pickle=unsafe_allow_pickle,
        thresholds_path=thresholds,
        prompts_path=prompts,
        n_threads=threads,
        tasks=tasks,
        corpus=corpus,
        limit=limit,
        runs=runs,
        allow_failed_quality_gate=allow_failed_quality_gate,
    )
    result = run_pipeline(config, on_event=lambda line: console.print(line, markup=False))
    console.print(f"pipeline done: {', '.join(result.stages_run) or 'no stage run'}")

