"""Retries for model calls (tenacity): exponential backoff with full jitter, honouring Retry-After.

Only transient failures are retried: HTTP 408, 429 and 5xx (Anthropic's 529 "overloaded"
included) and timeouts. Anything else (a bad request, a wrong key, a refused connection) fails
at once, because retrying it only delays the same answer. After `max_attempts` the failure
propagates as `RetriesExhaustedError` (chained to the last SDK error; with `max_attempts=1` the
error itself propagates), which the evaluation loop stores as a `model_error` sample.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Generic, TypeVar

import tenacity

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.settings import RetrySettings

T = TypeVar("T")

RETRY_PARAM_KEYS = frozenset(RetrySettings.model_fields)
"""The flat `params` keys of a model config's `retry` section."""


class RetriesExhaustedError(RuntimeError):
    """Every attempt at a model call failed transiently (or the server asked to wait too long)."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure.

    The wait before retry k (k = 0, 1, ...) is uniform in [0, min(max_delay_s, base_delay_s*2^k)]
    ("full jitter"), unless the server sent Retry-After, which is then waited exactly. A
    Retry-After longer than `max_retry_after_s` ends the retries instead of being cut short.
    """

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay_s, self.max_delay_s, self.max_retry_after_s) < 0:
            raise ValueError("retry delays must not be negative")

    @classmethod
    def from_settings(
        cls, settings: RetrySettings, *, model_id: str, default_attempts: int = 4
    ) -> RetryPolicy:
        """The policy a model config's `retry` section sets (`max_attempts`, `retry_*_s`),
        else defaults."""

        def given(value: float | None, default: float) -> float:
            return default if value is None else value

        try:
            return cls(
                max_attempts=int(given(settings.max_attempts, default_attempts)),
                base_delay_s=float(given(settings.retry_base_delay_s, cls.base_delay_s)),
                max_delay_s=float(given(settings.retry_max_delay_s, cls.max_delay_s)),
                max_retry_after_s=float(
                    given(settings.max_retry_after_s, cls.max_retry_after_s)
                ),
            )
        except (TypeError, ValueError) as exc:
            raise ModelSpecError(f"model {model_id!r}: bad retry parameter: {exc}") from None

    def backoff_s(self, retry_index: int, rng: random.Random) -> float:
        """Full-jitter wait before retry number `retry_index` (0 for the first retry)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2.0**retry_index))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class TransientFailure:
    """Why a failed call may be retried, and how long the server asked us to wait (if it did)."""

    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class RetryOutcome(Generic[T]):
    """A successful call's value, the attempts it took and the seconds spent waiting between."""

    value: T
    attempts: int
    waited_s: float


def parse_retry_after(headers: Mapping[str, str] | None, *, now: datetime | None = None) -> (
    float | None
):
    """Seconds to wait from `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date."""
    if not headers:
        return None
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def transient_failure(
    exc: BaseException, *, timeout_types: tuple[type[BaseException], ...] = ()
) -> TransientFailure | None:
    """Classify an exception from an HTTP SDK: a `TransientFailure`, or None (do not retry).

    Works with the OpenAI and Anthropic SDKs (and any exception with `status_code` and
    `response.headers`); `timeout_types` adds the SDK's own timeout exception classes.
    """
    if isinstance(exc, (TimeoutError, *timeout_types)):
        return TransientFailure("timeout")
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and (status in (408, 429) or status >= 500):
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        return TransientFailure(f"HTTP {status}", parse_retry_after(headers))
    return None


_DEFAULT_RNG = random.Random()


def call_with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    classify: Callable[[BaseException], TransientFailure | None] = transient_failure,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> RetryOutcome[T]:
    """Run `call` until it succeeds, retrying transient failures as `policy` allows.

    The loop is tenacity's; this function decides what it is told: which exceptions are
    transient (`classify`), how long to wait (Retry-After, else full-jitter backoff) and when to
    stop (`max_attempts`, or a Retry-After beyond `max_retry_after_s`). A non-transient
    exception propagates unchanged at once, and so does a transient one when `max_attempts` is
    1; otherwise giving up raises `RetriesExhaustedError` from the last exception.
    """
    generator = rng or _DEFAULT_RNG
    failures: list[TransientFailure] = []  # the classification of each transient failure

    def is_transient(exc: BaseException) -> bool:
        failure = classify(exc)
        if failure is not None:
            failures.append(failure)
        return failure is not None

    def retry_after_too_long() -> bool:
        asked_s = failures[-1].retry_after_s
        return asked_s is not None and asked_s > policy.max_retry_after_s

    def stop(state: tenacity.RetryCallState) -> bool:
        return state.attempt_number >= policy.max_attempts or retry_after_too_long()

    def wait_s(state: tenacity.RetryCallState) -> float:
        asked_s = failures[-1].retry_after_s
        if asked_s is not None:
            return asked_s
        return policy.backoff_s(state.attempt_number - 1, generator)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        stop=stop,
        wait=wait_s,
        sleep=sleep,
    )
    try:
        value = retrying(call)
    except tenacity.RetryError as gave_up:
        last = gave_up.last_attempt
        exc = last.exception()
        assert exc is not None  # tenacity gives up only after a failed attempt
        attempts = last.attempt_number
    else:
        return RetryOutcome(
            value, retrying.statistics["attempt_number"], retrying.statistics["idle_for"]
        )
    failure = failures[-1]
    last_error = f"{type(exc).__name__}: {exc}"
    if attempts == policy.max_attempts:
        if attempts == 1:
            raise exc  # retries are off: the failure itself is the clearest message
        raise RetriesExhaustedError(
            f"gave up after {attempts} attempts ({failure.reason}); last error: {last_error}",
            attempts=attempts,
        ) from exc
    raise RetriesExhaustedError(
        f"server asked to retry after {failure.retry_after_s:g} s, more than "
        f"max_retry_after_s={policy.max_retry_after_s:g}; last error: {last_error}",
        attempts=attempts,
    ) from exc
