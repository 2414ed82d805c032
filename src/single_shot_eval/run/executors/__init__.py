"""Executors run an evaluation's generation and verification units: `local` threads or `ray`.

`make_executor` builds one by name; `evaluate` with `RunOptions(executor="ray")` uses it.
"""

from __future__ import annotations

from single_shot_eval.errors import UserError
from single_shot_eval.run.executors.base import (
    DEFAULT_MAX_RETRIES,
    EXECUTOR_NAMES,
    DriverContext,
    Executor,
    GenerationJob,
    GenerationResult,
    VerificationDone,
    VerificationJob,
)
from single_shot_eval.run.executors.local import LocalExecutor

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "EXECUTOR_NAMES",
    "DriverContext",
    "Executor",
    "GenerationJob",
    "GenerationResult",
    "LocalExecutor",
    "VerificationDone",
    "VerificationJob",
    "make_executor",
]


def make_executor(
    name: str, *, ray_address: str | None = None, workers: int | None = None
) -> Executor:
    """The executor called `name` (`local` or `ray`), not yet started."""
    if name == "local":
        if ray_address is not None:
            raise UserError("--ray-address applies only to --executor ray")
        return LocalExecutor(workers)
    if name == "ray":
        from single_shot_eval.run.executors.ray_executor import RayExecutor

        return RayExecutor(ray_address, workers)
    raise UserError(
        f"--executor: unknown executor {name!r} (choose one of: {', '.join(EXECUTOR_NAMES)})"
    )
