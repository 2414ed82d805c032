"""The `openai` backend against a real OpenAI-compatible server: llama-cpp-python's, on 127.0.0.1,
serving the SmolLM2-135M GGUF. Real completions, real usage, no mocks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.llama_cpp import smollm2_gguf_path
from single_shot_eval.models.openai_compatible import OpenAICompatibleModel
from single_shot_eval.models.pricing import DEFAULT_HARDWARE_USD_PER_HOUR
from single_shot_eval.models.registry import ModelConfig, build_model, resolve_model_specs

PROMPT = (
    Message("system", "Answer with one ```rust code block."),
    Message("user", "Convert to Rust:\n```python\nprint(sum(range(10)))\n```"),
)
SERVER_START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m llama_cpp.server` on a free loopback port; yield its /v1 base URL.

    Its (verbose) log goes to a file: a pipe nobody reads would fill up and block the server.
    """
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf_path()),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                output = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"llama_cpp.server exited early: {output}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not up after {SERVER_START_TIMEOUT_S} s")
            time.sleep(0.25)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def smollm2_via_server(base_url: str, **params: object) -> OpenAICompatibleModel:
    config = ModelConfig(
        id="smollm2-server", backend="openai", model="smollm2", base_url=base_url, params=params
    )
    model = build_model(config)
    assert isinstance(model, OpenAICompatibleModel)
    return model


@pytest.mark.slow
def test_real_completion_with_real_usage(llama_server: str) -> None:
    model = smollm2_via_server(llama_server)
    completion = model.generate(GenerationRequest(messages=PROMPT, max_tokens=40, seed=0))
    assert completion.text.strip()
    assert completion.input_tokens > 10
    assert 0 < completion.output_tokens <= 40
    assert not completion.tokens_estimated
    assert completion.details.finish_reason in {"stop", "length"}
    assert completion.details.attempts == 1
    # a loopback server runs on this machine: priced by wall time x the hardware rate
    assert completion.details.cost_basis == "wall_time"
    expected = completion.latency_s * DEFAULT_HARDWARE_USD_PER_HOUR / 3600
    assert completion.cost_usd == pytest.approx(expected)


@pytest.mark.slow
def test_max_tokens_is_honoured(llama_server: str) -> None:
    model = smollm2_via_server(llama_server)
    completion = model.generate(GenerationRequest(messages=PROMPT, max_tokens=5))
    assert completion.output_tokens == 5
    assert completion.details.finish_reason == "length"


@pytest.mark.slow
def test_streaming_measures_time_to_first_token(llama_server: str) -> None:
    model = smollm2_via_server(llama_server, stream=True)
    completion = model.generate(GenerationRequest(messages=PROMPT, max_tokens=24))
    assert completion.text.strip()
    assert completion.time_to_first_token_s is not None
    assert 0 < completion.time_to_first_token_s <= completion.latency_s
    assert completion.details.streamed is True
    assert completion.output_tokens > 0


def test_a_remote_endpoint_without_its_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MY_PROVIDER_KEY", raising=False)
    config = ModelConfig(
        id="remote", backend="openai", model="gpt-4o-mini",
        base_url="https://llm.example.invalid/v1", api_key_env="MY_PROVIDER_KEY",
    )
    with pytest.raises(ModelSpecError, match="MY_PROVIDER_KEY"):
        build_model(config)


def test_an_unpriced_remote_model_must_be_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    config = ModelConfig(
        id="mystery", backend="openai", model="mystery-model-9000",
        base_url="https://llm.example.invalid/v1",
    )
    with pytest.raises(ModelSpecError, match="no price known"):
        build_model(config)


def test_a_spec_resolves_and_uses_the_pricing_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    (config,) = resolve_model_specs("openai:gpt-4o-mini-2024-07-18")
    model = build_model(config)
    assert isinstance(model, OpenAICompatibleModel)
    assert model.cost_rule.basis == "tokens"
    assert "gpt-4o-mini" in model.cost_rule.source
    assert model.max_tokens_field == "max_completion_tokens"


def test_unknown_params_are_rejected() -> None:
    config = ModelConfig(
        id="typo", backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
        params={"temprature": 0.2},
    )
    with pytest.raises(ModelSpecError, match="temprature"):
        build_model(config)
