"""Plain data objects that cross stage boundaries: verdicts, stage results and stored samples.

A `Sample` holds everything needed to re-analyse an evaluation without re-running a model or
rustc; the store writes one per (task, model, run, example) as it completes.

All are validated pydantic types. `Diagnostic` and `StageResult` are pydantic dataclasses (the
verifier builds them positionally, `dataclasses.replace` works on them); `Sample` and
`RepairTurn` are frozen models (`model_copy(update=...)` for a changed copy).
`Sample.model_dump(mode="json", by_alias=True)` is the sample as stored and as `results.json`
shows it, its details as the flat `extra` record; `Sample.model_validate` reads that back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    field_validator,
    model_serializer,
)
from pydantic.dataclasses import dataclass

from single_shot_eval.results.generation import GenerationDetails


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


class DivergenceKind(StrEnum):
    """What distinguishes a failing case (the divergence taxonomy): where the case came from
    (a seed, or one type-aware step from a seed) and what about its input or outcome is known
    to part Rust from Python. A case may have several kinds; `other` when none applies."""

    SEED = "seed"
    SEED_MUTATION = "seed_mutation"
    NEGATIVE_DIVISION = "negative_division"
    NON_ASCII = "non_ascii"
    INTEGER_OVERFLOW = "integer_overflow"
    FLOAT_FORMATTING = "float_formatting"
    EMPTY_INPUT = "empty_input"
    PANIC = "panic"
    TIMEOUT = "timeout"
    OTHER = "other"

    @property
    def seed_derived(self) -> bool:
        """True for the cases the example's own examples give (seeds and their mutations)."""
        return self in (DivergenceKind.SEED, DivergenceKind.SEED_MUTATION)


@dataclass(frozen=True)
class Divergence:
    """One failing case of a stage: its name and the kinds that describe it."""

    case: str
    kinds: tuple[DivergenceKind, ...]

    @property
    def seed_derived(self) -> bool:
        return any(kind.seed_derived for kind in self.kinds)


@dataclass(frozen=True)
class StageResult:
    """Verdict of one verification stage (compile, tests, behaviour, pytest) and its timing.

    A stage that runs cases lists each failing case it could name in `divergences`, and counts
    in `seed_checks` how many of its `checks_total` were seed-derived (so a report can give the
    pass rate on those alone)."""

    stage: str
    ok: bool
    duration_s: float
    detail: str = ""
    checks_total: int = 0
    checks_passed: int = 0
    failing_case: str | None = None
    expected: str | None = None
    actual: str | None = None
    divergences: tuple[Divergence, ...] = ()
    seed_checks: int = 0

    @model_serializer(mode="wrap")
    def _without_empty_taxonomy(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Stored and shown without the taxonomy's fields when they are empty, so a record
        written before them reads and writes back byte for byte."""
        data = handler(self)
        if isinstance(data, dict):
            if not data.get("divergences"):
                data.pop("divergences", None)
            if not data.get("seed_checks"):
                data.pop("seed_checks", None)
        return data


class Sample(BaseModel):
    """One model answer to one example in one run, verified and ready to store.

    `details` is stored (and shown in `results.json`) as `extra`, the flat string record of
    `GenerationDetails.to_record`; `extra=` with such a record is accepted when validating.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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
    details: GenerationDetails = Field(
        default_factory=GenerationDetails,
        validation_alias=AliasChoices("details", "extra"),
        serialization_alias="extra",
    )

    @field_validator("details", mode="before")
    @classmethod
    def _details_from_record(cls, value: Any) -> Any:
        """A flat string record (as stored) becomes `GenerationDetails`."""
        return GenerationDetails.from_record(value) if isinstance(value, dict) else value

    @field_serializer("details")
    def _details_as_record(self, details: GenerationDetails) -> dict[str, str]:
        return details.to_record()

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


class RepairTurn(BaseModel):
    """A repair turn's sample: the model's answer `turn` (1, 2, ...) after feedback on its
    failing answer of turn `turn - 1` (turn 0 is the one-shot `Sample` itself)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    turn: int
    sample: Sample
