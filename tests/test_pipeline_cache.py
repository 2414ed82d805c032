"""The bounded model cache: LRU order, pinning, limits, and an index that survives kill -9."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from single_shot_eval.errors import UserError
from single_shot_eval.modelprep.cache import CacheError, ModelCache, parse_size

REPO = Path(__file__).resolve().parents[1]


REV = "c" * 40
REPO_DIR = "models--org--repo"


def _put(hub_dir: Path, name: str, size: int, *, revision: str = REV) -> Path:
    """Place a file as huggingface_hub does: a blob named by its SHA-256, a snapshot pointer."""
    content = name.encode().ljust(size, b"x")
    blob = hub_dir / REPO_DIR / "blobs" / hashlib.sha256(content).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(content)
    pointer = hub_dir / REPO_DIR / "snapshots" / revision / name
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.symlink_to(os.path.relpath(blob, pointer.parent))
    return pointer


def _add(cache: ModelCache, name: str, size: int, *, pinned: bool = False) -> Path:
    pointer = _put(cache.hub_dir, name, size)
    cache.add(repo_id="org/repo", revision=REV, filename=name, sha256=name, pinned=pinned)
    return pointer


def test_parse_size() -> None:
    assert parse_size("10GB") == 10_000_000_000
    assert parse_size("500 MB") == 500_000_000
    assert parse_size("2GiB") == 2 * 1024**3
    assert parse_size("1.5kb") == 1500
    assert parse_size("4096") == 4096
    with pytest.raises(UserError, match="cannot read size"):
        parse_size("ten gigs")


def test_lru_eviction_order_under_a_tiny_limit(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, size_limit_bytes=300)
    a = _add(cache, "a", 100)
    b = _add(cache, "b", 100)
    c = _add(cache, "c", 100)
    assert cache.total_bytes() == 300
    assert cache.touch("org/repo", "c" * 40, "a")  # a is now the most recently used
    evicted = cache.make_room(150)
    assert [e.filename for e in evicted] == ["b", "c"]  # least recently used first
    assert not b.exists() and not c.exists() and a.exists()
    assert len(list((cache.hub_dir / REPO_DIR / "blobs").iterdir())) == 1  # their blobs too
    assert [e.filename for e in cache.entries()] == ["a"]
    d = _add(cache, "d", 100)
    _add(cache, "e", 100)
    cache.touch_path(d)
    # order now: a (oldest), e, d; one more file evicts exactly a
    assert [e.filename for e in cache.make_room(100)] == ["a"]
    assert [e.filename for e in cache.entries()] == ["e", "d"]


def test_pinned_files_are_never_evicted(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, size_limit_bytes=250)
    _add(cache, "old_pinned", 100, pinned=True)
    _add(cache, "newer", 100)
    assert [e.filename for e in cache.make_room(100)] == ["newer"]
    assert cache.get("org/repo", "c" * 40, "old_pinned") is not None
    with pytest.raises(CacheError, match="cannot fit 200 more bytes"):
        cache.make_room(200)
    assert cache.pin("org/repo", "old_pinned", pinned=False) == 1
    assert [e.filename for e in cache.make_room(200)] == ["old_pinned"]


def test_protected_and_oversized(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, size_limit_bytes=200)
    _add(cache, "a", 100)
    _add(cache, "b", 100)
    key_a = ("org/repo", "c" * 40, "a")
    assert [e.filename for e in cache.make_room(100, protect=[key_a])] == ["b"]
    with pytest.raises(CacheError, match="limit of 200 bytes"):
        cache.make_room(500)
    assert cache.get(*key_a) is not None  # a failed make_room evicts nothing


def test_shared_blob_counts_once_and_survives_partial_eviction(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, size_limit_bytes=1000)
    links = [_put(cache.hub_dir, "model.gguf", 400, revision=r) for r in ("1" * 40, "2" * 40)]
    blob = links[0].resolve()
    assert links[1].resolve() == blob  # same content, one blob, as the hub stores it
    for revision in ("1" * 40, "2" * 40):
        cache.add(repo_id="org/repo", revision=revision, filename="model.gguf", sha256="s")
    assert cache.total_bytes() == 400
    cache.forget("org/repo", "1" * 40, "model.gguf")
    assert not links[0].is_symlink()
    assert blob.exists() and links[1].exists()
    assert cache.total_bytes() == 400
    cache.forget("org/repo", "2" * 40, "model.gguf")
    assert not blob.exists()
    assert cache.entries() == []
    assert cache.total_bytes() == 0


def test_index_survives_restart_and_drops_rows_of_deleted_files(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path, size_limit_bytes=10_000)
    _add(cache, "kept", 10)
    gone = _add(cache, "gone", 10)
    gone.unlink()
    reopened = ModelCache(tmp_path, size_limit_bytes=10_000)
    assert [e.filename for e in reopened.entries()] == ["kept"]
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_CHILD = textwrap.dedent(
    """
    import hashlib, os, sys, time
    from pathlib import Path
    from single_shot_eval.modelprep.cache import ModelCache

    root, mode, prefix = Path(sys.argv[1]), sys.argv[2], sys.argv[4]
    cache = ModelCache(root, size_limit_bytes=int(sys.argv[3]))
    storage = cache.hub_dir / "models--org--repo"

    def put(name):
        content = name.encode().ljust(100, b"z")
        blob = storage / "blobs" / hashlib.sha256(content).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(content)
        pointer = storage / "snapshots" / ("c" * 40) / name
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.symlink_to(os.path.relpath(blob, pointer.parent))

    def add(name):
        put(name)
        cache.add(repo_id="org/repo", revision="c" * 40, filename=name, sha256=name)

    if mode == "loop":
        i = 0
        while True:
            add(f"{prefix}{i:05d}")
            print(f"committed {prefix}{i:05d}", flush=True)
            cache.touch("org/repo", "c" * 40, f"{prefix}{i // 2:05d}")
            i += 1
    elif mode == "open-transaction":
        add("before")
        print("committed before", flush=True)
        put("uncommitted")  # on disk; its index row is never committed
        with cache._write() as conn:
            conn.execute(
                "INSERT INTO files (repo_id, revision, filename, sha256, last_used, added_at, "
                "state) VALUES ('org/repo', ?, 'uncommitted', 's', 1, 1, 'ready')", ("c" * 40,))
            print("inside transaction", flush=True)
            time.sleep(600)
    elif mode == "evict-loop":  # as download_models does: reserve, fetch, record, enforce
        for i in range(20):
            key = ("org/repo", "c" * 40, f"{prefix}{i:05d}")
            cache.reserve(*key)
            put(key[2])
            cache.add(repo_id=key[0], revision=key[1], filename=key[2], sha256="s")
            cache.enforce_limit(protect=[key])
        print("done", flush=True)
    elif mode == "mid-eviction":
        for name in ("a", "b", "c"):
            add(name)
        def stall():
            print("marked", flush=True)
            time.sleep(600)
        cache._finish_evictions = stall
        cache.make_room(150)
    """
)


def _start_child(
    root: Path, mode: str, limit: int, prefix: str = "f"
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root), mode, str(limit), prefix],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )


def _read_until(child: subprocess.Popen[str], marker: str, count: int = 1) -> list[str]:
    assert child.stdout is not None
    lines: list[str] = []
    while sum(marker in line for line in lines) < count:
        line = child.stdout.readline()
        if not line:
            assert child.stderr is not None
            raise AssertionError(f"child ended early: {child.stderr.read()[-2000:]}")
        lines.append(line.strip())
    return lines


def _kill9(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL


def test_index_survives_kill_9_while_writing_in_a_loop(tmp_path: Path) -> None:
    child = _start_child(tmp_path, "loop", 10**9)
    lines = _read_until(child, "committed", 40)
    _kill9(child)
    committed = {line.split()[1] for line in lines if line.startswith("committed")}
    cache = ModelCache(tmp_path, size_limit_bytes=10**9)
    assert cache.integrity_ok()
    names = {e.filename for e in cache.entries()}
    assert committed <= names  # every acknowledged write is there
    assert all(e.path.exists() and e.size_bytes == 100 for e in cache.entries())
    last_used = [e.last_used for e in cache.entries()]
    assert len(set(last_used)) == len(last_used)  # strict LRU order
    _add(cache, "after_kill", 100)  # and the index still takes writes
    assert cache.get("org/repo", "c" * 40, "after_kill") is not None


def test_kill_9_inside_an_open_transaction_loses_only_that_transaction(tmp_path: Path) -> None:
    child = _start_child(tmp_path, "open-transaction", 10**9)
    _read_until(child, "inside transaction")
    _kill9(child)
    cache = ModelCache(tmp_path, size_limit_bytes=10**9)
    assert cache.integrity_ok()
    assert [e.filename for e in cache.entries()] == ["before"]
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        assert conn.execute("SELECT filename FROM files").fetchall() == [("before",)]


def test_kill_9_mid_eviction_is_finished_by_the_next_process(tmp_path: Path) -> None:
    child = _start_child(tmp_path, "mid-eviction", 300)
    _read_until(child, "marked")
    _kill9(child)
    storage = tmp_path / "hub" / REPO_DIR
    pointers = {n: storage / "snapshots" / REV / n for n in ("a", "b", "c")}
    blobs = {n: p.resolve() for n, p in pointers.items()}
    assert all(p.exists() for p in pointers.values())  # marked, not yet deleted
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        states = dict(conn.execute("SELECT filename, state FROM files").fetchall())
    assert states == {"a": "evicting", "b": "evicting", "c": "ready"}
    cache = ModelCache(tmp_path, size_limit_bytes=300)  # reconciles on open
    assert [e.filename for e in cache.entries()] == ["c"]
    assert not blobs["a"].exists() and not blobs["b"].exists()
    assert not pointers["a"].is_symlink() and not pointers["b"].is_symlink()
    assert blobs["c"].exists()


def test_concurrent_processes_share_one_index(tmp_path: Path) -> None:
    ModelCache(tmp_path, size_limit_bytes=10**9)  # create the schema once
    children = [_start_child(tmp_path, "loop", 10**9, prefix) for prefix in ("p", "q")]
    try:
        outputs = [_read_until(child, "committed", 25) for child in children]
    finally:
        for child in children:
            _kill9(child)
    cache = ModelCache(tmp_path, size_limit_bytes=10**9)
    assert cache.integrity_ok()
    names = {e.filename for e in cache.entries()}
    for lines in outputs:
        assert {line.split()[1] for line in lines if line.startswith("committed")} <= names
    assert len(names) >= 50  # both writers' files, none lost


def test_unrecorded_files_count_and_go_first_unless_reserved(tmp_path: Path) -> None:
    """Files the index does not record (a download killed before its checksum was recorded)
    use disk like any other: they count towards the limit and are evicted first; a freshly
    reserved one (a download in flight, maybe in another process) is never evicted, and a stale
    reservation (its process killed long ago) takes its place in LRU order."""
    cache = ModelCache(tmp_path, size_limit_bytes=400)
    leftover = _put(cache.hub_dir, "leftover", 100)
    in_flight = _put(cache.hub_dir, "in_flight", 100)
    _add(cache, "old", 100)
    cache.reserve("org/repo", REV, "in_flight")
    assert cache.total_bytes() == 300
    assert [e.filename for e in cache.entries()] == ["old"]  # only verified files are listed
    assert [e.filename for e in cache.make_room(200)] == ["leftover"]
    assert not leftover.exists() and in_flight.exists()
    assert [e.filename for e in cache.make_room(300)] == ["old"]
    assert in_flight.exists()
    other_process = ModelCache(tmp_path, size_limit_bytes=400)
    with pytest.raises(CacheError, match="cannot fit 301 more bytes"):
        other_process.make_room(301)  # the download in flight is not chosen
    assert in_flight.exists()
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:  # its process died a day ago
        stale = time.time_ns() - 24 * 3600 * 10**9
        conn.execute("UPDATE files SET last_used=? WHERE filename='in_flight'", (stale,))
    assert [e.filename for e in other_process.make_room(301)] == ["in_flight"]
    assert cache.total_bytes() == 0


def test_a_blob_deleted_behind_the_caches_back_drops_only_its_file(tmp_path: Path) -> None:
    """A snapshot pointer whose blob is gone makes huggingface_hub skip its whole repo; the
    cache unlinks the dangling pointer so the repo's other files stay counted and listed."""
    cache = ModelCache(tmp_path, size_limit_bytes=10_000)
    kept = _add(cache, "kept", 10)
    gone = _add(cache, "gone", 20)
    gone.resolve().unlink()
    assert gone.is_symlink() and not gone.exists()
    assert cache.total_bytes() == 10
    assert [e.filename for e in cache.entries()] == ["kept"]
    assert not gone.is_symlink() and kept.exists()
    reopened = ModelCache(tmp_path, size_limit_bytes=10_000)
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        assert conn.execute("SELECT filename FROM files").fetchall() == [("kept",)]
    assert reopened.get("org/repo", REV, "kept") is not None


def test_an_eviction_killed_between_pointer_and_blob_is_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`execute()` unlinks pointers before blobs; a kill in between leaves a blob no pointer
    names, invisible to the hub's scan. The marked row remembers it; the next open deletes it."""
    cache = ModelCache(tmp_path, size_limit_bytes=200)
    victim = _add(cache, "victim", 100)
    _add(cache, "newer", 100)
    blob = victim.resolve()
    monkeypatch.setattr(cache, "_finish_evictions", lambda: 0)  # killed right after marking
    assert [e.filename for e in cache.make_room(100)] == ["victim"]
    victim.unlink()  # what execute() does first
    assert blob.exists()
    reopened = ModelCache(tmp_path, size_limit_bytes=200)
    assert not blob.exists()
    assert [e.filename for e in reopened.entries()] == ["newer"]
    assert reopened.total_bytes() == 100


def test_a_schema_1_index_keeps_its_checksums_pins_and_order(tmp_path: Path) -> None:
    """Schema 1 indexed every file itself; opening it keeps what the hub cache cannot know."""
    hub = tmp_path / "hub"
    pointers = {name: _put(hub, name, 50) for name in ("a", "b")}
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        conn.execute(
            "CREATE TABLE entries (repo_id TEXT NOT NULL, revision TEXT NOT NULL, filename "
            "TEXT NOT NULL, path TEXT NOT NULL, blob_path TEXT NOT NULL, size_bytes INTEGER "
            "NOT NULL, sha256 TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0, last_used "
            "INTEGER NOT NULL, added_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'ready', "
            "PRIMARY KEY (repo_id, revision, filename))"
        )
        for name, last_used, pinned in (("a", 20, 1), ("b", 10, 0)):
            conn.execute(
                "INSERT INTO entries VALUES ('org/repo', ?, ?, ?, ?, 50, ?, ?, ?, 1, 'ready')",
                (REV, name, str(pointers[name]), str(pointers[name].resolve()), f"sha-{name}",
                 pinned, last_used),
            )
        conn.execute("PRAGMA user_version=1")
    cache = ModelCache(tmp_path, size_limit_bytes=100)
    assert [(e.filename, e.sha256, e.pinned) for e in cache.entries()] == [
        ("b", "sha-b", False), ("a", "sha-a", True)
    ]
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='entries'").fetchone()
    with pytest.raises(CacheError, match="50 pinned"):
        cache.make_room(60)  # a stays pinned: only b can go, which is not enough


def test_concurrent_processes_evicting_keep_the_limit_and_leave_no_orphans(tmp_path: Path) -> None:
    """Two processes fetch and evict in one cache under a 5-file limit; scans never meet a
    deletion halfway (both finish cleanly), the limit holds and every blob left has a pointer."""
    ModelCache(tmp_path, size_limit_bytes=500)
    children = [_start_child(tmp_path, "evict-loop", 500, prefix) for prefix in ("p", "q")]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0 and out.strip() == "done", err[-2000:]
    cache = ModelCache(tmp_path, size_limit_bytes=500)
    entries = cache.entries()
    assert cache.total_bytes() <= 500 and 1 <= len(entries) <= 5
    assert {e.filename[0] for e in entries} <= {"p", "q"}
    storage = tmp_path / "hub" / REPO_DIR
    blobs = set((storage / "blobs").iterdir())
    pointed = {p.resolve() for p in (storage / "snapshots" / REV).iterdir()}
    assert blobs == pointed == {e.blob_path.resolve() for e in entries}
