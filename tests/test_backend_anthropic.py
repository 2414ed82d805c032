"""The `anthropic` backend through the real `anthropic` SDK, against a local stand-in for the
Messages API on 127.0.0.1 (there is no network here): request shape, usage, cost, retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anthropic
import pytest

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.anthropic_api import AnthropicModel
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.pricing import load_pricing_table
from single_shot_eval.models.registry import ModelConfig, build_model

ANSWER = "Here it is:\n```rust\nfn main() {\n    println!(\"45\");\n}\n```\nHope this helps."


class FakeMessagesServer:
    """POST /v1/messages: replies with `statuses` in turn (200 = a message), recording bodies."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                server.bodies.append(json.loads(self.rfile.read(length)))
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                index = min(len(server.bodies) - 1, len(server.statuses) - 1)
                status = server.statuses[index] if server.statuses else 200
                if status == 200:
                    body: dict[str, Any] = {
                        "id": "msg_1", "type": "message", "role": "assistant",
                        "model": server.bodies[-1]["model"],
                        "content": [{"type": "text", "text": ANSWER}],
                        "stop_reason": "end_turn", "stop_sequence": None,
                        "usage": {
                            "input_tokens": 30, "output_tokens": 25,
                            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 4,
                        },
                    }
                else:
                    body = {"type": "error", "error": {"type": "overloaded_error",
                                                       "message": "Overloaded"}}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def server() -> Iterator[FakeMessagesServer]:
    fake = FakeMessagesServer()
    fake.thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def claude(server: FakeMessagesServer, **params: Any) -> AnthropicModel:
    config = ModelConfig(
        id="claude-test", backend="anthropic", model="claude-sonnet-4-20250514",
        base_url=server.base_url, api_key_env="TEST_ANTHROPIC_KEY",
        params={"retry_base_delay_s": 0.001, **params},
    )
    model = build_model(config)
    assert isinstance(model, AnthropicModel)
    return model


REQUEST = GenerationRequest(
    messages=(
        Message("system", "Answer with one ```rust code block."),
        Message("user", "Convert: print(sum(range(10)))"),
    ),
    temperature=0.0, max_tokens=300, timeout_s=5,
)


def test_request_shape_usage_and_table_cost(
    server: FakeMessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "sk-ant-test-value")
    completion = claude(server).generate(REQUEST)
    body = server.bodies[0]
    assert body["system"] == "Answer with one ```rust code block."
    assert body["messages"] == [{"role": "user", "content": "Convert: print(sum(range(10)))"}]
    assert body["max_tokens"] == 300
    assert body["temperature"] == 0.0
    # the key from the named variable is sent (older SDKs use x-api-key, newer a bearer token)
    sent = {server.headers[0].get("x-api-key"), server.headers[0].get("authorization")}
    assert sent & {"sk-ant-test-value", "Bearer sk-ant-test-value"}
    assert completion.text == ANSWER
    assert completion.input_tokens == 34  # 30 + 4 read from the prompt cache
    assert completion.output_tokens == 25
    assert not completion.tokens_estimated
    assert completion.details.cache_read_input_tokens == 4
    entry = load_pricing_table().lookup("claude-sonnet-4-20250514")
    assert entry is not None and entry.id == "claude-sonnet-4"
    expected = (34 * entry.input_usd_per_mtok + 25 * entry.output_usd_per_mtok) / 1e6
    assert completion.cost_usd == pytest.approx(expected)
    assert completion.details.cost_basis == "tokens"


def test_stop_after_code_block_truncates(
    server: FakeMessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "k")
    request = GenerationRequest(messages=REQUEST.messages, stop_after_code_block=True)
    completion = claude(server).generate(request)
    assert completion.text == ANSWER[: ANSWER.index("```\nHope") + 3]
    assert completion.output_tokens == 25  # what was billed, not what was kept


def test_overloaded_529_is_retried(
    server: FakeMessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "k")
    server.statuses = [529, 529, 200]
    completion = claude(server, max_attempts=3).generate(REQUEST)
    assert completion.details.attempts == 3
    assert len(server.bodies) == 3


def test_bad_request_is_not_retried(
    server: FakeMessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "k")
    server.statuses = [400]
    with pytest.raises(anthropic.BadRequestError):
        claude(server).generate(REQUEST)
    assert len(server.bodies) == 1


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ModelSpecError, match="ANTHROPIC_API_KEY"):
        build_model(ModelConfig(id="c", backend="anthropic", model="claude-opus-4"))
