"""The typed provenance record reads what the tool has always written to the store's `meta`
table and writes back the same text, so stores from before and after it are interchangeable."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from single_shot_eval.results.provenance import RunProvenance
from single_shot_eval.results.store import ResultStore, StoreError

TASK = {"id": "t1", "evaluation": {"runs": 5, "metrics": ["accuracy", "cost"]},
        "ground_truth": {"type": "behaviour", "compare_stderr": False}, "temperature": 0.7}
MODEL = {"id": "m1", "backend": "reference", "base_url": None, "max_tokens": 512}


def _old_rows() -> dict[str, str]:
    """Every provenance row as the tool wrote it before the typed record (same calls)."""
    return {
        "tool_version": "0.1.0",
        "rustc_version": "rustc 1.95.0 (abc 2026-04-14)\nbinary: rustc\nhost: x86_64",
        "python_version": "3.11.7",
        "toolchain_fingerprint": "ab0599fba4dbb6d2",
        "sandbox": "degraded",
        "seed": str(42),
        "tasks": json.dumps({"t1": TASK, "t0": {"repair": {"turns": 2}}}, sort_keys=True),
        "models": json.dumps([MODEL, {"id": "m0", "backend": "echo"}], sort_keys=True),
        "started_at": datetime(2026, 11, 29, 21, 45, 38, 123456, tzinfo=UTC)
        .isoformat(timespec="seconds"),
        "corpus": str(Path("/data/corpus.jsonl")),
        "broken_examples": json.dumps([{"example_id": "e2", "reason": "x", "control": None},
                                       {"example_id": "e1", "reason": "y", "control": "c"}]),
        "baselines": json.dumps(sorted({"echo", "b0"})),
        "case_counts": json.dumps({"e2": [3, 12], "e1": [0, 0]}, sort_keys=True),
        "unjudgeable_examples": json.dumps({"e9": "takes a callable", "e3": "reason"},
                                           sort_keys=True),
        "model_notes": json.dumps({"m1": "n_threads 1 (2 usable CPUs)", "m0": "é"},
                                  sort_keys=True),
        "numeric_settings": json.dumps({"m1": {"flash_attn": "False", "n_threads": "1"}},
                                       sort_keys=True),
        "executor": "local (2 verification threads)",
        "updated_at": datetime(2026, 11, 29, 22, 6, 17, 999999, tzinfo=UTC)
        .isoformat(timespec="seconds"),
        "last_wall_time_s": f"{1059.8817:.3f}",
    }


def _meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {k: v for k, v in conn.execute("SELECT key, value FROM meta")}
    finally:
        conn.close()


def test_every_key_old_code_wrote_reads_into_its_typed_field(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "old.sqlite") as store:
        for key, text in _old_rows().items():
            store.set_meta(key, text)
        prov = store.provenance()
    assert prov.seed == 42
    assert prov.started_at == datetime(2026, 11, 29, 21, 45, 38, tzinfo=UTC)
    assert prov.updated_at == datetime(2026, 11, 29, 22, 6, 17, tzinfo=UTC)
    assert prov.last_wall_time_s == pytest.approx(1059.882)
    assert prov.tasks is not None and prov.tasks["t1"]["evaluation"]["runs"] == 5
    assert prov.models is not None and [m["id"] for m in prov.models] == ["m1", "m0"]
    assert prov.numeric_settings == {"m1": {"flash_attn": "False", "n_threads": "1"}}
    assert prov.model_notes == {"m0": "é", "m1": "n_threads 1 (2 usable CPUs)"}
    assert prov.baselines == ["b0", "echo"]
    assert prov.case_counts == {"e1": (0, 0), "e2": (3, 12)}
    assert prov.unjudgeable_examples == {"e3": "reason", "e9": "takes a callable"}
    assert prov.broken_examples is not None
    assert [b["example_id"] for b in prov.broken_examples] == ["e2", "e1"]
    assert prov.corpus == "/data/corpus.jsonl"
    assert prov.rustc_version is not None and prov.rustc_version.count("\n") == 2
    assert prov.executor == "local (2 verification threads)"
    assert prov.other == {}  # the schema row is the store's own, not provenance


def test_every_key_writes_back_byte_for_byte(tmp_path: Path) -> None:
    old = _old_rows()
    with ResultStore(tmp_path / "old.sqlite") as store:
        for key, text in old.items():
            store.set_meta(key, text)
        prov = store.provenance()
    assert prov.to_meta() == old
    with ResultStore(tmp_path / "new.sqlite") as store:
        store.record_provenance(prov)
    assert _meta(tmp_path / "new.sqlite") == _meta(tmp_path / "old.sqlite")


def test_typed_values_are_stored_as_the_old_code_formatted_them(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.record_provenance(RunProvenance(
            seed="task default",
            case_counts={"e2": (3, 12), "e1": (0, 1)},
            started_at=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
            last_wall_time_s=2.0,
            baselines=["a", "b"],
        ))
        rows = _meta(tmp_path / "s.sqlite")
        assert store.provenance().seed == "task default"
    assert rows["seed"] == "task default"
    assert rows["case_counts"] == '{"e1": [0, 1], "e2": [3, 12]}'
    assert rows["started_at"] == "2026-01-02T03:04:05+00:00"
    assert rows["last_wall_time_s"] == "2.000"
    assert rows["baselines"] == '["a", "b"]'
    assert "tasks" not in rows  # keys the update does not record are not written


def test_recording_some_keys_keeps_the_others(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.record_provenance(RunProvenance(tool_version="1", model_notes={"a": "x"}))
        store.record_provenance(RunProvenance(model_notes={"a": "x", "b": "y"}))
        prov = store.provenance()
    assert prov.tool_version == "1"
    assert prov.model_notes == {"a": "x", "b": "y"}


def test_unknown_keys_of_an_old_store_load_and_are_kept(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "old.sqlite") as store:
        store.set_meta("tool_version", "0.0.9")
        store.set_meta("retired_key", "{not json")
        prov = store.provenance()
    assert prov.other == {"retired_key": "{not json"}
    assert prov.display_items(["tool_version", "retired_key", "tasks"]) == {
        "tool_version": "0.0.9", "retired_key": "{not json"}
    with ResultStore(tmp_path / "copy.sqlite") as store:
        store.record_provenance(prov)
    assert _meta(tmp_path / "copy.sqlite")["retired_key"] == "{not json"


def test_json_items_parse_only_the_json_valued_keys() -> None:
    prov = RunProvenance.from_meta(_old_rows())
    items = prov.json_items(["seed", "baselines", "case_counts", "started_at"])
    assert items == {"seed": "42", "baselines": ["b0", "echo"],
                     "case_counts": {"e1": (0, 0), "e2": (3, 12)},
                     "started_at": "2026-11-29T21:45:38+00:00"}


@pytest.mark.parametrize(("key", "text"), [
    ("tasks", "{broken"), ("case_counts", '{"e1": [1]}'), ("seed", "soon"),
    ("started_at", "yesterday"), ("numeric_settings", '{"m": {"n": 1}}'),
])
def test_an_unreadable_row_is_a_store_error_naming_it(
    tmp_path: Path, key: str, text: str
) -> None:
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.set_meta(key, text)
        with pytest.raises(StoreError, match=rf"s\.sqlite: meta\.{key}: "):
            store.provenance()
