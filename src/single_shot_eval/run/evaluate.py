"""The evaluation loop: plan (task x model x run x example), generate, verify, store.

Generation runs in the calling thread (one model loaded at a time, in order); verification of
finished answers overlaps it in a worker pool sized to the cores. Every sample is written to the
store the moment its verdict is known, so an interrupted evaluation resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from single_shot_eval import __version__
from single_shot_eval.config import TaskConfig
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import Completion, GenerationRequest, Model
from single_shot_eval.models.registry import ModelConfig, build_model
from single_shot_eval.records import Sample, Verdict
from single_shot_eval.run.prompt import prompt_digest, render_messages
from single_shot_eval.run.store import ResultStore
from single_shot_eval.verify.extract import extract_rust
from single_shot_eval.verify.verifier import (
    VerdictCache,
    VerificationPolicy,
    VerificationResult,
    Verifier,
)


@dataclass(frozen=True)
class WorkUnit:
    """One planned sample: which task, model, run and example."""

    task: TaskConfig
    model: ModelConfig
    run: int
    example: Example


@dataclass(frozen=True)
class EvaluationPlan:
    """Every work unit of an evaluation, and how many are already stored."""

    units: tuple[WorkUnit, ...]
    already_done: int


@dataclass
class EvaluationOutcome:
    """What an `evaluate` call did: where the store is and how many samples it produced."""

    store_path: Path
    planned: int
    completed: int
    skipped: int
    model_calls: int
    cache_hits: int
    interrupted: bool = False
    samples: list[Sample] = field(default_factory=list)


def plan_evaluation(
    tasks: list[TaskConfig],
    models: list[ModelConfig],
    corpus: Corpus,
    *,
    runs: int | None,
    limit: int | None,
    done: Callable[[str], set[tuple[str, int, str]]] | None = None,
) -> EvaluationPlan:
    """Work units in execution order (task, model, run, example), minus those already stored."""
    units: list[WorkUnit] = []
    skipped = 0
    for task in tasks:
        examples = corpus.limit(limit or task.evaluation.samples).examples
        finished = done(task.id) if done is not None else set()
        n_runs = runs if runs is not None else task.evaluation.runs
        for model in models:
            for run in range(1, n_runs + 1):
                for example in examples:
                    if (model.id, run, example.id) in finished:
                        skipped += 1
                        continue
                    units.append(WorkUnit(task, model, run, example))
    return EvaluationPlan(tuple(units), skipped)


def _effective_seed(task: TaskConfig, seed: int | None, run: int) -> int:
    base = task.inference.seed if seed is None else seed
    # At temperature 0 sampling is greedy: every run asks the identical question.
    return base if task.inference.temperature == 0 else base + run


def response_cache_key(config: ModelConfig, request: GenerationRequest) -> str:
    """Key of the response cache: backend, model, endpoint, messages, parameters, seed."""
    payload = {
        "backend": config.backend,
        "model": config.model or config.id,
        "base_url": config.base_url,
        "params": config.params,
        "messages": [[m.role, m.content] for m in request.messages],
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _completion_to_json(c: Completion) -> str:
    return json.dumps(
        {
            "text": c.text,
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "tokens_estimated": c.tokens_estimated,
            "latency_s": c.latency_s,
            "cost_usd": c.cost_usd,
            "time_to_first_token_s": c.time_to_first_token_s,
            "metadata": c.metadata,
        }
    )


def _completion_from_json(text: str) -> Completion:
    return Completion(**json.loads(text))


class Evaluation:
    """Runs a plan against a store. Build with `Evaluation.open(...)`, then call `run()`."""

    def __init__(
        self,
        store: ResultStore,
        *,
        verifier: Verifier,
        seed: int | None = None,
        use_cache: bool = True,
        workers: int | None = None,
        on_sample: Callable[[Sample], None] | None = None,
    ) -> None:
        self.store = store
        self.verifier = verifier
        self.seed = seed
        self.use_cache = use_cache
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.on_sample = on_sample
        self.model_calls = 0
        self.cache_hits = 0
        self._models: dict[str, Model] = {}

    def model(self, config: ModelConfig, corpus_examples: tuple[Example, ...]) -> Model:
        if config.id not in self._models:
            model = build_model(config)
            attach = getattr(model, "attach_corpus", None)
            if callable(attach):
                attach(corpus_examples)
            self._models[config.id] = model
        return self._models[config.id]

    def _generate(self, unit: WorkUnit, model: Model) -> tuple[Completion | None, str, bool, str]:
        """(completion or None, prompt digest, served from cache, error message)."""
        messages = render_messages(unit.task, unit.example)
        inference = unit.task.inference
        request = GenerationRequest(
            messages=messages,
            temperature=inference.temperature,
            max_tokens=inference.max_tokens,
            seed=_effective_seed(unit.task, self.seed, unit.run),
            timeout_s=unit.task.evaluation.timeout_ms / 1000,
            run=unit.run,
            example_id=unit.example.id,
            python_source=unit.example.python_source,
        )
        digest = prompt_digest(messages)
        cacheable = self.use_cache and (
            unit.model.cache if unit.model.cache is not None else model.deterministic
        )
        key = response_cache_key(unit.model, request) if cacheable else ""
        if cacheable:
            hit = self.store.get_response(key)
            if hit is not None:
                self.cache_hits += 1
                return _completion_from_json(hit), digest, True, ""
        self.model_calls += 1
        try:
            completion = model.generate(request)
        except UserError:
            raise
        except Exception as exc:  # a failing model call is a sample, not a crash
            return None, digest, False, f"{type(exc).__name__}: {exc}"[:2000]
        if cacheable:
            self.store.put_response(key, _completion_to_json(completion))
        return completion, digest, False, ""

    def run(self, plan: EvaluationPlan, corpus: Corpus) -> Iterator[Sample]:
        """Execute the plan, yielding each sample after it is stored."""
        pending: dict[Future[VerificationResult], tuple[WorkUnit, Completion, str, bool, str]] = {}
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="verify") as pool:
            try:
                for unit in plan.units:
                    model = self.model(unit.model, corpus.examples)
                    completion, digest, cached, error = self._generate(unit, model)
                    if completion is None:
                        sample = _sample(unit, None, digest, cached, error, None, None)
                        self._store(sample)
                        yield sample
                        continue
                    code = extract_rust(completion.text, unit.example.entry_point)
                    future = pool.submit(self.verifier.verify, code, unit.example)
                    pending[future] = (unit, completion, digest, cached, code or "")
                    while len(pending) >= self.workers * 2:
                        yield from self._drain(pending, block=True)
                    yield from self._drain(pending, block=False)
                while pending:
                    yield from self._drain(pending, block=True)
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def _drain(
        self,
        pending: dict[Future[VerificationResult], tuple[WorkUnit, Completion, str, bool, str]],
        *,
        block: bool,
    ) -> Iterator[Sample]:
        if not pending:
            return
        done, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: id(f)):
            unit, completion, digest, cached, code = pending.pop(future)
            result = future.result()
            sample = _sample(unit, completion, digest, cached, "", code or None, result)
            self._store(sample)
            yield sample

    def _store(self, sample: Sample) -> None:
        self.store.add_sample(sample)
        if self.on_sample is not None:
            self.on_sample(sample)


def _sample(
    unit: WorkUnit,
    completion: Completion | None,
    digest: str,
    cached: bool,
    error: str,
    code: str | None,
    result: VerificationResult | None,
) -> Sample:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if completion is None or result is None:
        return Sample(
            task_id=unit.task.id, model_id=unit.model.id, run=unit.run,
            example_id=unit.example.id, level=unit.example.level, prompt_sha256=digest,
            completion="", extracted_code=None, input_tokens=0, output_tokens=0,
            tokens_estimated=True, latency_s=0.0, cost_usd=0.0, verdict=Verdict.MODEL_ERROR,
            error=error, cached_response=cached, created_at=now,
        )
    extra = {k: str(v) for k, v in completion.metadata.items()}
    if completion.time_to_first_token_s is not None:
        extra["time_to_first_token_s"] = repr(completion.time_to_first_token_s)
    extra["verdict_cached"] = "yes" if result.cached else "no"
    return Sample(
        task_id=unit.task.id,
        model_id=unit.model.id,
        run=unit.run,
        example_id=unit.example.id,
        level=unit.example.level,
        prompt_sha256=digest,
        completion=completion.text,
        extracted_code=code,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        tokens_estimated=completion.tokens_estimated,
        latency_s=completion.latency_s,
        cost_usd=completion.cost_usd,
        verdict=result.verdict,
        stages=result.stages,
        diagnostics=result.diagnostics,
        cached_response=cached,
        created_at=now,
        extra=extra,
    )


def open_verifier(store: ResultStore, policy: VerificationPolicy, *, use_cache: bool) -> Verifier:
    """A verifier whose verdict and oracle caches persist in `store`."""
    if not use_cache:
        return Verifier(policy=policy)
    cache = VerdictCache(
        verdicts=store.all_verdicts(),
        oracle=store.all_oracle(),
        on_verdict=store.put_verdict,
        on_oracle=store.put_oracle,
    )
    return Verifier(policy=policy, cache=cache)


def policy_for(task: TaskConfig) -> VerificationPolicy:
    """The verification policy a task's `ground_truth` section asks for."""
    gt = task.ground_truth
    kind = gt.type
    return VerificationPolicy(
        ground_truth=kind,
        compare_stderr=gt.compare_stderr,
        run_pytest=gt.run_tests,
    )


def record_provenance(store: ResultStore, tasks: list[TaskConfig], verifier: Verifier,
                      seed: int | None, models: list[ModelConfig]) -> None:
    """Write what produced the store: tool version, toolchain, tasks, models, seed, date."""
    store.set_meta("tool_version", __version__)
    store.set_meta("rustc_version", verifier.toolchain.rustc_version)
    store.set_meta("python_version", verifier.toolchain.python_version)
    store.set_meta("toolchain_fingerprint", verifier.toolchain.fingerprint)
    store.set_meta("sandbox", "bubblewrap" if verifier.sandbox.isolated else "degraded")
    store.set_meta("seed", "task default" if seed is None else str(seed))
    store.set_meta(
        "tasks",
        json.dumps({t.id: t.model_dump(mode="json", exclude={"source_path"}) for t in tasks},
                   sort_keys=True),
    )
    store.set_meta(
        "models", json.dumps([m.model_dump(mode="json") for m in models], sort_keys=True)
    )
    if store.get_meta("started_at") is None:
        store.set_meta("started_at", datetime.now(UTC).isoformat(timespec="seconds"))


def evaluate(
    tasks: list[TaskConfig],
    models: list[ModelConfig],
    corpus: Corpus,
    *,
    output: Path,
    runs: int | None = None,
    limit: int | None = None,
    resume: bool = False,
    seed: int | None = None,
    use_cache: bool = True,
    on_sample: Callable[[Sample], None] | None = None,
    on_plan: Callable[[EvaluationPlan], None] | None = None,
) -> EvaluationOutcome:
    """Evaluate every model on every task over the corpus, storing samples under `output`."""
    from single_shot_eval.run.store import store_path

    if len({task.ground_truth for task in tasks}) > 1:
        raise UserError("--tasks: tasks with different ground_truth sections need separate runs")
    path = store_path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{output}: output directory is not writable ({exc.strerror})") from None
    if not os.access(output, os.W_OK):
        raise UserError(f"{output}: output directory is not writable")
    existing = path.exists()
    with ResultStore(path) as store:
        if existing and store.count() and not resume:
            raise UserError(
                f"{output}: already holds {store.count()} samples; pass --resume to continue "
                "that evaluation or choose another --output"
            )
        verifier = open_verifier(store, policy_for(tasks[0]), use_cache=use_cache)
        record_provenance(store, tasks, verifier, seed, models)
        plan = plan_evaluation(
            tasks, models, corpus, runs=runs, limit=limit,
            done=store.done_keys if resume else None,
        )
        if on_plan is not None:
            on_plan(plan)
        evaluation = Evaluation(
            store, verifier=verifier, seed=seed, use_cache=use_cache, on_sample=on_sample
        )
        outcome = EvaluationOutcome(
            store_path=path, planned=len(plan.units), completed=0, skipped=plan.already_done,
            model_calls=0, cache_hits=0,
        )
        started = time.perf_counter()
        try:
            for _ in evaluation.run(plan, corpus):
                outcome.completed += 1
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            outcome.model_calls = evaluation.model_calls
            outcome.cache_hits = evaluation.cache_hits
            if outcome.completed:
                store.set_meta("updated_at", datetime.now(UTC).isoformat(timespec="seconds"))
                store.set_meta("last_wall_time_s", f"{time.perf_counter() - started:.3f}")
    return outcome
