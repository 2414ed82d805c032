"""Helpers shared by the HTTP API backends (`openai`, `anthropic`): keys, URLs and params.

Not a backend: it registers nothing.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.models.retry import TransientFailure, transient_failure

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})
# What a local server gets as API key when none is set: llama.cpp, vLLM, Ollama and LM Studio
# accept any string, and the SDKs refuse to run without one.
DUMMY_LOCAL_KEY = "local-no-key"


def is_local_url(url: str | None) -> bool:
    """True when `url` points at this machine (loopback), where a dummy API key will do."""
    if not url:
        return False
    host = urlparse(url).hostname or ""
    return host in LOCAL_HOSTS or host.startswith("127.")


def resolve_api_key(
    model_id: str, *, api_key_env: str | None, default_env: str, base_url: str | None
) -> str:
    """The API key from the environment variable the config names (never from the file itself).

    A missing key is a `ModelSpecError` naming the variable, except for a loopback `base_url`,
    which gets a dummy key.
    """
    variable = api_key_env or default_env
    key = os.environ.get(variable, "")
    if key:
        return key
    if is_local_url(base_url):
        return DUMMY_LOCAL_KEY
    where = base_url or "the provider's default endpoint"
    raise ModelSpecError(
        f"model {model_id!r}: environment variable {variable} is not set; export the API key "
        f"for {where} in {variable} (or name another variable with api_key_env)"
    )


def check_params(model_id: str, params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Reject unknown `params` keys, so a typo does not silently change nothing."""
    known = set(allowed)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ModelSpecError(
            f"model {model_id!r}: unknown params {', '.join(unknown)} "
            f"(this backend accepts: {', '.join(sorted(known))})"
        )


class ApiClientModel:
    """What the HTTP API backends share: the official SDK's client (with its own retries off:
    ours honour Retry-After and count attempts), a per-model concurrency limit, and the
    classification of transient failures."""

    def __init__(self, config: ModelConfig, *, sdk: str, client_class: str, default_env: str):
        self.config = config
        api_key = resolve_api_key(
            config.id, api_key_env=config.api_key_env, default_env=default_env,
            base_url=config.base_url,
        )
        try:
            module: Any = importlib.import_module(sdk)
        except ImportError:
            raise ModelSpecError(
                f"model {config.id!r}: the {config.backend} backend needs the 'api' extra: "
                "pip install 'single-shot-eval[api]'"
            ) from None
        self._timeout_types: tuple[type[BaseException], ...] = (module.APITimeoutError,)
        self._client: Any = getattr(module, client_class)(
            api_key=api_key, base_url=config.base_url, max_retries=0
        )
        self._slots = threading.BoundedSemaphore(config.concurrency)

    @property
    def model_id(self) -> str:
        return self.config.id

    @property
    def deterministic(self) -> bool:
        """False: an API may change or sample even at temperature 0, so caching is opt-in."""
        return False

    @property
    def reads_prompt(self) -> bool:
        return True

    def _classify(self, exc: BaseException) -> TransientFailure | None:
        return transient_failure(exc, timeout_types=self._timeout_types)
