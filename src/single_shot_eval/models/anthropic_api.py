"""Anthropic's Messages API through the official `anthropic` SDK.

The key comes from ANTHROPIC_API_KEY (or the variable `api_key_env` names); `base_url` points
the SDK elsewhere (a proxy, or a local test server). System messages go in the request's
`system` field, as the Messages API wants. Token counts are the response's `usage` (cache
creation and cache read tokens are added to the input count and listed in the details). The
Messages API has no seed, so runs at temperature > 0 are not reproducible; the details say so.

Sampling parameters (temperature, `top_p`, `top_k`) travel in the request body via the SDK's
`extra_body`: recent SDK releases dropped them from `messages.create`'s signature, while the API
still takes them for the models that support sampling. Set `send_temperature: false` for a
model that rejects it.

Params (all optional): `top_p`, `top_k`, `send_temperature` (bool, default true),
`max_attempts`, `retry_base_delay_s`, `retry_max_delay_s`, `max_retry_after_s`.
"""

from __future__ import annotations

import time
from typing import Any

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
)
from single_shot_eval.models.pricing import cost_rule_for
from single_shot_eval.models.registry import ModelConfig, backend
from single_shot_eval.models.retry import (
    RETRY_PARAM_KEYS,
    RetryPolicy,
    call_with_retries,
)
from single_shot_eval.models.settings import backend_options

ACCEPTED_PARAMS = RETRY_PARAM_KEYS | {"top_p", "top_k", "send_temperature"}


class AnthropicOptions(BaseModel):
    """The anthropic backend's own `params`: whether to send the task's temperature (some
    models refuse one)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    send_temperature: StrictBool = True


class AnthropicModel(ApiClientModel):
    """A Claude model behind the Messages API, with real usage and retries."""

    def __init__(self, config: ModelConfig) -> None:
        check_params(config.id, config.params, ACCEPTED_PARAMS)
        self.config = config
        self.model_name = config.model or config.id
        self.base_url = config.base_url
        sampling = config.generation
        self.top_p = None if sampling.top_p is None else float(sampling.top_p)
        self.top_k = sampling.top_k
        self.send_temperature = backend_options(
            config.id, config.options, AnthropicOptions
        ).send_temperature
        self.retry_policy = RetryPolicy.from_settings(config.retry, model_id=config.id)
        self.cost_rule = cost_rule_for(
            config, self.model_name, wall_time_fallback=is_local_url(config.base_url)
        )
        super().__init__(
            config, sdk="anthropic", client_class="Anthropic", default_env="ANTHROPIC_API_KEY"
        )

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        sampling: dict[str, Any] = {}
        if self.send_temperature:
            sampling["temperature"] = request.temperature
        if self.top_p is not None:
            sampling["top_p"] = self.top_p
        if self.top_k is not None:
            sampling["top_k"] = self.top_k
        arguments: dict[str, Any] = {
            "model": self.model_name,
            "max_tokens": request.max_tokens,
            "messages": [
                {"role": m.role, "content": m.content}
                for m in request.messages
                if m.role != "system"
            ],
            "timeout": request.timeout_s,
        }
        if system:
            arguments["system"] = system
        if sampling:
            arguments["extra_body"] = sampling
        return arguments

    def _call(self, request: GenerationRequest) -> tuple[Any, float]:
        started = time.perf_counter()
        response = self._client.messages.create(**self._arguments(request))
        return response, time.perf_counter() - started

    def generate(self, request: GenerationRequest) -> Completion:
        with self._slots:
            outcome = call_with_retries(
                lambda: self._call(request), self.retry_policy, classify=self._classify
            )
        response, latency_s = outcome.value
        full_text = "".join(
            str(getattr(block, "text", "")) for block in response.content
            if getattr(block, "type", "") == "text"
        )
        text = request.cut_after_translation(full_text)
        usage = response.usage
        cache_created = int(getattr(usage, "cache_creation_input_tokens", None) or 0)
        cache_read = int(getattr(usage, "cache_read_input_tokens", None) or 0)
        input_tokens = int(usage.input_tokens) + cache_created + cache_read
        output_tokens = int(usage.output_tokens)
        cached_prompt = bool(cache_created or cache_read)
        details = GenerationDetails(
            backend="anthropic",
            served_model=str(getattr(response, "model", "") or self.model_name),
            finish_reason=str(getattr(response, "stop_reason", "") or ""),
            attempts=outcome.attempts,
            retry_wait_s=outcome.waited_s,
            seed_note="not supported by the Messages API",
            truncated_after_code_block=text != full_text,
            cost_basis=self.cost_rule.basis,
            price_source=self.cost_rule.source,
            cache_creation_input_tokens=cache_created if cached_prompt else None,
            cache_read_input_tokens=cache_read if cached_prompt else None,
            base_url=self.base_url or None,
        )
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency_s,
            cost_usd=self.cost_rule.cost_usd(
                input_tokens=input_tokens, output_tokens=output_tokens, wall_time_s=latency_s
            ),
            tokens_estimated=False,
            details=details,
        )


@backend("anthropic")
def _build(config: ModelConfig) -> AnthropicModel:
    return AnthropicModel(config)
