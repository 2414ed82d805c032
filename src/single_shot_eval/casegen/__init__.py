"""Generated ground truth: cases derived from a program by oracle fuzzing, cached and reviewable.

A generator (one module per example kind: `programs` for CLI scripts, `functions` for JSONL
function records) proposes inputs from its `CaseSource` list, lets the Python original run them
in the sandbox, keeps the deterministic inputs that add coverage and returns a
`GeneratedCaseSet` (`case_set`, with the `CaseCache` that keeps it). This module runs the
generators over a corpus: `with_generated_cases` gives every example its generated cases after
the hand-written ones.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from single_shot_eval.casegen.case_set import CaseCache, GeneratedCaseSet, default_cache_dir
from single_shot_eval.corpus.contract import with_contract
from single_shot_eval.corpus.example import CaseOrigin, Example, ExampleKind

if TYPE_CHECKING:
    from single_shot_eval.corpus.loader import Corpus
    from single_shot_eval.sandbox import Sandbox

__all__ = ["DEFAULT_BUDGET", "CaseCache", "CaseCounts", "CaseGenerator", "GeneratedCaseSet",
           "attach_cases", "case_counts", "default_cache_dir", "generate_cases",
           "with_generated_cases"]

DEFAULT_BUDGET = 16


class CaseGenerator(Protocol):
    """One generator module's entry point: the cases for `example`, run in `sandbox`."""

    def __call__(self, example: Example, sandbox: Sandbox, *, budget: int) -> GeneratedCaseSet:
        ...


# -- generation over a corpus ----------------------------------------------------------------


def _generator_for(kind: ExampleKind) -> tuple[CaseGenerator, str]:
    """The generator function and its version for examples of `kind`."""
    if kind is ExampleKind.PROGRAM:
        from single_shot_eval.casegen import programs

        return programs.generate_program_cases, programs.GENERATOR_VERSION
    from single_shot_eval.casegen import functions

    return functions.generate_function_cases, functions.GENERATOR_VERSION


def _has_generated(example: Example) -> bool:
    origins = [c.origin for c in example.cases] + [c.origin for c in example.function_cases]
    return CaseOrigin.GENERATED in origins


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
