"""The divergence taxonomy: each failing case labelled by what distinguishes it, so a report can
say where a contestant's translations part from the Python (its seeds, negative operands of `%`
or `//`, non-ASCII text, integer overflow, float formatting, empty input, a panic, a timeout).

The labels describe the case and what was observed; none of them decides a verdict. The rules
are the known places where Rust and Python differ on valid input (floored vs truncated division,
bytes vs characters, fixed-width integers, `repr` vs `Display` of floats), read from the case's
JSON or argv and the two outputs, never from an example's name.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseDerivation,
    Example,
    FunctionCase,
    seed_derivation,
)
from single_shot_eval.pysource import parse_python
from single_shot_eval.results.records import Divergence, DivergenceKind, StageResult
from single_shot_eval.sandbox import SandboxResult
from single_shot_eval.verify.function_harness import (
    HARNESS_TEST_FILTER,
    parse_libtest_output,
    passed_cases,
)
from single_shot_eval.verify.verdicts import timed_out

#: Beyond this magnitude an integer no longer fits the `i32` a translation may pick.
_NARROW_INT = 2**31
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)", re.I)
_LONG_INT = re.compile(r"(?<![\d.])-?\d{10,}(?![\d.eE])")
_SIGNED = re.compile(r"(?<![\w.])-\d")
_DERIVED = {
    CaseDerivation.SEED: DivergenceKind.SEED,
    CaseDerivation.SEED_MUTATION: DivergenceKind.SEED_MUTATION,
}


@functools.lru_cache(maxsize=256)
def divides_with_floor(python_source: str) -> bool:
    """Whether the source uses `%` or `//` on numbers (or `divmod`), whose sign rule differs
    from Rust's: Python floors, Rust truncates toward zero."""
    try:
        tree = parse_python(python_source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(
            node.op, ast.Mod | ast.FloorDiv
        ):
            left = node.left if isinstance(node, ast.BinOp) else node.target
            if not isinstance(left, ast.JoinedStr) and not (
                isinstance(left, ast.Constant) and isinstance(left.value, str | bytes)
            ):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
            node.func.id == "divmod"
        ):
            return True
    return False


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _is_empty(value: Any) -> bool:
    return isinstance(value, str | list | tuple | dict) and len(value) == 0


def _has_empty(values: Iterable[Any]) -> bool:
    """An empty string or collection at the top of the arguments or one level down."""
    for value in values:
        if _is_empty(value) or (
            isinstance(value, list | tuple) and any(_is_empty(item) for item in value)
        ):
            return True
    return False


def same_but_for_float_format(expected: str, actual: str) -> bool:
    """The two texts differ, but only in how numbers are written (`2.50` / `2.5`, `1e-05` /
    `0.00001`, `3.0` / `3`): every non-numeric part is equal and each pair of numbers is equal
    once rounded to the coarser of the two."""
    if expected == actual:
        return False
    expected_parts, actual_parts = _NUMBER.split(expected), _NUMBER.split(actual)
    if expected_parts != actual_parts:
        return False
    pairs = list(zip(_NUMBER.findall(expected), _NUMBER.findall(actual), strict=True))
    return all(_same_number(e, a) for e, a in pairs) and any(e != a for e, a in pairs)


def _same_number(expected: str, actual: str) -> bool:
    try:
        x, y = float(expected), float(actual)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if x == y:
        return True
    digits = min(_decimals(expected), _decimals(actual))
    return round(x, digits) == round(y, digits) or math.isclose(x, y, rel_tol=1e-6)


def _decimals(text: str) -> int:
    mantissa = text.lower().split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def _kinds(
    derivation: CaseDerivation,
    inputs: list[Any],
    outputs: list[Any],
    *,
    floors: bool,
    expected: str | None,
    actual: str | None,
    failure: str,
    panicked: bool,
    timed_out: bool,
    empty: bool,
) -> tuple[DivergenceKind, ...]:
    """The kinds of one failing case: `inputs`/`outputs` are its JSON leaves or argv/stdin/file
    texts and the expected output; `failure` is what the failing run said (a panic message)."""
    kinds: list[DivergenceKind] = []
    if derivation in _DERIVED:
        kinds.append(_DERIVED[derivation])
    numbers = [v for v in inputs if isinstance(v, int | float) and not isinstance(v, bool)]
    texts = [v for v in inputs if isinstance(v, str)]
    if floors and (any(v < 0 for v in numbers) or any(_SIGNED.search(t) for t in texts)):
        kinds.append(DivergenceKind.NEGATIVE_DIVISION)
    every = [*inputs, *outputs]
    if any(isinstance(v, str) and not v.isascii() for v in every):
        kinds.append(DivergenceKind.NON_ASCII)
    big = any(
        isinstance(v, int) and not isinstance(v, bool) and abs(v) >= _NARROW_INT for v in every
    ) or any(
        abs(int(m)) >= _NARROW_INT
        for v in every if isinstance(v, str) for m in _LONG_INT.findall(v)
    )
    if big or "overflow" in failure:
        kinds.append(DivergenceKind.INTEGER_OVERFLOW)
    if expected is not None and actual is not None and same_but_for_float_format(
        expected, actual
    ):
        kinds.append(DivergenceKind.FLOAT_FORMATTING)
    if empty:
        kinds.append(DivergenceKind.EMPTY_INPUT)
    if timed_out:
        kinds.append(DivergenceKind.TIMEOUT)
    elif panicked:
        kinds.append(DivergenceKind.PANIC)
    return tuple(kinds) or (DivergenceKind.OTHER,)


def function_case_divergence(
    python_source: str, index: int, case: FunctionCase, message: str, *, timed_out: bool = False
) -> Divergence:
    """The label of failing function case `index`, from its JSON and the harness's failure
    message (`message`: a harness mismatch report, a panic of the candidate, or empty when the
    run ended before the case reported)."""
    mismatch = re.match(r"case \d+ failed\n", message) is not None
    return Divergence(
        f"case {index}",
        _kinds(
            seed_derivation(case), list(_leaves(list(case.inputs))), list(_leaves(case.expected)),
            floors=divides_with_floor(python_source),
            expected=_as_text(_field(message, "expected")) if mismatch else None,
            actual=_as_text(_field(message, "actual")) if mismatch else None,
            failure=message, panicked=not mismatch and bool(message), timed_out=timed_out,
            empty=_has_empty(case.inputs),
        ),
    )


def program_case_divergence(
    python_source: str,
    case: BehaviourCase,
    expected_stdout: str,
    actual_stdout: str,
    actual_stderr: str,
    *,
    panicked: bool,
    timed_out: bool,
) -> Divergence:
    """The label of a failing behaviour case of a program, from its argv, stdin and files and
    the two runs' outputs."""
    texts = [*case.args, case.stdin, *(text for _, text in case.files)]
    return Divergence(
        case.name,
        _kinds(
            seed_derivation(case), [*texts, *(v for t in texts for v in _argv_numbers(t))],
            [expected_stdout],
            floors=divides_with_floor(python_source),
            expected=expected_stdout, actual=actual_stdout, failure=actual_stderr,
            panicked=panicked, timed_out=timed_out,
            empty=(not case.args and not case.stdin) or any(a == "" for a in case.args)
            or any(text == "" for _, text in case.files),
        ),
    )


def _argv_numbers(text: str) -> Iterator[int | float]:
    for word in text.split():
        try:
            yield int(word)
        except ValueError:
            try:
                yield float(word)
            except ValueError:
                continue


def _field(message: str, name: str) -> str | None:
    match = re.search(rf"^\s*{name}:\s+(.*)$", message, re.M)
    return match.group(1) if match else None


def _as_text(debug: str | None) -> str | None:
    """A Rust `{:?}` value as the text it shows: a quoted string unquoted, anything else as is."""
    if debug is None:
        return None
    if debug.startswith('"') and debug.endswith('"'):
        try:
            text = json.loads(debug)
        except ValueError:
            return debug[1:-1]
        return text if isinstance(text, str) else debug
    return debug


def count_seed_checks(cases: Iterable[BehaviourCase | FunctionCase]) -> int:
    """How many of `cases` are seeds or mutations of seeds."""
    return sum(seed_derivation(case) is not CaseDerivation.NONE for case in cases)


def label_function_failures(
    stage: StageResult, example: Example, run: SandboxResult, nonce: str
) -> StageResult:
    """`stage` (the harness's run of `example.function_cases`) with its seed cases counted
    and each failing case that reported (a mismatch or a panic) labelled."""
    cases = example.function_cases
    stage = replace(stage, seed_checks=count_seed_checks(cases))
    if stage.ok:
        return stage
    passed = passed_cases(run.stderr.decode("utf-8", "replace"), nonce, len(cases))
    outcome = parse_libtest_output(
        run.stdout.decode("utf-8", "replace"), name_prefix=HARNESS_TEST_FILTER
    )
    messages: dict[int, str] = {}
    for name, message in outcome.failures:
        match = re.search(r"::case_(\d+)$", name)
        if match and int(match.group(1)) < len(cases):
            messages.setdefault(int(match.group(1)), message)
    stopped = timed_out(run)
    return replace(stage, divergences=tuple(
        function_case_divergence(example.python_source, index, cases[index], message,
                                 timed_out=stopped)
        for index, message in sorted(messages.items()) if index not in passed
    ))
