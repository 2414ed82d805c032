"""The typer app every command registers on, and what the commands share: the console and
the `--corpus` option's parsing and loading."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

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


def console_for(quiet: bool = False) -> Console:
    """The console a command prints on (`quiet`: errors only)."""
    return Console(quiet=quiet, highlight=False)


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


def load_corpus_option(
    values: list[Path] | None, *, strict: bool, console: Console | None
) -> Corpus:
    """Load the corpus and, when `console` is given, print what was loaded and skipped."""
    from single_shot_eval.corpus.loader import load_corpus

    corpus = load_corpus(_corpus_paths(values), strict=strict)
    if console is not None and (corpus.skipped or corpus.ignored or values):
        console.print(corpus.loading_summary(), soft_wrap=True)
    return corpus
