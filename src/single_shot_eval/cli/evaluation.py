"""`evaluate` and `report`: run an evaluation into a store, and rebuild reports from one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from single_shot_eval.cli.app import CORPUS_HELP, STRICT_HELP, app, console_for, load_corpus_option
from single_shot_eval.corpus.example import ExampleKind
from single_shot_eval.errors import UserError


@app.command()
def evaluate(
    tasks: Annotated[
        str | None, typer.Option(help="Task YAML file or glob (default: the bundled task).")
    ] = None,
    models: Annotated[
        str,
        typer.Option(
            help="Comma-separated model specs: built-in names (reference, smollm2-135m, "
            "gemma3-270m, mutant), presets (py2many, claude, gemini, depyler, ...), a *.gguf "
            "path or glob, backend:model, or a models YAML."
        ),
    ] = "reference,smollm2-135m",
    baselines: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated model specs evaluated alongside --models and marked as "
            "baselines in every report (e.g. claude,gemini)."
        ),
    ] = None,
    corpus: Annotated[list[Path] | None, typer.Option(help=CORPUS_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    runs: Annotated[
        int | None, typer.Option(min=1, help="Runs per example (default: the task's, 5).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N examples.")] = None,
    kind: Annotated[
        ExampleKind | None,
        typer.Option(help="Use only the examples of this kind (function or program)."),
    ] = None,
    levels: Annotated[
        str | None,
        typer.Option(
            help="Use only the examples at these Py2Rs levels, e.g. 3, 1-3 or 1,4-5 "
            "(before --stratify and --limit)."
        ),
    ] = None,
    stratify: Annotated[
        bool,
        typer.Option(
            "--stratify",
            help="Take --limit's N examples as a stratified sample instead of the first N: "
            "kinds (function, program) in turn, and within a kind each Py2Rs level in turn.",
        ),
    ] = False,
    output: Annotated[
        Path,
        typer.Option(
            help="Output directory for the store and reports, or a results file X.json "
            "(then the store is X.sqlite and the Markdown report X.md beside it)."
        ),
    ] = Path("results"),
    resume: Annotated[
        bool, typer.Option(help="Continue the evaluation stored in --output.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option(help="Sampling seed (default: the task's inference.seed).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not reuse cached responses or verdicts.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="Print nothing but errors.")] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the results JSON to stdout.")
    ] = False,
    executor: Annotated[
        str | None, typer.Option(help="Where work runs: local (default) or ray.")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="With --executor ray: auto, ray://HOST:PORT, or local."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Concurrent verifications (default: the cores).")
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(min=0, help="Retries of units lost with a worker (default 2).")
    ] = None,
    allow_failed_quality_gate: Annotated[
        bool,
        typer.Option(
            "--allow-failed-quality-gate",
            help="Evaluate GGUF models even if their recorded quality gate failed.",
        ),
    ] = False,
    no_controls: Annotated[
        bool,
        typer.Option(
            "--no-controls",
            help="Do not check each example's reference.rs (must pass) and mutant.rs (must "
            "fail) first; by default examples whose controls fail are left out.",
        ),
    ] = False,
    generated_cases: Annotated[
        bool,
        typer.Option(
            "--generated-cases/--no-generated-cases",
            help="Judge programs also by cases generated from the Python original (cached).",
        ),
    ] = True,
    repair_turns: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="After a failing answer, give the model feedback (the task's repair.feedback: "
            "compiler, tests or both) and let it answer again, up to N times; reports add "
            "repair@1..N (default: the task's repair.turns, 0: one shot).",
        ),
    ] = None,
) -> None:
    """Evaluate models on tasks over a corpus; store every sample and write reports."""
    from single_shot_eval.config import load_tasks
    from single_shot_eval.models.registry import resolve_model_specs
    from single_shot_eval.report.build import write_reports
    from single_shot_eval.run.evaluate import RunOptions
    from single_shot_eval.run.evaluate import evaluate as run_evaluation
    from single_shot_eval.run.progress import EvaluationProgress
    from single_shot_eval.verify.toolchain import detect_toolchain

    console = console_for(quiet or json_output)
    warnings_console = Console(stderr=True, highlight=False)
    task_configs = load_tasks(tasks)
    loaded = load_corpus_option(corpus, strict=strict, console=console)
    if kind is not None or levels is not None:
        loaded = loaded.select(kind=kind, levels=parse_levels(levels) if levels else None)
        if not loaded.examples:
            raise UserError("--kind/--levels: no example of the corpus is selected")
    if stratify:
        loaded = loaded.stratified()
    model_configs = resolve_model_specs(models)
    baseline_ids: list[str] = []
    if baselines:
        baseline_configs = resolve_model_specs(baselines)
        baseline_ids = [c.id for c in baseline_configs]
        clash = sorted(set(baseline_ids) & {c.id for c in model_configs})
        if clash:
            raise UserError(f"--baselines: {clash[0]!r} is also given in --models")
        model_configs += baseline_configs
    out_dir, store_output, file_names = _evaluate_output(output)
    detect_toolchain()
    if generated_cases:
        from single_shot_eval.casegen import with_generated_cases

        samples = max((t.evaluation.samples or 0 for t in task_configs), default=0)
        loaded = loaded.limit(limit or samples or None)
        console.print(f"generating behaviour cases for {len(loaded)} examples (cached) ...")
        loaded = with_generated_cases(loaded)
    options = RunOptions(
        output=store_output, runs=runs, limit=limit, resume=resume, seed=seed,
        use_cache=not no_cache, executor=executor, ray_address=ray_address, workers=workers,
        max_retries=max_retries, allow_failed_quality_gate=allow_failed_quality_gate,
        controls=not no_controls, baselines=tuple(baseline_ids), repair_turns=repair_turns,
    )
    progress = EvaluationProgress(console, enabled=not (quiet or json_output))
    with progress:
        outcome = run_evaluation(
            task_configs, model_configs, loaded, options,
            on_sample=progress.advance, on_plan=progress.start,
            on_warning=lambda line: warnings_console.print(f"warning: {line}", markup=False),
        )
    if outcome.interrupted:
        console.print(
            f"[yellow]interrupted[/]: {outcome.completed} new samples are stored in "
            f"{outcome.store_path}; continue with the same command plus --resume"
        )
        raise typer.Exit(130)
    results = write_reports(
        outcome.store_path, out_dir, formats=("json", "md"), console=console,
        file_names=file_names,
    )
    console.print(
        f"{outcome.completed} samples evaluated, {outcome.skipped} already stored; "
        f"{outcome.model_calls} model calls, {outcome.cache_hits} cached responses"
    )
    if outcome.repair_turns:
        console.print(f"{outcome.repair_turns} repair turns stored")
    if outcome.retries or outcome.lost_units:
        console.print(
            f"[yellow]{outcome.retries} units retried after a worker was lost or the harness "
            f"failed; {outcome.lost_units} stored as harness_error (not counted against any "
            "model; rerun with --resume to redo them)[/]"
        )
    reports = [out_dir / file_names.get(f, default) for f, default in _DEFAULT_REPORTS]
    console.print(f"store: {outcome.store_path}   reports: {reports[0]}, {reports[1]}")
    if json_output:
        sys.stdout.write(json.dumps(results, indent=2, sort_keys=True) + "\n")


_DEFAULT_REPORTS = (("json", "results.json"), ("md", "report.md"))


def _evaluate_output(output: Path) -> tuple[Path, Path, dict[str, str]]:
    """(report directory, store location, report file names) for `evaluate --output`.

    A directory gets `results.sqlite`, `results.json` and `report.md`; `X.json` (the original
    tool's form) names the results file itself, with `X.sqlite` and `X.md` beside it."""
    if output.suffix.lower() == ".json" and not output.is_dir():
        names = {"json": output.name, "md": output.with_suffix(".md").name}
        return output.parent, output.with_suffix(".sqlite"), names
    return output, output, {}


@app.command()
def report(
    input: Annotated[
        Path,
        typer.Option(
            "--input", help="Results directory, store file, or the X.json that evaluate wrote."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            help="Directory for the reports (default: next to the store), or one report file "
            "whose suffix names its format: .md, .html, .json or .csv."
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Comma-separated: md, json, csv, html.")
    ] = "md,json",
    quiet: Annotated[bool, typer.Option(help="Do not print the summary table.")] = False,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Contestant the value scores are relative to "
            "(default: the most accurate paid contestant).",
        ),
    ] = None,
    quality: Annotated[
        bool,
        typer.Option(
            "--quality/--no-quality",
            help="Show the Rust quality of passing answers (the clippy and rustfmt findings "
            "the run stored).",
        ),
    ] = True,
) -> None:
    """Rebuild every report from the store alone (no model is called)."""
    from single_shot_eval.report.build import FORMAT_BY_SUFFIX, format_for_file, write_reports
    from single_shot_eval.results.store import store_path

    path = store_path(input)
    if input.suffix.lower() == ".json" and not input.is_dir():
        path = input.with_suffix(".sqlite")  # `evaluate --output X.json` keeps X.sqlite
    if not path.exists():
        raise UserError(f"{input}: no results store found (expected {path})")
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    out_dir = output if output is not None else path.parent
    file_names: dict[str, str] = {}
    if output is not None and output.suffix.lower() in FORMAT_BY_SUFFIX and not output.is_dir():
        wanted = format_for_file(output)
        formats, out_dir, file_names = (wanted,), output.parent, {wanted: output.name}
    write_reports(
        path, out_dir, formats=formats, console=console_for(quiet), baseline=baseline,
        file_names=file_names, quality=quality,
    )


def parse_levels(text: str) -> frozenset[int]:
    """Py2Rs levels written as `3`, `1-3` or `1,4-5`; a UserError names what is wrong."""
    chosen: set[int] = set()
    for part in text.split(","):
        label = part.strip()
        low, _, high = label.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise UserError(f"--levels: {label!r} is not a level or a range like 1-3") from None
        if not 1 <= first <= last <= 10:
            raise UserError(f"--levels: {label!r} is not within 1-10 in increasing order")
        chosen.update(range(first, last + 1))
    return frozenset(chosen)
