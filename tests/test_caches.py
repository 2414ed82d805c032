"""One cache interface: the store's tables and memory behave alike, and the views over them do
what their names say."""

from __future__ import annotations

import threading
from pathlib import Path

from single_shot_eval.results.cache import (
    CacheNamespace,
    KeyValueCache,
    MemoryCache,
    PrefixedCache,
    WriteOnlyCache,
)
from single_shot_eval.results.records import StageResult, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.verify.verdicts import RunOutcome, VerdictCache, VerificationResult

PASSED = VerificationResult(Verdict.PASS, stages=(StageResult(stage="compile", ok=True, duration_s=0.5),),
                            toolchain_fingerprint="tc")


def _round_trip(cache: KeyValueCache) -> None:
    assert cache.get("k") is None
    cache.put("k", "one")
    cache.put("k", "two")  # replaces
    cache.put("other", "three")
    assert (cache.get("k"), cache.get("other"), cache.get("absent")) == ("two", "three", None)


def test_memory_and_store_caches_get_what_was_put(tmp_path: Path) -> None:
    _round_trip(MemoryCache())
    with ResultStore(tmp_path / "results.sqlite") as store:
        for namespace in CacheNamespace:
            _round_trip(store.cache(namespace))


def test_store_namespaces_are_apart_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    with ResultStore(path) as store:
        store.cache(CacheNamespace.VERDICTS).put("k", "verdict")
        store.cache(CacheNamespace.ORACLE).put("k", "oracle")
        assert store.cache(CacheNamespace.RESPONSES).get("k") is None
    with ResultStore(path, create=False) as store:
        assert store.cache(CacheNamespace.VERDICTS).get("k") == "verdict"
        assert store.cache(CacheNamespace.ORACLE).get("k") == "oracle"
        assert store.cache(CacheNamespace.ORACLE).keys() == ["k"]
        assert store.cache(CacheNamespace.QUALITY_FINDINGS).keys() == []


def test_a_memory_cache_lists_what_was_written_after_its_seed() -> None:
    cache = MemoryCache({"seeded": "s"})
    threads = [threading.Thread(target=cache.put, args=(f"k{i}", str(i))) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("seeded") == "s"
    assert sorted(cache.written()) == sorted((f"k{i}", str(i)) for i in range(8))


def test_prefixed_and_write_only_views() -> None:
    shared = MemoryCache()
    controls = PrefixedCache(shared, "control:")
    controls.put("k", "control verdict")
    assert shared.get("k") is None and shared.get("control:k") == "control verdict"
    assert controls.get("k") == "control verdict"

    fresh = WriteOnlyCache(shared)
    fresh.put("new", "kept")
    assert fresh.get("new") is None and fresh.get("control:k") is None
    assert shared.get("new") == "kept"


def test_a_verdict_cache_keeps_control_verdicts_apart_but_shares_oracle_outcomes() -> None:
    verdicts, oracle = MemoryCache(), MemoryCache()
    cache = VerdictCache(verdicts, oracle)
    controls = cache.with_verdict_prefix("control:")
    controls.put_verdict("k", PASSED)
    assert cache.get_verdict("k") is None
    cached = controls.get_verdict("k")
    assert cached is not None and cached.cached and cached.verdict is Verdict.PASS
    assert cached.stages == PASSED.stages

    outcome = RunOutcome(exit_code=0, stdout=b"hi\n", stderr=b"")
    controls.put_oracle("case", outcome)
    assert cache.get_oracle("case") == outcome
    controls.put_broken("run", "the oracle timed out")
    assert cache.broken_reason("run") == "the oracle timed out"


def test_what_is_not_truth_never_reaches_a_cache() -> None:
    verdicts, oracle = MemoryCache(), MemoryCache()
    cache = VerdictCache(verdicts, oracle)
    cache.put_verdict("k", VerificationResult(Verdict.HARNESS_ERROR, example_broken="oracle died"))
    cache.put_oracle("case", RunOutcome(exit_code=None, stdout=b"", stderr=b"", timed_out=True))
    assert verdicts.written() == () and oracle.written() == ()
    cache.put_broken("run", "why")  # broken examples stay in this process: not the oracle's
    assert oracle.written() == ()
