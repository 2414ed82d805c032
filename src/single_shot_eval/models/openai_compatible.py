"""Any OpenAI-compatible chat endpoint through the official `openai` SDK.

OpenAI itself, vLLM, Ollama, LM Studio, OpenRouter and llama.cpp's server all speak the same Chat
Completions API; `base_url` picks the endpoint and `api_key_env` names the variable holding the
key (default OPENAI_API_KEY; a loopback server may run without one). Token counts come from the
response's `usage`; when a server sends none (common when streaming) they are estimated and
marked so. The SDK's own retries are off: `models.retry` retries 408/429/5xx and timeouts with
jittered backoff and Retry-After, the same way for every HTTP backend.

Params (all optional): `stream` (bool; measures time to first token), `top_p`,
`max_tokens_field` (`max_tokens` or `max_completion_tokens`), `extra_body` (dict sent as is),
`max_attempts`, `retry_base_delay_s`, `retry_max_delay_s`, `max_retry_after_s`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, StrictBool

from single_shot_eval.models.api_common import (
    ApiClientModel,
    check_params,
    is_local_url,
)
from single_shot_eval.models.base import (
    Completion,
    GenerationDetails,
    GenerationRequest,
    estimate_tokens,
)
from single_shot_eval.models.pricing import cost_rule_for
from single_shot_eval.models.registry import ModelConfig, backend
from single_shot_eval.models.retry import (
    RETRY_PARAM_KEYS,
    RetryPolicy,
    call_with_retries,
)
from single_shot_eval.models.settings import backend_options

ACCEPTED_PARAMS = RETRY_PARAM_KEYS | {"stream", "top_p", "max_tokens_field", "extra_body"}


class OpenAIOptions(BaseModel):
    """The openai backend's own `params`: streaming, the name of the token-limit field (official
    endpoints want `max_completion_tokens`, most servers `max_tokens`), extra request fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stream: StrictBool = False
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] | None = None
    extra_body: dict[str, Any] | None = None


@dataclass
class _Answer:
    """One successful HTTP exchange, before pricing."""

    text: str
    latency_s: float
    input_tokens: int | None = None
    output_tokens: int | None = None
    time_to_first_token_s: float | None = None
    finish_reason: str = ""
    served_model: str = ""
    stopped_early: bool = False


def _is_official_openai(base_url: str | None) -> bool:
    return base_url is None or (urlparse(base_url).hostname or "").endswith("api.openai.com")


class OpenAICompatibleModel(ApiClientModel):
    """A chat model behind an OpenAI-compatible endpoint, with real usage and retries."""

    def __init__(self, config: ModelConfig) -> None:
        check_params(config.id, config.params, ACCEPTED_PARAMS)
        options = backend_options(config.id, config.options, OpenAIOptions)
        self.config = config
        self.model_name = config.model or config.id
        self.base_url = config.base_url
        self.local = is_local_url(config.base_url)
        self.stream = options.stream
        top_p = config.generation.top_p
        self.top_p = None if top_p is None else float(top_p)
        default_field = (
            "max_completion_tokens" if _is_official_openai(config.base_url) else "max_tokens"
        )
        self.max_tokens_field: str = options.max_tokens_field or default_field
        self.extra_body: dict[str, Any] | None = options.extra_body
        self.retry_policy = RetryPolicy.from_settings(config.retry, model_id=config.id)
        self.cost_rule = cost_rule_for(config, self.model_name, wall_time_fallback=self.local)
        super().__init__(config, sdk="openai", client_class="OpenAI", default_env="OPENAI_API_KEY")

    def generate(self, request: GenerationRequest) -> Completion:
        with self._slots:
            outcome = call_with_retries(
                lambda: self._call(request), self.retry_policy, classify=self._classify
            )
        answer = outcome.value
        text = answer.text
        truncated = False
        if request.stop_after_code_block:
            text = request.cut_after_translation(text)
            truncated = text != answer.text
        estimated = answer.input_tokens is None or answer.output_tokens is None
        input_tokens = answer.input_tokens
        if input_tokens is None:
            input_tokens = estimate_tokens("\n".join(m.content for m in request.messages))
        output_tokens = answer.output_tokens
        if output_tokens is None:
            output_tokens = estimate_tokens(answer.text)
        details = GenerationDetails(
            backend="openai",
            served_model=answer.served_model or self.model_name,
            finish_reason=answer.finish_reason,
            attempts=outcome.attempts,
            retry_wait_s=outcome.waited_s,
            streamed=self.stream,
            stopped_early=answer.stopped_early or None,
            time_to_first_token_s=answer.time_to_first_token_s,
            truncated_after_code_block=truncated,
            cost_basis=self.cost_rule.basis,
            price_source=self.cost_rule.source,
            base_url=self.base_url or None,
        )
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=answer.latency_s,
            cost_usd=self.cost_rule.cost_usd(
                input_tokens=input_tokens, output_tokens=output_tokens,
                wall_time_s=answer.latency_s,
            ),
            tokens_estimated=estimated,
            details=details,
        )

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.model_name,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": request.temperature,
            self.max_tokens_field: request.max_tokens,
            "seed": request.seed,
            "timeout": request.timeout_s,
        }
        if self.top_p is not None:
            arguments["top_p"] = self.top_p
        if self.extra_body:
            arguments["extra_body"] = self.extra_body
        return arguments

    def _call(self, request: GenerationRequest) -> _Answer:
        if self.stream:
            return self._call_streaming(request)
        started = time.perf_counter()
        response = self._client.chat.completions.create(**self._arguments(request))
        latency_s = time.perf_counter() - started
        choice = response.choices[0] if response.choices else None
        usage = getattr(response, "usage", None)
        return _Answer(
            text=str(choice.message.content or "") if choice is not None else "",
            latency_s=latency_s,
            input_tokens=_usage_int(usage, "prompt_tokens"),
            output_tokens=_usage_int(usage, "completion_tokens"),
            finish_reason=str(choice.finish_reason) if choice is not None else "",
            served_model=str(getattr(response, "model", "") or ""),
        )

    def _call_streaming(self, request: GenerationRequest) -> _Answer:
        """Stream the answer: time to first token, an overall deadline, an early stop."""
        started = time.perf_counter()
        stream = self._client.chat.completions.create(
            **self._arguments(request), stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        answer = _Answer(text="", latency_s=0.0)
        try:
            for chunk in stream:
                if time.perf_counter() - started > request.timeout_s:
                    raise TimeoutError(
                        f"stream from {self.base_url or 'OpenAI'} exceeded {request.timeout_s} s"
                    )
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    answer.input_tokens = _usage_int(usage, "prompt_tokens")
                    answer.output_tokens = _usage_int(usage, "completion_tokens")
                answer.served_model = str(getattr(chunk, "model", "") or answer.served_model)
                for choice in chunk.choices or ():
                    delta = getattr(choice.delta, "content", None)
                    if delta:
                        if answer.time_to_first_token_s is None:
                            answer.time_to_first_token_s = time.perf_counter() - started
                        parts.append(delta)
                    if choice.finish_reason:
                        answer.finish_reason = str(choice.finish_reason)
                if request.translation_done("".join(parts)):
                    answer.finish_reason = "stopped_after_code_block"
                    answer.stopped_early = True
                    break
        finally:
            stream.close()
        answer.text = "".join(parts)
        answer.latency_s = time.perf_counter() - started
        return answer


def _usage_int(usage: Any, name: str) -> int | None:
    value = getattr(usage, name, None) if usage is not None else None
    return int(value) if isinstance(value, int) else None


@backend("openai")
def _build(config: ModelConfig) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(config)
