"""A bounded on-disk model cache: size limit, least-recently-used eviction, pinning.

huggingface_hub downloads into its cache layout under `<root>/hub` and is the source of truth
for what is on disk: `scan_cache_dir` lists repos, revisions, files and blobs (a blob shared by
two revisions counts once), `HFCacheInfo.delete_files(...).execute()` evicts (pointer first,
then the blob once no other file uses it). `<root>/index.sqlite` keeps only what the hub cache
does not know: the SHA-256 verified at download, pins, and a last-used tick per file. The tick
is ours rather than the blob's atime (`blob_last_accessed`): noatime/relatime mounts update atime
rarely or never, and hashing a file to verify it reads it without using it; a tick taken under
the index's write lock orders uses strictly across processes. Files the index does not record
(a download killed before its checksum was recorded) count towards the limit and go first.

The unit of eviction is the file, not the revision of `delete_revisions`: one revision of a GGUF
repo holds many alternative quantizations (gigabytes each) of which a models file names one or
two; evicting whole revisions would drop files in use, or find no room while the revision being
fetched holds the only evictable bytes.

The index is SQLite (WAL, full sync). Every operation that scans or deletes holds its write lock
(`BEGIN IMMEDIATE`), so processes serialize and no scan races a deletion. Eviction is crash-safe
in two steps: victims are marked `evicting` with their blob path (committed), then deleted and
their rows removed. A process killed in between, or inside `execute()` after the pointers went,
leaves marked rows the next `ModelCache` finishes on open; rows of vanished files are dropped
then, and pointers whose blob was deleted behind our back (the scan would skip their repo).
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
from typing import TYPE_CHECKING

from single_shot_eval.errors import UserError

if TYPE_CHECKING:
    from huggingface_hub import CachedFileInfo, HFCacheInfo

DEFAULT_SIZE_LIMIT_BYTES = 10 * 1000**3  # 10 GB
INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 2
_BUSY_TIMEOUT_S = 60.0
# A download's reservation protects its file from other processes' evictions for this long (a
# multi-GB fetch and its checksum can take hours); an older one is a killed process's leftover.
RESERVATION_TTL_S = 12 * 3600.0

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS files (repo_id TEXT NOT NULL, revision TEXT NOT NULL, "
    "filename TEXT NOT NULL, sha256 TEXT, pinned INTEGER NOT NULL DEFAULT 0, "
    "last_used INTEGER NOT NULL, added_at INTEGER NOT NULL, state TEXT NOT NULL, "
    "blob_path TEXT, PRIMARY KEY (repo_id, revision, filename))"
)
# state: fetching (reserved by a download, unverified), ready (verified), evicting (`blob_path`
# names the blob to delete should its pointer be gone already).
_COLUMNS = "repo_id, revision, filename, sha256, pinned, last_used, added_at, state, blob_path"
# Schema 1 indexed every file itself (`entries` with paths and sizes); keep what it knew.
_FROM_V1 = f"INSERT OR IGNORE INTO files ({_COLUMNS}) SELECT {_COLUMNS} FROM entries"

_SIZE_UNITS = {
    "": 1, "B": 1,
    "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
    "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4,
}

Key = tuple[str, str, str]  # (repo_id, revision, filename)


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
class _Row:
    """What the index knows of a file."""

    sha256: str | None
    pinned: bool
    last_used: int
    added_at: int
    state: str
    blob_path: str | None


@dataclass(frozen=True)
class CacheEntry:
    """One cached file: where it came from, where it is, its size and LRU/pin state.

    `sha256` is None for a file the index holds no verified checksum for."""

    repo_id: str
    revision: str
    filename: str
    path: Path
    blob_path: Path
    size_bytes: int
    sha256: str | None
    pinned: bool
    last_used: int
    added_at: int

    @property
    def key(self) -> Key:
        return (self.repo_id, self.revision, self.filename)


@dataclass(frozen=True)
class _View:
    """The hub's scan with every file under its (repo_id, commit, path in repo) key."""

    info: HFCacheInfo
    files: dict[Key, CachedFileInfo]
    scanned_repo_dirs: frozenset[str]

    def held_bytes(self, leaving: Iterable[Key] = ()) -> int:
        """Bytes on disk once the files `leaving` are deleted (the hub's blob accounting)."""
        gone = [self.files[k] for k in leaving if k in self.files]
        return self.info.size_on_disk - self.info.delete_files(*gone).expected_freed_size


def _scan_hub(hub_dir: Path) -> _View:
    """Scan with huggingface_hub; first unlink snapshot pointers whose blob is gone."""
    try:
        from huggingface_hub import scan_cache_dir
    except ImportError:
        raise CacheError(
            "the model cache needs huggingface_hub: pip install 'single-shot-eval[hub]'"
        ) from None
    hub_dir.mkdir(parents=True, exist_ok=True)  # scan_cache_dir refuses a missing dir
    info = scan_cache_dir(hub_dir)
    scanned = {repo.repo_path.name for repo in info.repos}
    dangling = [
        pointer
        for repo_dir in hub_dir.iterdir()
        if repo_dir.name not in scanned and (repo_dir / "snapshots").is_dir()
        for pointer in (repo_dir / "snapshots").glob("*/**/*")
        if pointer.is_symlink() and not pointer.exists()
    ]
    for pointer in dangling:
        pointer.unlink(missing_ok=True)
    if dangling:
        info = scan_cache_dir(hub_dir)
    files = {
        (repo.repo_id, revision.commit_hash, f.file_path.relative_to(revision.snapshot_path)
         .as_posix()): f
        for repo in info.repos
        for revision in repo.revisions
        for f in revision.files
    }
    return _View(info, files, frozenset(repo.repo_path.name for repo in info.repos))


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
            conn = sqlite3.connect(self.index_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
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
        with self._write() as conn:
            conn.execute(_SCHEMA)
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name='entries'").fetchone():
                conn.execute(_FROM_V1)
                conn.execute("DROP TABLE entries")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- reading -------------------------------------------------------------------------------

    @staticmethod
    def _rows(conn: sqlite3.Connection) -> dict[Key, _Row]:
        return {
            (str(r[0]), str(r[1]), str(r[2])): _Row(
                sha256=None if r[3] is None else str(r[3]), pinned=bool(r[4]),
                last_used=int(r[5]), added_at=int(r[6]), state=str(r[7]),
                blob_path=None if r[8] is None else str(r[8]),
            )
            for r in conn.execute(f"SELECT {_COLUMNS} FROM files").fetchall()
        }

    @staticmethod
    def _entry(key: Key, info: CachedFileInfo, row: _Row | None) -> CacheEntry:
        return CacheEntry(
            repo_id=key[0], revision=key[1], filename=key[2], path=info.file_path,
            blob_path=info.blob_path, size_bytes=info.size_on_disk,
            sha256=row.sha256 if row else None, pinned=bool(row and row.pinned),
            last_used=row.last_used if row else 0, added_at=row.added_at if row else 0,
        )

    def _ready(self, conn: sqlite3.Connection) -> list[CacheEntry]:
        """Verified files that are on disk, least recently used first."""
        view, rows = _scan_hub(self.hub_dir), self._rows(conn)
        ready = [
            self._entry(key, info, rows[key])
            for key, info in view.files.items()
            if key in rows and rows[key].state == "ready"
        ]
        return sorted(ready, key=lambda e: e.last_used)

    def get(self, repo_id: str, revision: str, filename: str) -> CacheEntry | None:
        """The verified file under this key, if it is on disk."""
        return next((e for e in self.entries() if e.key == (repo_id, revision, filename)), None)

    def entries(self) -> list[CacheEntry]:
        """Every verified file on disk, least recently used first."""
        with self._write() as conn:
            return self._ready(conn)

    def total_bytes(self) -> int:
        """Bytes on disk in the hub cache, files being evicted aside (shared blobs count once)."""
        with self._write() as conn:
            leaving = [k for k, row in self._rows(conn).items() if row.state == "evicting"]
            return _scan_hub(self.hub_dir).held_bytes(leaving)

    # --- writing -------------------------------------------------------------------------------

    @staticmethod
    def _next_tick(conn: sqlite3.Connection) -> int:
        """A use time later than every recorded one, so LRU order is strict across processes."""
        latest = conn.execute("SELECT COALESCE(MAX(last_used), 0) FROM files").fetchone()[0]
        return max(time.time_ns(), int(latest) + 1)

    def reserve(self, repo_id: str, revision: str, filename: str) -> None:
        """Mark a file as about to be fetched and used, before it is verified: no concurrent
        process evicts it while the download is in flight (for `RESERVATION_TTL_S`; after that
        it is a leftover, evicted in LRU order), so the `add` that follows finds it."""
        with self._write() as conn:
            now = self._next_tick(conn)
            conn.execute(
                f"INSERT INTO files ({_COLUMNS}) VALUES (?,?,?,NULL,0,?,?,'fetching',NULL) "
                "ON CONFLICT (repo_id, revision, filename) DO UPDATE SET last_used=?",
                (repo_id, revision, filename, now, now, now),
            )

    def add(
        self, *, repo_id: str, revision: str, filename: str, sha256: str, pinned: bool = False
    ) -> CacheEntry:
        """Record the verified checksum of a file huggingface_hub placed in the cache, marking
        it as just used; `CacheError` when the hub's scan does not find the file."""
        key = (repo_id, revision, filename)
        with self._write() as conn:
            info = _scan_hub(self.hub_dir).files.get(key)
            if info is None:
                raise CacheError(
                    f"{repo_id}@{revision[:12]}/{filename}: not in the hub cache {self.hub_dir}"
                )
            now = self._next_tick(conn)
            conn.execute(
                f"INSERT INTO files ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,'ready',NULL) "
                "ON CONFLICT (repo_id, revision, filename) DO UPDATE SET sha256=excluded.sha256, "
                "pinned=MAX(pinned, excluded.pinned), last_used=excluded.last_used, "
                "state='ready', blob_path=NULL",
                (*key, sha256, int(pinned), now, now),
            )
            return self._entry(key, info, self._rows(conn)[key])

    def touch(self, repo_id: str, revision: str, filename: str) -> bool:
        """Mark a verified file as just used; False when it is not cached."""
        with self._write() as conn:
            now = self._next_tick(conn)
            cursor = conn.execute(
                "UPDATE files SET last_used=? WHERE repo_id=? AND revision=? AND filename=? "
                "AND state='ready'",
                (now, repo_id, revision, filename),
            )
        return cursor.rowcount > 0

    def touch_path(self, path: Path) -> bool:
        """Mark the file at snapshot path `path` as just used (for callers holding a path)."""
        wanted = Path(os.path.realpath(path.parent)) / path.name
        with self._write():  # the lock: no scan while another process deletes
            keys = [k for k, f in _scan_hub(self.hub_dir).files.items() if f.file_path == wanted]
        return bool(keys) and self.touch(*keys[0])

    def pin(self, repo_id: str, filename: str | None = None, *, pinned: bool = True) -> int:
        """Pin (or unpin) every recorded file of a repo, or one file; returns how many changed."""
        query = "UPDATE files SET pinned=? WHERE repo_id=? AND state!='evicting'"
        args: tuple[object, ...] = (int(pinned), repo_id)
        if filename is not None:
            query += " AND filename=?"
            args += (filename,)
        with self._write() as conn:
            cursor = conn.execute(query, args)
        return cursor.rowcount

    def make_room(self, incoming_bytes: int, *, protect: Iterable[Key] = ()) -> list[CacheEntry]:
        """Evict least-recently-used unpinned files until `incoming_bytes` more fit.

        Files the index does not record go first; files a download has reserved (and not yet
        recorded) within `RESERVATION_TTL_S` are in use and never chosen. Raises `CacheError`
        when even evicting everything evictable would not make room (the file is larger than
        the limit, or pinned or reserved files fill it); nothing is evicted then. Returns the
        evicted files.
        """
        protected = set(protect)
        with self._write() as conn:
            view, rows = _scan_hub(self.hub_dir), self._rows(conn)
            leaving = {k for k, row in rows.items() if row.state == "evicting"}
            fresh_ns = time.time_ns() - int(RESERVATION_TTL_S * 1e9)
            protected |= {
                k for k, row in rows.items() if row.state == "fetching" and row.last_used > fresh_ns
            }
            candidates = sorted(
                (k for k in view.files if k not in protected and k not in leaving
                 and not (k in rows and rows[k].pinned)),
                key=lambda k: (rows[k].last_used if k in rows else 0,
                               view.files[k].blob_last_modified, k),
            )
            chosen: list[Key] = []
            while view.held_bytes([*leaving, *chosen]) + incoming_bytes > self.size_limit_bytes:
                if len(chosen) == len(candidates):
                    held = view.held_bytes(leaving)
                    kept = view.held_bytes([*leaving, *candidates])
                    raise CacheError(
                        f"model cache {self.root} cannot fit {incoming_bytes} more bytes under "
                        f"its limit of {self.size_limit_bytes} bytes ({held} held, {kept} pinned "
                        "or in use); raise --cache-size-limit or unpin files"
                    )
                chosen.append(candidates[len(chosen)])
            victims = [self._entry(k, view.files[k], rows.get(k)) for k in chosen]
            for victim in victims:
                self._mark_evicting(conn, victim.key, victim.blob_path)
        if victims:
            self._finish_evictions()
        return victims

    def enforce_limit(self, *, protect: Iterable[Key] = ()) -> list[CacheEntry]:
        """Evict until the cache is within its limit (after concurrent additions)."""
        return self.make_room(0, protect=protect)

    @staticmethod
    def _mark_evicting(conn: sqlite3.Connection, key: Key, blob_path: Path | None) -> None:
        conn.execute(
            f"INSERT INTO files ({_COLUMNS}) VALUES (?,?,?,NULL,0,0,0,'evicting',?) "
            "ON CONFLICT (repo_id, revision, filename) DO UPDATE SET state='evicting', "
            "blob_path=excluded.blob_path",
            (*key, blob_path and str(blob_path)),
        )

    def _finish_evictions(self) -> int:
        """Delete the files of `evicting` rows with huggingface_hub, then the rows; also the
        blobs of pointers already gone (a killed `execute()`), if no other file uses them."""
        with self._write() as conn:
            marked = {k: r for k, r in self._rows(conn).items() if r.state == "evicting"}
            if not marked:
                return 0
            view = _scan_hub(self.hub_dir)
            used = {f.blob_path for k, f in view.files.items() if k not in marked}
            orphans = {Path(r.blob_path) for r in marked.values() if r.blob_path} - used
            present = [view.files[k] for k in marked if k in view.files]
            try:  # on failure the rows stay marked: the next open tries again
                view.info.delete_files(*present).execute()
                for blob in orphans:
                    blob.unlink(missing_ok=True)
            except OSError as exc:
                where, why = exc.filename, exc.strerror
                raise CacheError(f"{where}: cannot delete cached file ({why})") from None
            conn.execute("DELETE FROM files WHERE state='evicting'")
        return len(marked)

    def forget(self, repo_id: str, revision: str, filename: str) -> None:
        """Drop a file from the cache and the index (used when a file fails verification)."""
        key = (repo_id, revision, filename)
        with self._write() as conn:
            info = _scan_hub(self.hub_dir).files.get(key)
            self._mark_evicting(conn, key, info.blob_path if info else None)
        self._finish_evictions()

    def reconcile(self) -> int:
        """Finish evictions a killed process left behind; drop rows of verified files that are
        gone (rows of repos the hub's scan could not read are kept, as is a download's
        reservation). Returns how many rows were fixed."""
        fixed = self._finish_evictions()
        with self._write() as conn:
            view = _scan_hub(self.hub_dir)
            from huggingface_hub.file_download import repo_folder_name

            for key, row in self._rows(conn).items():
                folder = repo_folder_name(repo_id=key[0], repo_type="model")
                readable = folder in view.scanned_repo_dirs or not (self.hub_dir / folder).exists()
                if row.state == "ready" and key not in view.files and readable:
                    conn.execute(
                        "DELETE FROM files WHERE repo_id=? AND revision=? AND filename=?", key
                    )
                    fixed += 1
        return fixed

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check of the index."""
        with self._connect() as conn:
            return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

