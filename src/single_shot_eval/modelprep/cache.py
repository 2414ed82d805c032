"""A bounded on-disk model cache: size limit, least-recently-used eviction, pinning.

Files live in a Hugging Face hub cache layout under `<root>/hub` (huggingface_hub downloads
there itself); `<root>/index.sqlite` records every file this tool fetched: repo, commit, file
name, size, SHA-256, when it was last used and whether it is pinned. The index is SQLite in WAL
mode with full sync, so it survives restarts, concurrent processes (writers serialize on
`BEGIN IMMEDIATE`) and a `kill -9` at any instant: a transaction is either in it or not.

Eviction is crash-safe in two steps: rows are first marked `evicting` (committed), then their
files are deleted and the rows removed. A process killed in between leaves marked rows that the
next `ModelCache` finishes on open; rows whose files vanished are dropped then too.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from single_shot_eval.errors import UserError

DEFAULT_SIZE_LIMIT_BYTES = 10 * 1000**3  # 10 GB
INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    repo_id TEXT NOT NULL,
    revision TEXT NOT NULL,
    filename TEXT NOT NULL,
    path TEXT NOT NULL,
    blob_path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    last_used INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'ready',
    PRIMARY KEY (repo_id, revision, filename)
);
CREATE INDEX IF NOT EXISTS entries_lru ON entries (state, pinned, last_used);
"""

_SIZE_UNITS = {
    "": 1, "B": 1,
    "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
    "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4,
}


class CacheError(UserError):
    """The model cache cannot hold a file or its index is unusable."""


def parse_size(text: str) -> int:
    """`10GB` -> 10_000_000_000 bytes; also MB, KB, TB, the binary GiB family and plain bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _SIZE_UNITS:
        raise UserError(
            f"--cache-size-limit: cannot read size {text!r} (examples: 10GB, 500MB, 2GiB, 4096)"
        )
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def default_cache_root() -> Path:
    """`$SINGLE_SHOT_EVAL_MODEL_CACHE`, else `$XDG_CACHE_HOME/single-shot-eval/models`."""
    explicit = os.environ.get("SINGLE_SHOT_EVAL_MODEL_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "single-shot-eval" / "models"


@dataclass(frozen=True)
class CacheEntry:
    """One cached file: where it came from, where it is, its size and LRU/pin state."""

    repo_id: str
    revision: str
    filename: str
    path: Path
    blob_path: Path
    size_bytes: int
    sha256: str
    pinned: bool
    last_used: int
    added_at: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.repo_id, self.revision, self.filename)


_COLUMNS = (
    "repo_id, revision, filename, path, blob_path, size_bytes, sha256, pinned, last_used, added_at"
)


def _entry(row: tuple[object, ...]) -> CacheEntry:
    return CacheEntry(
        repo_id=str(row[0]),
        revision=str(row[1]),
        filename=str(row[2]),
        path=Path(str(row[3])),
        blob_path=Path(str(row[4])),
        size_bytes=int(str(row[5])),
        sha256=str(row[6]),
        pinned=bool(row[7]),
        last_used=int(str(row[8])),
        added_at=int(str(row[9])),
    )


class ModelCache:
    """The index and size policy over a hub-layout directory. Safe across processes."""

    def __init__(
        self, root: Path | None = None, *, size_limit_bytes: int = DEFAULT_SIZE_LIMIT_BYTES
    ) -> None:
        if size_limit_bytes <= 0:
            raise CacheError(f"cache size limit must be positive, got {size_limit_bytes} bytes")
        self.root = (root or default_cache_root()).expanduser()
        self.size_limit_bytes = size_limit_bytes
        try:
            self.hub_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"{self.root}: cannot create model cache ({exc.strerror})") from None
        self.index_path = self.root / INDEX_NAME
        self._init_schema()
        self.reconcile()

    @property
    def hub_dir(self) -> Path:
        """The huggingface_hub `cache_dir` the files are downloaded into."""
        return self.root / "hub"

    # --- connection ----------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(
                self.index_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise CacheError(f"{self.index_path}: cannot open cache index ({exc})") from None
        try:
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        except sqlite3.DatabaseError as exc:
            raise CacheError(
                f"{self.index_path}: cache index error ({exc}); if it persists, delete the index "
                "(cached files are re-indexed on the next download)"
            ) from None
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; other writers wait (busy timeout) instead of failing."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _init_schema(self) -> None:
        with self._connect() as conn:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise CacheError(f"{self.index_path}: cannot switch the index to WAL mode")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- reading -------------------------------------------------------------------------------

    def get(self, repo_id: str, revision: str, filename: str) -> CacheEntry | None:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE repo_id=? AND revision=? AND filename=? "
                "AND state='ready'",
                (repo_id, revision, filename),
            ).fetchone()
        return _entry(row) if row else None

    def entries(self) -> list[CacheEntry]:
        """Every ready entry, least recently used first."""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE state='ready' ORDER BY last_used"
            ).fetchall()
        return [_entry(r) for r in rows]

    def total_bytes(self) -> int:
        """Bytes on disk of the indexed files (a blob shared by two entries counts once)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT COALESCE(SUM(size_bytes), 0) FROM (SELECT blob_path, MAX(size_bytes) AS "
                "size_bytes FROM entries GROUP BY blob_path)"
            ).fetchone()
        return int(row[0])

    # --- writing -------------------------------------------------------------------------------

    @staticmethod
    def _next_tick(conn: sqlite3.Connection) -> int:
        """A use time later than every recorded one, so LRU order is strict across processes."""
        latest = conn.execute("SELECT COALESCE(MAX(last_used), 0) FROM entries").fetchone()[0]
        return max(time.time_ns(), int(latest) + 1)

    def add(
        self,
        *,
        repo_id: str,
        revision: str,
        filename: str,
        path: Path,
        blob_path: Path,
        size_bytes: int,
        sha256: str,
        pinned: bool = False,
    ) -> CacheEntry:
        """Record a verified file (or refresh it), marking it as just used."""
        with self._write() as conn:
            now = self._next_tick(conn)
            conn.execute(
                f"INSERT INTO entries ({_COLUMNS}, state) VALUES (?,?,?,?,?,?,?,?,?,?,'ready') "
                "ON CONFLICT (repo_id, revision, filename) DO UPDATE SET path=excluded.path, "
                "blob_path=excluded.blob_path, size_bytes=excluded.size_bytes, "
                "sha256=excluded.sha256, pinned=MAX(pinned, excluded.pinned), "
                "last_used=excluded.last_used, state='ready'",
                (
                    repo_id, revision, filename, str(path), str(blob_path), size_bytes, sha256,
                    int(pinned), now, now,
                ),
            )
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE repo_id=? AND revision=? AND filename=?",
                (repo_id, revision, filename),
            ).fetchone()
        return _entry(row)

    def touch(self, repo_id: str, revision: str, filename: str) -> bool:
        """Mark an entry as just used; False when it is not cached."""
        with self._write() as conn:
            now = self._next_tick(conn)
            cursor = conn.execute(
                "UPDATE entries SET last_used=? WHERE repo_id=? AND revision=? AND filename=? "
                "AND state='ready'",
                (now, repo_id, revision, filename),
            )
        return cursor.rowcount > 0

    def touch_path(self, path: Path) -> bool:
        """Mark the entry whose file is `path` as just used (for callers holding only a path)."""
        with self._write() as conn:
            now = self._next_tick(conn)
            cursor = conn.execute(
                "UPDATE entries SET last_used=? WHERE path=? AND state='ready'", (now, str(path))
            )
        return cursor.rowcount > 0

    def pin(self, repo_id: str, filename: str | None = None, *, pinned: bool = True) -> int:
        """Pin (or unpin) every cached file of a repo, or one file; returns how many changed."""
        query = "UPDATE entries SET pinned=? WHERE repo_id=?"
        args: tuple[object, ...] = (int(pinned), repo_id)
        if filename is not None:
            query += " AND filename=?"
            args += (filename,)
        with self._write() as conn:
            cursor = conn.execute(query, args)
        return cursor.rowcount

    def make_room(
        self, incoming_bytes: int, *, protect: Iterable[tuple[str, str, str]] = ()
    ) -> list[CacheEntry]:
        """Evict least-recently-used unpinned entries until `incoming_bytes` more fit.

        Raises `CacheError` when even evicting everything evictable would not make room (the
        file is larger than the limit, or pinned files fill it). Returns the evicted entries.
        """
        protected = set(protect)
        with self._write() as conn:
            rows = [
                _entry(r)
                for r in conn.execute(
                    f"SELECT {_COLUMNS} FROM entries WHERE state='ready' ORDER BY last_used"
                ).fetchall()
            ]
            chosen = _choose_victims(rows, incoming_bytes, self.size_limit_bytes, protected)
            if chosen is None:
                held = _distinct_bytes(rows)
                pinned = _distinct_bytes([r for r in rows if r.pinned or r.key in protected])
                raise CacheError(
                    f"model cache {self.root} cannot fit {incoming_bytes} more bytes under its "
                    f"limit of {self.size_limit_bytes} bytes ({held} held, {pinned} pinned or in "
                    "use); raise --cache-size-limit or unpin files"
                )
            for victim in chosen:
                conn.execute(
                    "UPDATE entries SET state='evicting' WHERE repo_id=? AND revision=? "
                    "AND filename=?",
                    victim.key,
                )
        for victim in chosen:
            self._delete(victim)
        return chosen

    def enforce_limit(self, *, protect: Iterable[tuple[str, str, str]] = ()) -> list[CacheEntry]:
        """Evict until the cache is within its limit (after concurrent additions)."""
        return self.make_room(0, protect=protect)

    def _delete(self, entry: CacheEntry) -> None:
        """Remove an `evicting` entry's files, then its row."""
        with self._connect() as conn:
            others = conn.execute(
                "SELECT COUNT(*) FROM entries WHERE blob_path=? AND NOT (repo_id=? AND "
                "revision=? AND filename=?)",
                (str(entry.blob_path), *entry.key),
            ).fetchone()[0]
        _unlink(entry.path)
        if not others:
            _unlink(entry.blob_path)
        with self._write() as conn:
            conn.execute(
                "DELETE FROM entries WHERE repo_id=? AND revision=? AND filename=? "
                "AND state='evicting'",
                entry.key,
            )

    def forget(self, repo_id: str, revision: str, filename: str) -> None:
        """Drop an entry and its files (used when a cached file fails verification)."""
        with self._write() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE repo_id=? AND revision=? AND filename=?",
                (repo_id, revision, filename),
            ).fetchone()
            if row is None:
                return
            conn.execute(
                "UPDATE entries SET state='evicting' WHERE repo_id=? AND revision=? "
                "AND filename=?",
                (repo_id, revision, filename),
            )
        self._delete(_entry(row))

    def reconcile(self) -> int:
        """Finish evictions a killed process left behind; drop rows whose file is gone."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS}, state FROM entries").fetchall()
        fixed = 0
        for row in rows:
            entry = _entry(row)
            if row[10] == "evicting":
                self._delete(entry)
                fixed += 1
            elif not entry.path.exists():
                with self._write() as conn:
                    conn.execute(
                        "DELETE FROM entries WHERE repo_id=? AND revision=? AND filename=?",
                        entry.key,
                    )
                fixed += 1
        return fixed

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check of the index."""
        with self._connect() as conn:
            return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _distinct_bytes(entries: Iterable[CacheEntry]) -> int:
    sizes: dict[Path, int] = {}
    for e in entries:
        sizes[e.blob_path] = max(sizes.get(e.blob_path, 0), e.size_bytes)
    return sum(sizes.values())


def _choose_victims(
    rows: list[CacheEntry],
    incoming_bytes: int,
    limit_bytes: int,
    protected: set[tuple[str, str, str]],
) -> list[CacheEntry] | None:
    """LRU-first victims so that held + incoming <= limit, or None when impossible."""
    held = _distinct_bytes(rows)
    if held + incoming_bytes <= limit_bytes:
        return []
    chosen: list[CacheEntry] = []
    remaining = list(rows)
    for candidate in rows:  # rows are least recently used first
        if candidate.pinned or candidate.key in protected:
            continue
        chosen.append(candidate)
        remaining.remove(candidate)
        if _distinct_bytes(remaining) + incoming_bytes <= limit_bytes:
            return chosen
    return None


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise CacheError(f"{path}: cannot delete cached file ({exc.strerror})") from None
