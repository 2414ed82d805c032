"""What a model config says besides which model it is, in typed sections.

- `GenerationSettings`: how to sample (`top_p`, `top_k`, `seed`), beyond the task's temperature,
  token limit and request seed.
- `RetrySettings`: how often and how patiently a transient failure is retried.
- `SchedulingSettings`: where a model's generation runs and with which resources (never sent to
  the backend, not part of the response-cache key).
- `options`: the backend's own settings (`n_ctx`, `stream`, `env`, ...): each backend types
  them with its own pydantic model, read through `backend_options`.

The models YAML keeps the one flat `params` mapping users write (`params: {top_p: 0.9,
max_attempts: 3, num_cpus: 2, n_ctx: 4096}`); `split_params` sorts its keys into the sections
and `joined_params` joins the explicitly set ones back, so stored provenance and cache keys are
those of the flat mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from single_shot_eval.errors import ModelSpecError

OptionsT = TypeVar("OptionsT", bound=BaseModel)


class GenerationSettings(BaseModel):
    """Sampling settings a backend applies to every request (None: the backend's default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # `int | float` keeps a number as written (1 stays 1): the flat mapping, and so the
    # response-cache key, are what they were before the sections existed.
    top_p: int | float | None = None
    top_k: int | None = None
    # The sampler's seed where a backend takes one per loaded model (llama.cpp); API backends
    # send the task's per-request seed instead.
    seed: int | None = None


class RetrySettings(BaseModel):
    """Retries of transient failures (None: the backend's default; see `models.retry`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int | None = None
    retry_base_delay_s: int | float | None = None
    retry_max_delay_s: int | float | None = None
    max_retry_after_s: int | float | None = None


class SchedulingSettings(BaseModel):
    """Where and with which resources a model's generation runs (the executors read and check
    it: `placement` is `worker` or `driver`, the counts numbers >= 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_cpus: StrictInt | StrictFloat | None = Field(default=None, ge=0)
    num_gpus: StrictInt | StrictFloat | None = Field(default=None, ge=0)
    placement: Literal["driver", "worker"] | None = None


SECTIONS: dict[str, type[BaseModel]] = {
    "generation": GenerationSettings,
    "retry": RetrySettings,
    "scheduling": SchedulingSettings,
}
"""Each typed section of a model config, by field name."""


def section_of(key: str) -> str:
    """The section a flat `params` key belongs to (`options` for a backend's own keys)."""
    for name, model in SECTIONS.items():
        if key in model.model_fields:
            return name
    return "options"


def split_params(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A flat `params` mapping sorted into `generation`, `retry`, `scheduling`, `options`."""
    sections: dict[str, dict[str, Any]] = {name: {} for name in (*SECTIONS, "options")}
    for key, value in params.items():
        sections[section_of(str(key))][str(key)] = value
    return sections


def joined_params(
    generation: GenerationSettings,
    retry: RetrySettings,
    scheduling: SchedulingSettings,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The flat `params` mapping the sections came from: every explicitly set key."""
    return {
        **generation.model_dump(exclude_unset=True),
        **retry.model_dump(exclude_unset=True),
        **scheduling.model_dump(exclude_unset=True),
        **options,
    }


def backend_options(model_id: str, options: Mapping[str, Any], schema: type[OptionsT]) -> OptionsT:
    """A backend's own `params`, typed by its `schema`; a value that does not fit is a
    `ModelSpecError` naming the model and the key (unknown keys are the backend's to refuse,
    with the list it accepts: `api_common.check_params`)."""
    try:
        return schema.model_validate(dict(options))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ModelSpecError(f"model {model_id!r}: params.{key}: {error['msg']}") from None
