"""Command-line interface: one function per subcommand, wiring only.

Every `UserError` (bad input, missing toolchain, unusable store) becomes one line on stderr and
exit code 2; any other exception (a bug of this tool) becomes one `internal error` line naming a
file that holds its traceback, and exit code 70. Either way nothing already stored is lost.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from single_shot_eval import __version__
from single_shot_eval.errors import UserError

if TYPE_CHECKING:
    from single_shot_eval.corpus.loader import Corpus

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


CORPUS_HELP = (
    "Corpus: a repository root, an examples/ folder, one example folder or script, or a JSONL "
    "file; repeat the option or separate paths with commas to mix several (default: bundled)."
)
STRICT_HELP = "Fail (exit 2) on the first corpus folder that cannot be used instead of skipping it."


def _corpus_paths(values: list[Path] | None) -> list[Path] | None:
    """The corpus paths given: every repetition of the option, each split on commas (a path
    that exists with a comma in its name is kept whole)."""
    if not values:
        return None
    paths: list[Path] = []
    for value in values:
        if value.exists() or "," not in str(value):
            paths.append(value)
        else:
            paths.extend(Path(part.strip()) for part in str(value).split(",") if part.strip())
    return paths


def _load_corpus(values: list[Path] | None, *, strict: bool, console: Console | None) -> Corpus:
    """Load the corpus and, when `console` is given, print what was loaded and skipped."""
    from single_shot_eval.corpus.loader import load_corpus

    corpus = load_corpus(_corpus_paths(values), strict=strict)
    if console is not None and (corpus.skipped or corpus.ignored or values):
        console.print(corpus.loading_summary(), soft_wrap=True)
    return corpus


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
    from single_shot_eval.report.progress import EvaluationProgress
    from single_shot_eval.run.evaluate import evaluate as run_evaluation
    from single_shot_eval.verify.toolchain import detect_toolchain

    console = _console(quiet or json_output)
    warnings_console = Console(stderr=True, highlight=False)
    task_configs = load_tasks(tasks)
    loaded = _load_corpus(corpus, strict=strict, console=console)
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
            output=store_output,
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
            controls=not no_controls,
            on_warning=lambda line: warnings_console.print(f"warning: {line}", markup=False),
            baselines=baseline_ids,
            repair_turns=repair_turns,
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
) -> None:
    """Rebuild every report from the store alone (no model is called)."""
    from single_shot_eval.report.build import FORMAT_BY_SUFFIX, format_for_file, write_reports
    from single_shot_eval.run.store import store_path

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
        path, out_dir, formats=formats, console=_console(quiet), baseline=baseline,
        file_names=file_names,
    )


@app.command("corpus-stats")
def corpus_stats(
    path: Annotated[
        list[Path] | None, typer.Option("--path", "--corpus", help=CORPUS_HELP)
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    generated_cases: Annotated[
        bool,
        typer.Option(
            "--generated-cases/--no-generated-cases",
            help="Count the cases generated from each Python original (generated now where the "
            "cache has none: a few seconds per example, cached thereafter).",
        ),
    ] = True,
    jobs: Annotated[int, typer.Option(min=1, help="Examples generated at once.")] = 2,
) -> None:
    """Show corpus statistics: examples, judgeable examples, cases (hand-written and generated),
    skipped folders, files, lines, level distribution."""
    from single_shot_eval.corpus.stats import corpus_statistics, render_corpus_statistics

    console = _console()
    corpus = _load_corpus(path, strict=strict, console=None if json_output else console)
    if generated_cases:
        from single_shot_eval.corpus.casegen import with_generated_cases

        corpus = with_generated_cases(corpus, jobs=jobs)
    stats = corpus_statistics(corpus)
    if json_output:
        sys.stdout.write(json.dumps(stats.to_dict(), indent=2) + "\n")
    else:
        render_corpus_statistics(console, stats)


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
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help=CORPUS_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    verbose: Annotated[bool, typer.Option(help="Show each example's level and reasons.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Classify a corpus with the Py2Rs 10-level benchmark (from the Python AST)."""
    from single_shot_eval.corpus.levels import classify_example
    from single_shot_eval.report.benchmark_view import benchmark_json, render_benchmark

    loaded = _load_corpus(corpus, strict=strict, console=None)
    results = [classify_example(e) for e in loaded]
    if json_output:
        sys.stdout.write(json.dumps(benchmark_json(results), indent=2) + "\n")
    else:
        render_benchmark(_console(), results, verbose=verbose)


@app.command()
def check(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Corpus (default: bundled).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Concurrent verifications (default: the cores).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every example's controls: reference.rs must pass and mutant.rs must fail.

    Prints a table (example, reference verdict, mutant verdict, status); exit code 0 when every
    example with controls behaves, 1 when some example is broken (it would be left out of an
    evaluation), 2 on bad input.
    """
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.run.controls import check_controls, controls_to_json, render_controls
    from single_shot_eval.verify.verifier import Verifier

    loaded = load_corpus(corpus)
    report = check_controls(loaded.examples, Verifier(), workers=workers)
    if json_output:
        sys.stdout.write(json.dumps(controls_to_json(report.examples), indent=2) + "\n")
    else:
        render_controls(_console(), report)
    if not report.all_good:
        raise typer.Exit(1)


@app.command()
def rejudge(
    input: Annotated[Path, typer.Option("--input", help="Results directory or store file.")],
    corpus: Annotated[
        Path | None,
        typer.Option(help="Corpus the samples came from (default: the one the store records, "
                     "else the bundled corpus)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write the re-judged store to this directory and leave --input as it "
                     "is (default: re-judge --input in place; old verdicts are kept)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Concurrent verifications (default: the cores).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-verify every stored answer with today's verifier (no model is called), keep the old
    verdicts beside the new ones, and print what changed per model."""
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.run.rejudge import rejudge as run_rejudge
    from single_shot_eval.run.rejudge import render_rejudge
    from single_shot_eval.run.store import ResultStore, store_path

    path = store_path(input)
    if not path.exists():
        raise UserError(f"{input}: no results store found (expected {path})")
    if corpus is None:
        with ResultStore(path, create=False) as store:
            recorded = store.get_meta("corpus")
        if recorded and Path(recorded).exists():
            corpus = Path(recorded)
    outcome = run_rejudge(path, load_corpus(corpus), output=output, workers=workers)
    if json_output:
        sys.stdout.write(json.dumps(outcome.to_json(), indent=2, sort_keys=True) + "\n")
    else:
        console = _console()
        for line in render_rejudge(outcome):
            console.print(line, markup=False)


@app.command()
def verify(
    source: Annotated[Path, typer.Option("--source", help="Rust source file to verify.")],
    tests: Annotated[
        Path | None, typer.Option(help="Rust test file compiled with the source (rustc --test).")
    ] = None,
    example: Annotated[
        Path | None,
        typer.Option(help="Example folder (or one script of a multi-script folder) whose checks "
                     "to run."),
    ] = None,
    python: Annotated[
        Path | None, typer.Option(help="Python original to compare behaviour against.")
    ] = None,
    cases: Annotated[Path | None, typer.Option(help="cases.yaml for --python.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
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
        console=_console(), json_output=json_output, strict=strict,
        generated_cases=generated_cases,
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


EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): the tool itself failed


def _report_internal_error(exc: BaseException, argv: list[str]) -> None:
    """One line on stderr for an unexpected exception; its traceback goes to a file."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    message = " ".join(str(exc).split())[:500]
    headline = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    try:
        fd, name = tempfile.mkstemp(prefix="single-shot-eval-traceback-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"single-shot-eval {__version__}\nargv: {argv!r}\n\n{text}")
        saved = f"traceback saved to {name}"
    except OSError as write_error:
        saved = f"traceback could not be saved ({write_error.strerror})"
    line = f"internal error: {headline}; {saved}"
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    if command == "evaluate":
        line += "; stored samples are kept, rerun with --resume"
    sys.stderr.write(line + "\n")


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors become one line and exit code 2; unexpected
    exceptions one `internal error` line (traceback saved to a file) and exit code 70."""
    _interrupt_on_sigterm()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=args, standalone_mode=False)
        # outside standalone mode click returns a command's `typer.Exit` code instead of
        # exiting; `python -m single_shot_eval` must exit with it as the console script does
        if isinstance(result, int) and result != 0:
            sys.exit(result)
        return result
    except UserError as exc:
        message = str(exc).replace("\n", " ")
        sys.stderr.write(f"error: {message}\n")
        sys.exit(EXIT_USER_ERROR)
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
        _report_internal_error(exc, args)
        sys.exit(EXIT_INTERNAL_ERROR)
