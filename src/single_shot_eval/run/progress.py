"""Live progress of `evaluate`: done/total, ETA, pass so far per model and cost so far.

On a terminal this is a rich bar; in a pipe, log or CI (where a bar cannot redraw and would be
cut to the width) it is a plain line at every tenth of the work instead."""

from __future__ import annotations

import time
from collections import defaultdict
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from single_shot_eval.results.records import Sample
from single_shot_eval.run.plan import EvaluationPlan


class EvaluationProgress:
    """A rich progress bar fed by the evaluation's plan and sample callbacks."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self._plain = enabled and not console.is_terminal
        self._total = 0
        self._advanced = 0
        self._next_report = 0
        self._started_s = time.monotonic()
        self._progress = Progress(
            TextColumn("[bold]evaluate"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
            disable=not enabled or self._plain,
            transient=False,
        )
        self._task: TaskID | None = None
        self._passed: dict[str, int] = defaultdict(int)
        self._done: dict[str, int] = defaultdict(int)
        self._cost_usd = 0.0
        self._harness_errors = 0

    def __enter__(self) -> EvaluationProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def start(self, plan: EvaluationPlan) -> None:
        # one-shot samples only: repair turns (resumed ones included) are not counted here
        first_turns = sum(1 for unit in plan.units if unit.turn == 0)
        self._total = first_turns
        self._next_report = max(1, first_turns // 10)
        self._started_s = time.monotonic()
        if self._plain:
            self.console.print(
                f"evaluate: {first_turns} samples to run, {plan.already_done} already stored"
            )
        self._task = self._progress.add_task(
            "evaluate", total=first_turns, status=f"{plan.already_done} already stored"
        )

    def advance(self, sample: Sample) -> None:
        if sample.verdict.counts_for_model:
            self._done[sample.model_id] += 1
            self._passed[sample.model_id] += int(sample.passed)
        else:
            self._harness_errors += 1
        if not sample.cached_response:
            self._cost_usd += sample.cost_usd
        self._advanced += 1
        if self._plain:
            self._print_plain_line()
        if self._task is None:
            return
        per_model = "  ".join(
            f"{m} {100 * self._passed[m] / n:.0f}%" for m, n in sorted(self._done.items())
        )
        harness = f"  {self._harness_errors} harness errors" if self._harness_errors else ""
        self._progress.update(
            self._task, advance=1, status=f"pass {per_model}  ${self._cost_usd:.4f}{harness}"
        )

    def _print_plain_line(self) -> None:
        if self._advanced < self._next_report and self._advanced != self._total:
            return
        self._next_report += max(1, self._total // 10)
        elapsed_s = time.monotonic() - self._started_s
        remaining = max(0, self._total - self._advanced)
        eta_s = elapsed_s / self._advanced * remaining if self._advanced else 0.0
        per_model = ", ".join(
            f"{m} {self._passed[m]}/{n}" for m, n in sorted(self._done.items())
        )
        self.console.print(
            f"evaluate {self._advanced}/{self._total}: {elapsed_s:.0f} s elapsed, "
            f"ETA {eta_s:.0f} s; pass so far: {per_model or '-'}"
        )
