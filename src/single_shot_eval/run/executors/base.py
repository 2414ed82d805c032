"""The executor interface: how `evaluate` hands generation and verification units to workers.

The driver (`run/evaluate.py`) owns the plan, the response and verdict caches and the store. An
executor only runs units: `submit_generation` and `submit_verification` return
`concurrent.futures.Future`s, and the driver writes each result to the store as it arrives.
Generation and verification are separate units so a slow model and CPU-bound rustc runs overlap.

Units and their results are plain picklable objects (`ModelConfig` is a pydantic model, the rest
are frozen dataclasses), so a worker in another process or on another machine can rebuild the
model or verifier it needs from them. A future that fails with an exception means the unit was
lost (its worker died, its node left the cluster): the driver retries it a bounded number of
times, then stores a `harness_error` sample. Failures the unit itself explains travel inside the
result instead: `GenerationResult.error` (the model call failed; stored as a `model_error`
sample), `VerificationDone.error` (verification raised: a sandbox failure or a bug of ours;
retried, then stored as a `harness_error` sample) and `user_error` (the worker cannot run the
unit at all, e.g. rustc or the GGUF file is missing there; the evaluation stops with that
message).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import Completion, GenerationRequest, Model
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.models.settings import SchedulingSettings
from single_shot_eval.verify.verifier import VerificationPolicy, VerificationResult, Verifier

EXECUTOR_NAMES = ("local", "ray")
DEFAULT_MAX_RETRIES = 2

# The flat `params` keys of a model config's `scheduling` section: where and with which
# resources a model's generation runs. They never reach the backend and are not part of the
# response-cache key: they change where an answer is computed, not what it is.
SCHEDULING_PARAMS = frozenset(SchedulingSettings.model_fields)

# Backends that compute their answer inside the calling process (a GGUF model in llama.cpp). One
# process runs one such generation at a time; on Ray they run on workers. Every other backend
# (HTTP APIs, external commands) generates from the driver's threads, so API keys stay on the
# driver and an I/O-bound call holds no cluster CPU. (The controls' known answers never reach an
# executor: `run/sources.KnownAnswers` answers in the driver.)
IN_PROCESS_BACKENDS = frozenset({"llama_cpp"})

Placement = Literal["driver", "worker"]


@dataclass(frozen=True)
class GenerationJob:
    """One model call: which model (as a plain config) and the request."""

    model: ModelConfig
    request: GenerationRequest


@dataclass(frozen=True)
class GenerationResult:
    """What a generation unit produced: a completion, or why there is none."""

    completion: Completion | None
    error: str = ""
    user_error: str = ""


@dataclass(frozen=True)
class VerificationJob:
    """One candidate to verify against one example under one policy.

    `pytest_text` is the example's pytest file content, for workers that cannot read the driver's
    corpus path; `oracle_seed` carries Python oracle outputs the driver already knows for this
    example (cache key, JSON outcome) so workers need not re-run the Python program.
    """

    code: str
    example: Example
    policy: VerificationPolicy
    pytest_text: str | None = None
    oracle_seed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class VerificationDone:
    """A verification unit's verdict plus the oracle outputs it computed (for the driver).

    Without a result, `user_error` says why the worker cannot verify at all (the evaluation
    stops), or `error` names the exception our own machinery raised (the driver retries, then
    stores a `harness_error` sample).
    """

    result: VerificationResult | None
    oracle_entries: tuple[tuple[str, str], ...] = ()
    user_error: str = ""
    error: str = ""


@dataclass(frozen=True)
class DriverContext:
    """What an executor may use from the driver: its verifier (toolchain and sandbox) and models.

    `model_for` returns the driver's instance of a model, built once; executors that generate in
    the driver's threads call it. `models` are the configs of every model they may be asked to
    run.
    """

    verifier: Verifier
    model_for: Callable[[ModelConfig], Model]
    models: tuple[ModelConfig, ...]


class Executor(ABC):
    """Runs generation and verification units; see the module docstring for the contract."""

    name: ClassVar[str]
    # True when verification runs with the driver's own `VerdictCache` (same process), which then
    # already holds each verdict and oracle output; False when the driver must file them itself.
    shares_driver_cache: ClassVar[bool]

    @abstractmethod
    def start(self, context: DriverContext) -> None:
        """Acquire workers (thread pools, a Ray connection). Called once before any submit."""

    @property
    @abstractmethod
    def capacity(self) -> int:
        """How many units (generation plus verification) the driver should keep in flight."""

    @property
    def verification_slots(self) -> int | None:
        """Most verification units in flight at once, or None when the executor bounds them."""
        return None

    @abstractmethod
    def generation_slots(self, config: ModelConfig) -> int | None:
        """Most concurrent generations of this model, or None when only `capacity` bounds them."""

    @abstractmethod
    def submit_generation(self, job: GenerationJob) -> Future[GenerationResult]:
        """Start one model call."""

    @abstractmethod
    def submit_verification(self, job: VerificationJob) -> Future[VerificationDone]:
        """Start verifying one candidate."""

    @abstractmethod
    def close(self, *, cancel: bool = False) -> None:
        """Release workers; with `cancel`, abandon units in flight instead of awaiting them."""

    @abstractmethod
    def describe(self) -> str:
        """One line for the store's provenance, e.g. `local (2 verification threads)`."""


def scheduling_param(config: ModelConfig, name: str, default: Any) -> Any:
    """A scheduling setting (`num_cpus`, `num_gpus`, `placement`) of a model config."""
    value = getattr(config.scheduling, name)
    return default if value is None else value


def without_scheduling_params(config: ModelConfig) -> ModelConfig:
    """`config` minus the scheduling parameters, which no backend should see."""
    if not config.scheduling.model_fields_set:
        return config
    return config.model_copy(update={"scheduling": SchedulingSettings()})


def placement(config: ModelConfig) -> Placement:
    """Where a distributed executor runs this model's generation: `worker` or `driver`.

    In-process backends run on workers (that is where the compute is); others from the driver.
    `params.placement` overrides the default.
    """
    chosen = scheduling_param(
        config, "placement", "worker" if config.backend in IN_PROCESS_BACKENDS else "driver"
    )
    if chosen not in ("worker", "driver"):
        raise UserError(
            f"model {config.id!r}: params.placement must be 'worker' or 'driver', not {chosen!r}"
        )
    return "worker" if chosen == "worker" else "driver"


def local_generation_slots(config: ModelConfig) -> int:
    """Concurrent generations in one process: 1 for an in-process model, else `concurrency`."""
    return 1 if config.backend in IN_PROCESS_BACKENDS else config.concurrency


def non_negative_number(config: ModelConfig, name: str, default: float) -> float:
    """A non-negative numeric scheduling parameter, with an actionable error when it is not."""
    value = scheduling_param(config, name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UserError(
            f"model {config.id!r}: params.{name} must be a number >= 0, not {value!r}"
        )
    return float(value)
