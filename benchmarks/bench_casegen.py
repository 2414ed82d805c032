"""Benchmark: generated behaviour cases on a folder of CLI examples (coverage, time, cache,
reproduction).

Run: ``.venv/bin/python benchmarks/bench_casegen.py EXAMPLES_DIR [--sample N] [--jobs 2]``.

EXAMPLES_DIR is anything `--corpus` accepts (a repository root, an `examples/` folder, ...): its
CLI program examples are loaded (folders that cannot be used are counted and skipped); `--sample
N` takes N of them evenly spread over the sorted list; `--json PATH` writes the per-example
figures. Cases
are generated into a fresh cache directory and the script prints, per example and in all: cases
kept, Python line and branch coverage, generation seconds; then the same generation again from
the cache (seconds in all); then every kept case is run three times more on the Python original
the way the verifier runs it (`python3 script ARGS` in a fresh folder of its own, with its files
and stdin) and compared: a case reproduces when all three runs give the same stdout and exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_case_reproducibility import REPEATS, reproduces

from single_shot_eval.casegen import (
    DEFAULT_BUDGET,
    CaseCache,
    GeneratedCaseSet,
    with_generated_cases,
)
from single_shot_eval.corpus.example import ExampleKind
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.sandbox import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("examples", type=Path)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET)
    parser.add_argument("--json", type=Path, default=None, dest="json_path")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the generated cases in this (empty) cache directory, e.g. "
                        "for corpus-stats or bench_case_reproducibility afterwards")
    args = parser.parse_args()

    full = load_corpus(args.examples)
    loaded = [e for e in full.examples if e.kind is ExampleKind.PROGRAM]
    skipped = len(full.skipped)
    if args.sample is not None and args.sample < len(loaded):
        step = len(loaded) / args.sample
        loaded = [loaded[int(i * step)] for i in range(args.sample)]
    corpus = Corpus(args.examples, tuple(loaded))
    print(f"{len(loaded)} program examples ({skipped} folders skipped)")

    sandbox = Sandbox()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sse-case-cache-") as scratch:
        cache = CaseCache(args.cache if args.cache is not None else Path(scratch))
        results: list[GeneratedCaseSet] = []

        def show(case_set: GeneratedCaseSet) -> None:
            results.append(case_set)
            line = "n/a" if case_set.line_coverage is None else f"{case_set.line_coverage:.0%}"
            print(f"  {case_set.example_id}: {case_set.count} cases, line {line}, "
                  f"{case_set.seconds:.1f} s {case_set.note}", flush=True)

        started = time.perf_counter()
        generated = with_generated_cases(corpus, sandbox=sandbox, budget=args.budget,
                                         cache=cache, jobs=args.jobs, on_example=show)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        cached = []
        with_generated_cases(corpus, sandbox=sandbox, budget=args.budget, cache=cache,
                             jobs=args.jobs, on_example=cached.append)
        cached_s = time.perf_counter() - started

    coverages = [r.line_coverage for r in results if r.line_coverage is not None]
    branches = [r.branch_coverage for r in results if r.branch_coverage is not None]
    seconds = [r.seconds for r in results]
    print(f"generation: {len(results)} examples, {sum(r.count for r in results)} cases, "
          f"{sum(1 for r in results if not r.count)} without any case")
    print(f"median line coverage {statistics.median(coverages):.1%} "
          f"(mean {statistics.mean(coverages):.1%}, >= 80% for "
          f"{sum(c >= 0.8 for c in coverages)}/{len(coverages)}); median branch coverage "
          f"{statistics.median(branches):.1%}")
    print(f"median generation {statistics.median(seconds):.2f} s per example "
          f"(p90 {sorted(seconds)[int(0.9 * (len(seconds) - 1))]:.2f} s, max {max(seconds):.2f}"
          f" s); {first_s:.1f} s in all with {args.jobs} jobs; load average before/after "
          f"{load_before:.1f}/{os.getloadavg()[0]:.1f}")
    print(f"cached re-run: {cached_s:.2f} s in all, {sum(r.cached for r in cached)}/"
          f"{len(cached)} from the cache")
    agreeing = total = 0
    flaky: list[str] = []
    for example in generated.examples:
        ok, n = reproduces(example, sandbox)
        agreeing += ok
        total += n
        if ok != n:
            flaky.append(f"{example.id} ({n - ok} of {n})")
    print(f"reproduction: {agreeing}/{total} cases give the same stdout and exit code "
          f"{REPEATS} times out of {REPEATS}" + (f"; not: {', '.join(flaky)}" if flaky else ""))
    if args.json_path is not None:
        args.json_path.write_text(json.dumps([
            {"id": r.example_id, "cases": r.count, "line_coverage": r.line_coverage,
             "branch_coverage": r.branch_coverage, "seconds": round(r.seconds, 3),
             "candidates": r.candidates, "dropped_nondeterministic": r.dropped_nondeterministic,
             "dropped_timeout": r.dropped_timeout, "note": r.note}
            for r in sorted(results, key=lambda r: r.example_id)], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
