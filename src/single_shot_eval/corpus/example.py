"""The `Example` a model is asked to translate, and the checks a translation must pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from single_shot_eval.corpus.contract.signature import ClassSignature, FunctionSignature


class ExampleKind(StrEnum):
    """`program`: a CLI script checked by behaviour; `function`: one function checked by tests."""

    PROGRAM = "program"
    FUNCTION = "function"


class CaseOrigin(StrEnum):
    """Who wrote a case: a person (`cases.yaml`, JSONL) or the oracle-fuzzing generator."""

    HAND_WRITTEN = "hand_written"
    GENERATED = "generated"


class CaseDerivation(StrEnum):
    """How a generated case relates to the example's own examples: a seed (a doctest line, a
    call in its docstring, comments or code), one type-aware mutation of a seed, or neither.
    Hand-written cases are seeds whatever this says (`seed_derivation`)."""

    NONE = "none"
    SEED = "seed"
    SEED_MUTATION = "seed_mutation"


class Comparison(StrEnum):
    """What a behaviour case compares: stdout and exit code, or (argparse usage errors,
    `--help`, `--version`, whose wording a faithful translation may change) the exit code only."""

    STDOUT_AND_EXIT = "stdout_and_exit"
    EXIT_CODE = "exit_code"


@dataclass(frozen=True)
class BehaviourCase:
    """One run of a CLI program: argv after the program name, stdin text and extra environment.

    `files` are (relative path, text) pairs created in the work directory before the run (inputs
    for path-like arguments).
    """

    name: str
    args: tuple[str, ...] = ()
    stdin: str = ""
    env: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    origin: CaseOrigin = CaseOrigin.HAND_WRITTEN
    comparison: Comparison = Comparison.STDOUT_AND_EXIT
    derivation: CaseDerivation = CaseDerivation.NONE


@dataclass(frozen=True)
class FunctionCase:
    """One call of a function: positional arguments and the expected return value (JSON values)."""

    inputs: tuple[Any, ...]
    expected: Any
    origin: CaseOrigin = CaseOrigin.HAND_WRITTEN
    derivation: CaseDerivation = CaseDerivation.NONE


def seed_derivation(case: BehaviourCase | FunctionCase) -> CaseDerivation:
    """A case's place among the seeds: hand-written cases are seeds (they show what the
    author meant), generated ones say what they were derived from."""
    return CaseDerivation.SEED if case.origin is CaseOrigin.HAND_WRITTEN else case.derivation


@dataclass(frozen=True)
class Example:
    """A Python program or function plus every ground truth available for its translation.

    `reference_rust` is a known-good translation (the harness self-check); `mutant_rust` is
    plausible Rust that compiles but must be rejected by the stage named in `mutant_target`.
    `contract` is the Rust shape a translation of a function or class example must have: the
    Rust signature (or class outline) of the entry point, with open types inferred from the
    source and `function_cases`; the prompt states it and the harness calls it, so both read this
    one value. The loader fills it (`corpus.contract.with_contract`), so no prompt, worker or
    harness parses the source again; None for a program, or for an entry point without a Rust
    form. It is no part of equality or hash (it follows from the other fields), and an example
    whose cases change must be resolved again with `with_contract`.
    """

    id: str
    kind: ExampleKind
    python_source: str
    script_name: str
    source_path: Path | None = None
    cases: tuple[BehaviourCase, ...] = ()
    function_cases: tuple[FunctionCase, ...] = ()
    entry_point: str | None = None
    pytest_path: Path | None = None
    rust_tests: str | None = None
    reference_rust: str | None = None
    mutant_rust: str | None = None
    mutant_target: str | None = None
    description: str = ""
    declared_level: int | None = None
    level: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    # Sibling modules the script imports, as (file name, text): shown in the prompt and written
    # beside the script for every oracle run.
    support_files: tuple[tuple[str, str], ...] = ()
    # Fields of the source record this tool does not interpret (e.g. the seed JSONL's `notes`).
    metadata: tuple[tuple[str, str], ...] = ()
    # Why no translation of this example can be judged (None: judgeable or not yet known).
    unjudgeable_reason: str | None = None
    contract: FunctionSignature | ClassSignature | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def has_behaviour_check(self) -> bool:
        """True when a translation can be checked beyond compiling."""
        return bool(self.cases or self.function_cases or self.pytest_path or self.rust_tests)
