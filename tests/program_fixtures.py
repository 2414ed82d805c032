"""Helpers for tests of generated program cases: a program example from source text, and what
the Python oracle prints for a list of candidate inputs."""

from __future__ import annotations

from single_shot_eval.casegen import programs as program_cases
from single_shot_eval.casegen.program_values import Candidate
from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.sandbox import Sandbox


def program_example(source: str) -> Example:
    """A CLI program example `tool` whose script is `source`."""
    return Example(id="tool", kind=ExampleKind.PROGRAM, python_source=source,
                   script_name="tool.py")


def oracle_outputs(example: Example, sandbox: Sandbox,
                   candidates: list[Candidate]) -> list[tuple[int | None, bytes]]:
    """(exit code, stdout) of `example`'s Python original on each candidate, run once."""
    (runs,) = program_cases.run_candidates(
        example, sandbox, candidates, settings=({"TZ": "UTC", "PYTHONHASHSEED": "0"},),
        measure_first=False)
    return [(run.exit_code, run.stdout) for run in runs]
