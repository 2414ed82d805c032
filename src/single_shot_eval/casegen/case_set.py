"""A generated case set and the cache that keeps it: the types every generator returns and
shares, in a module of their own so that the generators never import the package that calls them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseDerivation,
    CaseOrigin,
    Comparison,
    Example,
    FunctionCase,
)

T = TypeVar("T")


@dataclass(frozen=True)
class GeneratedCaseSet:
    """What a generator kept for one example, and how well it covers the Python program.

    `line_coverage`/`branch_coverage` are fractions (0..1) of the program's executable lines and
    branches that the kept cases reach (None: not measured). `candidates` counts the inputs
    tried; `dropped_nondeterministic`/`dropped_timeout` count those refused as ground truth.
    `unjudgeable_reason`: why no case could be kept (every input the program's logic sees gave
    a different output each run): an example with no other check is then unjudgeable.
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
    unjudgeable_reason: str | None = None

    @property
    def count(self) -> int:
        return len(self.cases) + len(self.function_cases)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("cached")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GeneratedCaseSet:
        data = json.loads(text)
        data["cases"] = tuple(_case_from_dict(c) for c in data["cases"])
        data["function_cases"] = function_cases_from_json(data["function_cases"])
        return cls(**data, cached=True)


def function_cases_from_json(items: list[dict[str, Any]]) -> tuple[FunctionCase, ...]:
    """Function cases from their JSON form (`dataclasses.asdict` of each, as cached)."""
    return tuple(FunctionCase(tuple(c["inputs"]), c["expected"], CaseOrigin(c["origin"]),
                              CaseDerivation(c.get("derivation", "none"))) for c in items)


def _case_from_dict(data: dict[str, Any]) -> BehaviourCase:
    pairs = {key: tuple((k, v) for k, v in data[key]) for key in ("env", "files")}
    return BehaviourCase(**{**data, **pairs, "args": tuple(data["args"]),
                            "origin": CaseOrigin(data["origin"]),
                            "comparison": Comparison(data["comparison"]),
                            "derivation": CaseDerivation(data.get("derivation", "none"))})


def default_cache_dir() -> Path:
    """`$SINGLE_SHOT_EVAL_CASE_CACHE`, else `$XDG_CACHE_HOME` (or ~/.cache) plus
    `single-shot-eval/cases`."""
    explicit = os.environ.get("SINGLE_SHOT_EVAL_CASE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "single-shot-eval" / "cases"


class CaseCache:
    """Generated case sets on disk, one JSON file per (generator version, program) key."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_dir()

    @staticmethod
    def key(example: Example, generator_version: str, budget: int) -> str:
        digest = hashlib.sha256()
        parts: list[str] = [generator_version, str(budget), example.kind.value,
                            example.script_name, example.python_source,
                            example.entry_point or ""]
        for name, text in example.support_files:
            parts.extend((name, text))
        for part in parts:
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> GeneratedCaseSet | None:
        return self.read(key, GeneratedCaseSet.from_json)

    def put(self, key: str, case_set: GeneratedCaseSet) -> None:
        self.write(key, case_set.to_json())

    def read(self, key: str, parse: Callable[[str], T]) -> T | None:
        """The entry under `key` as `parse` reads it; None when absent or unreadable (then the
        caller generates again)."""
        try:
            return parse(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, key: str, text: str) -> None:
        """Store `text` under `key` atomically."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
            ) as handle:
                handle.write(text)
            os.replace(handle.name, path)
        except OSError:
            pass  # an unwritable cache costs time on the next run, never correctness
