"""The `Example` a model is asked to translate, and the checks a translation must pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class ExampleKind(StrEnum):
    """`program`: a CLI script checked by behaviour; `function`: one function checked by tests."""

    PROGRAM = "program"
    FUNCTION = "function"


@dataclass(frozen=True)
class BehaviourCase:
    """One run of a CLI program: argv after the program name, stdin text and extra environment."""

    name: str
    args: tuple[str, ...] = ()
    stdin: str = ""
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FunctionCase:
    """One call of a function: positional arguments and the expected return value (JSON values)."""

    inputs: tuple[Any, ...]
    expected: Any


@dataclass(frozen=True)
class Example:
    """A Python program or function plus every ground truth available for its translation.

    `reference_rust` is a known-good translation (the harness self-check); `mutant_rust` is
    plausible Rust that compiles but must be rejected by the stage named in `mutant_target`.
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

    @property
    def has_behaviour_check(self) -> bool:
        """True when a translation can be checked beyond compiling."""
        return bool(self.cases or self.function_cases or self.pytest_path or self.rust_tests)
