"""Py2Rs 10-level classification of a corpus, from each program's Python AST.

    python examples/benchmark.py [CORPUS] [--verbose]

CORPUS is a corpus directory or JSONL file (default: the bundled corpus). The demo prints the
ten levels with their difficulty and weight, each example's level and difficulty with the
constructs that decide it, and the corpus's level distribution.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from single_shot_eval.corpus.levels import LEVELS, ClassifiedExample, classify_example
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.errors import UserError
from single_shot_eval.report.benchmark_view import render_benchmark

RULE = "─" * 64


def print_levels() -> None:
    print("Py2Rs Benchmark Levels:")
    print(RULE)
    for level in LEVELS:
        print(f"  L{level.number:>2} {level.name:<20} [{level.difficulty.value}] "
              f"weight: {level.weight:.1f}")


def print_examples(results: list[ClassifiedExample]) -> None:
    print("Example Classification:")
    print(RULE)
    width = min(32, max((len(r.example_id) for r in results), default=8))
    for result in results:
        level = result.report.level
        deciding = result.report.deciding_reasons[:2]
        why = "; ".join(f"{r.construct} (line {r.line})" for r in deciding)
        print(f"  {result.example_id:<{width}} L{level.number:<2} {level.name:<16} "
              f"Difficulty: {level.difficulty.value:<8} {why}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", nargs="?", type=Path,
                        help="corpus directory or JSONL (default: the bundled corpus)")
    parser.add_argument("--verbose", action="store_true",
                        help="also list every construct found in each example")
    args = parser.parse_args(argv)
    try:
        corpus = load_corpus(args.corpus)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results = [classify_example(example) for example in corpus]
    print("=== Py2Rs 10-Level Benchmark Demo ===")
    print(f"Corpus: {corpus.source} ({len(results)} examples)")
    print()
    print_levels()
    print()
    print_examples(results)
    print()
    render_benchmark(Console(highlight=False), results, verbose=args.verbose)
    print()
    print("✅ Benchmark demo complete!")
    return 0


if __name__ == "__main__":
    sys.exit(main())
