"""The behaviour stage: the candidate's binary and the Python original on the same cases (argv,
stdin, environment, files), each case in a folder of its own; stdout and exit code must match
(an uncaught Python exception matches a Rust panic when the policy says so)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from pathlib import Path

from single_shot_eval.corpus.example import BehaviourCase, Comparison, Example
from single_shot_eval.results.records import Divergence, StageResult, Verdict
from single_shot_eval.sandbox import SandboxCommand, SandboxResult
from single_shot_eval.verify.divergence import count_seed_checks, program_case_divergence
from single_shot_eval.verify.verdicts import (
    BrokenExample,
    RunOutcome,
    VerificationPolicy,
    as_outcome,
    verdict_rank,
)

PANIC_EXIT_CODE = 101
PYTHON_UNCAUGHT_EXIT_CODE = 1


def same_outcome(
    policy: VerificationPolicy, expected: RunOutcome, actual: RunOutcome, case: BehaviourCase
) -> bool:
    """Whether the candidate's run matches the oracle's on `case`. A run that timed out or
    was killed by a signal never matches (the oracle's outcome always finished)."""
    if actual.timed_out or actual.signal is not None or expected.timed_out:
        return False
    if case.comparison is not Comparison.EXIT_CODE:
        if expected.stdout != actual.stdout:
            return False
        if policy.compare_stderr and expected.stderr != actual.stderr:
            return False
    if expected.exit_code is not None and expected.exit_code == actual.exit_code:
        return True
    return (
        policy.panic_matches_exception
        and expected.exit_code == PYTHON_UNCAUGHT_EXIT_CODE
        and b"Traceback (most recent call last)" in expected.stderr
        and actual.exit_code == PANIC_EXIT_CODE
    )


def case_commands(workdir: Path, example: Example, timeout_s: float) -> list[SandboxCommand]:
    """The binary on every behaviour case; they run in the compile's sandbox, after rustc.
    Each case starts in a folder of its own holding the case's files (as the oracle does)."""
    binary = str(workdir.resolve() / "prog")
    commands = []
    for number, case in enumerate(example.cases):
        folder = workdir / "cases" / f"case-{number}"
        folder.mkdir(parents=True)
        write_case_files(folder, case)
        commands.append(SandboxCommand(
            (binary, *case.args), case.stdin.encode(), (*case_home(folder), *case.env),
            str(folder.resolve()), timeout_s=timeout_s, confine=True,
        ))
    return commands


def behaviour_stage(
    example: Example,
    runs: Sequence[SandboxResult],
    oracles: dict[BehaviourCase, RunOutcome],
    policy: VerificationPolicy,
) -> tuple[StageResult, Verdict]:
    """Compare the binary's runs (one per case, from `case_commands`) with Python's."""
    start = time.perf_counter()
    passed = 0
    first_failure: tuple[BehaviourCase, RunOutcome, RunOutcome, Verdict] | None = None
    divergences: list[Divergence] = []
    seeds = count_seed_checks(example.cases)
    expectations = [oracles[case] for case in example.cases]
    for case, expected, res in zip(example.cases, expectations, runs, strict=True):
        actual = as_outcome(res)
        if same_outcome(policy, expected, actual, case):
            passed += 1
            continue
        if actual.timed_out:
            verdict = Verdict.TIMEOUT
        elif actual.signal is not None or (
            actual.exit_code == PANIC_EXIT_CODE and expected.exit_code != PANIC_EXIT_CODE
        ):
            verdict = Verdict.CRASH
        else:
            verdict = Verdict.BEHAVIOUR_MISMATCH
        divergences.append(program_case_divergence(
            example.python_source, case, expected.stdout.decode("utf-8", "replace"),
            actual.stdout.decode("utf-8", "replace"), actual.stderr.decode("utf-8", "replace"),
            panicked=verdict is Verdict.CRASH, timed_out=actual.timed_out,
        ))
        if first_failure is None or verdict_rank(verdict) < verdict_rank(first_failure[3]):
            first_failure = (case, expected, actual, verdict)
    duration = time.perf_counter() - start + sum(res.duration_s for res in runs)
    total = len(example.cases)
    if first_failure is None:
        return StageResult("behaviour", True, duration, "", total, passed,
                           seed_checks=seeds), Verdict.PASS
    case, expected, actual, verdict = first_failure
    compared = " (exit code only)" if case.comparison is Comparison.EXIT_CODE else ""
    return (
        StageResult(
            "behaviour",
            False,
            duration,
            detail=f"{total - passed} of {total} cases differ from the Python program",
            checks_total=total,
            checks_passed=passed,
            failing_case=(f"{case.name}: args={shlex.join(case.args)} "
                          f"stdin={case.stdin!r}{compared}"),
            expected=describe(expected),
            actual=describe(actual),
            divergences=tuple(divergences),
            seed_checks=seeds,
        ),
        verdict,
    )


def case_home(folder: Path) -> tuple[tuple[str, str], ...]:
    """HOME and TMPDIR of a case: its own folder, so no case sees another's files."""
    return (("HOME", str(folder.resolve())), ("TMPDIR", str(folder.resolve())))


def write_inside(folder: Path, name: str, text: str, what: str) -> None:
    """Write `text` to `folder/name`; a path that is absolute or leaves the folder is refused
    (the example is broken, not the candidate)."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BrokenExample(f"{what}: {name!r} is not a relative path inside the work folder")
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_case_files(folder: Path, case: BehaviourCase) -> None:
    for name, text in case.files:
        write_inside(folder, name, text, f"case {case.name!r}: file")


def describe(outcome: RunOutcome) -> str:
    if outcome.timed_out:
        return "timed out"
    text = outcome.stdout.decode("utf-8", "replace")
    if len(text) > 2000:
        text = text[:2000] + "…"
    status = f"signal {outcome.signal}" if outcome.signal else f"exit {outcome.exit_code}"
    return f"{status}\n{text}"
