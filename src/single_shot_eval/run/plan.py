"""The plan of an evaluation: one work unit per (task, model, run, example, repair turn), in
execution order, minus what the store already holds; and the repair turns a resumed run still
owes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from single_shot_eval.config import RepairSettings, TaskConfig
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.results.records import Sample
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.repair import (
    needs_repair,
)


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


def unset_fields(task: TaskConfig) -> set[str]:
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
