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

import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from single_shot_eval.config import TaskConfig
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.models.base import Completion, Model
from single_shot_eval.models.registry import ModelConfig, check_model_configs
from single_shot_eval.results.cache import CacheNamespace, KeyValueCache
from single_shot_eval.results.provenance import RunProvenance
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.controls import ExampleControls, check_controls, controls_to_json
from single_shot_eval.run.executors import (
    DEFAULT_MAX_RETRIES,
    DriverContext,
    Executor,
    LocalExecutor,
    make_executor,
)
from single_shot_eval.run.plan import (
    EvaluationPlan,
    pending_repairs,
    plan_evaluation,
    planned_examples,
    unset_fields,
    with_repair_turns,
)
from single_shot_eval.run.quality_stage import lint_passing
from single_shot_eval.run.scheduler import Scheduler, stored_answer
from single_shot_eval.run.sources import CandidateSource, ModelGeneration, open_source
from single_shot_eval.verify.verifier import VerdictCache, VerificationPolicy, Verifier
from single_shot_eval.version import __version__


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
        # Model answers by request (used only with `use_cache`).
        self.responses: KeyValueCache = store.cache(CacheNamespace.RESPONSES)
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
        self._sources: dict[str, CandidateSource] = {}
        # The models among the sources (executors run these; known answers never reach them).
        self._models: dict[str, Model] = {}

    def source_for(self, config: ModelConfig) -> CandidateSource:
        """Where a contestant's answers come from (opened once; a model is built then)."""
        if config.id not in self._sources:
            source = open_source(config)
            if isinstance(source, ModelGeneration):
                self._models[config.id] = source.model
                if source.provenance_note is not None:
                    # e.g. the generation thread count a local model chose, and why
                    notes = dict(self.store.provenance().model_notes or {})
                    notes[config.id] = source.provenance_note
                    self.store.record_provenance(RunProvenance(model_notes=notes))
            self._sources[config.id] = source
            settings = source.numeric_settings()
            if settings:
                known = dict(self.store.provenance().numeric_settings or {})
                known[config.id] = settings
                self.store.record_provenance(RunProvenance(numeric_settings=known))
        return self._sources[config.id]

    def _model_for(self, config: ModelConfig) -> Model:
        """The driver's instance of a model, for executors that generate in driver threads."""
        self.source_for(config)
        return self._models[config.id]

    def run(self, plan: EvaluationPlan) -> Iterator[Sample]:
        """Execute the plan, yielding each sample after it is stored."""
        if not plan.units:
            return
        contestants = tuple({unit.model.id: unit.model for unit in plan.units}.values())
        for config in contestants:
            # opened before any work starts: a local model measures the idle CPUs for its
            # thread count now, not while verifications keep them busy
            self.source_for(config)
        models = tuple(c for c in contestants if c.id in self._models)
        self.executor.start(DriverContext(self.verifier, self._model_for, models))
        finished = False
        try:
            self.store.record_provenance(RunProvenance(executor=self.executor.describe()))
            yield from Scheduler(self).run(plan.units)
            finished = True
        finally:
            self.executor.close(cancel=not finished)

    def store_sample(self, sample: Sample, turn: int = 0) -> Sample:
        """Write a sample (turn 0: the one-shot answer; else the repair turn's answer)."""
        if turn:
            self.store.add_repair_turn(turn, sample)
            self.repair_turns += 1
            return sample
        self.store.add_sample(sample)
        if self.on_sample is not None:
            self.on_sample(sample)
        return sample


def open_verifier(store: ResultStore, policy: VerificationPolicy, *, use_cache: bool) -> Verifier:
    """A verifier whose verdict and oracle caches persist in `store` (with `use_cache`; else
    they last as long as the process)."""
    if not use_cache:
        return Verifier(policy=policy)
    cache = VerdictCache(
        store.cache(CacheNamespace.VERDICTS), store.cache(CacheNamespace.ORACLE)
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
    store.record_provenance(RunProvenance(
        tool_version=__version__,
        rustc_version=verifier.toolchain.rustc_version,
        python_version=verifier.toolchain.python_version,
        toolchain_fingerprint=verifier.toolchain.fingerprint,
        sandbox="bubblewrap" if verifier.sandbox.isolated else "degraded",
        seed="task default" if seed is None else seed,
        tasks={t.id: t.model_dump(mode="json", exclude=unset_fields(t)) for t in tasks},
        models=[m.model_dump(mode="json") for m in models],
    ))
    if store.provenance().started_at is None:
        store.record_provenance(RunProvenance(started_at=datetime.now(UTC).replace(microsecond=0)))


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


@dataclass(frozen=True)
class RunOptions:
    """How an evaluation runs, beside what it evaluates: one record the CLI builds from its
    flags, so `evaluate` takes it whole instead of a score of parameters.

    `output` is a directory (which gets `results.sqlite`) or a store file named `*.sqlite` /
    `*.db`; `runs`, `limit`, `seed` and `repair_turns` override the tasks' (None: theirs).
    `executor` is `local` (default) or `ray` (`ray_address`: `auto`, `ray://host:port` or
    `local`), or an `Executor`; `workers` counts concurrent verifications (default: the cores or
    the Ray CPUs). A unit lost with its worker is retried `max_retries` times (default 2), then
    stored as `harness_error`, which `resume` redoes. The tasks' `execution` section supplies
    what is not given. `controls` checks every example's reference and mutant first;
    `baselines` are model ids every report marks as baselines.
    """

    output: Path
    runs: int | None = None
    limit: int | None = None
    resume: bool = False
    seed: int | None = None
    use_cache: bool = True
    executor: str | Executor | None = None
    ray_address: str | None = None
    workers: int | None = None
    max_retries: int | None = None
    allow_failed_quality_gate: bool = False
    controls: bool = True
    baselines: tuple[str, ...] = ()
    repair_turns: int | None = None


def evaluate(
    tasks: list[TaskConfig],
    models: list[ModelConfig],
    corpus: Corpus,
    options: RunOptions,
    *,
    on_sample: Callable[[Sample], None] | None = None,
    on_plan: Callable[[EvaluationPlan], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> EvaluationOutcome:
    """Evaluate every model on every task over the corpus into the store `options` names.

    An example whose controls fail (reference fails, mutant passes) is left out, named through
    `on_warning` (default: `warnings.warn`) and in the outcome. A model its backend refuses (a
    GGUF whose recorded quality gate failed, unless allowed) stops it before any work. Each
    repair turn is stored (`repair_turns` table); `resume` finishes unfinished chains. Then the
    passing answers without stored findings are linted (`run/quality_stage.py`; a warning
    when the tools cannot run).
    """
    from single_shot_eval.results.store import STORE_FILENAME, STORE_SUFFIXES

    def warn(line: str) -> None:  # stacklevel 3: the warning points at evaluate's caller
        if on_warning is None:
            warnings.warn(line, RuntimeWarning, stacklevel=3)
        else:
            on_warning(line)

    runs, limit, resume, seed = options.runs, options.limit, options.resume, options.seed
    output, use_cache, workers = options.output, options.use_cache, options.workers
    tasks = with_repair_turns(tasks, options.repair_turns)
    if options.allow_failed_quality_gate:
        models = [m.model_copy(update={"allow_failed_quality_gate": True}) for m in models]
    check_model_configs(models)  # e.g. a GGUF whose recorded quality gate failed
    if len({task.ground_truth for task in tasks}) > 1:
        raise UserError("--tasks: tasks with different ground_truth sections need separate runs")
    max_retries = options.max_retries
    if max_retries is None:
        task_retries = _task_setting(tasks, "max_retries")
        max_retries = DEFAULT_MAX_RETRIES if task_retries is None else int(task_retries)
    if max_retries < 0:
        raise UserError(f"--max-retries must be 0 or more, not {max_retries}")
    chosen = resolve_executor(tasks, options.executor, ray_address=options.ray_address,
                              workers=workers)
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
        store.record_provenance(RunProvenance(corpus=str(corpus.source)))
        broken: tuple[ExampleControls, ...] = ()
        if options.controls:
            report = check_controls(
                planned_examples(tasks, corpus, limit), verifier, workers=workers
            )
            broken = report.broken
            store.record_provenance(RunProvenance(broken_examples=controls_to_json(broken)))
            for line in report.warning_lines():
                warn(line)
        if options.baselines:
            known = set(store.provenance().baselines or ()) | set(options.baselines)
            store.record_provenance(RunProvenance(baselines=sorted(known)))
        from single_shot_eval.casegen import case_counts

        store.record_provenance(RunProvenance(case_counts={
            example_id: (c.hand_written, c.generated)
            for example_id, c in case_counts(corpus.examples).items()}))

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
        store.record_provenance(RunProvenance(unjudgeable_examples=unjudgeable))
        for example_id, reason in sorted(unjudgeable.items()):
            warn(f"{example_id}: left out, nothing can judge it ({reason})")
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
            for sample in evaluation.run(plan):
                if sample.details.repair_turn is None:
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
                store.record_provenance(RunProvenance(
                    updated_at=datetime.now(UTC).replace(microsecond=0),
                    last_wall_time_s=time.perf_counter() - started,
                ))
        lint = None if outcome.interrupted else lint_passing(store, corpus, workers=workers)
        if lint is not None and lint.unavailable:
            warn(lint.line())
    return outcome
