"""What produced a results store: tool and toolchain versions, tasks, models, seed, dates.

The store keeps provenance as text in its `meta` table, one row per key; JSON-valued keys
(`tasks`, `models`, `numeric_settings`, ...) hold a JSON document. `RunProvenance` is that table
as one typed record: `RunProvenance.from_meta` parses the rows, `RunProvenance.to_meta` writes
exactly the text this tool has always written (so stores written before the record existed and
after it are interchangeable), and keys this version does not know are kept in `other`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

# The store's own bookkeeping row (the store migrates it; it is not provenance).
SCHEMA_KEY = "schema_version"

# JSON-valued keys, and whether their objects are written with sorted keys (as they always were).
_JSON_KEYS: dict[str, bool] = {
    "tasks": True,
    "models": True,
    "numeric_settings": True,
    "model_notes": True,
    "broken_examples": False,
    "baselines": False,
    "case_counts": True,
    "unjudgeable_examples": True,
    "python_lines": True,
}
_DATE_KEYS = frozenset({"started_at", "updated_at"})


class ProvenanceError(ValueError):
    """A provenance row that cannot be read (`key` names it)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"meta.{key}: {message}")
        self.key = key


class RunProvenance(BaseModel):
    """One typed field per provenance key; None: the store does not record it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool_version: str | None = None
    rustc_version: str | None = None  # `rustc -vV`, several lines
    python_version: str | None = None
    toolchain_fingerprint: str | None = None
    sandbox: str | None = None  # "bubblewrap" or "degraded"
    seed: int | Literal["task default"] | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    last_wall_time_s: float | None = None
    # Each task's configuration as JSON (by task id), each model's configuration as JSON.
    tasks: dict[str, dict[str, Any]] | None = None
    models: list[dict[str, Any]] | None = None
    # model id -> settings that change a local model's arithmetic (part of the cache key)
    numeric_settings: dict[str, dict[str, str]] | None = None
    model_notes: dict[str, str] | None = None  # model id -> what its backend chose and why
    executor: str | None = None
    corpus: str | None = None  # the corpus path as recorded (perhaps on another machine)
    broken_examples: list[dict[str, Any]] | None = None  # `run/controls.controls_to_json` rows
    baselines: list[str] | None = None  # ids of the models evaluated as baselines, sorted
    case_counts: dict[str, tuple[int, int]] | None = None  # example -> (hand-written, generated)
    unjudgeable_examples: dict[str, str] | None = None  # example id -> why nothing judges it
    python_lines: dict[str, int] | None = None  # example -> code lines of its Python (lint stage)
    # meta rows this version does not know (kept, and written back unchanged)
    other: dict[str, str] = {}

    @classmethod
    def from_meta(cls, rows: Mapping[str, str]) -> RunProvenance:
        """Parse the `meta` table's rows (the schema row is left out; unknown keys kept)."""
        known = set(cls.model_fields) - {"other"}
        fields: dict[str, Any] = {}
        other: dict[str, str] = {}
        for key, text in rows.items():
            if key == SCHEMA_KEY:
                continue
            if key not in known:
                other[key] = text
                continue
            fields[key] = _parse(key, text)
            try:  # validate key by key, so that an error names its row
                cls.model_validate({key: fields[key]})
            except ValidationError as exc:
                raise ProvenanceError(key, exc.errors()[0]["msg"]) from None
        return cls.model_validate({**fields, "other": other})

    def to_meta(self) -> dict[str, str]:
        """The text of every recorded key, exactly as it is stored (`other` included)."""
        rows: dict[str, str] = {}
        for key in type(self).model_fields:
            value = getattr(self, key)
            if key != "other" and value is not None:
                rows[key] = _format(key, value)
        return {**rows, **self.other}

    def display_items(self, keys: Iterable[str]) -> dict[str, str]:
        """The stored text of those of `keys` the store records (what reports show as text)."""
        rows = self.to_meta()
        return {key: rows[key] for key in keys if key in rows}

    def json_items(self, keys: Iterable[str]) -> dict[str, Any]:
        """Like `display_items`, but JSON-valued keys as their parsed values."""
        return {key: getattr(self, key) if key in _JSON_KEYS else text
                for key, text in self.display_items(keys).items()}


def _parse(key: str, text: str) -> Any:
    """A stored row's text as the value its field validates."""
    try:
        if key in _JSON_KEYS:
            return json.loads(text)
        if key in _DATE_KEYS:
            return datetime.fromisoformat(text)
        if key == "seed":
            return text if text == "task default" else int(text)
        if key == "last_wall_time_s":
            return float(text)
    except ValueError as exc:
        raise ProvenanceError(key, f"cannot be read ({exc})") from None
    return text


_FORMATS: dict[str, Callable[[Any], str]] = {
    "started_at": lambda d: d.isoformat(timespec="seconds"),
    "updated_at": lambda d: d.isoformat(timespec="seconds"),
    "last_wall_time_s": lambda s: f"{s:.3f}",
}


def _format(key: str, value: Any) -> str:
    """A field's value as the text the store keeps."""
    if key in _JSON_KEYS:
        return json.dumps(value, sort_keys=_JSON_KEYS[key])
    if key in _FORMATS:
        return _FORMATS[key](value)
    return str(value)
