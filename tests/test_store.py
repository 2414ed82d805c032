from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from single_shot_eval.results.records import Diagnostic, Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore, StoreError


def sample(run: int, example: str, verdict: Verdict = Verdict.PASS) -> Sample:
    return Sample(
        task_id="t", model_id="m", run=run, example_id=example, level=3, prompt_sha256="ab",
        completion="```rust\nfn main(){}\n```", extracted_code="fn main(){}\n", input_tokens=10,
        output_tokens=5, tokens_estimated=False, latency_s=0.25, cost_usd=1e-6, verdict=verdict,
        stages=(StageResult("compile", True, 0.1),),
        diagnostics=(Diagnostic("error", "mismatched types", "E0308", "type"),),
        created_at="2026-01-01T00:00:00+00:00", extra={"k": "v"},
    )


def test_round_trip_and_order(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    with ResultStore(path) as store:
        for s in [sample(2, "b"), sample(1, "b"), sample(1, "a", Verdict.COMPILE_ERROR)]:
            store.add_sample(s)
        assert store.count() == 3
        assert store.done_keys("t") == {("m", 1, "a"), ("m", 1, "b"), ("m", 2, "b")}
        assert store.done_keys("other") == set()
    with ResultStore(path, create=False) as store:
        got = list(store.iter_samples(batch_size=2))
    assert [(s.run, s.example_id) for s in got] == [(1, "a"), (1, "b"), (2, "b")]
    assert got[0] == sample(1, "a", Verdict.COMPILE_ERROR)
    assert got[0].error_codes == ("E0308",)


def test_rewrite_replaces_not_duplicates(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.add_sample(sample(1, "a", Verdict.COMPILE_ERROR))
        store.add_sample(sample(1, "a", Verdict.PASS))
        assert store.count() == 1
        assert next(store.iter_samples()).verdict is Verdict.PASS


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        store.set_meta("schema_version", "99")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        ResultStore(path)


def test_missing_and_corrupt_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no results store here"):
        ResultStore(tmp_path / "none.sqlite", create=False)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open results store"):
        ResultStore(bad)


def test_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        store.add_sample(sample(1, "a"))
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_samples_and_repair_turns_share_one_column_list(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "r.sqlite"):
        pass
    conn = sqlite3.connect(tmp_path / "r.sqlite")

    def columns(table: str) -> list[tuple[str, str, int, int]]:  # name, type, not null, key
        return [(r[1], r[2], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")]

    samples, turns = columns("samples"), columns("repair_turns")
    conn.close()
    assert samples[-1] == ("judgement", "INTEGER", 1, 0)
    assert turns[4] == ("turn", "INTEGER", 1, 5)  # the fifth part of the key
    assert turns[:4] + turns[5:] == samples[:-1]
    assert [name for name, _, _, key in samples if key] == ["task_id", "model_id", "run",
                                                              "example_id"]
