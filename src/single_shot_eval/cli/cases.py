"""The body of the `cases` command (see `cli.corpus`): generate every example's cases with
`casegen`, write the YAML files, print a summary."""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from single_shot_eval.casegen import (
    CaseCache,
    GeneratedCaseSet,
    with_generated_cases,
)
from single_shot_eval.corpus.example import CaseOrigin
from single_shot_eval.corpus.generated_cases_file import (
    generated_cases_path,
    write_generated_cases,
)
from single_shot_eval.corpus.loader import Corpus


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def run_cases_command(
    corpus: Corpus,
    *,
    output: Path | None,
    budget: int,
    jobs: int,
    cache_dir: Path | None,
    console: Console,
    json_output: bool,
) -> list[GeneratedCaseSet]:
    """Generate, write and report the cases of every example of `corpus`."""
    results: list[GeneratedCaseSet] = []
    by_id = {example.id: example for example in corpus}
    started = time.perf_counter()

    def report(case_set: GeneratedCaseSet) -> None:
        results.append(case_set)
        path = generated_cases_path(by_id[case_set.example_id], output)
        if path is not None and case_set.count:
            try:
                write_generated_cases(path, case_set)
            except OSError as exc:
                console.print(f"[yellow]{escape(str(path))}: not written ({exc.strerror}); "
                              "pass --output DIR[/]")
        source = "cached" if case_set.cached else f"{case_set.seconds:.1f} s"
        note = f"  [yellow]{escape(case_set.note)}[/]" if case_set.note.startswith("sandbox") \
            else ""
        console.print(
            f"{escape(case_set.example_id)}: {case_set.count} cases, line coverage "
            f"{_percent(case_set.line_coverage)}, branch {_percent(case_set.branch_coverage)}, "
            f"{source}{note}"
        )

    # Generate afresh (from the cache) even where a reviewed file was loaded with the corpus.
    corpus = replace(corpus, examples=tuple(
        replace(e, cases=tuple(c for c in e.cases if c.origin is CaseOrigin.HAND_WRITTEN))
        for e in corpus))
    with_generated_cases(corpus, budget=budget, cache=CaseCache(cache_dir), jobs=jobs,
                         on_example=report)
    elapsed = time.perf_counter() - started
    coverages = [r.line_coverage for r in results if r.line_coverage is not None]
    fresh = [r.seconds for r in results if not r.cached]
    console.print(
        f"{len(results)} examples, {sum(r.count for r in results)} cases; median line coverage "
        f"{_percent(statistics.median(coverages)) if coverages else 'n/a'}; "
        f"{len(results) - len(fresh)} cached; median generation "
        f"{statistics.median(fresh) if fresh else 0:.1f} s; {elapsed:.1f} s in all"
    )
    if json_output:
        document = {
            "examples": [
                {"id": r.example_id, "cases": r.count, "line_coverage": r.line_coverage,
                 "branch_coverage": r.branch_coverage, "seconds": round(r.seconds, 3),
                 "cached": r.cached, "candidates": r.candidates,
                 "dropped_nondeterministic": r.dropped_nondeterministic,
                 "dropped_timeout": r.dropped_timeout}
                for r in sorted(results, key=lambda r: r.example_id)
            ],
            "seconds": round(elapsed, 3),
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return results
