"""The `local` executor: thread pools in this process.

Verification runs in a pool sized to the cores (each unit spends its time in rustc and the
sandboxed programs, which are separate processes, so threads are enough). Generation runs in one
small pool per model: an API model gets `ModelConfig.concurrency` threads, an in-process model
(llama.cpp) one, so a local model generates one answer at a time.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

from single_shot_eval.errors import UserError
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.run.executors.base import (
    DriverContext,
    Executor,
    GenerationJob,
    GenerationResult,
    VerificationDone,
    VerificationJob,
    local_generation_slots,
)
from single_shot_eval.run.executors.worker import call_model, verify_job


class LocalExecutor(Executor):
    """Threads in the driver process: `workers` verifications and per-model generation slots."""

    name = "local"
    shares_driver_cache = True

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise UserError(f"workers: need at least 1 verification worker, not {workers}")
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._context: DriverContext | None = None
        self._verify_pool: ThreadPoolExecutor | None = None
        self._generate_pools: dict[str, ThreadPoolExecutor] = {}

    def start(self, context: DriverContext) -> None:
        self._context = context
        self._verify_pool = ThreadPoolExecutor(self.workers, thread_name_prefix="verify")

    @property
    def capacity(self) -> int:
        slots = [local_generation_slots(m) for m in self._require_context().models]
        # Twice the verification workers keeps every core busy while results are being stored.
        return 2 * self.workers + max(slots, default=1)

    def generation_slots(self, config: ModelConfig) -> int:
        return local_generation_slots(config)

    def submit_generation(self, job: GenerationJob) -> Future[GenerationResult]:
        context = self._require_context()
        model = context.model_for(job.model)
        pool = self._generate_pools.get(job.model.id)
        if pool is None:
            pool = ThreadPoolExecutor(
                local_generation_slots(job.model), thread_name_prefix=f"generate-{job.model.id}"
            )
            self._generate_pools[job.model.id] = pool
        return pool.submit(call_model, model, job)

    def submit_verification(self, job: VerificationJob) -> Future[VerificationDone]:
        context = self._require_context()
        assert self._verify_pool is not None
        verifier = context.verifier
        return self._verify_pool.submit(
            verify_job, job, verifier.toolchain, verifier.sandbox, verifier.cache,
            verifier.crates,
        )

    def close(self, *, cancel: bool = False) -> None:
        # On cancel, queued units are dropped (--resume redoes them). A running model call is
        # not awaited: its result is simply never stored. Running verifications are awaited
        # (seconds at most), because they write the driver's verdict cache, hence the store.
        for pool in self._generate_pools.values():
            pool.shutdown(wait=not cancel, cancel_futures=cancel)
        if self._verify_pool is not None:
            self._verify_pool.shutdown(wait=True, cancel_futures=cancel)
        self._generate_pools.clear()
        self._verify_pool = None

    def describe(self) -> str:
        return f"local ({self.workers} verification threads)"

    def _require_context(self) -> DriverContext:
        if self._context is None:
            raise RuntimeError("LocalExecutor.start() must be called before submitting units")
        return self._context
