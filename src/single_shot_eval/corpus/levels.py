"""The Py2Rs 10-level scale: the levels, their names, aliases and weights.

`corpus.classify` places a Python program on it (the construct each level stands for is
listed there). Reports and loaders need only the scale, not the classifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Difficulty(StrEnum):
    """Coarse difficulty band of a level, from Trivial (L1-L2) to Expert (L9-L10)."""

    TRIVIAL = "Trivial"
    EASY = "Easy"
    MEDIUM = "Medium"
    HARD = "Hard"
    EXPERT = "Expert"


@dataclass(frozen=True)
class Py2RsLevel:
    """One level of the scale: its number (1-10), name, difficulty band and scoring weight."""

    number: int
    name: str
    difficulty: Difficulty
    weight: float

    @property
    def label(self) -> str:
        """Short display form, e.g. `L3 (Functions)`."""
        return f"L{self.number} ({self.name})"


LEVELS: tuple[Py2RsLevel, ...] = (
    Py2RsLevel(1, "Hello", Difficulty.TRIVIAL, 1.0),
    Py2RsLevel(2, "Variables", Difficulty.TRIVIAL, 1.5),
    Py2RsLevel(3, "Functions", Difficulty.EASY, 2.0),
    Py2RsLevel(4, "Collections", Difficulty.EASY, 3.0),
    Py2RsLevel(5, "ControlFlow", Difficulty.MEDIUM, 4.0),
    Py2RsLevel(6, "ErrorHandling", Difficulty.MEDIUM, 5.0),
    Py2RsLevel(7, "OOP→Traits", Difficulty.HARD, 7.0),
    Py2RsLevel(8, "Concurrency", Difficulty.HARD, 10.0),
    Py2RsLevel(9, "FFI/Unsafe", Difficulty.EXPERT, 15.0),
    Py2RsLevel(10, "Metaprogramming", Difficulty.EXPERT, 20.0),
)
"""The ten levels in order; `LEVELS[n - 1].number == n`."""

LEVEL_WEIGHTS: dict[int, float] = {level.number: level.weight for level in LEVELS}
"""Scoring weight by level number, e.g. `LEVEL_WEIGHTS[10] == 20.0`."""


def level_by_number(number: int) -> Py2RsLevel:
    """Return level `number` (1-10); a ValueError names the valid range otherwise."""
    if not 1 <= number <= len(LEVELS):
        raise ValueError(f"Py2Rs level must be between 1 and {len(LEVELS)}, got {number}")
    return LEVELS[number - 1]


def _level_key(name: str) -> str:
    return "".join(char for char in name.lower() if char.isalnum())


_LEVEL_ALIASES: dict[str, int] = {
    **{_level_key(level.name): level.number for level in LEVELS},
    "oop": 7,  # the seed JSONL writes L7 as `OopTraits`, L9 as `FfiUnsafe`
    "traits": 7,
    "ffi": 9,
    "unsafe": 9,
    "meta": 10,
}


def level_from_name(name: str) -> Py2RsLevel:
    """The level a name denotes, as corpora write it: `Collections`, `OopTraits` (L7, the
    `OOP→Traits` level), `FfiUnsafe` / `FFI/Unsafe` (L9), `Metaprogramming`, ... Case, spaces and
    punctuation are ignored; `L7` and `7` work too. A ValueError lists the known names."""
    key = _level_key(name)
    if key.removeprefix("l").isdigit():
        return level_by_number(int(key.removeprefix("l")))
    if key not in _LEVEL_ALIASES:
        names = ", ".join(level.name for level in LEVELS)
        raise ValueError(f"unknown Py2Rs level name {name!r} (known: {names}, or 1-10)")
    return LEVELS[_LEVEL_ALIASES[key] - 1]
