"""Retries, backoff, Retry-After and timeouts, through the real `openai` SDK and backend.

A small HTTP server on 127.0.0.1 plays an OpenAI-compatible endpoint whose answers are scripted
per URL prefix: 429 with Retry-After then 200, runs of 500s, a hang. Delays are kept tiny with
the backend's retry params.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest

from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.openai_compatible import OpenAICompatibleModel
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.models.retry import (
    RetriesExhaustedError,
    RetryPolicy,
    TransientFailure,
    call_with_retries,
    parse_retry_after,
    transient_failure,
)
from tests.conftest import run_cli

ANSWER = "```rust\nfn main() {}\n```\nextra words"
REQUEST = GenerationRequest(messages=(Message("user", "translate"),), max_tokens=16, timeout_s=5)


@dataclass
class Step:
    """One scripted reply: an HTTP status (200 = a completion), headers, or a hang."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class Script:
    steps: list[Step]
    arrivals: list[float] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def next_step(self) -> Step:
        index = min(len(self.arrivals) - 1, len(self.steps) - 1)
        return self.steps[index]


class FakeOpenAIServer:
    """An OpenAI Chat Completions endpoint whose behaviour is scripted per path prefix."""

    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                name = self.path.strip("/").split("/")[0]
                script = server.scripts[name]
                length = int(self.headers.get("content-length", 0))
                script.arrivals.append(time.monotonic())
                script.bodies.append(json.loads(self.rfile.read(length)))
                step = script.next_step()
                if step.hang:
                    server.release.wait(10)
                    return
                if step.status == 200:
                    body: dict[str, Any] = {
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                        "model": "fake-model",
                        "choices": [{
                            "index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": ANSWER},
                        }],
                        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                    }
                else:
                    body = {"error": {"message": f"scripted {step.status}", "type": "test"}}
                payload = json.dumps(body).encode()
                self.send_response(step.status)
                for key, value in step.headers.items():
                    self.send_header(key, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def script(self, name: str, *steps: Step) -> str:
        """Register a scenario; returns its base URL."""
        self.scripts[name] = Script(list(steps))
        return f"http://127.0.0.1:{self.port}/{name}/v1"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    fake = FakeOpenAIServer()
    fake.thread.start()
    yield fake
    fake.release.set()
    fake.httpd.shutdown()
    fake.httpd.server_close()


def model_for(base_url: str, **params: Any) -> OpenAICompatibleModel:
    defaults = {"retry_base_delay_s": 0.001, "retry_max_delay_s": 0.01, "max_attempts": 3}
    config = ModelConfig(
        id="fake", backend="openai", model="fake-model", base_url=base_url,
        params={**defaults, **params},
    )
    return OpenAICompatibleModel(config)


def test_429_with_retry_after_is_waited_then_retried(server: FakeOpenAIServer) -> None:
    url = server.script("rate", Step(429, {"Retry-After": "1"}), Step(200))
    completion = model_for(url).generate(REQUEST)
    script = server.scripts["rate"]
    assert completion.text == ANSWER
    assert completion.details.attempts == 2
    assert completion.details.retry_wait_s == 1.0
    assert len(script.arrivals) == 2
    # the backoff alone would wait at most 0.001 s; Retry-After asked for 1 s
    assert script.arrivals[1] - script.arrivals[0] >= 0.95


def test_usage_and_request_parameters_reach_the_server(server: FakeOpenAIServer) -> None:
    url = server.script("params", Step(200))
    request = GenerationRequest(
        messages=(Message("system", "be brief"), Message("user", "hi")),
        temperature=0.3, max_tokens=21, seed=1234, stop_after_code_block=True,
    )
    completion = model_for(url).generate(request)
    body = server.scripts["params"].bodies[0]
    assert body["temperature"] == 0.3
    assert body["max_tokens"] == 21
    assert body["seed"] == 1234
    assert body["messages"] == [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}
    ]
    assert (completion.input_tokens, completion.output_tokens) == (11, 7)
    assert not completion.tokens_estimated
    assert completion.text == "```rust\nfn main() {}\n```"
    assert completion.details.truncated_after_code_block is True


def test_5xx_are_retried_until_success(server: FakeOpenAIServer) -> None:
    url = server.script("flaky", Step(500), Step(503), Step(200))
    completion = model_for(url, max_attempts=4).generate(REQUEST)
    assert completion.details.attempts == 3
    assert len(server.scripts["flaky"].arrivals) == 3


def test_persistent_500s_give_up_after_max_attempts(server: FakeOpenAIServer) -> None:
    url = server.script("down", Step(500))
    with pytest.raises(RetriesExhaustedError, match="gave up after 3 attempts") as caught:
        model_for(url, max_attempts=3).generate(REQUEST)
    assert isinstance(caught.value.__cause__, openai.InternalServerError)
    assert len(server.scripts["down"].arrivals) == 3


def test_client_errors_are_not_retried(server: FakeOpenAIServer) -> None:
    url = server.script("bad", Step(400))
    with pytest.raises(openai.BadRequestError):
        model_for(url).generate(REQUEST)
    assert len(server.scripts["bad"].arrivals) == 1


def test_a_hang_times_out_and_the_retry_succeeds(server: FakeOpenAIServer) -> None:
    url = server.script("hang-once", Step(hang=True), Step(200))
    request = GenerationRequest(messages=REQUEST.messages, max_tokens=16, timeout_s=0.5)
    completion = model_for(url).generate(request)
    assert completion.text == ANSWER
    assert completion.details.attempts == 2


def test_a_permanent_hang_ends_in_a_timeout_error(server: FakeOpenAIServer) -> None:
    url = server.script("hang", Step(hang=True))
    request = GenerationRequest(messages=REQUEST.messages, max_tokens=16, timeout_s=0.3)
    with pytest.raises(RetriesExhaustedError, match="timeout") as caught:
        model_for(url, max_attempts=2).generate(request)
    assert isinstance(caught.value.__cause__, openai.APITimeoutError)
    assert len(server.scripts["hang"].arrivals) == 2


def test_retry_after_beyond_the_cap_ends_retries_at_once(server: FakeOpenAIServer) -> None:
    url = server.script("slow-down", Step(429, {"Retry-After": "3600"}))
    with pytest.raises(RetriesExhaustedError, match="retry after 3600 s"):
        model_for(url, max_retry_after_s=5).generate(REQUEST)
    assert len(server.scripts["slow-down"].arrivals) == 1


class StatusError(Exception):
    """An exception shaped like an HTTP SDK's status error (status_code + response.headers)."""

    def __init__(self, status_code: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.response = type("Response", (), {"headers": headers or {}})()


def test_backoff_is_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_s=1.0, max_delay_s=8.0)
    waits: list[float] = []
    failures = iter([StatusError(503)] * 5)

    def call() -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return "ok"

    outcome = call_with_retries(call, policy, sleep=waits.append, rng=random.Random(7))
    assert outcome.value == "ok"
    assert outcome.attempts == 6
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(waits) == 5
    assert all(0.0 <= w <= c for w, c in zip(waits, ceilings, strict=True))
    # full jitter: the waits are spread, not the deterministic ceilings
    assert any(w < 0.9 * c for w, c in zip(waits, ceilings, strict=True))
    assert outcome.waited_s == pytest.approx(sum(waits))


def test_retry_after_is_used_instead_of_backoff() -> None:
    waits: list[float] = []
    failures = iter([StatusError(429, {"retry-after": "2.5"}), StatusError(429)])

    def call() -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return "ok"

    policy = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.01)
    call_with_retries(call, policy, sleep=waits.append, rng=random.Random(1))
    assert waits[0] == 2.5
    assert waits[1] <= 0.01


def test_retry_after_parsing() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "7"}) == 0.25
    assert parse_retry_after({"Retry-After": later}, now=now) == 30.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_classification() -> None:
    assert transient_failure(StatusError(429)) == TransientFailure("HTTP 429")
    assert transient_failure(StatusError(529)) == TransientFailure("HTTP 529")
    assert transient_failure(StatusError(404)) is None
    assert transient_failure(TimeoutError()) == TransientFailure("timeout")
    assert transient_failure(ValueError("x")) is None


@pytest.mark.slow
def test_a_failing_model_becomes_a_model_error_sample(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    url = server.script("eval-down", Step(503))
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - id: always-down\n"
        "    backend: openai\n"
        "    model: fake-model\n"
        f"    base_url: {url}\n"
        "    params: {max_attempts: 2, retry_base_delay_s: 0.001}\n",
        encoding="utf-8",
    )
    result = run_cli(
        "evaluate", "--models", str(models), "--limit", "2", "--runs", "1",
        "--output", str(tmp_path / "out"), "--quiet", "--json", timeout=300,
    )
    assert result.returncode == 0, result.stderr
    samples = json.loads(result.stdout)["samples"]
    assert len(samples) == 2
    assert {s["verdict"] for s in samples} == {"model_error"}
    assert all("gave up after 2 attempts" in s["error"] for s in samples)
    assert len(server.scripts["eval-down"].arrivals) == 4
