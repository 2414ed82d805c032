"""Commands that judge Rust: `verify` (one file), `check` (the controls) and `rejudge` (a
store with today's verifier)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from single_shot_eval.cli.app import STRICT_HELP, app, console_for
from single_shot_eval.errors import UserError


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
        render_controls(console_for(), report)
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
    generated_cases: Annotated[
        bool | None,
        typer.Option(
            "--generated-cases/--no-generated-cases",
            help="Judge also by the cases generated from each Python original (default: as the "
            "store was judged, by the case counts it records).",
        ),
    ] = None,
    lint_only: Annotated[bool, typer.Option(
        "--lint-only", help="Only lint the passing answers again (clippy, rustfmt) and store "
        "the findings the reports show; no verdict changes.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-verify every stored answer with today's verifier (no model is called), keep the old
    verdicts beside the new ones, lint the passing answers again, and print what changed per
    model."""
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.results.store import ResultStore, store_path
    from single_shot_eval.run.rejudge import rejudge as run_rejudge
    from single_shot_eval.run.rejudge import render_rejudge

    path = store_path(input)
    if not path.exists():
        raise UserError(f"{input}: no results store found (expected {path})")
    with ResultStore(path, create=False) as store:
        provenance = store.provenance()
    if corpus is None and provenance.corpus and Path(provenance.corpus).exists():
        corpus = Path(provenance.corpus)
    if generated_cases is None:  # judge as the evaluation did: with generated cases if it had any
        generated_cases = any(generated for _, generated in (provenance.case_counts or {}).values())
    loaded = load_corpus(corpus)
    if generated_cases and not lint_only:
        from single_shot_eval.casegen import with_generated_cases

        loaded = with_generated_cases(loaded)
    outcome = run_rejudge(path, loaded, output=output, workers=workers, lint_only=lint_only)
    if json_output:
        sys.stdout.write(json.dumps(outcome.to_json(), indent=2, sort_keys=True) + "\n")
    else:
        console = console_for()
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
    from single_shot_eval.cli.verify_file import run_verify_command

    passed = run_verify_command(
        source=source, tests=tests, example=example, python=python, cases=cases,
        console=console_for(), json_output=json_output, strict=strict,
        generated_cases=generated_cases,
    )
    if not passed:
        raise typer.Exit(1)
