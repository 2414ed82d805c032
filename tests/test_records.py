"""Typed side facts of a generation: every key earlier versions wrote reads into its field and is
written back as the same string; unknown keys and odd values survive verbatim; a store row
written before the typed records is read and rewritten byte for byte."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError

from single_shot_eval.results.generation import Completion, GenerationDetails, LlamaCppSettings
from single_shot_eval.results.records import Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore, StoreError

# One record per kind of writer, as the backends, the scheduler and the repair loop wrote them.
OPENAI_RECORD = {
    "backend": "openai", "model": "gpt-x", "finish_reason": "stop", "attempts": "2",
    "retry_wait_s": "1.250", "streamed": "yes", "stopped_early": "yes",
    "truncated_after_code_block": "no", "cost_basis": "tokens",
    "price_source": "models file price", "base_url": "http://127.0.0.1:8080/v1",
    "time_to_first_token_s": "0.12345678901234", "verdict_cached": "no",
}
ANTHROPIC_RECORD = {
    "backend": "anthropic", "model": "claude-x", "finish_reason": "end_turn", "attempts": "1",
    "retry_wait_s": "0.000", "seed": "not supported by the Messages API",
    "truncated_after_code_block": "yes", "cost_basis": "tokens", "price_source": "table",
    "cache_creation_input_tokens": "0", "cache_read_input_tokens": "4",
}
COMMAND_RECORD = {
    "backend": "py2many", "command": "py2many", "attempts": "1", "model": "m",
    "tokens": "estimated at 4 characters per token (the command reports no usage)",
    "truncated_after_code_block": "yes", "cost_basis": "wall_time", "price_source": "rate",
    "exit_status": "py2many exited with status 1", "prompt_received_intact": "no",
    "infrastructure_failure": "verification",
}
LLAMA_RECORD = {
    "backend": "llama_cpp", "gguf": "SmolLM2-135M-Instruct-Q8_0.gguf", "finish_reason": "length",
    "n_ctx": "4096", "n_threads": "2", "n_threads_batch": "2", "n_batch": "512",
    "n_ubatch": "512", "flash_attn": "False", "type_k": "None", "type_v": "8",
    "state_per_request": "fresh", "llama_cpp_python": "0.3.16", "llama_cpp_system": "AVX = 1",
    "prompt_style": "completion", "cost_basis": "wall_time", "price_source": "rate",
    "completion_truncated_from_chars": "1000005", "repetition_cut_at_char": "640",
    "repair_turn": "2", "repair_feedback": "full",
}
CONTROL_RECORD = {"backend": "reference", "answered": "yes", "control": "mutant"}


@pytest.mark.parametrize(
    "record", [OPENAI_RECORD, ANTHROPIC_RECORD, COMMAND_RECORD, LLAMA_RECORD, CONTROL_RECORD]
)
def test_every_written_key_has_a_field_and_round_trips(record: dict[str, str]) -> None:
    details = GenerationDetails.from_record(record)
    assert details.other == {}
    assert details.to_record() == record


def test_values_are_typed() -> None:
    openai = GenerationDetails.from_record(OPENAI_RECORD)
    assert openai.attempts == 2 and openai.retry_wait_s == 1.25
    assert openai.streamed is True and openai.stopped_early is True
    assert openai.truncated_after_code_block is False
    assert openai.time_to_first_token_s == 0.12345678901234
    assert openai.served_model == "gpt-x" and openai.verdict_cached is False
    llama = GenerationDetails.from_record(LLAMA_RECORD)
    assert llama.llama_cpp == LlamaCppSettings(
        n_ctx=4096, n_threads=2, n_threads_batch=2, n_batch=512, n_ubatch=512, flash_attn=False,
        type_k=None, type_v=8, state_per_request="fresh", llama_cpp_python="0.3.16",
        llama_cpp_system="AVX = 1",
    )
    assert llama.prompt_style == "completion" and llama.repair_turn == 2
    assert llama.completion_truncated_from_chars == 1_000_005
    command = GenerationDetails.from_record(COMMAND_RECORD)
    assert command.harness_failure_stage == "verification"
    assert command.prompt_received_intact is False
    assert GenerationDetails.from_record(CONTROL_RECORD).control == "mutant"
    anthropic = GenerationDetails.from_record(ANTHROPIC_RECORD)
    assert (anthropic.cache_creation_input_tokens, anthropic.cache_read_input_tokens) == (0, 4)


def test_unknown_keys_and_values_that_would_not_round_trip_are_kept_verbatim() -> None:
    record = {
        "from_a_newer_version": "x", "attempts": "01", "streamed": "maybe",
        "control": "baseline", "retry_wait_s": "1.5", "n_threads": "two", "backend": "openai",
    }
    details = GenerationDetails.from_record(record)
    assert details.backend == "openai"
    assert details.attempts is None and details.streamed is None and details.control is None
    assert details.retry_wait_s is None and details.llama_cpp is None
    assert details.other == {k: v for k, v in record.items() if k != "backend"}
    assert details.to_record() == record


def test_typed_construction_writes_the_earlier_record() -> None:
    details = GenerationDetails(
        backend="openai", attempts=3, retry_wait_s=2.0004, streamed=False,
        time_to_first_token_s=0.5, control="reference",
    )
    assert details.retry_wait_s == 2.0  # recorded to the millisecond, as it is stored
    assert details.to_record() == {
        "backend": "openai", "attempts": "3", "retry_wait_s": "2.000", "streamed": "no",
        "time_to_first_token_s": "0.5", "control": "reference",
    }
    with pytest.raises(ValidationError):
        GenerationDetails(control="baseline")  # type: ignore[arg-type]


def test_sample_facts_are_dropped_from_an_answer_s_details() -> None:
    details = GenerationDetails.from_record({**COMMAND_RECORD, "verdict_cached": "yes",
                                             "repair_turn": "1", "repair_feedback": "brief"})
    answer = details.without_sample_facts()
    assert answer.harness_failure_stage is None and answer.verdict_cached is None
    assert answer.repair_turn is None and answer.repair_feedback is None
    assert answer.exit_status == details.exit_status


def _sample(**extra: str) -> Sample:
    return Sample(
        task_id="t", model_id="m", run=1, example_id="e", level=2, prompt_sha256="ab",
        completion="```rust\nfn main() {}\n```", extracted_code="fn main() {}\n",
        input_tokens=3, output_tokens=4, tokens_estimated=True, latency_s=0.5, cost_usd=0.0,
        verdict=Verdict.PASS, stages=(StageResult("compile", True, 0.1, "", 1, 1),),
        created_at="2026-01-01T00:00:00+00:00", details=GenerationDetails.from_record(extra),
    )


def test_a_sample_dumps_its_details_as_the_extra_record_and_reads_it_back() -> None:
    sample = _sample(**OPENAI_RECORD)
    assert sample.details.attempts == 2
    data = sample.model_dump(mode="json", by_alias=True)
    assert data["extra"] == OPENAI_RECORD and "details" not in data
    assert data["verdict"] == "pass" and data["stages"][0]["checks_total"] == 1
    assert Sample.model_validate(data) == sample
    with pytest.raises(ValidationError):
        sample.verdict = Verdict.NO_CODE
    changed = sample.model_copy(update={"run": 2})
    assert (changed.run, sample.run) == (2, 1)


def test_a_cached_response_of_an_earlier_version_loads_and_is_written_alike() -> None:
    earlier = json.dumps({
        "text": "```rust\nfn main() {}\n```", "input_tokens": 5, "output_tokens": 7,
        "tokens_estimated": False, "latency_s": 1.5, "cost_usd": 0.001,
        "time_to_first_token_s": 0.25,
        "metadata": {k: v for k, v in OPENAI_RECORD.items()
                     if k not in ("time_to_first_token_s", "verdict_cached")},
    })
    completion = Completion.from_json(earlier)
    assert completion.time_to_first_token_s == 0.25
    assert completion.details.finish_reason == "stop"
    assert json.loads(completion.to_json()) == json.loads(earlier)
    without = Completion(text="", input_tokens=0, output_tokens=0, latency_s=0.0, cost_usd=0.0)
    assert Completion.from_json(without.to_json()) == without


def test_a_row_written_before_the_typed_records_is_rewritten_byte_for_byte(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.sqlite"
    with ResultStore(old):
        pass
    extra = json.dumps({**LLAMA_RECORD, "from_a_newer_version": "kept"}, sort_keys=True)
    row = (
        "t", "m", 1, "e", 2, "ab", "```rust\nfn main() {}\n```", "fn main() {}\n", 3, 4, 1,
        0.1234567890123, 1.5e-07, "compile_error",
        '[{"actual": null, "checks_passed": 0, "checks_total": 0, "detail": "E0308", '
        '"duration_s": 0.25, "expected": null, "failing_case": null, "ok": false, '
        '"stage": "compile"}]',
        '[{"category": "type", "code": "E0308", "level": "error", "message": "mismatched"}]',
        "", 0, "2026-01-01T00:00:00+00:00", extra,
    )
    columns = (
        "task_id, model_id, run, example_id, level, prompt_sha256, completion, extracted_code, "
        "input_tokens, output_tokens, tokens_estimated, latency_s, cost_usd, verdict, "
        "stages_json, diagnostics_json, error, cached_response, created_at, extra_json"
    )
    with sqlite3.connect(old) as conn:
        conn.execute(f"INSERT INTO samples ({columns}) VALUES ({', '.join('?' * 20)})", row)
    with ResultStore(old, create=False) as store:
        (loaded,) = list(store.iter_samples())
    assert loaded.details.llama_cpp is not None and loaded.details.llama_cpp.n_ctx == 4096
    assert loaded.details.other == {"from_a_newer_version": "kept"}
    assert loaded.diagnostics[0].code == "E0308" and loaded.tokens_estimated is True
    new = tmp_path / "new.sqlite"
    with ResultStore(new) as store:
        store.add_sample(loaded)
    with sqlite3.connect(new) as conn:
        (rewritten,) = conn.execute(f"SELECT {columns} FROM samples").fetchall()
    assert rewritten == row


def test_an_unreadable_stored_record_is_a_store_error_naming_the_sample(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        store.add_sample(_sample(**CONTROL_RECORD))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE samples SET extra_json = '{\"attempts\": [1]}'")
    with ResultStore(path, create=False) as store, pytest.raises(
        StoreError, match=r"sample t/m/1/e: unreadable stored record"
    ):
        list(store.iter_samples())
