"""Controls before contestants: every example's own `reference.rs` must pass and its `mutant.rs`
must fail before any model is judged on it.

An example whose controls do not behave is broken (its checks reject a known-good translation,
accept a known-bad one, or its Python oracle cannot finish): judging models on it would measure
the example, not the models, so `evaluate` leaves it out and names it. `single-shot-eval check`
runs only this. Control verdicts are cached in the verifier's verdict cache under keys of their
own, so a contestant's answer is never served from a control's verdict (nor the other way round).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from rich.console import Console
from rich.table import Table

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import UserError
from single_shot_eval.results.records import Verdict
from single_shot_eval.run.sources import KNOWN_ANSWER_FIELDS, known_answer
from single_shot_eval.verify.verifier import VerificationResult, Verifier

CONTROL_KEY_PREFIX = "control:"


class ControlStatus(StrEnum):
    """`ok`: reference passes, mutant fails; `broken`: they do not; `no_controls`: the example
    ships neither file (nothing to check, nothing excluded)."""

    OK = "ok"
    BROKEN = "broken"
    NO_CONTROLS = "no_controls"


@dataclass(frozen=True)
class ExampleControls:
    """The control verdicts of one example (None: the file is absent) and what they mean."""

    example_id: str
    reference: Verdict | None
    mutant: Verdict | None
    status: ControlStatus
    reason: str = ""

    @property
    def broken(self) -> bool:
        return self.status is ControlStatus.BROKEN


@dataclass(frozen=True)
class ControlsReport:
    """The controls of every checked example, in corpus order."""

    examples: tuple[ExampleControls, ...]

    @property
    def broken(self) -> tuple[ExampleControls, ...]:
        return tuple(e for e in self.examples if e.broken)

    @property
    def broken_ids(self) -> frozenset[str]:
        return frozenset(e.example_id for e in self.broken)

    @property
    def all_good(self) -> bool:
        return not self.broken

    def warning_lines(self) -> list[str]:
        """One line per broken example, naming it and saying why."""
        return [
            f"example {e.example_id} is broken and excluded: {e.reason}" for e in self.broken
        ]


def _why(result: VerificationResult) -> str:
    if result.example_broken:
        return result.example_broken
    failed = next((s for s in result.stages if not s.ok), None)
    if failed is None:
        return result.verdict.value
    detail = f": {failed.detail}" if failed.detail else ""
    return f"{result.verdict.value} in {failed.stage}{detail}"


def _judge(
    example: Example, reference: VerificationResult | None, mutant: VerificationResult | None
) -> ExampleControls:
    ref_verdict = reference.verdict if reference is not None else None
    mut_verdict = mutant.verdict if mutant is not None else None
    if reference is None and mutant is None:
        return ExampleControls(example.id, None, None, ControlStatus.NO_CONTROLS)
    problems: list[str] = []
    if reference is not None and reference.verdict is not Verdict.PASS:
        problems.append(f"reference.rs does not pass ({_why(reference)})")
    if mutant is not None:
        if mutant.verdict is Verdict.PASS:
            problems.append("mutant.rs passes every check (the checks cannot tell it from a "
                            "correct translation)")
        elif mutant.verdict is Verdict.HARNESS_ERROR and (
            reference is None or reference.verdict is not Verdict.HARNESS_ERROR
        ):
            problems.append(f"mutant.rs could not be judged ({_why(mutant)})")
    status = ControlStatus.BROKEN if problems else ControlStatus.OK
    return ExampleControls(example.id, ref_verdict, mut_verdict, status, "; ".join(problems))


def _verify_control(verifier: Verifier, code: str, example: Example) -> VerificationResult:
    """The control's verdict; a failure of our own machinery (not a user error) makes it a
    `harness_error` that names the exception, so one bad example cannot stop the whole check."""
    try:
        return verifier.verify(code, example)
    except UserError:
        raise
    except Exception as exc:
        reason = f"verification failed inside the harness: {type(exc).__name__}: {exc}"
        return VerificationResult(Verdict.HARNESS_ERROR, example_broken=reason)


def check_controls(
    examples: Iterable[Example], verifier: Verifier, *, workers: int | None = None
) -> ControlsReport:
    """Verify every example's reference (must pass) and mutant (must fail), in parallel threads;
    verdicts come from and go to the verifier's cache (under control keys)."""
    chosen = list(examples)
    control_verifier = dataclasses.replace(
        verifier, cache=verifier.cache.with_verdict_prefix(CONTROL_KEY_PREFIX)
    )
    jobs: list[tuple[int, str, str]] = []
    for index, example in enumerate(chosen):
        for role in KNOWN_ANSWER_FIELDS:
            code = known_answer(example, role)
            if code is not None and code.strip():
                jobs.append((index, role, code))
    results: dict[tuple[int, str], VerificationResult] = {}
    threads = max(1, workers or os.cpu_count() or 1)
    if jobs:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sse-controls") as pool:
            futures = {
                (index, role): pool.submit(_verify_control, control_verifier, code, chosen[index])
                for index, role, code in jobs
            }
            for job_key, future in futures.items():
                results[job_key] = future.result()
    return ControlsReport(tuple(
        _judge(example, results.get((index, "reference")), results.get((index, "mutant")))
        for index, example in enumerate(chosen)
    ))


def render_controls(console: Console, report: ControlsReport) -> None:
    """The controls table: example, reference verdict, mutant verdict, status (and why)."""
    table = Table(title="controls: reference must pass, mutant must fail", title_justify="left")
    for column in ("example", "reference", "mutant", "status"):
        table.add_column(column)
    for item in report.examples:
        status = item.status.value
        if item.reason:
            status += f": {item.reason}"
        table.add_row(
            item.example_id,
            item.reference.value if item.reference is not None else "-",
            item.mutant.value if item.mutant is not None else "-",
            status,
        )
    console.print(table)
    checked = sum(1 for e in report.examples if e.status is not ControlStatus.NO_CONTROLS)
    console.print(
        f"{len(report.examples)} examples, {checked} with controls, "
        f"{len(report.broken)} broken"
    )


def controls_to_json(items: Sequence[ExampleControls]) -> list[dict[str, str | None]]:
    """Plain JSON rows (for the store's provenance and `check --json`)."""
    return [
        {
            "example": e.example_id,
            "reference": e.reference.value if e.reference is not None else None,
            "mutant": e.mutant.value if e.mutant is not None else None,
            "status": e.status.value,
            "reason": e.reason,
        }
        for e in items
    ]
