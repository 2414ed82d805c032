"""Code that runs a unit wherever an executor places it: a driver thread or a remote worker.

Workers rebuild everything from the unit itself. Models are built once per process and kept (a
GGUF model is therefore loaded once per worker process; llama.cpp's loader also caches per
process); the toolchain and sandbox are probed once per process. Workers keep no verdict or
oracle cache of their own: the driver's caches (seeded into each job) are the only ones, so a
worker's death loses nothing but its in-flight unit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import threading
import traceback
from pathlib import Path

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import Model
from single_shot_eval.models.registry import build_model
from single_shot_eval.results.cache import MemoryCache
from single_shot_eval.run.executors.base import (
    GenerationJob,
    GenerationResult,
    VerificationDone,
    VerificationJob,
    without_scheduling_params,
)
from single_shot_eval.sandbox import Sandbox
from single_shot_eval.verify.crates import CrateSetProvider
from single_shot_eval.verify.toolchain import Toolchain, detect_toolchain
from single_shot_eval.verify.verifier import VerdictCache, Verifier

_ERROR_TEXT_LIMIT = 2000

_models: dict[str, tuple[Model, threading.Lock]] = {}
_models_lock = threading.Lock()
_sandbox: Sandbox | None = None
# The allowed-crate provider per crate list: it remembers the built crate set in memory.
_crate_providers: dict[tuple[str, ...], CrateSetProvider] = {}
_sandbox_lock = threading.Lock()


def call_model(model: Model, job: GenerationJob) -> GenerationResult:
    """Ask `model` for one completion; a failing call is a result, not an exception."""
    try:
        completion = model.generate(job.request)
    except UserError as exc:
        return GenerationResult(None, user_error=str(exc))
    except Exception as exc:  # a failing model call is a sample, not a crash
        return GenerationResult(None, error=f"{type(exc).__name__}: {exc}"[:_ERROR_TEXT_LIMIT])
    return GenerationResult(completion)


def generate_unit(job: GenerationJob) -> GenerationResult:
    """Worker entry point: run one generation with this process's copy of the model."""
    key = job.model.model_dump_json()
    try:
        with _models_lock:
            if key not in _models:
                _models[key] = (build_model(without_scheduling_params(job.model)), threading.Lock())
            model, lock = _models[key]
    except UserError as exc:
        return GenerationResult(None, user_error=str(exc))
    with lock:
        return call_model(model, job)


def verify_job(
    job: VerificationJob,
    toolchain: Toolchain,
    sandbox: Sandbox,
    cache: VerdictCache | None = None,
    crates: CrateSetProvider | None = None,
) -> VerificationDone:
    """Verify one candidate with the given toolchain, sandbox and allowed-crate provider.

    Without `cache`, the verifier starts from the job's oracle seed and the oracle outputs it
    computes come back in the result (for the driver to keep). With `cache` (an executor in the
    driver's process passes the driver's own), verdicts and oracle outputs go straight into it.
    """
    seeded: MemoryCache | None = None
    if cache is None:
        seeded = MemoryCache(job.oracle_seed)
        cache = VerdictCache(oracle=seeded)
    verifier = Verifier(
        policy=job.policy, toolchain=toolchain, sandbox=sandbox, cache=cache, crates=crates
    )
    try:
        result = verifier.verify(job.code, _with_local_pytest(job.example, job.pytest_text))
    except UserError as exc:
        return VerificationDone(None, user_error=str(exc))
    except Exception as exc:  # a sandbox failure or a verifier bug: ours, not the model's
        return VerificationDone(None, error=harness_failure_text(exc))
    return VerificationDone(result, seeded.written() if seeded is not None else ())


def harness_failure_text(exc: BaseException) -> str:
    """One line naming an exception of our own machinery and where it was raised."""
    message = " ".join(str(exc).split())
    frames = traceback.extract_tb(exc.__traceback__)
    place = ""
    if frames:
        last = frames[-1]
        place = f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return f"{type(exc).__name__}: {message}"[:_ERROR_TEXT_LIMIT] + place


def verify_unit(job: VerificationJob) -> VerificationDone:
    """Worker entry point: verify one candidate with this process's toolchain and sandbox."""
    global _sandbox
    try:
        toolchain = detect_toolchain()
        with _sandbox_lock:
            if _sandbox is None:
                _sandbox = Sandbox()
            sandbox = _sandbox
            crates = _crate_providers.get(job.policy.crates)
            if crates is None:
                crates = CrateSetProvider(job.policy.crates, toolchain)
                _crate_providers[job.policy.crates] = crates
    except UserError as exc:
        return VerificationDone(None, user_error=f"on a worker: {exc}")
    return verify_job(job, toolchain, sandbox, crates=crates)


def _with_local_pytest(example: Example, pytest_text: str | None) -> Example:
    """`example`, with its pytest file written locally when the driver's path is not readable here.

    On a cluster the corpus lives on the driver's machine; the job carries the file's text.
    """
    if example.pytest_path is None or pytest_text is None or example.pytest_path.is_file():
        return example
    digest = hashlib.sha256(pytest_text.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "sse-pytest" / digest
    local = folder / example.pytest_path.name
    if not local.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{local.name}.{threading.get_ident()}"
        partial.write_text(pytest_text, encoding="utf-8")
        partial.replace(local)
    return dataclasses.replace(example, pytest_path=local)
