"""Corpus statistics for `corpus-stats`: what a corpus holds and how hard it is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from rich.console import Console
from rich.table import Table

from single_shot_eval.corpus.example import CaseOrigin, Example, ExampleKind
from single_shot_eval.corpus.levels import LEVELS
from single_shot_eval.corpus.loader import Corpus

# How many generated cases exist for an example beyond those attached to it (e.g. read from the
# case cache): a function of the example, or a mapping from example id (missing ids: 0).
GeneratedCaseCounts = Callable[[Example], int] | Mapping[str, int]


@dataclass(frozen=True)
class SkipRecord:
    """A folder or file left out of the corpus, as shown in the statistics."""

    path: str
    reason: str


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
    judgeable: int
    hand_written_cases: int
    generated_cases: int
    with_support_files: int
    skipped: tuple[SkipRecord, ...] = ()
    ignored: tuple[SkipRecord, ...] = ()
    # Examples declared unjudgeable (e.g. no deterministic input), as `{path: id, reason}`.
    unjudgeable: tuple[SkipRecord, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the counts above, `cases: {hand_written, generated}`, and `skipped` /
        `ignored` as lists of `{path, reason}`."""
        data = asdict(self)
        data["level_counts"] = {str(k): v for k, v in sorted(self.level_counts.items())}
        data["cases"] = {
            "hand_written": data.pop("hand_written_cases"),
            "generated": data.pop("generated_cases"),
        }
        return data


def _generated_counter(generated: GeneratedCaseCounts | None) -> Callable[[Example], int]:
    if generated is None:
        return lambda example: 0
    if isinstance(generated, Mapping):
        table = generated
        return lambda example: table.get(example.id, 0)
    return generated


def _attached(example: Example, origin: CaseOrigin) -> int:
    return sum(c.origin is origin for c in example.cases) + sum(
        c.origin is origin for c in example.function_cases
    )


def is_judgeable(example: Example, generated_cases: int = 0) -> bool:
    """True when a translation of `example` can be checked beyond compiling: hand-written cases,
    function cases, a pytest file that runs the script, Rust tests, or generated cases; and
    nothing has declared it unjudgeable."""
    if example.unjudgeable_reason is not None:
        return False
    return example.has_behaviour_check or generated_cases > 0


def corpus_statistics(
    corpus: Corpus, generated: GeneratedCaseCounts | None = None
) -> CorpusStatistics:
    """Count examples, checks, cases, files, lines and levels.

    `generated` supplies the number of generated cases available for each example beyond those
    already attached to it (none when omitted); they count towards `judgeable`.
    """
    extra_generated = _generated_counter(generated)
    generated_by_id = {
        e.id: _attached(e, CaseOrigin.GENERATED) + extra_generated(e) for e in corpus
    }
    files: set[str] = set()
    for e in corpus:
        if e.source_path is not None:
            files.add(str(e.source_path))
            if e.kind is ExampleKind.PROGRAM:
                folder = e.source_path.parent
                files.update(str(p) for p in folder.iterdir() if p.is_file())
    levels = Counter(e.level for e in corpus)
    return CorpusStatistics(
        source=", ".join(str(p) for p in corpus.sources) or str(corpus.source),
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
        compile_only=sum(not is_judgeable(e, generated_by_id[e.id]) for e in corpus),
        files=len(files),
        python_lines=sum(len(e.python_source.splitlines()) for e in corpus),
        level_counts={lvl.number: levels.get(lvl.number, 0) for lvl in LEVELS},
        judgeable=sum(is_judgeable(e, generated_by_id[e.id]) for e in corpus),
        hand_written_cases=sum(_attached(e, CaseOrigin.HAND_WRITTEN) for e in corpus),
        generated_cases=sum(generated_by_id.values()),
        with_support_files=sum(bool(e.support_files) for e in corpus),
        skipped=tuple(SkipRecord(corpus.display_path(s.path), s.reason) for s in corpus.skipped),
        ignored=tuple(SkipRecord(corpus.display_path(s.path), s.reason) for s in corpus.ignored),
        unjudgeable=tuple(SkipRecord(e.id, e.unjudgeable_reason) for e in corpus
                          if e.unjudgeable_reason is not None),
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
        ("judgeable", stats.judgeable),
        ("cases: hand-written / generated",
         f"{stats.hand_written_cases} / {stats.generated_cases}"),
        ("with sibling modules", stats.with_support_files),
        ("folders skipped", len(stats.skipped)),
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
