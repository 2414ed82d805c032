"""Benchmark: mutation score of generated behaviour cases against hand-written ones.

Run: ``.venv/bin/python benchmarks/bench_mutation.py [--limit N] [--workers 2]
[--corpus PATH] [--wrong-dir DIR]``.

Mutants are generated mechanically from every bundled reference translation (the programs'
`programs/*/reference.rs` and the function records' `reference_rust`): comparisons
flipped (`<` to `>=`, `==` to `!=`, ...), integer constants moved by ±1, arithmetic operators
swapped (`+`/`-`, `*`/`/`, `%` to `/`) and single statements dropped; only operators written with
spaces around them are touched, never inside string or char literals or comments. Each mutant is
verified twice with the project's `Verifier`:

* hand-written checks alone (the example as bundled: `cases.yaml`, its pytest file), and
* generated cases alone (the example's `cases` replaced by its generated ones, no pytest; for a
  function record, its `function_cases` replaced by cases generated with the hand-written ones
  removed, no Rust tests);

a mutant that does not compile is not counted, and one that compiles with the hand-written
checks but not with the generated cases (the signature resolved from the code alone differs) is
not counted as killed by them. Prints how many mutants each set kills, the ratio
"killed by generated / killed by hand-written, among those the hand-written kill" (target >= 90%),
the mutants only the generated cases kill, and the references' own failures on their generated
cases (false failures, target 0). Figures are printed for programs, functions and both.

With ``--corpus PATH`` another corpus (a JSONL file or an examples folder, anything `load_corpus`
reads) is judged instead of the bundled one: its own cases are then the hand-written checks, and
the generated cases are still made from the code alone. This measures how the generated cases do
on a corpus they were never tuned on. ``--wrong-dir DIR`` adds deliberately wrong translations,
one per file named ``<example id>__<anything>.rs``: each is judged like a mutant (hand-written
checks alone, generated cases alone) and reported separately, with the ones each set misses. A
wrong translation that does not compile is not counted; a file naming no judged reference stops
the run.

Generated cases that compare the exit code only (argparse usage errors, `--help`) or that need
input files need the verifier's support for `Comparison.EXIT_CODE` and `BehaviourCase.files`;
when the verifier in this tree lacks it, those cases are left out and the script says so.
"""

from __future__ import annotations

import argparse
import inspect
import random
import re
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.casegen import DEFAULT_BUDGET, CaseCache, with_generated_cases
from single_shot_eval.corpus.contract import with_contract
from single_shot_eval.corpus.example import CaseOrigin, Comparison, Example, ExampleKind
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.errors import ConfigError
from single_shot_eval.results.records import Verdict
from single_shot_eval.verify import behaviour as behaviour_module
from single_shot_eval.verify.verifier import Verifier

_COMPARISON_FLIPS = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "=="}
_ARITHMETIC_SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "/"}
# Spans that must not be mutated: comments, string and char literals (incl. raw strings).
_PROTECTED = re.compile(
    r'//[^\n]*|/\*.*?\*/|r#*"(?:.|\n)*?"#*|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.|[^\'\\])\'',
    re.DOTALL,
)
_OPERATOR = re.compile(r"(?<= )(<=|>=|==|!=|<|>|\+|-|\*|/|%)(?= )")
_INTEGER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")


@dataclass(frozen=True)
class Mutant:
    example_id: str
    operator: str
    line: int
    code: str


def _protected_mask(code: str) -> list[bool]:
    mask = [False] * len(code)
    for match in _PROTECTED.finditer(code):
        for i in range(match.start(), match.end()):
            mask[i] = True
    return mask


def mutants_of(example_id: str, code: str) -> Iterator[Mutant]:
    """Every single-point mutant of `code`, in source order."""
    mask = _protected_mask(code)

    def line_of(pos: int) -> int:
        return code.count("\n", 0, pos) + 1

    for match in _OPERATOR.finditer(code):
        if mask[match.start()]:
            continue
        op = match.group(1)
        replacement = _COMPARISON_FLIPS.get(op) or _ARITHMETIC_SWAPS.get(op)
        if replacement is None:
            continue
        kind = "flip_comparison" if op in _COMPARISON_FLIPS else "swap_arithmetic"
        yield Mutant(example_id, kind, line_of(match.start()),
                     code[: match.start()] + replacement + code[match.end():])
    for match in _INTEGER.finditer(code):
        if mask[match.start()]:
            continue
        value = int(match.group(1))
        for delta in (1, -1):
            if value + delta < 0:
                continue
            yield Mutant(example_id, f"constant{delta:+d}", line_of(match.start()),
                         code[: match.start()] + str(value + delta) + code[match.end():])
    offset = 0
    for number, line in enumerate(code.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if (stripped.endswith(";") and not stripped.startswith(("let ", "use ", "//", "return"))
                and not mask[offset + len(line) - len(line.lstrip())]
                and stripped.count("(") == stripped.count(")")):
            yield Mutant(example_id, "drop_statement", number,
                         code[:offset] + code[offset + len(line):])
        offset += len(line)


def wrong_translations(directory: Path, example_ids: set[str]) -> list[Mutant]:
    """The deliberately wrong translations in `directory`, one per `<example id>__<name>.rs`."""
    wrong = []
    for path in sorted(directory.glob("*.rs")):
        example_id, separator, _ = path.stem.partition("__")
        if not separator or example_id not in example_ids:
            raise SystemExit(f"{path}: not named <example id>__<name>.rs after a judged reference")
        wrong.append(Mutant(example_id, path.name, 0, path.read_text(encoding="utf-8")))
    return wrong


def _signature(example: Example) -> str:
    contract = example.contract
    return contract.rust() if contract is not None else ""


def _verifier_supports_generated_cases() -> bool:
    """Whether this tree's verifier honours `Comparison.EXIT_CODE` and writes case files."""
    source = inspect.getsource(behaviour_module)
    return "Comparison.EXIT_CODE" in source and ".files" in source


def _killed(verdict: Verdict) -> bool:
    return verdict not in {Verdict.PASS, Verdict.COMPILE_ONLY}


def _generated_kill(verdict: Verdict | None) -> bool:
    """Whether the generated cases reject code that compiles with the hand-written checks. A
    compile error there is no kill: the signature resolved from the code alone differs from the
    one the hand-written cases give (the reference fails the same way; see false failures)."""
    return verdict is not None and verdict is not Verdict.COMPILE_ERROR and _killed(verdict)


def _rate(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else f"{n}/0"


def _summarise(label: str, outcomes: list[tuple[Mutant, Verdict, Verdict | None]],
               false_failures: list[str], judged_references: int, show_missed: int) -> None:
    """Print the kill figures of `outcomes` (mutants that do not compile left out)."""
    compiled = [(m, h, g) for m, h, g in outcomes if g is not None]
    hand_kills = {id(m) for m, h, _ in compiled if _killed(h)}
    generated_kills = {id(m) for m, _, g in compiled if _generated_kill(g)}
    both = hand_kills & generated_kills
    only_generated = generated_kills - hand_kills
    total = len(compiled)
    print(f"== {label}: {len(outcomes)} mutants sampled, {total} compile")
    print(f"killed by hand-written checks alone: {_rate(len(hand_kills), total)}")
    print(f"killed by generated cases alone:     {_rate(len(generated_kills), total)}")
    print(f"generated kill / hand-written kill (of the mutants hand-written checks kill): "
          f"{_rate(len(both), len(hand_kills))}  (target >= 90%)")
    print(f"killed only by generated cases: {len(only_generated)}")
    signature_errors = sum(g is Verdict.COMPILE_ERROR for _, _, g in compiled)
    if signature_errors:
        print(f"compile errors against the generated cases' signature (not kills): "
              f"{signature_errors}")
    missed = [m for m, h, g in compiled if id(m) in hand_kills - generated_kills]
    for mutant in missed[:show_missed]:
        print(f"  missed by generated: {mutant.example_id} line {mutant.line} {mutant.operator}")
    print(f"false failures of references on generated cases: {len(false_failures)} "
          f"of {judged_references} references  (target 0)")
    for failure in false_failures:
        print(f"  {failure}")
    by_operator: dict[str, list[int]] = {}
    for mutant, hand, gen in compiled:
        counts = by_operator.setdefault(mutant.operator, [0, 0, 0])
        counts[0] += 1
        counts[1] += _killed(hand)
        counts[2] += _generated_kill(gen)
    for operator, (n, h, g) in sorted(by_operator.items()):
        print(f"  {operator:<16} {n:>4} compiled, hand-written kill {h:>4}, generated kill {g:>4}")


def _summarise_wrong(outcomes: list[tuple[Mutant, Verdict, Verdict | None]],
                     with_generated: set[str]) -> None:
    """Print how many deliberately wrong translations each set of cases rejects (also among the
    references that have generated cases, `with_generated`)."""
    compiled = [(m, h, g) for m, h, g in outcomes if g is not None]
    hand = sum(_killed(h) for _, h, _ in compiled)
    generated = sum(_generated_kill(g) for _, _, g in compiled)
    print(f"== wrong translations: {len(outcomes)} given, {len(compiled)} compile")
    print(f"rejected by hand-written checks alone: {_rate(hand, len(compiled))}")
    print(f"rejected by generated cases alone:     {_rate(generated, len(compiled))}")
    signature_errors = [m.operator for m, _, g in compiled if g is Verdict.COMPILE_ERROR]
    if signature_errors:
        print(f"  compile errors against the generated cases' signature (not rejections): "
              f"{', '.join(signature_errors)}")
    covered = [(m, h, g) for m, h, g in compiled if m.example_id in with_generated]
    if len(covered) < len(compiled):
        print(f"  of the {len(covered)} whose reference has generated cases: hand-written reject "
              f"{_rate(sum(_killed(h) for _, h, _ in covered), len(covered))}, generated reject "
              f"{_rate(sum(_generated_kill(g) for _, _, g in covered), len(covered))}")
    for mutant, hand_verdict, gen in compiled:
        if gen is not None and not _generated_kill(gen):
            without = "" if mutant.example_id in with_generated else ", no generated case"
            print(f"  missed by generated: {mutant.operator} "
                  f"(hand-written: {hand_verdict.value}{without})")
    for mutant, hand_verdict, gen in compiled:
        if not _killed(hand_verdict):
            print(f"  missed by hand-written: {mutant.operator} "
                  f"(generated: {gen.value if gen is not None else '-'})")
    for mutant, _, verdict in outcomes:
        if verdict is None:
            print(f"  does not compile: {mutant.operator}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="verify at most N mutants (sampled evenly over references)")
    parser.add_argument("--per-reference", type=int, default=12,
                        help="mutants sampled per reference (default 12)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                        help="generated cases per example")
    parser.add_argument("--cache-dir", type=Path, default=None, help="generated-case cache")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-missed", type=int, default=15,
                        help="list at most N mutants the generated cases miss, per summary")
    parser.add_argument("--kinds", default="program,function",
                        help="comma-separated example kinds whose references are mutated")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="judge this corpus (JSONL file or examples folder) instead of the "
                             "bundled one; its own cases are the hand-written checks")
    parser.add_argument("--wrong-dir", type=Path, default=None,
                        help="deliberately wrong translations named <example id>__<name>.rs, "
                             "judged like mutants and reported separately")
    args = parser.parse_args()

    started = time.perf_counter()
    corpus = load_corpus(args.corpus)
    kinds = {ExampleKind(kind.strip()) for kind in args.kinds.split(",")}
    references = tuple(e for e in corpus if e.kind in kinds and e.reference_rust)
    programs = tuple(e for e in references if e.kind is ExampleKind.PROGRAM)
    functions = tuple(e for e in references if e.kind is ExampleKind.FUNCTION)
    hand_corpus = Corpus(corpus.source, tuple(
        with_contract(replace(
            e, cases=tuple(c for c in e.cases if c.origin is CaseOrigin.HAND_WRITTEN),
            function_cases=tuple(c for c in e.function_cases
                                 if c.origin is CaseOrigin.HAND_WRITTEN)))
        for e in references))
    # Function cases are generated from the code alone: the hand-written cases are not even
    # used as type hints.
    blind_corpus = Corpus(corpus.source, tuple(
        replace(e, function_cases=()) if e.kind is ExampleKind.FUNCTION else e
        for e in hand_corpus.examples))
    supported = _verifier_supports_generated_cases()
    generated = with_generated_cases(blind_corpus, budget=args.budget,
                                     cache=CaseCache(args.cache_dir), jobs=args.workers)
    generated_only: dict[str, Example] = {}
    left_out = 0
    for example in generated.examples:
        cases = tuple(c for c in example.cases if c.origin is CaseOrigin.GENERATED)
        if not supported:
            usable = tuple(c for c in cases
                           if c.comparison is Comparison.STDOUT_AND_EXIT and not c.files)
            left_out += len(cases) - len(usable)
            cases = usable
        function_cases = tuple(c for c in example.function_cases
                               if c.origin is CaseOrigin.GENERATED)
        generated_only[example.id] = replace(example, cases=cases, function_cases=function_cases,
                                             pytest_path=None, rust_tests=None)
    generation_s = time.perf_counter() - started
    without_cases = [e for e in generated_only.values() if not e.cases and not e.function_cases]
    for example in without_cases:
        reason = (example.unjudgeable_reason or "none generated").splitlines()[0]
        print(f"  no generated case: {example.id}: {reason[:200]}")
    print(f"generated cases for {len(programs)} program and {len(functions)} function "
          f"references in {generation_s:.0f} s: "
          f"{sum(len(e.cases) for e in generated_only.values())} behaviour cases, "
          f"{sum(len(e.function_cases) for e in generated_only.values())} function cases"
          + ("" if supported else f" ({left_out} exit-code-only or file cases left out: the "
             "verifier here does not support them yet)"))

    rng = random.Random(args.seed)
    sampled: list[Mutant] = []
    per_reference = []
    for example in references:
        assert example.reference_rust is not None
        every = list(mutants_of(example.id, example.reference_rust))
        rng.shuffle(every)
        per_reference.append(every[: args.per_reference])
    # Round-robin over references so that --limit samples all of them evenly.
    for round_ in range(args.per_reference):
        sampled.extend(group[round_] for group in per_reference if round_ < len(group))
    if args.limit is not None:
        sampled = sampled[: args.limit]

    verifier = Verifier()
    hand_by_id = {e.id: e for e in hand_corpus.examples}

    false_failures: list[str] = []

    def check_reference(example: Example) -> None:
        target = generated_only[example.id]
        if not target.cases and not target.function_cases:
            return
        result = verifier.verify(example.reference_rust, target)
        if result.verdict is not Verdict.PASS:
            stage = next((s for s in result.stages if not s.ok), None)
            detail = ""
            if stage is not None:
                detail = f"{stage.failing_case}"
                if stage.expected is not None or stage.actual is not None:
                    detail += f" expected {stage.expected} got {stage.actual}"
                elif stage.detail:
                    detail += f" {stage.detail.strip().splitlines()[-1][:300]}"
            if example.kind is ExampleKind.FUNCTION:
                # A compile error often means the signature resolved without the hand-written
                # cases differs from the one they give.
                try:
                    hand_signature = _signature(hand_by_id[example.id])
                    generated_signature = _signature(target)
                except ConfigError as exc:
                    hand_signature, generated_signature = "", str(exc)
                if hand_signature != generated_signature:
                    detail += (f"; signature from the code alone `{generated_signature}`, "
                               f"with the hand-written cases `{hand_signature}`; first "
                               f"generated input {target.function_cases[0].inputs!r}")
            false_failures.append(f"{example.id}: {result.verdict.value} {detail}")

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(check_reference, references))

    def judge(mutant: Mutant) -> tuple[Mutant, Verdict, Verdict | None]:
        hand = verifier.verify(mutant.code, hand_by_id[mutant.example_id])
        if hand.verdict is Verdict.COMPILE_ERROR:
            return mutant, hand.verdict, None
        generated_verdict = verifier.verify(mutant.code, generated_only[mutant.example_id])
        return mutant, hand.verdict, generated_verdict.verdict

    verify_started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(judge, sampled))
    print(f"mutants: {len(sampled)} sampled from {len(references)} references "
          f"({time.perf_counter() - verify_started:.0f} s to verify)")
    kind_of = {e.id: e.kind for e in references}
    with_generated = {e.id for e in generated_only.values() if e.cases or e.function_cases}
    for label, wanted in (("programs", {ExampleKind.PROGRAM}),
                          ("functions", {ExampleKind.FUNCTION}),
                          ("all references", set(ExampleKind))):
        chosen = [o for o in outcomes if kind_of[o[0].example_id] in wanted]
        failures = [f for f in false_failures if kind_of[f.split(":")[0]] in wanted]
        judged = sum(1 for e in generated_only.values()
                     if kind_of[e.id] in wanted and (e.cases or e.function_cases))
        if chosen and (wanted != set(ExampleKind) or len(kinds) > 1):
            _summarise(label, chosen, failures, judged, args.show_missed)
            covered = [o for o in chosen if o[0].example_id in with_generated]
            if wanted != set(ExampleKind) and 0 < len(covered) < len(chosen):
                _summarise(f"{label} whose reference has generated cases", covered, failures,
                           judged, 0)
    if args.wrong_dir is not None:
        wrong = wrong_translations(args.wrong_dir, set(hand_by_id))
        wrong_started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            wrong_outcomes = list(pool.map(judge, wrong))
        print(f"wrong translations: {len(wrong)} from {args.wrong_dir} "
              f"({time.perf_counter() - wrong_started:.0f} s to verify)")
        _summarise_wrong(wrong_outcomes, with_generated)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
