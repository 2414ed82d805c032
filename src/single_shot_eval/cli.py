"""Command-line interface: one function per subcommand, wiring only.

Every `UserError` (bad input, missing toolchain, unusable store) becomes one line on stderr and
exit code 2; nothing already stored is lost.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from single_shot_eval import __version__
from single_shot_eval.errors import UserError

app = typer.Typer(
    name="single-shot-eval",
    help="Measure how well language models translate Python to Rust in one shot, and at what "
    "price. Every answer is compiled by rustc and run against the Python original.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(quiet: bool = False) -> Console:
    return Console(quiet=quiet, highlight=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"single-shot-eval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """single-shot-eval: one-shot Python-to-Rust translation, verified for real."""


@app.command()
def evaluate(
    tasks: Annotated[
        str | None, typer.Option(help="Task YAML file or glob (default: the bundled task).")
    ] = None,
    models: Annotated[
        str,
        typer.Option(
            help="Comma-separated model specs: built-in names (reference, smollm2-135m, mutant), "
            "a *.gguf path or glob, backend:model, or a models YAML."
        ),
    ] = "reference,smollm2-135m",
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus directory or JSONL (default: bundled corpus).")
    ] = None,
    runs: Annotated[
        int | None, typer.Option(min=1, help="Runs per example (default: the task's, 5).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N examples.")] = None,
    output: Annotated[
        Path, typer.Option(help="Output directory for the store and reports.")
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
    generated_cases: Annotated[
        bool,
        typer.Option(
            "--generated-cases/--no-generated-cases",
            help="Judge programs also by cases generated from the Python original (cached).",
        ),
    ] = True,
) -> None:
    """Evaluate models on tasks over a corpus; store every sample and write reports."""
    from single_shot_eval.config import load_tasks
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.models.registry import resolve_model_specs
    from single_shot_eval.report.build import write_reports
    from single_shot_eval.report.progress import EvaluationProgress
    from single_shot_eval.run.evaluate import evaluate as run_evaluation
    from single_shot_eval.verify.toolchain import detect_toolchain

    console = _console(quiet or json_output)
    task_configs = load_tasks(tasks)
    loaded = load_corpus(corpus)
    model_configs = resolve_model_specs(models)
    detect_toolchain()
    if generated_cases:
        from single_shot_eval.corpus.casegen import with_generated_cases

        samples = max((t.evaluation.samples or 0 for t in task_configs), default=0)
        loaded = loaded.limit(limit or samples or None)
        console.print(f"generating behaviour cases for {len(loaded)} examples (cached) ...")
        loaded = with_generated_cases(loaded)
    progress = EvaluationProgress(console, enabled=not (quiet or json_output))
    with progress:
        outcome = run_evaluation(
            task_configs,
            model_configs,
            loaded,
            output=output,
            runs=runs,
            limit=limit,
            resume=resume,
            seed=seed,
            use_cache=not no_cache,
            on_sample=progress.advance,
            on_plan=progress.start,
            executor=executor,
            ray_address=ray_address,
            workers=workers,
            max_retries=max_retries,
            allow_failed_quality_gate=allow_failed_quality_gate,
        )
    if outcome.interrupted:
        console.print(
            f"[yellow]interrupted[/]: {outcome.completed} new samples are stored in "
            f"{outcome.store_path}; continue with the same command plus --resume"
        )
        raise typer.Exit(130)
    results = write_reports(outcome.store_path, output, formats=("json", "md"), console=console)
    console.print(
        f"{outcome.completed} samples evaluated, {outcome.skipped} already stored; "
        f"{outcome.model_calls} model calls, {outcome.cache_hits} cached responses"
    )
    if outcome.retries or outcome.lost_units:
        console.print(
            f"[yellow]{outcome.retries} units retried after a worker was lost; "
            f"{outcome.lost_units} stored as failed (rerun with --resume to redo them)[/]"
        )
    console.print(
        f"store: {outcome.store_path}   reports: {output}/results.json, {output}/report.md"
    )
    if json_output:
        sys.stdout.write(json.dumps(results, indent=2, sort_keys=True) + "\n")


@app.command()
def report(
    input: Annotated[Path, typer.Option("--input", help="Results directory or store file.")],
    output: Annotated[
        Path | None, typer.Option(help="Where to write reports (default: next to the store).")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Comma-separated: md, json, csv, html.")
    ] = "md,json",
    quiet: Annotated[bool, typer.Option(help="Do not print the summary table.")] = False,
) -> None:
    """Rebuild every report from the store alone (no model is called)."""
    from single_shot_eval.report.build import write_reports
    from single_shot_eval.run.store import store_path

    path = store_path(input)
    if not path.exists():
        raise UserError(f"{input}: no results store found (expected {path})")
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    out_dir = output if output is not None else path.parent
    write_reports(path, out_dir, formats=formats, console=_console(quiet))


@app.command("corpus-stats")
def corpus_stats(
    path: Annotated[
        Path | None, typer.Option("--path", "--corpus", help="Corpus (default: bundled).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show corpus statistics: examples, checks, files, lines, level distribution."""
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.corpus.stats import corpus_statistics, render_corpus_statistics

    stats = corpus_statistics(load_corpus(path))
    if json_output:
        sys.stdout.write(json.dumps(stats.to_dict(), indent=2) + "\n")
    else:
        render_corpus_statistics(_console(), stats)


@app.command("cases")
def cases_command(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", "--path", help="Corpus (default: bundled).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write OUTPUT/<example>/cases.generated.yaml (default: beside each "
                     "example's script)."),
    ] = None,
    budget: Annotated[int, typer.Option(min=1, help="Most cases kept per example.")] = 12,
    jobs: Annotated[int, typer.Option(min=1, help="Examples generated at once.")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N examples.")] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Case cache (default: ~/.cache/single-shot-eval/cases).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Generate behaviour cases by oracle fuzzing of each Python original; write them as
    reviewable cases.generated.yaml files and print cases, coverage and seconds per example."""
    from single_shot_eval.corpus.casegen.command import run_cases_command
    from single_shot_eval.corpus.loader import load_corpus

    run_cases_command(
        load_corpus(corpus).limit(limit), output=output, budget=budget, jobs=jobs,
        cache_dir=cache_dir, console=_console(json_output), json_output=json_output,
    )


@app.command()
def benchmark(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Corpus (default: bundled).")
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show each example's level and reasons.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Classify a corpus with the Py2Rs 10-level benchmark (from the Python AST)."""
    from single_shot_eval.corpus.levels import classify_example
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.report.benchmark_view import benchmark_json, render_benchmark

    results = [classify_example(e) for e in load_corpus(corpus)]
    if json_output:
        sys.stdout.write(json.dumps(benchmark_json(results), indent=2) + "\n")
    else:
        render_benchmark(_console(), results, verbose=verbose)


@app.command()
def verify(
    source: Annotated[Path, typer.Option("--source", help="Rust source file to verify.")],
    tests: Annotated[
        Path | None, typer.Option(help="Rust test file compiled with the source (rustc --test).")
    ] = None,
    example: Annotated[
        Path | None, typer.Option(help="Example folder whose checks to run.")
    ] = None,
    python: Annotated[
        Path | None, typer.Option(help="Python original to compare behaviour against.")
    ] = None,
    cases: Annotated[Path | None, typer.Option(help="cases.yaml for --python.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    generated_cases: Annotated[
        bool,
        typer.Option(
            "--generated-cases/--no-generated-cases",
            help="With --example: also the cases generated from the Python original.",
        ),
    ] = True,
) -> None:
    """Verify one Rust file: compile, run tests, compare behaviour; exit 1 on failure."""
    from single_shot_eval.verify.cli_support import run_verify_command

    passed = run_verify_command(
        source=source, tests=tests, example=example, python=python, cases=cases,
        console=_console(), json_output=json_output, generated_cases=generated_cases,
    )
    if not passed:
        raise typer.Exit(1)


def _register_stage_commands() -> None:
    """Commands whose implementation lives with their stage (models, pipeline)."""
    from single_shot_eval.models.listing import models_command
    from single_shot_eval.pipeline.commands import (
        convert_command,
        download_command,
        pipeline_command,
        validate_command,
    )

    app.command(name="models", help="List configured models and what this machine can run.")(
        models_command
    )
    app.command(name="download")(download_command)
    app.command(name="convert")(convert_command)
    app.command(name="validate")(validate_command)
    app.command(name="pipeline")(pipeline_command)


_register_stage_commands()


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C: stored samples stay stored and the run can be resumed."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors become one line and exit code 2."""
    _interrupt_on_sigterm()
    try:
        return app(args=argv, standalone_mode=False)
    except UserError as exc:
        message = str(exc).replace("\n", " ")
        sys.stderr.write(f"error: {message}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        os._exit(0)
    except Exception as exc:
        # Usage errors from typer's click (vendored or not): print them as click would.
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise
