"""Generated ground truth: cases derived from an example by oracle fuzzing.

Minimal on this branch: the typed result a generator returns. (The programs generator's branch
holds the full package: cache, `cases.generated.yaml`, corpus-wide generation; its
`GeneratedCaseSet` has these same fields.)
"""

from __future__ import annotations

from dataclasses import dataclass

from single_shot_eval.corpus.example import BehaviourCase, FunctionCase


@dataclass(frozen=True)
class GeneratedCaseSet:
    """What a generator kept for one example, and how well it covers the Python program.

    `line_coverage`/`branch_coverage` are fractions (0..1) of the program's executable lines and
    branches that the kept cases reach (None: not measured). `candidates` counts the inputs
    tried; `dropped_nondeterministic`/`dropped_timeout` count those refused as ground truth.
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

    @property
    def count(self) -> int:
        """Number of generated cases (behaviour and function)."""
        return len(self.cases) + len(self.function_cases)
