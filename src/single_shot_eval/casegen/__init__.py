"""Generated ground truth: cases derived from a program by oracle fuzzing, cached and reviewable.

A generator (one module per example kind: `programs` for CLI scripts, `functions` for JSONL
function records) derives candidate inputs from the Python source, lets the Python original run
them in the sandbox, keeps the deterministic inputs that add coverage and returns a
`GeneratedCaseSet`. This module holds what the generators share:

* `GeneratedCaseSet`, the typed result (cases plus the coverage they reached and what they cost);
* `CaseCache`, a directory of JSON files keyed by (generator version, program text, support
  files), so the same program gets the same cases without running anything again; a generation
  that the oracle's own failure spoiled (sandbox error) is never stored;
* `with_generated_cases`: a corpus whose examples carry their generated cases after the
  hand-written ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from single_shot_eval.corpus.contract import with_contract
from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseDerivation,
    CaseOrigin,
    Comparison,
    Example,
    ExampleKind,
    FunctionCase,
)

if TYPE_CHECKING:
    from single_shot_eval.corpus.loader import Corpus
    from single_shot_eval.sandbox import Sandbox

DEFAULT_BUDGET = 16
T = TypeVar("T")


@dataclass(frozen=True)
class GeneratedCaseSet:
    """What a generator kept for one example, and how well it covers the Python program.

    `line_coverage`/`branch_coverage` are fractions (0..1) of the program's executable lines and
    branches that the kept cases reach (None: not measured). `candidates` counts the inputs
    tried; `dropped_nondeterministic`/`dropped_timeout` count those refused as ground truth.
    `unjudgeable_reason`: why no case could be kept (every input the program's logic sees gave
    a different output each run): an example with no other check is then unjudgeable.
    """

    example_id: str
    generator: str
    cases: tuple[BehaviourCase, ...] = ()
    function_cases: tuple[FunctionCase, ...] = ()
    line_coverage: float | None = None
    branch_coverage: float | None = None
    candidates: int = 0
    dropped_nondeterministic: int = 0
    dropped_timeout: int = 0
    seconds: float = 0.0
    cached: bool = False
    note: str = ""
    unjudgeable_reason: str | None = None

    @property
    def count(self) -> int:
        return len(self.cases) + len(self.function_cases)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("cached")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GeneratedCaseSet:
        data = json.loads(text)
        data["cases"] = tuple(_case_from_dict(c) for c in data["cases"])
        data["function_cases"] = function_cases_from_json(data["function_cases"])
        return cls(**data, cached=True)


def function_cases_from_json(items: list[dict[str, Any]]) -> tuple[FunctionCase, ...]:
    """Function cases from their JSON form (`dataclasses.asdict` of each, as cached)."""
    return tuple(FunctionCase(tuple(c["inputs"]), c["expected"], CaseOrigin(c["origin"]),
                              CaseDerivation(c.get("derivation", "none"))) for c in items)


def _case_from_dict(data: dict[str, Any]) -> BehaviourCase:
    return BehaviourCase(
        name=data["name"],
        args=tuple(data["args"]),
        stdin=data["stdin"],
        env=tuple((k, v) for k, v in data["env"]),
        files=tuple((k, v) for k, v in data["files"]),
        origin=CaseOrigin(data["origin"]),
        comparison=Comparison(data["comparison"]),
        derivation=CaseDerivation(data.get("derivation", "none")),
    )


class CaseGenerator(Protocol):
    """One generator module's entry point: the cases for `example`, run in `sandbox`."""

    def __call__(self, example: Example, sandbox: Sandbox, *, budget: int) -> GeneratedCaseSet:
        ...


def default_cache_dir() -> Path:
    """`$SINGLE_SHOT_EVAL_CASE_CACHE`, else `$XDG_CACHE_HOME` (or ~/.cache) plus
    `single-shot-eval/cases`."""
    explicit = os.environ.get("SINGLE_SHOT_EVAL_CASE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "single-shot-eval" / "cases"


class CaseCache:
    """Generated case sets on disk, one JSON file per (generator version, program) key."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_dir()

    @staticmethod
    def key(example: Example, generator_version: str, budget: int) -> str:
        digest = hashlib.sha256()
        parts: list[str] = [generator_version, str(budget), example.kind.value,
                            example.script_name, example.python_source,
                            example.entry_point or ""]
        for name, text in example.support_files:
            parts.extend((name, text))
        for part in parts:
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> GeneratedCaseSet | None:
        return self.read(key, GeneratedCaseSet.from_json)

    def put(self, key: str, case_set: GeneratedCaseSet) -> None:
        self.write(key, case_set.to_json())

    def read(self, key: str, parse: Callable[[str], T]) -> T | None:
        """The entry under `key` as `parse` reads it; None when absent or unreadable (then the
        caller generates again)."""
        try:
            return parse(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, key: str, text: str) -> None:
        """Store `text` under `key` atomically."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
            ) as handle:
                handle.write(text)
            os.replace(handle.name, path)
        except OSError:
            pass  # an unwritable cache costs time on the next run, never correctness


# -- generation over a corpus ----------------------------------------------------------------


def _generator_for(kind: ExampleKind) -> tuple[CaseGenerator, str]:
    """The generator function and its version for examples of `kind`."""
    if kind is ExampleKind.PROGRAM:
        from single_shot_eval.casegen import programs

        return programs.generate_program_cases, programs.GENERATOR_VERSION
    from single_shot_eval.casegen import functions

    return functions.generate_function_cases, functions.GENERATOR_VERSION


def _has_generated(example: Example) -> bool:
    return any(c.origin is CaseOrigin.GENERATED for c in example.cases) or any(
        c.origin is CaseOrigin.GENERATED for c in example.function_cases
    )


def generate_cases(
    example: Example,
    sandbox: Sandbox,
    *,
    budget: int = DEFAULT_BUDGET,
    cache: CaseCache | None = None,
) -> GeneratedCaseSet:
    """The generated cases of one example, from `cache` when it has them. Generations spoiled
    by a sandbox failure are not cached."""
    from single_shot_eval.sandbox import SandboxError

    generator, version = _generator_for(example.kind)
    key = CaseCache.key(example, version, budget)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return replace(hit, example_id=example.id)
    started = time.perf_counter()
    try:
        case_set = generator(example, sandbox, budget=budget)
    except SandboxError as exc:
        return GeneratedCaseSet(example.id, version, seconds=time.perf_counter() - started,
                                note=f"sandbox failed: {exc}")
    # An empty set usually means the oracle could not run at all: never remember that as truth
    # (unless the oracle ran and proved the program nondeterministic).
    if cache is not None and (case_set.count or case_set.unjudgeable_reason):
        cache.put(key, case_set)
    return case_set


def with_generated_cases(
    corpus: Corpus,
    *,
    sandbox: Sandbox | None = None,
    budget: int = DEFAULT_BUDGET,
    cache: CaseCache | None = None,
    jobs: int = 1,
    on_example: Callable[[GeneratedCaseSet], None] | None = None,
) -> Corpus:
    """`corpus` with every example's generated cases appended after its hand-written ones.

    Examples that already carry generated cases (a `cases.generated.yaml` loaded with them) are
    left as they are. `jobs` examples are generated at once; `on_example` sees each result.
    """
    from single_shot_eval.sandbox import Sandbox

    box = sandbox if sandbox is not None else Sandbox()
    cache = cache if cache is not None else CaseCache()
    lock = threading.Lock()

    def one(example: Example) -> Example:
        if _has_generated(example) or example.unjudgeable_reason is not None:
            return example
        if example.kind is ExampleKind.FUNCTION:
            return _prepared_function(example)
        case_set = generate_cases(example, box, budget=budget, cache=cache)
        if on_example is not None:
            with lock:
                on_example(case_set)
        return attach_cases(example, case_set)

    def _prepared_function(example: Example) -> Example:
        """Hand-written cases checked by the oracle (a disagreeing `expected` is judged by what
        Python does, with a warning naming the record and case), then generated cases."""
        from single_shot_eval.casegen.functions import prepare_function_example

        prepared = prepare_function_example(
            example, box, budget=budget, cache=cache,
            warn=lambda text: warnings.warn(text, RuntimeWarning, stacklevel=2),
        )
        if on_example is not None:
            with lock:
                on_example(prepared.case_set)
        return with_contract(prepared.example)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        examples = tuple(pool.map(one, corpus.examples))
    return replace(corpus, examples=examples)


def attach_cases(example: Example, case_set: GeneratedCaseSet) -> Example:
    """`example` with `case_set` appended after its own cases (hand-written first); unjudgeable
    with the set's reason when it has one and the example has no check of its own."""
    attached = replace(
        example,
        cases=example.cases + tuple(c for c in case_set.cases if c not in example.cases),
        function_cases=example.function_cases + case_set.function_cases,
    )
    if case_set.unjudgeable_reason is not None and not attached.has_behaviour_check:
        attached = replace(attached, unjudgeable_reason=case_set.unjudgeable_reason)
    return with_contract(attached)


@dataclass(frozen=True)
class CaseCounts:
    """How many hand-written and generated checks judge one example."""

    hand_written: int
    generated: int


def case_counts(examples: Iterable[Example]) -> dict[str, CaseCounts]:
    """Per example id, the hand-written and generated cases (behaviour and function) it has."""
    counts = {}
    for example in examples:
        origins = [c.origin for c in example.cases] + [c.origin for c in example.function_cases]
        generated = origins.count(CaseOrigin.GENERATED)
        counts[example.id] = CaseCounts(len(origins) - generated, generated)
    return counts
