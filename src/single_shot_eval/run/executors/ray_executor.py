"""The `ray` executor: generation and verification units as Ray tasks on a cluster.

`address` picks the cluster: `auto` (the running cluster this machine belongs to, or
`RAY_ADDRESS`), `ray://host:10001` (Ray Client), or `local` (start a private Ray instance here
with `workers` CPUs). When the process is already connected (`ray.init` was called by the caller)
that connection is used as is and left open.

Each verification unit is a task declaring `num_cpus=1` (rustc and the test programs are
CPU-bound). Generation of an in-process model (a GGUF model) is a task declaring
`params.num_cpus` (default 1) and `params.num_gpus` (default 0) of its model config; every other
model generates from driver threads, `ModelConfig.concurrency` at a time. Tasks are submitted
with `max_retries=0`: a lost task surfaces as an exception on its future and the driver retries
it (a bounded number of times), so retries are counted and visible.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from single_shot_eval.errors import UserError
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.run.executors.base import (
    DriverContext,
    Executor,
    GenerationJob,
    GenerationResult,
    VerificationDone,
    VerificationJob,
    non_negative_number,
    placement,
)
from single_shot_eval.run.executors.worker import call_model, generate_unit, verify_unit

INSTALL_HINT = "pip install 'single-shot-eval[ray]'"
LOCAL_ADDRESS = "local"
VERIFY_NUM_CPUS = 1.0


def import_ray() -> Any:
    """The `ray` module, or a `UserError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UserError(f"--executor ray needs Ray: {INSTALL_HINT}") from None
    return ray


class RayExecutor(Executor):
    """Ray tasks for units; see the module docstring for addresses and resources."""

    name = "ray"
    shares_driver_cache = False

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise UserError(f"workers: need at least 1 verification worker, not {workers}")
        self.address = address
        self.requested_workers = workers
        self.workers = workers or 1
        self._ray: Any = None
        self._owns_ray = False
        self._context: DriverContext | None = None
        self._generate: Any = None
        self._verify: Any = None
        self._in_flight: dict[Future[Any], Any] = {}
        self._in_flight_lock = threading.Lock()
        self._driver_pools: dict[str, ThreadPoolExecutor] = {}
        self._cluster_cpus = 0.0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, context: DriverContext) -> None:
        ray = import_ray()
        self._ray = ray
        self._context = context
        if not ray.is_initialized():
            self._connect(ray)
        self._cluster_cpus = float(ray.cluster_resources().get("CPU", 0.0))
        if self._cluster_cpus < 1:
            self.close()
            raise UserError(
                f"the Ray cluster at {self.address or 'auto'} has no CPU to run verification on"
            )
        self.workers = self.requested_workers or int(self._cluster_cpus)
        remote = ray.remote
        self._verify = remote(num_cpus=VERIFY_NUM_CPUS, max_retries=0)(verify_unit)
        self._generate = remote(max_retries=0)(generate_unit)

    def _connect(self, ray: Any) -> None:
        address = self.address or "auto"
        options: dict[str, Any] = {"address": address, "log_to_driver": False}
        if address == LOCAL_ADDRESS:
            # "local" always starts a private instance, even when RAY_ADDRESS or another
            # instance on this machine would be found by "auto".
            options["num_cpus"] = self.requested_workers or max(1, os.cpu_count() or 1)
            options["include_dashboard"] = False
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            text = str(exc).strip()
            first_line = text.splitlines()[0] if text else type(exc).__name__
            raise UserError(
                f"--ray-address {address}: cannot connect to a Ray cluster ({first_line}); "
                "start one with `ray start --head`, or use --ray-address local"
            ) from None
        self._owns_ray = True

    def close(self, *, cancel: bool = False) -> None:
        ray = self._ray
        with self._in_flight_lock:
            refs = list(self._in_flight.values())
            self._in_flight.clear()
        if cancel and ray is not None:
            for ref in refs:
                # Already finished, or its worker is gone: nothing left to cancel.
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
        for pool in self._driver_pools.values():
            pool.shutdown(wait=not cancel, cancel_futures=cancel)
        self._driver_pools.clear()
        if ray is not None and self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    def describe(self) -> str:
        where = self.address or ("auto" if self._owns_ray else "existing connection")
        return (
            f"ray {getattr(self._ray, '__version__', '?')} at {where} "
            f"({self._cluster_cpus:g} CPUs, up to {self.workers} concurrent verifications)"
        )

    # -- scheduling -------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        context = self._require_context()
        driver_slots = [m.concurrency for m in context.models if placement(m) == "driver"]
        return 2 * self.workers + max(driver_slots, default=0)

    @property
    def verification_slots(self) -> int | None:
        # Ray's CPU accounting bounds concurrency to the cluster; `workers` bounds it further.
        return self.requested_workers

    def generation_slots(self, config: ModelConfig) -> int | None:
        return config.concurrency if placement(config) == "driver" else None

    def submit_generation(self, job: GenerationJob) -> Future[GenerationResult]:
        context = self._require_context()
        if placement(job.model) == "driver":
            pool = self._driver_pools.get(job.model.id)
            if pool is None:
                pool = ThreadPoolExecutor(
                    job.model.concurrency, thread_name_prefix=f"generate-{job.model.id}"
                )
                self._driver_pools[job.model.id] = pool
            return pool.submit(call_model, context.model_for(job.model), job)
        task = self._generate.options(
            num_cpus=non_negative_number(job.model, "num_cpus", 1.0),
            num_gpus=non_negative_number(job.model, "num_gpus", 0.0),
        )
        return self._track(task.remote(job))

    def submit_verification(self, job: VerificationJob) -> Future[VerificationDone]:
        self._require_context()
        return self._track(self._verify.remote(job))

    def _track(self, ref: Any) -> Future[Any]:
        future: Future[Any] = ref.future()
        with self._in_flight_lock:
            self._in_flight[future] = ref
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._in_flight_lock:
            self._in_flight.pop(future, None)

    def _require_context(self) -> DriverContext:
        if self._context is None or self._verify is None:
            raise RuntimeError("RayExecutor.start() must be called before submitting units")
        return self._context
