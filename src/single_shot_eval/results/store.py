"""SQLite store: one row per sample, written as it completes, plus caches and provenance.

The store is the single source of truth: reports are rebuilt from it alone, and `--resume`
skips every (task, model, run, example) it already holds. WAL mode and one transaction per write
keep finished samples durable across a crash.

`rejudge` re-verifies stored answers with a newer verifier: a sample row then holds the new
verdict (`judgement` says which re-judgement wrote it; 0: the evaluation itself), and the verdict
it replaced is kept in `previous_verdicts`, so no verdict is ever lost. Schema history: 1 (samples
and caches), 2 (`samples.judgement`, `rejudges`, `previous_verdicts`), 3 (`repair_turns`: the
answers of repair turns 1, 2, ... after feedback, one row per turn; `samples` keeps turn 0, the
one-shot answer, so one-shot reports read exactly what they read before). Older stores are
migrated when opened. `quality_findings`
(clippy and rustfmt on a passing answer, keyed by the answer's SHA-256; written by the first
report that lints it) is created on its first write, so an old or read-only store still opens
and reports; a store that has it rebuilds its quality section without the tools.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from single_shot_eval.errors import UserError
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.provenance import ProvenanceError, RunProvenance
from single_shot_eval.results.records import (
    Diagnostic,
    RepairTurn,
    Sample,
    StageResult,
    Verdict,
)

SCHEMA_VERSION = 3
STORE_FILENAME = "results.sqlite"
# Suffixes that make an `--output` / `--input` path a store file rather than a directory.
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
# Stored `extra` key of a `harness_error` sample (`GenerationDetails.harness_failure_stage`):
# the stage that failed after every retry (`generation` or `verification`); `--resume` redoes
# such samples.
INFRASTRUCTURE_FAILURE = "infrastructure_failure"

# The columns of a stored sample, shared by `samples` and `repair_turns` (which adds `turn`).
_SAMPLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("task_id", "TEXT NOT NULL"),
    ("model_id", "TEXT NOT NULL"),
    ("run", "INTEGER NOT NULL"),
    ("example_id", "TEXT NOT NULL"),
    ("level", "INTEGER NOT NULL"),
    ("prompt_sha256", "TEXT NOT NULL"),
    ("completion", "TEXT NOT NULL"),
    ("extracted_code", "TEXT"),
    ("input_tokens", "INTEGER NOT NULL"),
    ("output_tokens", "INTEGER NOT NULL"),
    ("tokens_estimated", "INTEGER NOT NULL"),
    ("latency_s", "REAL NOT NULL"),
    ("cost_usd", "REAL NOT NULL"),
    ("verdict", "TEXT NOT NULL"),
    ("stages_json", "TEXT NOT NULL"),
    ("diagnostics_json", "TEXT NOT NULL"),
    ("error", "TEXT NOT NULL"),
    ("cached_response", "INTEGER NOT NULL"),
    ("created_at", "TEXT NOT NULL"),
    ("extra_json", "TEXT NOT NULL"),
)
_TURN_COLUMN = ("turn", "INTEGER NOT NULL")


def _sample_table(name: str, columns: tuple[tuple[str, str], ...], key: tuple[str, ...]) -> str:
    body = "".join(f"    {column} {kind},\n" for column, kind in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n{body}    PRIMARY KEY ({', '.join(key)})\n);\n"


_KEY = ("task_id", "model_id", "run", "example_id")
_REPAIR_SAMPLE_COLUMNS = (*_SAMPLE_COLUMNS[:4], _TURN_COLUMN, *_SAMPLE_COLUMNS[4:])

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{samples}{repair_turns}CREATE TABLE IF NOT EXISTS rejudges (
    id INTEGER PRIMARY KEY,
    judged_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    toolchain_fingerprint TEXT NOT NULL,
    sandbox TEXT NOT NULL,
    verifier_revision TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS previous_verdicts (
    rejudge_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    run INTEGER NOT NULL,
    example_id TEXT NOT NULL,
    judgement INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    stages_json TEXT NOT NULL,
    diagnostics_json TEXT NOT NULL,
    PRIMARY KEY (rejudge_id, task_id, model_id, run, example_id)
);
CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, completion_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, result_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oracle (key TEXT PRIMARY KEY, outcome_json TEXT NOT NULL);
""".format(
    samples=_sample_table(
        "samples", (*_SAMPLE_COLUMNS, ("judgement", "INTEGER NOT NULL DEFAULT 0")), _KEY
    ),
    repair_turns=_sample_table("repair_turns", _REPAIR_SAMPLE_COLUMNS, (*_KEY, "turn")),
)

# Created on first write (not in `_SCHEMA`): opening an old store read-only must not write.
_QUALITY_TABLE = (
    "CREATE TABLE IF NOT EXISTS quality_findings "
    "(key TEXT PRIMARY KEY, findings_json TEXT NOT NULL)"
)

# The table and value column of each cache namespace.
_CACHE_TABLES: dict[CacheNamespace, tuple[str, str]] = {
    CacheNamespace.RESPONSES: ("responses", "completion_json"),
    CacheNamespace.VERDICTS: ("verdicts", "result_json"),
    CacheNamespace.ORACLE: ("oracle", "outcome_json"),
    CacheNamespace.QUALITY_FINDINGS: ("quality_findings", "findings_json"),
}

_COLUMNS = ", ".join(column for column, _ in _SAMPLE_COLUMNS)
_REPAIR_COLUMNS = ", ".join(column for column, _ in _REPAIR_SAMPLE_COLUMNS)


class StoreError(UserError):
    """The store file is unusable (corrupt, newer schema, not writable)."""


@dataclass(frozen=True)
class SampleKey:
    """Which sample: task, model, run and example."""

    task_id: str
    model_id: str
    run: int
    example_id: str


@dataclass(frozen=True)
class RejudgeRecord:
    """One `rejudge` of the store: when, and with which tool, toolchain, sandbox and verifier."""

    id: int
    judged_at: str
    tool_version: str
    toolchain_fingerprint: str
    sandbox: str
    verifier_revision: str


@dataclass(frozen=True)
class PreviousVerdict:
    """A verdict that a re-judgement replaced: the sample, the judgement that had written it
    (0: the evaluation), the re-judgement that replaced it, and the verdict with its stages."""

    key: SampleKey
    judgement: int
    replaced_by: int
    verdict: Verdict
    stages: tuple[StageResult, ...]
    diagnostics: tuple[Diagnostic, ...]


def store_path(location: Path) -> Path:
    """The store file for an output directory, or `location` itself when it is a file."""
    return location / STORE_FILENAME if location.is_dir() or not location.suffix else location


class ResultStore:
    """Durable sample rows and key/value caches in one SQLite file; safe to use from threads."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.exists():
            raise StoreError(f"{path}: no results store here (run `single-shot-eval evaluate`)")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            ok = self._conn.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise StoreError(f"{path}: store failed its integrity check: {ok}")
            self._conn.executescript(_SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open results store: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot create results store: {exc.strerror}") from None
        self._lock = threading.Lock()
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: store schema version {version} is newer than this tool's "
                f"({SCHEMA_VERSION}); upgrade single-shot-eval"
            )

    def _migrate(self) -> None:
        """Bring a store written by an older version to this schema (before any other use)."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(samples)")}
        if "judgement" not in columns:  # schema 1: every verdict is the evaluation's own
            self._conn.execute(
                "ALTER TABLE samples ADD COLUMN judgement INTEGER NOT NULL DEFAULT 0"
            )
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and int(row[0]) < SCHEMA_VERSION:
            self._conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def provenance(self) -> RunProvenance:
        """What produced this store, as one typed record (`results/provenance.py`)."""
        with self._lock:
            rows = {str(k): str(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}
        try:
            return RunProvenance.from_meta(rows)
        except ProvenanceError as exc:
            raise StoreError(f"{self.path}: {exc}") from None

    def record_provenance(self, update: RunProvenance) -> None:
        """Write every key `update` records (as the same text as ever); others are kept."""
        for key, text in update.to_meta().items():
            self.set_meta(key, text)

    # -- samples ----------------------------------------------------------------------------

    def add_sample(self, sample: Sample) -> None:
        """Write one sample durably (replacing an earlier row for the same key)."""
        row = _sample_row(sample)
        placeholders = ", ".join("?" * len(row))
        self._write(f"INSERT OR REPLACE INTO samples ({_COLUMNS}) VALUES ({placeholders})", row)

    def add_repair_turn(self, turn: int, sample: Sample) -> None:
        """Write the sample of repair turn `turn` (>= 1) durably (replacing an earlier row for
        the same key and turn)."""
        if turn < 1:
            raise ValueError(f"repair turns are numbered from 1, not {turn}")
        row = _sample_row(sample)
        row = (*row[:4], turn, *row[4:])
        placeholders = ", ".join("?" * len(row))
        self._write(
            f"INSERT OR REPLACE INTO repair_turns ({_REPAIR_COLUMNS}) VALUES ({placeholders})", row
        )

    def repair_turns(self, task_id: str | None = None) -> list[RepairTurn]:
        """Every stored repair turn (of one task, or all), ordered by task, model, run, example
        and turn."""
        query = f"SELECT {_REPAIR_COLUMNS} FROM repair_turns"
        params: tuple[object, ...] = ()
        if task_id is not None:
            query += " WHERE task_id = ?"
            params = (task_id,)
        query += " ORDER BY task_id, model_id, run, example_id, turn"
        with self._lock:
            rows = self._conn.execute(query, params).fetchall()
        return [
            RepairTurn(turn=int(str(row[4])), sample=_sample_from_row((*row[:4], *row[5:])))
            for row in rows
        ]

    def repair_turn_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM repair_turns").fetchone()[0])

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        """One durable write; a full disk or a read-only file becomes a `StoreError`."""
        try:
            with self._lock:
                self._conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: cannot write to the results store ({exc}); samples stored so far "
                "are kept: free space, then rerun the same command with --resume"
            ) from None

    def done_keys(
        self, task_id: str, *, exclude_infrastructure_failures: bool = False
    ) -> set[tuple[str, int, str]]:
        """(model, run, example) of every stored sample of a task.

        With `exclude_infrastructure_failures`, failures of our own machinery (`harness_error`
        samples, and samples of older stores marked as lost to dead workers) are left out, so a
        resumed evaluation redoes them.
        """
        query = "SELECT model_id, run, example_id FROM samples WHERE task_id = ?"
        if exclude_infrastructure_failures:
            query += (
                f" AND json_extract(extra_json, '$.{INFRASTRUCTURE_FAILURE}') IS NULL"
                f" AND verdict != '{Verdict.HARNESS_ERROR.value}'"
            )
        with self._lock:
            rows = self._conn.execute(query, (task_id,)).fetchall()
        return {(str(m), int(r), str(e)) for m, r, e in rows}

    def samples_with_verdict(self, verdict: Verdict) -> list[Sample]:
        """Every stored sample with this verdict (e.g. the `harness_error`s a resume redoes)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM samples WHERE verdict = ? "
                "ORDER BY task_id, model_id, run, example_id",
                (verdict.value,),
            ).fetchall()
        return [_sample_from_row(row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    def iter_samples(self, batch_size: int = 500) -> Iterator[Sample]:
        """Every stored sample in a stable order, streamed in batches."""
        last: tuple[str, str, int, str] | None = None
        while True:
            with self._lock:
                if last is None:
                    rows = self._conn.execute(
                        f"SELECT {_COLUMNS} FROM samples "
                        "ORDER BY task_id, model_id, run, example_id LIMIT ?",
                        (batch_size,),
                    ).fetchall()
                else:
                    rows = self._conn.execute(
                        f"SELECT {_COLUMNS} FROM samples "
                        "WHERE (task_id, model_id, run, example_id) > (?, ?, ?, ?) "
                        "ORDER BY task_id, model_id, run, example_id LIMIT ?",
                        (*last, batch_size),
                    ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _sample_from_row(row)
            r = rows[-1]
            last = (r[0], r[1], r[2], r[3])

    # -- re-judgements ----------------------------------------------------------------------

    def begin_rejudge(
        self, *, judged_at: str, tool_version: str, toolchain_fingerprint: str, sandbox: str,
        verifier_revision: str,
    ) -> int:
        """Record a new re-judgement and return its id (1, 2, ...)."""
        try:
            with self._lock:
                cursor = self._conn.execute(
                    "INSERT INTO rejudges (judged_at, tool_version, toolchain_fingerprint, "
                    "sandbox, verifier_revision) VALUES (?, ?, ?, ?, ?)",
                    (judged_at, tool_version, toolchain_fingerprint, sandbox, verifier_revision),
                )
                rowid = cursor.lastrowid
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write to the results store ({exc})") from None
        assert rowid is not None
        return int(rowid)

    def replace_verdict(
        self,
        key: SampleKey,
        rejudge_id: int,
        verdict: Verdict,
        stages: tuple[StageResult, ...],
        diagnostics: tuple[Diagnostic, ...],
    ) -> None:
        """Give a stored sample the verdict of re-judgement `rejudge_id`, keeping the verdict it
        had in `previous_verdicts` (one transaction: both or neither)."""
        where = "task_id = ? AND model_id = ? AND run = ? AND example_id = ?"
        params = (key.task_id, key.model_id, key.run, key.example_id)
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO previous_verdicts (rejudge_id, task_id, model_id, "
                        "run, example_id, judgement, verdict, stages_json, diagnostics_json) "
                        "SELECT ?, task_id, model_id, run, example_id, judgement, verdict, "
                        f"stages_json, diagnostics_json FROM samples WHERE {where}",
                        (rejudge_id, *params),
                    )
                    self._conn.execute(
                        "UPDATE samples SET verdict = ?, stages_json = ?, diagnostics_json = ?, "
                        f"judgement = ? WHERE {where}",
                        (
                            verdict.value,
                            _stages_json(stages),
                            _diagnostics_json(diagnostics),
                            rejudge_id,
                            *params,
                        ),
                    )
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write to the results store ({exc})") from None

    def judgement_of(self, key: SampleKey) -> int:
        """Which judgement wrote the sample's current verdict (0: the evaluation itself)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT judgement FROM samples WHERE task_id = ? AND model_id = ? AND run = ? "
                "AND example_id = ?", (key.task_id, key.model_id, key.run, key.example_id),
            ).fetchone()
        if row is None:
            raise KeyError(key)
        return int(row[0])

    def rejudges(self) -> list[RejudgeRecord]:
        """Every re-judgement of this store, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, judged_at, tool_version, toolchain_fingerprint, sandbox, "
                "verifier_revision FROM rejudges ORDER BY id"
            ).fetchall()
        return [RejudgeRecord(int(r[0]), *(str(v) for v in r[1:])) for r in rows]

    def previous_verdicts(self, rejudge_id: int | None = None) -> list[PreviousVerdict]:
        """Verdicts replaced by re-judgements (all, or those replaced by `rejudge_id`)."""
        query = (
            "SELECT rejudge_id, task_id, model_id, run, example_id, judgement, verdict, "
            "stages_json, diagnostics_json FROM previous_verdicts"
        )
        params: tuple[object, ...] = ()
        if rejudge_id is not None:
            query += " WHERE rejudge_id = ?"
            params = (rejudge_id,)
        query += " ORDER BY rejudge_id, task_id, model_id, run, example_id"
        with self._lock:
            rows = self._conn.execute(query, params).fetchall()
        return [
            PreviousVerdict(
                key=SampleKey(str(task), str(model), int(run), str(example)),
                judgement=int(judgement),
                replaced_by=int(replaced_by),
                verdict=Verdict(str(verdict)),
                stages=_STAGES.validate_json(str(stages)),
                diagnostics=_DIAGNOSTICS.validate_json(str(diags)),
            )
            for replaced_by, task, model, run, example, judgement, verdict, stages, diags in rows
        ]

    # -- caches -----------------------------------------------------------------------------

    def cache(self, namespace: CacheNamespace) -> StoreCache:
        """The cache of `namespace`, kept in its table of this store."""
        return StoreCache(self, namespace)

    def _cache_get(self, namespace: CacheNamespace, key: str) -> str | None:
        table, column = _CACHE_TABLES[namespace]
        with self._lock:
            try:
                row = self._conn.execute(
                    f"SELECT {column} FROM {table} WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.OperationalError:
                if namespace is not CacheNamespace.QUALITY_FINDINGS:
                    raise
                return None  # no such table: nothing was linted yet
        return str(row[0]) if row else None

    def _cache_put(self, namespace: CacheNamespace, key: str, value: str) -> None:
        table, column = _CACHE_TABLES[namespace]
        if namespace is CacheNamespace.QUALITY_FINDINGS:
            self._write(_QUALITY_TABLE, ())
        self._write(f"INSERT OR REPLACE INTO {table} (key, {column}) VALUES (?, ?)", (key, value))

    def _cache_keys(self, namespace: CacheNamespace) -> list[str]:
        table, _ = _CACHE_TABLES[namespace]
        with self._lock:
            try:
                rows = self._conn.execute(f"SELECT key FROM {table} ORDER BY key").fetchall()
            except sqlite3.OperationalError:
                if namespace is not CacheNamespace.QUALITY_FINDINGS:
                    raise
                return []  # no such table: nothing was linted yet
        return [str(row[0]) for row in rows]


class StoreCache:
    """One namespace of a store's caches (a `KeyValueCache`): every value written at once and
    durably, so an interrupted evaluation loses none."""

    def __init__(self, store: ResultStore, namespace: CacheNamespace) -> None:
        self._store = store
        self.namespace = namespace

    def get(self, key: str) -> str | None:
        return self._store._cache_get(self.namespace, key)

    def put(self, key: str, value: str) -> None:
        self._store._cache_put(self.namespace, key, value)

    def keys(self) -> list[str]:
        """Every key held, sorted."""
        return self._store._cache_keys(self.namespace)


_STAGES = TypeAdapter(tuple[StageResult, ...])
_DIAGNOSTICS = TypeAdapter(tuple[Diagnostic, ...])
# `samples` columns holding JSON text, and the `Sample` fields they store.
_JSON_COLUMNS = {"stages_json": "stages", "diagnostics_json": "diagnostics", "extra_json": "extra"}
_FIELDS = tuple(_JSON_COLUMNS.get(c, c) for c in _COLUMNS.split(", "))


def _stages_json(stages: tuple[StageResult, ...]) -> str:
    return json.dumps(_STAGES.dump_python(stages, mode="json"), sort_keys=True)


def _diagnostics_json(diagnostics: tuple[Diagnostic, ...]) -> str:
    return json.dumps(_DIAGNOSTICS.dump_python(diagnostics, mode="json"), sort_keys=True)


def _sample_row(sample: Sample) -> tuple[object, ...]:
    """A sample as the values of a `samples` row, in `_COLUMNS` order (JSON columns as sorted
    JSON text, booleans as 0/1)."""
    data = sample.model_dump(mode="json", by_alias=True)
    return tuple(
        json.dumps(data[name], sort_keys=True) if name in _JSON_COLUMNS.values()
        else int(data[name]) if isinstance(data[name], bool) else data[name]
        for name in _FIELDS
    )


def _sample_from_row(row: tuple[object, ...]) -> Sample:
    """The sample a `samples` row (in `_COLUMNS` order) holds."""
    data = dict(zip(_FIELDS, row, strict=True))
    try:
        for name in _JSON_COLUMNS.values():
            data[name] = json.loads(str(data[name]))
        return Sample.model_validate(data)
    except (ValueError, ValidationError) as exc:  # json's errors are ValueErrors
        what = "/".join(str(data[k]) for k in ("task_id", "model_id", "run", "example_id"))
        first = str(exc).splitlines()[0]
        raise StoreError(f"sample {what}: unreadable stored record ({first})") from None
