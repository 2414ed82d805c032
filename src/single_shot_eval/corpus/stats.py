"""Corpus statistics for `corpus-stats`: what a corpus holds and how hard it is."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from rich.console import Console
from rich.table import Table

from single_shot_eval.corpus.example import ExampleKind
from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.corpus.loader import Corpus


@dataclass(frozen=True)
class CorpusStatistics:
    """Counts over a loaded corpus."""

    source: str
    examples: int
    programs: int
    functions: int
    with_behaviour_cases: int
    behaviour_cases: int
    with_function_tests: int
    function_test_cases: int
    with_pytest: int
    with_reference: int
    with_mutant: int
    compile_only: int
    files: int
    python_lines: int
    level_counts: dict[int, int]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["level_counts"] = {str(k): v for k, v in sorted(self.level_counts.items())}
        return data


def corpus_statistics(corpus: Corpus) -> CorpusStatistics:
    """Count examples, checks, files, lines and levels."""
    files: set[str] = set()
    for e in corpus:
        if e.source_path is not None:
            files.add(str(e.source_path))
            if e.kind is ExampleKind.PROGRAM:
                folder = e.source_path.parent
                files.update(str(p) for p in folder.iterdir() if p.is_file())
    levels = Counter(e.level for e in corpus)
    return CorpusStatistics(
        source=str(corpus.source),
        examples=len(corpus),
        programs=sum(e.kind is ExampleKind.PROGRAM for e in corpus),
        functions=sum(e.kind is ExampleKind.FUNCTION for e in corpus),
        with_behaviour_cases=sum(bool(e.cases) for e in corpus),
        behaviour_cases=sum(len(e.cases) for e in corpus),
        with_function_tests=sum(bool(e.function_cases) for e in corpus),
        function_test_cases=sum(len(e.function_cases) for e in corpus),
        with_pytest=sum(e.pytest_path is not None for e in corpus),
        with_reference=sum(e.reference_rust is not None for e in corpus),
        with_mutant=sum(e.mutant_rust is not None for e in corpus),
        compile_only=sum(not e.has_behaviour_check for e in corpus),
        files=len(files),
        python_lines=sum(len(e.python_source.splitlines()) for e in corpus),
        level_counts={lvl.number: levels.get(lvl.number, 0) for lvl in LEVELS},
    )


def render_corpus_statistics(console: Console, stats: CorpusStatistics) -> None:
    """Print the statistics as two rich tables."""
    table = Table(title=f"Corpus: {stats.source}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("examples", stats.examples),
        ("  CLI programs", stats.programs),
        ("  functions", stats.functions),
        ("with behaviour cases", f"{stats.with_behaviour_cases} ({stats.behaviour_cases} cases)"),
        ("with function tests",
         f"{stats.with_function_tests} ({stats.function_test_cases} cases)"),
        ("with a pytest suite", stats.with_pytest),
        ("with reference.rs", stats.with_reference),
        ("with mutant.rs", stats.with_mutant),
        ("compile-only (no behavioural check)", stats.compile_only),
        ("files", stats.files),
        ("Python lines", stats.python_lines),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    levels = Table(title="Py2Rs level distribution", title_justify="left")
    levels.add_column("level")
    levels.add_column("name")
    levels.add_column("examples", justify="right")
    levels.add_column("share", justify="right")
    for lvl in LEVELS:
        n = stats.level_counts.get(lvl.number, 0)
        share = f"{100 * n / stats.examples:.0f}%" if stats.examples else "-"
        levels.add_row(f"L{lvl.number}", lvl.name, str(n), share)
    console.print(levels)
