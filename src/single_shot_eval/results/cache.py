"""One cache interface for everything the tool remembers between calls: model responses,
verdicts, Python oracle outputs and lint findings.

A cache maps a key (a SHA-256 hex digest built by whoever owns the namespace) to a text value
(JSON). The results store keeps each namespace in a table of its own
(`ResultStore.cache(namespace)`), so a resumed or repeated evaluation reuses what an earlier one
computed; `MemoryCache` keeps one in this process (a worker's oracle outputs seeded by the
driver, or an evaluation run with `--no-cache`). The typed layers above (the verifier's
`VerdictCache`, the scheduler's response cache, the lint stage) turn values into records and
decide what may be cached at all; a cache only stores text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Protocol


class CacheNamespace(StrEnum):
    """What a cache holds; each namespace is one table of the results store."""

    RESPONSES = "responses"  # model completions, keyed on the request
    VERDICTS = "verdicts"  # verification results, keyed on candidate, checks and toolchain
    ORACLE = "oracle"  # the Python original's outcome on one case
    QUALITY_FINDINGS = "quality_findings"  # clippy and rustfmt findings of a passing answer


class KeyValueCache(Protocol):
    """Text values by key; safe to share across threads."""

    def get(self, key: str) -> str | None:
        """The value stored under `key`, or None."""
        ...

    def put(self, key: str, value: str) -> None:
        """Store `value` under `key`, replacing what was there."""
        ...


class MemoryCache:
    """A cache in this process's memory; `written()` lists what was put since it was made (a
    worker sends those entries back to the driver)."""

    def __init__(self, entries: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._values: dict[str, str] = dict(entries)
        self._written: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value
            self._written.append((key, value))

    def written(self) -> tuple[tuple[str, str], ...]:
        """(key, value) of every `put` so far, in order."""
        with self._lock:
            return tuple(self._written)


class PrefixedCache:
    """A view of `inner` whose keys all start with `prefix`: entries of their own in a shared
    namespace (the harness controls' verdicts beside the contestants')."""

    def __init__(self, inner: KeyValueCache, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def get(self, key: str) -> str | None:
        return self._inner.get(self._prefix + key)

    def put(self, key: str, value: str) -> None:
        self._inner.put(self._prefix + key, value)


class WriteOnlyCache:
    """A view of `inner` that finds nothing but keeps what is put: for a run that must compute
    every value anew (a re-judgement) while later runs may reuse its values."""

    def __init__(self, inner: KeyValueCache) -> None:
        self._inner = inner

    def get(self, key: str) -> str | None:
        return None

    def put(self, key: str, value: str) -> None:
        self._inner.put(key, value)
