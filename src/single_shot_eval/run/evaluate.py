"""The evaluation driver: plan (task x model x run x example), generate, verify, store.

An executor (`run/executors/`: `local` thread pools by default, or `ray`) runs the work units;
generation and verification are separate units, so model calls and CPU-bound verification
overlap. This module is the driver around it: it dispatches units in plan order, answers from the
response and verdict caches before dispatching anything, retries units lost with a worker a
bounded number of times, and writes every sample to the store the moment its verdict is known,
so an interrupted evaluation resumes where it stopped. The store is the single source of truth:
workers never write to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from single_shot_eval.config import RepairSettings, TaskConfig
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import (
    Completion,
    GenerationRequest,
    Model,
    truncate_at_repetition,
)
from single_shot_eval.models.registry import ModelConfig, build_model
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.results.store import INFRASTRUCTURE_FAILURE, ResultStore
from single_shot_eval.run.controls import ExampleControls, check_controls, controls_to_json
from single_shot_eval.run.executors import (
    DEFAULT_MAX_RETRIES,
    DriverContext,
    Executor,
    GenerationJob,
    GenerationResult,
    LocalExecutor,
    VerificationDone,
    VerificationJob,
    make_executor,
)
from single_shot_eval.run.executors.base import SCHEDULING_PARAMS, without_scheduling_params
from single_shot_eval.run.executors.worker import harness_failure_text as _harness_failure
from single_shot_eval.run.prompt import prompt_digest, render_messages
from single_shot_eval.run.repair import (
    REPAIR_FEEDBACK_KEY,
    REPAIR_TURN_KEY,
    needs_repair,
    repair_messages,
)
from single_shot_eval.verify.extract import extract_rust
from single_shot_eval.verify.verifier import (
    VerdictCache,
    VerificationPolicy,
    VerificationResult,
    Verifier,
)
from single_shot_eval.version import __version__


@dataclass(frozen=True)
class WorkUnit:
    """One planned sample: which task, model, run and example; for a repair turn (`turn` >= 1)
    also the failing sample of the turn before, whose answer and feedback make the prompt."""

    task: TaskConfig
    model: ModelConfig
    run: int
    example: Example
    turn: int = 0
    previous: Sample | None = None

    @property
    def repair_turns(self) -> int:
        """How many repair turns the task allows after a failing answer (0: one shot)."""
        return self.task.repair.turns if self.task.repair is not None else 0


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
    retries: int = 0
    lost_units: int = 0
    executor: str = ""
    # Examples left out because their controls failed (reference fails or mutant passes).
    broken_examples: tuple[ExampleControls, ...] = ()
    # Repair-turn samples stored (beside the `completed` one-shot samples).
    repair_turns: int = 0


def plan_evaluation(
    tasks: list[TaskConfig],
    models: list[ModelConfig],
    corpus: Corpus,
    *,
    runs: int | None,
    limit: int | None,
    done: Callable[[str], set[tuple[str, int, str]]] | None = None,
    exclude: frozenset[str] = frozenset(),
    pending_repairs: Callable[[str], Mapping[tuple[str, int, str], tuple[int, Sample]]]
    | None = None,
) -> EvaluationPlan:
    """Work units in execution order (task, model, run, example), minus those already stored
    and the `exclude`d example ids (broken examples: they judge nobody).

    `pending_repairs(task_id)` maps (model, run, example) of a stored sample whose repair chain
    is unfinished to (next turn, the sample of the turn before): a resumed evaluation plans
    that turn in place of the stored one."""
    units: list[WorkUnit] = []
    skipped = 0
    for task in tasks:
        examples = [
            e for e in planned_examples([task], corpus, limit) if e.id not in exclude
        ]
        finished = done(task.id) if done is not None else set()
        repairs = pending_repairs(task.id) if pending_repairs is not None else {}
        n_runs = runs if runs is not None else task.evaluation.runs
        for model in models:
            for run in range(1, n_runs + 1):
                for example in examples:
                    if (model.id, run, example.id) in finished:
                        pending = repairs.get((model.id, run, example.id))
                        if pending is not None:
                            turn, previous = pending
                            units.append(WorkUnit(task, model, run, example, turn, previous))
                            continue
                        skipped += 1
                        continue
                    units.append(WorkUnit(task, model, run, example))
    return EvaluationPlan(tuple(units), skipped)


def planned_examples(
    tasks: list[TaskConfig], corpus: Corpus, limit: int | None
) -> tuple[Example, ...]:
    """The examples the tasks use (each task's first `limit` or `evaluation.samples`), in corpus
    order, each once."""
    chosen: dict[str, Example] = {}
    for task in tasks:
        for example in corpus.limit(limit or task.evaluation.samples).examples:
            chosen.setdefault(example.id, example)
    return tuple(chosen.values())


def _effective_seed(task: TaskConfig, seed: int | None, run: int) -> int:
    base = task.inference.seed if seed is None else seed
    # At temperature 0 sampling is greedy: every run asks the identical question.
    return base if task.inference.temperature == 0 else base + run


def response_cache_key(
    config: ModelConfig,
    request: GenerationRequest,
    numeric_settings: Mapping[str, str] | None = None,
) -> str:
    """Key of the response cache: backend, model, endpoint, command, messages, parameters,
    seed and example, plus the backend's `numeric_settings` when it reports them.

    The example id is part of it because some backends answer from the example rather than the
    prompt (the reference model; file-in/file-out transpilers). Scheduling parameters (where a
    model runs, with which resources) are not part of it. `numeric_settings` are the effective
    settings that change an in-process model's arithmetic (threads, batch sizes, the backend's
    build): an answer computed with other settings is another answer.
    """
    payload: dict[str, Any] = {
        "backend": config.backend,
        "model": config.model or config.id,
        "base_url": config.base_url,
        "command": config.command,
        "example_id": request.example_id,
        "params": {k: v for k, v in config.params.items() if k not in SCHEDULING_PARAMS},
        "messages": [[m.role, m.content] for m in request.messages],
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
    }
    payload["stop_after_code_block"] = request.stop_after_code_block
    payload["stop_on_repetition"] = request.stop_on_repetition
    if numeric_settings:
        payload["numeric_settings"] = dict(numeric_settings)
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def numeric_settings(model: Model) -> dict[str, str]:
    """The settings that change a model's arithmetic (`numeric_settings()`), or none."""
    report = getattr(model, "numeric_settings", None)
    return dict(report()) if callable(report) else {}


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
    """Runs a plan against a store. Build it, then call `run()`.

    The executor (default: `LocalExecutor`) runs generation and verification units; this class
    is the driver around it: it dispatches units in plan order, answers from the response and
    verdict caches before dispatching anything, sends identical requests and identical
    candidates to workers once, retries lost units up to `max_retries` times and writes every
    sample to the store as its result arrives.
    """

    def __init__(
        self,
        store: ResultStore,
        *,
        verifier: Verifier,
        seed: int | None = None,
        use_cache: bool = True,
        workers: int | None = None,
        on_sample: Callable[[Sample], None] | None = None,
        executor: Executor | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        stored_answers: Mapping[tuple[str, str, int, str], Completion] | None = None,
    ) -> None:
        if max_retries < 0:
            raise UserError(f"max_retries must be 0 or more, not {max_retries}")
        self.store = store
        self.verifier = verifier
        self.seed = seed
        self.use_cache = use_cache
        self.executor: Executor = executor if executor is not None else LocalExecutor(workers)
        self.max_retries = max_retries
        self.on_sample = on_sample
        # (task, model, run, example) -> an answer already generated whose verification failed
        # inside the harness: a resumed evaluation verifies it again instead of asking anew.
        self.stored_answers = dict(stored_answers or {})
        self.model_calls = 0
        self.cache_hits = 0
        self.retries = 0
        self.lost_units = 0
        self.repair_turns = 0
        self._models: dict[str, Model] = {}
        self._corpus_examples: tuple[Example, ...] = ()

    def model(self, config: ModelConfig, corpus_examples: tuple[Example, ...]) -> Model:
        """The driver's instance of a model (built once, attached to the corpus)."""
        if config.id not in self._models:
            model = build_model(without_scheduling_params(config))
            attach = getattr(model, "attach_corpus", None)
            if callable(attach):
                attach(corpus_examples)
            note = getattr(model, "provenance_note", None)
            if isinstance(note, str):
                # e.g. the generation thread count a local model chose, and why
                notes = json.loads(self.store.get_meta("model_notes") or "{}")
                notes[config.id] = note
                self.store.set_meta("model_notes", json.dumps(notes, sort_keys=True))
            self._models[config.id] = model
            settings = numeric_settings(model)
            if settings:
                known = json.loads(self.store.get_meta("numeric_settings") or "{}")
                known[config.id] = settings
                self.store.set_meta("numeric_settings", json.dumps(known, sort_keys=True))
        return self._models[config.id]

    def _model_for(self, config: ModelConfig) -> Model:
        return self.model(config, self._corpus_examples)

    def run(self, plan: EvaluationPlan, corpus: Corpus) -> Iterator[Sample]:
        """Execute the plan, yielding each sample after it is stored."""
        if not plan.units:
            return
        self._corpus_examples = corpus.examples
        models = tuple({unit.model.id: unit.model for unit in plan.units}.values())
        for config in models:
            # built before any work starts: a local model measures the idle CPUs for its
            # thread count now, not while verifications keep them busy
            self._model_for(config)
        self.executor.start(DriverContext(self.verifier, self._model_for, models))
        finished = False
        try:
            self.store.set_meta("executor", self.executor.describe())
            yield from _Scheduler(self).run(plan.units)
            finished = True
        finally:
            self.executor.close(cancel=not finished)

    def _store(self, sample: Sample, turn: int = 0) -> Sample:
        """Write a sample (turn 0: the one-shot answer; else the repair turn's answer)."""
        if turn:
            self.store.add_repair_turn(turn, sample)
            self.repair_turns += 1
            return sample
        self.store.add_sample(sample)
        if self.on_sample is not None:
            self.on_sample(sample)
        return sample


@dataclass
class _Unit:
    """A work unit on its way through the driver: its request, then its completion and code."""

    unit: WorkUnit
    request: GenerationRequest
    digest: str
    response_key: str
    sequence: int
    generation_attempts: int = 0
    verification_attempts: int = 0
    completion: Completion | None = None
    cached: bool = False
    code: str | None = None
    verdict_key: str = ""


class _Scheduler:
    """The driver loop of one `Evaluation.run`: dispatch, collect, retry, store."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.ev = evaluation
        self.executor = evaluation.executor
        self.queue: deque[WorkUnit] = deque()
        self.generating: dict[Future[GenerationResult], _Unit] = {}
        self.verifying: dict[Future[VerificationDone], _Unit] = {}
        # Candidates waiting for a verification slot (executors with `verification_slots`).
        self.to_verify: deque[_Unit] = deque()
        # Units waiting for an identical request (or candidate) already in flight: key -> units.
        self.response_followers: dict[str, list[_Unit]] = {}
        self.verdict_followers: dict[str, list[_Unit]] = {}
        self.running: Counter[str] = Counter()
        self.oracle_by_example: dict[str, dict[str, str]] = {}
        self.pytest_text: dict[str, str | None] = {}
        self.sequence = 0

    def run(self, units: tuple[WorkUnit, ...]) -> Iterator[Sample]:
        self.queue.extend(units)
        capacity = max(1, self.executor.capacity)
        while self.queue or self.generating or self.verifying or self.to_verify:
            while self.queue and self._in_flight() < capacity:
                dispatched, samples = self._dispatch_head()
                yield from samples
                if not dispatched:
                    break
            self._start_verifications()
            in_flight: list[Future[Any]] = [*self.generating, *self.verifying]
            if not in_flight:
                continue
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            # Handle finished units in submission order, so equal runs store in equal order.
            for future in sorted(done, key=self._sequence_of):
                if future in self.generating:
                    yield from self._generation_finished(future, self.generating.pop(future))
                else:
                    yield from self._verification_finished(future, self.verifying.pop(future))

    def _in_flight(self) -> int:
        return len(self.generating) + len(self.verifying) + len(self.to_verify)

    def _sequence_of(self, future: Future[Any]) -> int:
        unit = self.generating.get(future) or self.verifying.get(future)
        return unit.sequence if unit is not None else -1

    # -- generation -------------------------------------------------------------------------

    def _prepare(self, unit: WorkUnit) -> _Unit:
        ev = self.ev
        messages = render_messages(
            unit.task, unit.example, prompt_style=unit.model.prompt_style
        )
        if unit.turn and unit.previous is not None and unit.task.repair is not None:
            messages = repair_messages(messages, unit.previous, unit.task.repair.feedback)
        inference = unit.task.inference
        request = GenerationRequest(
            messages=messages,
            temperature=inference.temperature,
            max_tokens=inference.max_tokens,
            seed=_effective_seed(unit.task, ev.seed, unit.run),
            timeout_s=unit.task.evaluation.timeout_ms / 1000,
            run=unit.run,
            example_id=unit.example.id,
            python_source=unit.example.python_source,
            stop_after_code_block=inference.stop_after_code_block,
            stop_on_repetition=inference.stop_on_repetition,
        )
        model = ev._model_for(unit.model)
        cacheable = ev.use_cache and (
            unit.model.cache if unit.model.cache is not None else model.deterministic
        )
        key = response_cache_key(unit.model, request, numeric_settings(model)) if cacheable else ""
        self.sequence += 1
        return _Unit(unit, request, prompt_digest(messages), key, self.sequence)

    def _dispatch_head(self) -> tuple[bool, list[Sample]]:
        """Start the first queued unit if its model has a free slot: (started?, samples stored)."""
        unit = self.queue[0]
        if unit.turn and not self._takes_feedback(unit.model):
            self.queue.popleft()  # a resumed chain of a model that takes no feedback
            return True, []
        slots = self.executor.generation_slots(unit.model)
        item = self._prepare(unit)
        stored = None if unit.turn else self.ev.stored_answers.pop(
            (unit.task.id, unit.model.id, unit.run, unit.example.id), None
        )
        if stored is not None:
            self.queue.popleft()
            item.completion, item.cached = stored, True
            return True, list(self._to_verification(item))
        key = item.response_key
        if key:
            hit = self.ev.store.get_response(key)
            if hit is not None:
                self.queue.popleft()
                self.ev.cache_hits += 1
                item.completion, item.cached = _completion_from_json(hit), True
                return True, list(self._to_verification(item))
            if key in self.response_followers:
                self.queue.popleft()
                self.response_followers[key].append(item)
                return True, []
        if slots is not None and self.running[unit.model.id] >= slots:
            return False, []
        self.queue.popleft()
        if key:
            self.response_followers[key] = []
        self._submit_generation(item)
        return True, []

    def _submit_generation(self, item: _Unit) -> None:
        item.generation_attempts += 1
        self.ev.model_calls += 1
        self.running[item.unit.model.id] += 1
        job = GenerationJob(item.unit.model, item.request, item.unit.example)
        self.generating[self.executor.submit_generation(job)] = item

    def _generation_finished(
        self, future: Future[GenerationResult], item: _Unit
    ) -> Iterator[Sample]:
        self.running[item.unit.model.id] -= 1
        try:
            result = future.result()
        except Exception as exc:  # the unit was lost with its worker
            if item.generation_attempts <= self.ev.max_retries:
                self.ev.retries += 1
                self._submit_generation(item)
                return
            self.ev.lost_units += 1
            yield self._lost(
                item, "generation", item.generation_attempts, _lost_text(exc), lost=True
            )
            self._requeue_followers(item.response_key)
            return
        if result.user_error:
            raise UserError(result.user_error)
        if result.completion is None:
            yield self._record(
                item.unit, _sample(item.unit, None, item.digest, False, result.error, None, None)
            )
            # A failed call is not cached: the next identical request asks the model itself.
            self._requeue_followers(item.response_key)
            return
        item.completion = bounded_completion(result.completion, item.request)
        followers: list[_Unit] = []
        if item.response_key:
            text = _completion_to_json(item.completion)
            self.ev.store.put_response(item.response_key, text)
            followers = self.response_followers.pop(item.response_key, [])
            for follower in followers:
                self.ev.cache_hits += 1
                follower.completion, follower.cached = _completion_from_json(text), True
        for ready in (item, *followers):
            yield from self._to_verification(ready)

    def _requeue_followers(self, key: str) -> None:
        """Put units that waited on a failed request back at the head of the queue, in order."""
        if not key:
            return
        for follower in reversed(self.response_followers.pop(key, [])):
            self.queue.appendleft(follower.unit)

    # -- verification -----------------------------------------------------------------------

    def _to_verification(self, item: _Unit) -> Iterator[Sample]:
        """Verify a generated answer: from the verdict cache, behind an identical candidate, or
        as a new verification unit."""
        assert item.completion is not None
        example = item.unit.example
        verifier = self.ev.verifier
        item.code = extract_rust(item.completion.text, example.entry_point)
        if item.code is None or not item.code.strip():
            try:
                nothing = verifier.verify(item.code, example)
            except UserError:
                raise
            except Exception as exc:  # a bug of ours, not the model's: a harness_error
                yield self._lost(item, "verification", 1, _harness_failure(exc), lost=False)
                return
            yield self._verified(item, nothing)
            return
        key = verifier.cache_key(item.code, example)
        item.verdict_key = key
        cached = verifier.cache.get_verdict(key)
        if cached is not None:
            yield self._verified(item, cached)
            return
        if key in self.verdict_followers:
            self.verdict_followers[key].append(item)
            return
        self.verdict_followers[key] = []
        self.to_verify.append(item)
        self._start_verifications()

    def _start_verifications(self) -> None:
        """Submit waiting candidates while the executor has verification slots free."""
        slots = self.executor.verification_slots
        while self.to_verify and (slots is None or len(self.verifying) < slots):
            self._submit_verification(self.to_verify.popleft())

    def _submit_verification(self, item: _Unit) -> None:
        assert item.code is not None
        example = item.unit.example
        if example.id not in self.pytest_text:
            path = example.pytest_path
            self.pytest_text[example.id] = path.read_text(encoding="utf-8") if path else None
        seed: tuple[tuple[str, str], ...] = ()
        if not self.executor.shares_driver_cache:
            seed = tuple(self.oracle_by_example.get(example.id, {}).items())
        job = VerificationJob(
            item.code, example, self.ev.verifier.policy, self.pytest_text[example.id], seed
        )
        item.verification_attempts += 1
        self.verifying[self.executor.submit_verification(job)] = item

    def _verification_finished(
        self, future: Future[VerificationDone], item: _Unit
    ) -> Iterator[Sample]:
        lost = False
        try:
            done = future.result()
        except Exception as exc:  # the unit was lost with its worker
            done, lost = VerificationDone(None, error=_lost_text(exc)), True
        if done.result is None and not done.user_error:
            # Our machinery failed (a lost worker, an exception inside verification): retry,
            # then store a `harness_error`, which --resume redoes.
            if item.verification_attempts <= self.ev.max_retries:
                self.ev.retries += 1
                self._submit_verification(item)
                return
            self.ev.lost_units += 1
            yield self._lost(
                item, "verification", item.verification_attempts, done.error, lost=lost
            )
            for follower in self.verdict_followers.pop(item.verdict_key, []):
                yield from self._to_verification(follower)
            return
        if done.user_error:
            raise UserError(done.user_error)
        assert done.result is not None
        result = done.result
        verifier = self.ev.verifier
        expected = verifier.toolchain.fingerprint
        if result.toolchain_fingerprint != expected:
            raise UserError(
                f"a worker verified with toolchain {result.toolchain_fingerprint}, the driver has "
                f"{expected}: install the same rustc and Python on every node"
            )
        if not self.executor.shares_driver_cache:
            verifier.cache.put_verdict(item.verdict_key, result)
            known = self.oracle_by_example.setdefault(item.unit.example.id, {})
            for key, text in done.oracle_entries:
                known[key] = text
                if self.ev.use_cache:
                    self.ev.store.put_oracle(key, text)
        yield self._verified(item, result)
        for follower in self.verdict_followers.pop(item.verdict_key, []):
            yield self._verified(follower, dataclasses.replace(result, cached=True))

    # -- samples ----------------------------------------------------------------------------

    def _verified(self, item: _Unit, result: VerificationResult) -> Sample:
        sample = _sample(
            item.unit, item.completion, item.digest, item.cached, "", item.code or None, result
        )
        return self._record(item.unit, sample)

    def _takes_feedback(self, config: ModelConfig) -> bool:
        """False for the controls and for backends that never read the prompt (transpilers
        answering from the Python file): a repair turn would ask them nothing new."""
        if config.backend == "reference":
            return False
        return bool(getattr(self.ev._model_for(config), "reads_prompt", True))

    def _record(self, unit: WorkUnit, sample: Sample) -> Sample:
        """Store a sample of `unit`; when it failed and the task allows another repair turn,
        queue that turn first (a chain finishes before new work starts, so an interruption
        leaves few unfinished chains)."""
        if unit.turn:
            sample = dataclasses.replace(sample, extra={
                **sample.extra, REPAIR_TURN_KEY: str(unit.turn),
                REPAIR_FEEDBACK_KEY: unit.task.repair.feedback if unit.task.repair else "",
            })
        stored = self.ev._store(sample, unit.turn)
        if (
            unit.turn < unit.repair_turns
            and needs_repair(sample)
            and self._takes_feedback(unit.model)
        ):
            self.queue.appendleft(dataclasses.replace(
                unit, turn=unit.turn + 1, previous=sample
            ))
        return stored

    def _lost(
        self, item: _Unit, stage: str, attempts: int, reason: str, *, lost: bool
    ) -> Sample:
        """The `harness_error` sample of a unit that failed `attempts` times for reasons of our
        own (`lost` with its worker, or an exception inside verification): stored, never
        dropped, never counted against the model, and redone by --resume."""
        what = (
            f"was lost {attempts} times (its worker died or left the cluster" if lost
            else f"failed {attempts} times inside the harness (an error of this tool"
        )
        error = (
            f"{stage} {what}; last: {reason}); this is not the model's fault, and --resume "
            "redoes it"
        )
        sample = _sample(
            item.unit, item.completion, item.digest, item.cached, error, item.code or None, None
        )
        metadata = item.completion.metadata if item.completion is not None else {}
        failed = dataclasses.replace(
            sample, verdict=Verdict.HARNESS_ERROR,
            extra={**{k: str(v) for k, v in metadata.items()}, INFRASTRUCTURE_FAILURE: stage},
        )
        return self._record(item.unit, failed)


def stored_answer(sample: Sample) -> Completion | None:
    """The answer a `harness_error` sample holds, when its generation had finished."""
    if sample.verdict is not Verdict.HARNESS_ERROR:
        return None
    if sample.extra.get(INFRASTRUCTURE_FAILURE) != "verification":
        return None
    metadata = {k: v for k, v in sample.extra.items() if k != INFRASTRUCTURE_FAILURE}
    return Completion(
        text=sample.completion, input_tokens=sample.input_tokens,
        output_tokens=sample.output_tokens, latency_s=sample.latency_s,
        cost_usd=sample.cost_usd, tokens_estimated=sample.tokens_estimated, metadata=metadata,
    )


def _lost_text(exc: BaseException) -> str:
    """One line naming a lost unit's exception."""
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:500]


MAX_COMPLETION_CHARS = 1_000_000
"""Longest completion kept: far above any real translation, far below a runaway 100 MB answer."""


def bounded_completion(
    completion: Completion, request: GenerationRequest | None = None
) -> Completion:
    """`completion` with its text cut to `MAX_COMPLETION_CHARS` (the cut is recorded), so junk
    output cannot bloat the store, the caches or the reports; and, when the task asks for it,
    cut where a repetition loop set in (the same cut for every backend)."""
    text = completion.text
    metadata = dict(completion.metadata)
    if len(text) > MAX_COMPLETION_CHARS:
        metadata["completion_truncated_from_chars"] = str(len(text))
        text = text[:MAX_COMPLETION_CHARS]
    if request is not None and request.stop_on_repetition:
        cut = truncate_at_repetition(text)
        if len(cut) < len(text):
            metadata["repetition_cut_at_char"] = str(len(cut))
            text = cut
    if text == completion.text:
        return completion
    return dataclasses.replace(completion, text=text, metadata=metadata)


def _sample(
    unit: WorkUnit,
    completion: Completion | None,
    digest: str,
    cached: bool,
    error: str,
    code: str | None,
    result: VerificationResult | None,
) -> Sample:
    """The stored sample; without a verification result it is a `model_error` with `error`."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if completion is None or result is None:
        return Sample(
            task_id=unit.task.id, model_id=unit.model.id, run=unit.run,
            example_id=unit.example.id, level=unit.example.level, prompt_sha256=digest,
            completion=completion.text if completion else "", extracted_code=code,
            input_tokens=completion.input_tokens if completion else 0,
            output_tokens=completion.output_tokens if completion else 0,
            tokens_estimated=completion.tokens_estimated if completion else True,
            latency_s=completion.latency_s if completion else 0.0,
            cost_usd=completion.cost_usd if completion else 0.0, verdict=Verdict.MODEL_ERROR,
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
        json.dumps({t.id: t.model_dump(mode="json", exclude=_unset_fields(t)) for t in tasks},
                   sort_keys=True),
    )
    store.set_meta(
        "models", json.dumps([m.model_dump(mode="json") for m in models], sort_keys=True)
    )
    if store.get_meta("started_at") is None:
        store.set_meta("started_at", datetime.now(UTC).isoformat(timespec="seconds"))


def _unset_fields(task: TaskConfig) -> set[str]:
    """Fields left out of a task's provenance: its file path, and `repair` when the task has
    none (a one-shot store records its tasks exactly as before repair turns existed)."""
    return {"source_path"} | ({"repair"} if task.repair is None else set())


def with_repair_turns(tasks: list[TaskConfig], turns: int | None) -> list[TaskConfig]:
    """The tasks with `repair.turns` set to `turns` (`--repair-turns`; None: the tasks' own).

    0 on a task without a `repair` section leaves it without one (one shot, as before)."""
    if turns is None:
        return tasks
    if turns < 0:
        raise UserError(f"--repair-turns must be 0 or more, not {turns}")
    changed = []
    for task in tasks:
        if task.repair is None and turns == 0:
            changed.append(task)
            continue
        settings = task.repair or RepairSettings()
        changed.append(task.model_copy(update={
            "repair": RepairSettings(turns=turns, feedback=settings.feedback)
        }))
    return changed


def pending_repairs(
    store: ResultStore, task: TaskConfig
) -> dict[tuple[str, int, str], tuple[int, Sample]]:
    """(model, run, example) -> (next turn, sample of the turn before) for every stored chain
    that failed and has turns left: the repair turns a resumed evaluation still owes.

    A chain is followed from turn 0 through its stored turns; a `harness_error` turn ends it
    there, so the turn is redone."""
    turns = task.repair.turns if task.repair is not None else 0
    if turns == 0:
        return {}
    later: dict[tuple[str, int, str], dict[int, Sample]] = {}
    for repair in store.repair_turns(task.id):
        s = repair.sample
        later.setdefault((s.model_id, s.run, s.example_id), {})[repair.turn] = s
    pending: dict[tuple[str, int, str], tuple[int, Sample]] = {}
    for first in store.iter_samples():
        if first.task_id != task.id or not first.verdict.counts_for_model:
            continue
        key = (first.model_id, first.run, first.example_id)
        chain = later.get(key, {})
        turn, last = 0, first
        while turn + 1 in chain and chain[turn + 1].verdict.counts_for_model:
            turn += 1
            last = chain[turn]
        if turn < turns and needs_repair(last):
            pending[key] = (turn + 1, last)
    return pending


def _task_setting(tasks: list[TaskConfig], name: str) -> Any:
    """`execution.<name>` of the tasks (when their schema has that section), the same for all."""
    values = set()
    for task in tasks:
        section = getattr(task, "execution", None)
        value = getattr(section, name, None) if section is not None else None
        if value is not None:
            values.add(value)
    if len(values) > 1:
        raise UserError(
            f"--tasks: the tasks ask for different execution.{name} values "
            f"({', '.join(sorted(map(str, values)))}); run them separately or pass it explicitly"
        )
    return values.pop() if values else None


def resolve_executor(
    tasks: list[TaskConfig],
    executor: str | Executor | None,
    *,
    ray_address: str | None,
    workers: int | None,
) -> Executor:
    """The executor an evaluation runs on: explicit arguments first, then the tasks' `execution`
    section, then `local`."""
    if isinstance(executor, Executor):
        return executor
    name = executor or _task_setting(tasks, "executor") or "local"
    if name == "ray" and ray_address is None:
        ray_address = _task_setting(tasks, "ray_address")
    if workers is None:
        workers = _task_setting(tasks, "workers")
    return make_executor(str(name), ray_address=ray_address, workers=workers)


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
    executor: str | Executor | None = None,
    ray_address: str | None = None,
    workers: int | None = None,
    max_retries: int | None = None,
    allow_failed_quality_gate: bool = False,
    controls: bool = True,
    on_warning: Callable[[str], None] | None = None,
    baselines: Sequence[str] = (),
    repair_turns: int | None = None,
) -> EvaluationOutcome:
    """Evaluate every model on every task over the corpus, storing samples under `output`
    (a directory, which gets `results.sqlite`, or a store file named `*.sqlite` / `*.db`).

    `executor` is `local` (default; thread pools here) or `ray` (Ray tasks; `ray_address` is
    `auto`, `ray://host:port` or `local` for a private instance), or an `Executor` instance.
    `workers` is the number of concurrent verifications (default: the cores, or the Ray
    cluster's CPUs; with `ray_address="local"` also the CPUs of the instance). A unit lost with
    its worker, or whose verification raised, is retried `max_retries` times (default 2) and
    then stored as a `harness_error` sample; `resume` redoes those (re-verifying the stored
    answer when there is one).
    The tasks' `execution` section, when present, supplies any of these not given here.

    With `controls` (default), every planned example's `reference.rs` and `mutant.rs` are
    verified first (cached in the store); an example whose reference fails or whose mutant passes
    is left out, named through `on_warning` (default: `warnings.warn`) and in the outcome.
    `baselines` are ids (among `models`) that every report marks as baselines.
    `repair_turns` overrides the tasks' `repair.turns` (None: theirs; absent: 0, one shot):
    after a failing answer the model gets feedback and answers again, up to that many times;
    each turn is stored (`repair_turns` table) and `resume` finishes unfinished chains.
    """
    from single_shot_eval.results.store import STORE_FILENAME, STORE_SUFFIXES

    tasks = with_repair_turns(tasks, repair_turns)
    if not allow_failed_quality_gate:
        from single_shot_eval.modelprep.quality import gate_model_configs

        gate_model_configs(models)
    if len({task.ground_truth for task in tasks}) > 1:
        raise UserError("--tasks: tasks with different ground_truth sections need separate runs")
    if max_retries is None:
        task_retries = _task_setting(tasks, "max_retries")
        max_retries = DEFAULT_MAX_RETRIES if task_retries is None else int(task_retries)
    if max_retries < 0:
        raise UserError(f"--max-retries must be 0 or more, not {max_retries}")
    chosen = resolve_executor(tasks, executor, ray_address=ray_address, workers=workers)
    is_store_file = output.suffix in STORE_SUFFIXES and not output.is_dir()
    path = output if is_store_file else output / STORE_FILENAME
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"{directory}: output directory is not writable ({exc.strerror})"
        ) from None
    if not os.access(directory, os.W_OK):
        raise UserError(f"{directory}: output directory is not writable")
    existing = path.exists()
    with ResultStore(path) as store:
        if existing and store.count() and not resume:
            raise UserError(
                f"{output}: already holds {store.count()} samples; pass --resume to continue "
                "that evaluation or choose another --output"
            )
        verifier = open_verifier(store, policy_for(tasks[0]), use_cache=use_cache)
        record_provenance(store, tasks, verifier, seed, models)
        store.set_meta("corpus", str(corpus.source))
        broken: tuple[ExampleControls, ...] = ()
        if controls:
            report = check_controls(
                planned_examples(tasks, corpus, limit), verifier, workers=workers
            )
            broken = report.broken
            store.set_meta("broken_examples", json.dumps(controls_to_json(broken)))
            for line in report.warning_lines():
                if on_warning is not None:
                    on_warning(line)
                else:
                    warnings.warn(line, RuntimeWarning, stacklevel=2)
        if baselines:
            known = set(json.loads(store.get_meta("baselines") or "[]"))
            store.set_meta("baselines", json.dumps(sorted(known | set(baselines))))
        from single_shot_eval.corpus.casegen import case_counts

        store.set_meta("case_counts", json.dumps(
            {example_id: [c.hand_written, c.generated]
             for example_id, c in case_counts(corpus.examples).items()}, sort_keys=True))

        def resumable_done(task_id: str) -> set[tuple[str, int, str]]:
            # Samples lost to dead workers are redone; every other stored sample is kept.
            return store.done_keys(task_id, exclude_infrastructure_failures=True)

        # An example nothing can judge (e.g. a function taking a Python callable) gets no
        # prompt and no sample: it would count against every model for nothing it did.
        unjudgeable = {
            e.id: e.unjudgeable_reason
            for e in planned_examples(tasks, corpus, limit)
            if e.unjudgeable_reason
        }
        store.set_meta("unjudgeable_examples", json.dumps(unjudgeable, sort_keys=True))
        for example_id, reason in sorted(unjudgeable.items()):
            line = f"{example_id}: left out, nothing can judge it ({reason})"
            if on_warning is not None:
                on_warning(line)
            else:
                warnings.warn(line, RuntimeWarning, stacklevel=2)
        by_id = {task.id: task for task in tasks}
        plan = plan_evaluation(
            tasks, models, corpus, runs=runs, limit=limit,
            done=resumable_done if resume else None,
            exclude=frozenset(b.example_id for b in broken) | frozenset(unjudgeable),
            pending_repairs=(
                (lambda task_id: pending_repairs(store, by_id[task_id])) if resume else None
            ),
        )
        stored_answers: dict[tuple[str, str, int, str], Completion] = {}
        if resume:
            for failed in store.samples_with_verdict(Verdict.HARNESS_ERROR):
                answer = stored_answer(failed)
                if answer is not None:
                    key = (failed.task_id, failed.model_id, failed.run, failed.example_id)
                    stored_answers[key] = answer
        if on_plan is not None:
            on_plan(plan)
        evaluation = Evaluation(
            store, verifier=verifier, seed=seed, use_cache=use_cache, on_sample=on_sample,
            executor=chosen, max_retries=max_retries, stored_answers=stored_answers,
        )
        outcome = EvaluationOutcome(
            store_path=path, planned=len(plan.units), completed=0, skipped=plan.already_done,
            model_calls=0, cache_hits=0, broken_examples=broken,
        )
        started = time.perf_counter()
        try:
            for sample in evaluation.run(plan, corpus):
                if REPAIR_TURN_KEY not in sample.extra:
                    outcome.completed += 1
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            outcome.model_calls = evaluation.model_calls
            outcome.cache_hits = evaluation.cache_hits
            outcome.retries = evaluation.retries
            outcome.lost_units = evaluation.lost_units
            outcome.repair_turns = evaluation.repair_turns
            outcome.executor = chosen.describe() if plan.units else ""
            if outcome.completed:
                store.set_meta("updated_at", datetime.now(UTC).isoformat(timespec="seconds"))
                store.set_meta("last_wall_time_s", f"{time.perf_counter() - started:.3f}")
    return outcome
