"""The scheduler: dispatches work units in plan order, answers from the response and verdict
caches first, overlaps generation with verification, queues repair turns after a failing
verdict, and retries units lost with a worker a bounded number of times."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from single_shot_eval.config import TaskConfig
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import (
    Completion,
    GenerationDetails,
    GenerationRequest,
    truncate_at_repetition,
)
from single_shot_eval.models.draft import DRAFT_PARAMS
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.results.cache import KeyValueCache
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.run.executors import (
    Executor,
    GenerationResult,
    VerificationDone,
    VerificationJob,
)
from single_shot_eval.run.executors.base import SCHEDULING_PARAMS
from single_shot_eval.run.executors.worker import harness_failure_text as _harness_failure
from single_shot_eval.run.plan import WorkUnit
from single_shot_eval.run.prompt import prompt_digest, render_messages, translation_item
from single_shot_eval.run.repair import needs_repair, repair_messages
from single_shot_eval.run.sources import CandidateSource
from single_shot_eval.verify.extract import extract_rust
from single_shot_eval.verify.verifier import VerificationResult, Verifier


class Driver(Protocol):
    """What the scheduler needs from the evaluation that drives it (`evaluate.Evaluation`): the
    executor, the verifier, the contestants' sources, the response cache and the answers known
    from an earlier run, a sink for finished samples, and the counters it keeps up to date."""

    executor: Executor
    verifier: Verifier
    responses: KeyValueCache
    stored_answers: dict[tuple[str, str, int, str], Completion]
    seed: int | None
    use_cache: bool
    max_retries: int
    model_calls: int
    cache_hits: int
    retries: int
    lost_units: int

    def source_for(self, config: ModelConfig) -> CandidateSource: ...

    def store_sample(self, sample: Sample, turn: int = 0) -> Sample: ...


def effective_seed(task: TaskConfig, seed: int | None, run: int) -> int:
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

    The example id is part of it because some sources answer from the example rather than the
    prompt (the controls' known answers; file-in/file-out transpilers). Scheduling parameters
    (where a model runs, with which resources) and draft-decoding parameters (how fast a local
    model answers, `models.draft`) are not part of it. `numeric_settings` are the
    effective settings that change an in-process model's arithmetic (threads, batch sizes, the
    backend's build): an answer computed with other settings is another answer.
    """
    payload: dict[str, Any] = {
        "backend": config.backend,
        "model": config.model or config.id,
        "base_url": config.base_url,
        "command": config.command,
        "example_id": request.example_id,
        "params": {k: v for k, v in config.params.items()
                   if k not in SCHEDULING_PARAMS and k not in DRAFT_PARAMS},
        "messages": [[m.role, m.content] for m in request.messages],
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
    }
    payload["stop_after_code_block"] = request.stop_after_code_block
    payload["stop_on_repetition"] = request.stop_on_repetition
    if request.translation_item:
        payload["translation_item"] = request.translation_item
    if numeric_settings:
        payload["numeric_settings"] = dict(numeric_settings)
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def completion_to_json(c: Completion) -> str:
    return c.to_json()


def completion_from_json(text: str) -> Completion:
    return Completion.from_json(text)


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


class Scheduler:
    """The driver loop of one `Evaluation.run`: dispatch, collect, retry, store."""

    def __init__(self, driver: Driver) -> None:
        self.ev = driver
        self.executor = driver.executor
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
            max_tokens=inference.max_tokens_for(unit.example.python_source),
            seed=effective_seed(unit.task, ev.seed, unit.run),
            timeout_s=unit.task.evaluation.timeout_ms / 1000,
            run=unit.run,
            example_id=unit.example.id,
            python_source=unit.example.python_source,
            stop_after_code_block=inference.stop_after_code_block,
            stop_on_repetition=inference.stop_on_repetition,
            translation_item=translation_item(unit.example),
        )
        source = ev.source_for(unit.model)
        cacheable = ev.use_cache and (
            unit.model.cache if unit.model.cache is not None else source.deterministic
        )
        settings = source.numeric_settings()
        key = response_cache_key(unit.model, request, settings) if cacheable else ""
        self.sequence += 1
        return _Unit(unit, request, prompt_digest(messages), key, self.sequence)

    def _dispatch_head(self) -> tuple[bool, list[Sample]]:
        """Start the first queued unit if its model has a free slot: (started?, samples stored)."""
        unit = self.queue[0]
        if unit.turn and not self._takes_feedback(unit.model):
            self.queue.popleft()  # a resumed chain of a model that takes no feedback
            return True, []
        slots = self.ev.source_for(unit.model).generation_slots(self.executor)
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
            hit = self.ev.responses.get(key)
            if hit is not None:
                self.queue.popleft()
                self.ev.cache_hits += 1
                item.completion, item.cached = completion_from_json(hit), True
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
        source = self.ev.source_for(item.unit.model)
        future = source.answer(item.request, item.unit.example, self.executor)
        self.generating[future] = item

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
            text = completion_to_json(item.completion)
            self.ev.responses.put(item.response_key, text)
            followers = self.response_followers.pop(item.response_key, [])
            for follower in followers:
                self.ev.cache_hits += 1
                follower.completion, follower.cached = completion_from_json(text), True
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
                verifier.cache.oracle.put(key, text)
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
        return self.ev.source_for(config).takes_feedback

    def _record(self, unit: WorkUnit, sample: Sample) -> Sample:
        """Store a sample of `unit`; when it failed and the task allows another repair turn,
        queue that turn first (a chain finishes before new work starts, so an interruption
        leaves few unfinished chains)."""
        if unit.turn:
            sample = sample.model_copy(update={"details": sample.details.model_copy(update={
                "repair_turn": unit.turn,
                "repair_feedback": unit.task.repair.feedback if unit.task.repair else "",
            })})
        stored = self.ev.store_sample(sample, unit.turn)
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
        details = (
            item.completion.details if item.completion is not None else GenerationDetails()
        )
        failed = sample.model_copy(update={
            "verdict": Verdict.HARNESS_ERROR,
            "details": details.model_copy(update={"harness_failure_stage": stage}),
        })
        return self._record(item.unit, failed)


def stored_answer(sample: Sample) -> Completion | None:
    """The answer a `harness_error` sample holds, when its generation had finished."""
    if sample.verdict is not Verdict.HARNESS_ERROR:
        return None
    if sample.details.harness_failure_stage != "verification":
        return None
    return Completion(
        text=sample.completion, input_tokens=sample.input_tokens,
        output_tokens=sample.output_tokens, latency_s=sample.latency_s,
        cost_usd=sample.cost_usd, tokens_estimated=sample.tokens_estimated,
        details=sample.details.without_sample_facts(),
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
    cuts: dict[str, int] = {}
    if len(text) > MAX_COMPLETION_CHARS:
        cuts["completion_truncated_from_chars"] = len(text)
        text = text[:MAX_COMPLETION_CHARS]
    if request is not None and request.stop_on_repetition:
        cut = truncate_at_repetition(text)
        if len(cut) < len(text):
            cuts["repetition_cut_at_char"] = len(cut)
            text = cut
    if text == completion.text:
        return completion
    return completion.model_copy(
        update={"text": text, "details": completion.details.model_copy(update=cuts)}
    )


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
    details = completion.details.model_copy(update={"verdict_cached": result.cached})
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
        details=details,
    )
