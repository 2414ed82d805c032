"""Function and class cases by oracle fuzzing: the Python original says what is right.

1. **Types.** The harness target (`corpus.contract.harness_target`): parameter types come from
   annotations, hand-written values, the calls the source shows, or the code; a return type
   nothing determines is filled from the values the oracle returns.
2. **Candidates.** The sources of `function_inputs.INPUT_SOURCES`, in order: the example's own
   calls (`seeds`), edge values, type-aware mutations of the seeds, hypothesis draws.
3. **Oracle.** Every candidate runs in ONE sandboxed Python process per run with a per-input
   time limit; the first run measures line and branch coverage with coverage.py, four more
   (each with its own `TZ`, hash seed and working directory) check the selected inputs for
   determinism. A candidate is kept when all five runs agree and it finished in time; a call
   that raises is dropped (the harness has no "expects panic" form: a translation may panic
   or return an error), and so is a value the Rust types cannot hold (an int outside i64, a
   lone surrogate), a call during which a local variable left i64 (a Rust i64 translation
   overflows there), and a NaN input whose result is text (Python writes `nan`, Rust `NaN`).
4. **Selection.** The seeds (always: they show what the author meant), then greedily the
   candidates that add covered lines or arcs of the target, then
   edge candidates with results not yet seen, drawn ones with unseen results, any edge, up to
   `CASES_PER_BUDGET_UNIT` cases per unit of the budget (a function case is one call in a test
   binary compiled once, not a process run like a program case).

`check_hand_written` runs a record's own cases through the same oracle: a case whose `expected`
disagrees with Python is corrected (judged by what Python does) with a warning naming the record
and case. `prepare_function_example` does both and attaches the cases.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from single_shot_eval.casegen.candidate_sources import select_covering
from single_shot_eval.casegen.case_set import CaseCache, GeneratedCaseSet, function_cases_from_json
from single_shot_eval.casegen.function_inputs import Candidate, InputContext, candidate_inputs
from single_shot_eval.casegen.function_runs import Outcome, run_oracle, target_lines
from single_shot_eval.casegen.function_values import (
    Unrepresentable,
    case_value,
    contains_value,
    is_nan,
    is_str,
    json_key,
    same_value,
)
from single_shot_eval.corpus.contract import (
    ClassSignature,
    FunctionSignature,
    UnsupportedCaseValue,
    UnsupportedSignature,
    check_cases,
    harness_target,
)
from single_shot_eval.corpus.example import (
    CaseDerivation,
    CaseOrigin,
    Example,
    ExampleKind,
    FunctionCase,
)
from single_shot_eval.sandbox import Sandbox

GENERATOR_VERSION = "functions-9"
DEFAULT_BUDGET = 16
CASES_PER_BUDGET_UNIT = 3
"""The budget counts what a program case costs (one process run); a function case is one call
inside a test binary that is compiled once, so a function example keeps this many per unit."""
SELECTION_RUN_S = 8.0
"""The selecting run starts no input after this many seconds: a target that sleeps 0.1 s per
call tries the first ~80 candidates (the program's own values and the edges come first)."""
_CONFIRM_RUNS = (1, 2, 3, 4)



# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class HandWrittenCheck:
    """An example whose hand-written cases were run through the Python oracle: `example`
    carries the cases judged by Python; `warnings` name every case that disagreed."""

    example: Example
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PreparedExample:
    """An example with its hand-written cases checked and generated cases attached."""

    example: Example
    case_set: GeneratedCaseSet
    warnings: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Generation


def _case(candidate: Candidate, outcome: Outcome, is_class: bool) -> FunctionCase:
    inputs = candidate.inputs
    derivation = (CaseDerivation.SEED if candidate.seed
                  else CaseDerivation.SEED_MUTATION if candidate.seed_mutation
                  else CaseDerivation.NONE)
    if is_class:
        constructor_args, calls = inputs
        return FunctionCase((list(constructor_args), [list(call) for call in calls]),
                            case_value(outcome.value), CaseOrigin.GENERATED, derivation)
    return FunctionCase(tuple(inputs), case_value(outcome.value), CaseOrigin.GENERATED,
                        derivation)


def _truncate(candidate: Candidate, outcome: Outcome) -> tuple[Candidate, Outcome] | None:
    """A class call sequence that raised at call k, cut to the k calls before it (None: the
    constructor or the first call raised)."""
    if not outcome.calls:
        return None
    constructor_args, calls = candidate.inputs
    return (replace(candidate, inputs=[constructor_args, calls[: outcome.calls]]),
            replace(outcome, status="ok"))


def _fits(target: FunctionSignature | ClassSignature, case: FunctionCase) -> bool:
    try:
        check_cases(target, [case])
    except (UnsupportedCaseValue, TypeError, ValueError):
        return False
    return True


def _hand_written(example: Example) -> list[FunctionCase]:
    return [case for case in example.function_cases if case.origin is CaseOrigin.HAND_WRITTEN]


def generate_function_cases(
    example: Example, sandbox: Sandbox, *, budget: int = DEFAULT_BUDGET
) -> GeneratedCaseSet:
    """Up to `budget` deterministic, coverage-adding cases for a function or class example
    (see the module docstring). `note` says why none were generated, when none were."""
    if example.kind is not ExampleKind.FUNCTION or example.entry_point is None:
        raise ValueError(f"{example.id}: generate_function_cases needs a function example")
    started = time.perf_counter()
    code, entry = example.python_source, example.entry_point
    hand = _hand_written(example)

    def empty(note: str, candidates: int = 0, dropped_timeout: int = 0) -> GeneratedCaseSet:
        return GeneratedCaseSet(example.id, GENERATOR_VERSION, note=note,
                                seconds=time.perf_counter() - started, candidates=candidates,
                                dropped_timeout=dropped_timeout)

    if example.unjudgeable_reason:
        return empty(f"unjudgeable: {example.unjudgeable_reason}")
    try:
        target = harness_target(code, entry, hand, open_return=True)
    except UnsupportedSignature as exc:
        return empty(f"no harness target: {str(exc).removeprefix('python_code: ')}")
    is_class = isinstance(target, ClassSignature)
    candidates = candidate_inputs(InputContext.of(code, target, hand))
    inputs = [candidate.inputs for candidate in candidates]
    (first,), statements = run_oracle(sandbox, code, target, inputs, runs=(0,), coverage=True,
                                       total_s=SELECTION_RUN_S)
    dropped_timeout = sum(1 for outcome in first if outcome.status in ("timeout", "missing"))
    usable: list[tuple[Candidate, Outcome, FunctionCase]] = []
    for candidate, outcome in zip(candidates, first, strict=True):
        pair = ((candidate, outcome) if outcome.status == "ok" else _truncate(candidate, outcome)
                if outcome.status == "raised" and is_class else None)
        if pair is None:
            continue
        try:
            case = _case(*pair, is_class)
        except Unrepresentable:
            continue
        if contains_value(case.inputs, is_nan) and contains_value(case.expected, is_str):
            continue  # NaN's text: Python writes `nan`, Rust `NaN`; no translation is asked that
        usable.append((*pair, case))
    final = _final_target(code, entry, hand, [case for _, _, case in usable])
    if final is None:
        return empty("the return type cannot be inferred from the oracle's values",
                     len(candidates), dropped_timeout)
    pool = [(c, o, case) for c, o, case in usable if _fits(final, case)]
    # Select on the first run, then confirm the chosen inputs on four more runs (other TZ, hash
    # seed, directory); an input that varies or times out there is replaced, up to 3 rounds.
    confirmed: set[str] = set()
    dropped_nondeterministic = 0
    chosen: list[tuple[Candidate, Outcome, FunctionCase]] = []
    for _round in range(3):
        chosen = _select(pool, budget * CASES_PER_BUDGET_UNIT)
        pending = [item for item in chosen if json_key(item[0].inputs) not in confirmed]
        if not pending:
            break
        again, _ = run_oracle(sandbox, code, target, [item[0].inputs for item in pending],
                               runs=_CONFIRM_RUNS, coverage=False, watch_i64=True)
        for position, item in enumerate(pending):
            repeats = [run[position] for run in again]
            if all(r.status == "ok" and json_key(r.value) == json_key(item[1].value)
                   for r in repeats):
                confirmed.add(json_key(item[0].inputs))
                continue
            pool.remove(item)
            if any(r.status in ("timeout", "missing") for r in repeats):
                dropped_timeout += 1
            elif not any(r.status == "overflow" for r in repeats):
                dropped_nondeterministic += 1
    chosen = [item for item in chosen if json_key(item[0].inputs) in confirmed]
    final_cases = [case for _, _, case in chosen]
    settled = _final_target(code, entry, hand, final_cases)
    if settled is not None and settled != final:  # the kept subset types differently
        final_cases = [case for case in final_cases if _fits(settled, case)]
    measured = set(statements) & target_lines(code, target)
    covered = set().union(*(outcome.lines for _, outcome, _ in chosen)) if chosen else set()
    line_coverage = len(covered & measured) / len(measured) if measured else None
    return GeneratedCaseSet(
        example_id=example.id,
        generator=GENERATOR_VERSION,
        function_cases=tuple(final_cases),
        line_coverage=line_coverage,
        candidates=len(candidates),
        dropped_nondeterministic=dropped_nondeterministic,
        dropped_timeout=dropped_timeout,
        seconds=time.perf_counter() - started,
        note="" if final_cases else "no candidate survived the oracle",
    )


def _final_target(
    code: str, entry: str, hand: list[FunctionCase], generated: list[FunctionCase]
) -> FunctionSignature | ClassSignature | None:
    """The target the verifier will see with these cases; when generated values disagree on
    the return type, the most common type among them decides."""
    try:
        return harness_target(code, entry, [*hand, *generated])
    except UnsupportedSignature:
        pass
    from single_shot_eval.corpus.contract.value_types import type_of_value

    kinds = [json_key(str(type_of_value(case.expected, from_json=True))) for case in generated]
    if not kinds:
        return None
    common = Counter(kinds).most_common(1)[0][0]
    subset = [case for case, kind in zip(generated, kinds, strict=True) if kind == common]
    try:
        return harness_target(code, entry, [*hand, *subset])
    except UnsupportedSignature:
        return None


def _select(
    usable: list[tuple[Candidate, Outcome, FunctionCase]], budget: int
) -> list[tuple[Candidate, Outcome, FunctionCase]]:
    """The example's own inputs (seeds) first, then greedy coverage (lines and arcs), then
    edge candidates with unseen results."""
    chosen, remaining = select_covering(
        usable, budget, always=lambda item: item[0].seed,
        features=lambda item: frozenset({("line", n) for n in item[1].lines}
                                        | {("arc", a) for a in item[1].arcs}))
    seen_results = {json_key(item[2].expected) for item in chosen}
    # Then: edges with a result not seen yet, drawn inputs with one, any edge.
    for want_edge, want_new in ((True, True), (False, True), (True, False)):
        for item in list(remaining):
            if len(chosen) >= budget:
                return chosen
            result = json_key(item[2].expected)
            if item[0].edge == want_edge and (not want_new or result not in seen_results):
                chosen.append(item)
                remaining.remove(item)
                seen_results.add(result)
    return chosen


# ---------------------------------------------------------------------------------------------
# Hand-written truth


def check_hand_written(example: Example, sandbox: Sandbox) -> HandWrittenCheck:
    """Run the example's hand-written cases through the Python oracle (twice). A case whose
    `expected` disagrees with Python is judged by what Python does, with a warning naming the
    record and case; a case Python cannot answer (raises, times out, varies) is dropped, with a
    warning too."""
    hand = _hand_written(example)
    if example.kind is not ExampleKind.FUNCTION or not hand or example.entry_point is None:
        return HandWrittenCheck(example, ())
    code, entry = example.python_source, example.entry_point
    try:
        # The example's own contract when its cases are all hand-written (as loaded).
        if len(hand) == len(example.function_cases) and example.contract is not None:
            target = example.contract
        else:
            target = harness_target(code, entry, hand)
    except UnsupportedSignature:
        return HandWrittenCheck(example, ())
    is_class = isinstance(target, ClassSignature)
    inputs = [list(case.inputs) for case in hand]
    if is_class:
        inputs = [[list(case.inputs[0]), [list(call) for call in case.inputs[1]]]
                  for case in hand]
    runs, _ = run_oracle(sandbox, code, target, inputs, runs=(0, 1), coverage=False)
    checked: list[FunctionCase] = []
    warnings: list[str] = []
    for index, case in enumerate(hand):
        outcomes = [run[index] for run in runs]
        where = f"{example.id}: hand-written case {index} (input {json_key(list(case.inputs))})"
        if any(o.status != "ok" for o in outcomes) or outcomes[0].raw != outcomes[1].raw:
            what = outcomes[0].error or outcomes[0].status
            if outcomes[0].status == "ok":
                what = "different results on repeated runs"
            warnings.append(f"{where}: Python gives no usable answer ({what}); case dropped")
            continue
        try:
            actual = case_value(outcomes[0].value)
        except Unrepresentable as exc:
            warnings.append(f"{where}: Python returns {exc}; case dropped")
            continue
        if same_value(case.expected, actual):
            checked.append(case)
            continue
        corrected = replace(case, expected=actual)
        if not _fits(target, corrected):
            warnings.append(
                f"{where}: expected {json_key(case.expected)} but Python returns "
                f"{json_key(actual)}, which the declared types cannot hold; case dropped"
            )
            continue
        warnings.append(
            f"{where}: expected {json_key(case.expected)} but Python returns "
            f"{json_key(actual)}; judged by what Python does"
        )
        checked.append(corrected)
    others = [case for case in example.function_cases if case.origin is not CaseOrigin.HAND_WRITTEN]
    return HandWrittenCheck(replace(example, function_cases=(*checked, *others)), tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Both, with a cache


def _cache_key(example: Example, budget: int) -> str:
    digest = hashlib.sha256()
    hand = [(list(c.inputs), c.expected) for c in _hand_written(example)]
    for part in (GENERATOR_VERSION, str(budget), example.python_source,
                 example.entry_point or "", json_key(hand), sys.version.split()[0]):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def _to_json(prepared: PreparedExample) -> str:
    return json.dumps({
        "case_set": json.loads(prepared.case_set.to_json()),
        "hand_written": [asdict(case) for case in _hand_written(prepared.example)],
        "warnings": list(prepared.warnings),
        "unjudgeable_reason": prepared.example.unjudgeable_reason,
    }, allow_nan=True, ensure_ascii=False)


def _from_json(example: Example, text: str) -> PreparedExample:
    data = json.loads(text)
    case_set = replace(GeneratedCaseSet.from_json(json.dumps(data["case_set"])),
                       example_id=example.id)
    prepared_example = replace(
        example, function_cases=function_cases_from_json(data["hand_written"])
        + case_set.function_cases, unjudgeable_reason=data["unjudgeable_reason"],
    )
    return PreparedExample(prepared_example, case_set, tuple(data["warnings"]))


def prepare_function_example(
    example: Example,
    sandbox: Sandbox,
    *,
    budget: int = DEFAULT_BUDGET,
    cache: CaseCache | None = None,
    warn: Callable[[str], None] | None = None,
) -> PreparedExample:
    """`example` with its hand-written cases checked by the oracle and its generated cases
    attached (hand-written first). Cached by (program text, entry point, hand-written cases,
    generator version, budget, Python version): JSON round-trips, so a fresh result and a
    cached one are equal. When no case is left, `unjudgeable_reason` says why. `warn`
    receives each hand-written disagreement (also on a cache hit)."""
    key = _cache_key(example, budget)
    prepared = cache.read(key, lambda text: _from_json(example, text)) if cache else None
    if prepared is None:
        check = check_hand_written(example, sandbox)
        case_set = generate_function_cases(check.example, sandbox, budget=budget)
        combined = replace(
            check.example,
            function_cases=check.example.function_cases + case_set.function_cases,
        )
        if not combined.function_cases and combined.unjudgeable_reason is None:
            combined = replace(
                combined, unjudgeable_reason=f"no hand-written case and none generated "
                f"({case_set.note or 'no candidate kept'})",
            )
        text = _to_json(PreparedExample(combined, case_set, check.warnings))
        prepared = _from_json(example, text)  # the same values a cache hit returns
        prepared = replace(prepared, case_set=replace(prepared.case_set, cached=False))
        if cache is not None:
            cache.write(key, text)
    for warning in prepared.warnings:
        (warn or (lambda _text: None))(warning)
    return prepared
