"""Commands that read a corpus: `corpus-stats`, `cases` (generated behaviour cases) and
`levels` (the Py2Rs classification; `benchmark` is the seed tool's name for it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from single_shot_eval.cli.app import CORPUS_HELP, STRICT_HELP, app, console_for, load_corpus_option


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

    console = console_for()
    corpus = load_corpus_option(path, strict=strict, console=None if json_output else console)
    if generated_cases:
        from single_shot_eval.casegen import with_generated_cases

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
    budget: Annotated[int, typer.Option(min=1, help="Most cases kept per example.")] = 16,
    jobs: Annotated[int, typer.Option(min=1, help="Examples generated at once.")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N examples.")] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Case cache (default: ~/.cache/single-shot-eval/cases).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Generate behaviour cases by oracle fuzzing of each Python original; write them as
    reviewable cases.generated.yaml files and print cases, coverage and seconds per example."""
    from single_shot_eval.cli.cases import run_cases_command
    from single_shot_eval.corpus.loader import load_corpus

    run_cases_command(
        load_corpus(corpus).limit(limit), output=output, budget=budget, jobs=jobs,
        cache_dir=cache_dir, console=console_for(json_output), json_output=json_output,
    )


@app.command("levels")
def levels(
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help=CORPUS_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    verbose: Annotated[bool, typer.Option(help="Show each example's level and reasons.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Classify a corpus on the Py2Rs 10-level scale (from the Python AST); `benchmark` is the
    same command under the seed tool's name."""
    from single_shot_eval.corpus.classify import classify_example
    from single_shot_eval.report.benchmark_view import benchmark_json, render_benchmark

    loaded = load_corpus_option(corpus, strict=strict, console=None)
    results = [classify_example(e) for e in loaded]
    if json_output:
        sys.stdout.write(json.dumps(benchmark_json(results), indent=2) + "\n")
    else:
        render_benchmark(console_for(), results, verbose=verbose)


app.command("benchmark", help="The `levels` command under the seed tool's name.")(levels)
