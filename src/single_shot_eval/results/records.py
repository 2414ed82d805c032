"""Plain data objects that cross stage boundaries: verdicts, stage results and stored samples.

A `Sample` holds everything needed to re-analyse an evaluation without re-running a model or
rustc; the store writes one per (task, model, run, example) as it completes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """Outcome of one sample, ordered along the verdict ladder (worst first).

    `harness_error` is a failure of this tool's own machinery (sandbox, verifier, lost worker):
    it is stored and shown, but never counted for or against a model, and `--resume` redoes it.
    """

    HARNESS_ERROR = "harness_error"
    MODEL_ERROR = "model_error"
    NO_CODE = "no_code"
    COMPILE_ERROR = "compile_error"
    TIMEOUT = "timeout"
    CRASH = "crash"
    TEST_FAILURE = "test_failure"
    BEHAVIOUR_MISMATCH = "behaviour_mismatch"
    COMPILE_ONLY = "compile_only"
    PASS = "pass"

    @property
    def compiled(self) -> bool:
        """True when the candidate got past the compiler."""
        return self in _COMPILED

    @property
    def passed(self) -> bool:
        """True only for a strict pass: every ground truth the example offers passed."""
        return self is Verdict.PASS

    @property
    def counts_for_model(self) -> bool:
        """False for `harness_error`: our failure, left out of every accuracy denominator."""
        return self is not Verdict.HARNESS_ERROR


_COMPILED = frozenset(
    {
        Verdict.TIMEOUT,
        Verdict.CRASH,
        Verdict.TEST_FAILURE,
        Verdict.BEHAVIOUR_MISMATCH,
        Verdict.COMPILE_ONLY,
        Verdict.PASS,
    }
)


@dataclass(frozen=True)
class Diagnostic:
    """One compiler message: level, optional error code (E0308), category and text."""

    level: str
    message: str
    code: str | None = None
    category: str = "other"


@dataclass(frozen=True)
class StageResult:
    """Verdict of one verification stage (compile, tests, behaviour, pytest) and its timing."""

    stage: str
    ok: bool
    duration_s: float
    detail: str = ""
    checks_total: int = 0
    checks_passed: int = 0
    failing_case: str | None = None
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class Sample:
    """One model answer to one example in one run, verified and ready to store."""

    task_id: str
    model_id: str
    run: int
    example_id: str
    level: int
    prompt_sha256: str
    completion: str
    extracted_code: str | None
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    latency_s: float
    cost_usd: float
    verdict: Verdict
    stages: tuple[StageResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    error: str = ""
    cached_response: bool = False
    created_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def compiled(self) -> bool:
        return self.verdict.compiled

    @property
    def behaviour_checked(self) -> bool:
        """True when the example offered a behavioural check that actually ran."""
        return any(s.stage in ("tests", "behaviour", "pytest") for s in self.stages)

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnostics if d.code and d.level == "error")


@dataclass(frozen=True)
class RepairTurn:
    """A repair turn's sample: the model's answer `turn` (1, 2, ...) after feedback on its
    failing answer of turn `turn - 1` (turn 0 is the one-shot `Sample` itself)."""

    turn: int
    sample: Sample
