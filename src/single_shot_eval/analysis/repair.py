"""repair@r: how many answers pass by repair turn r, and what the turns cost.

A chain is one (task, model, run, example): the one-shot sample (turn 0) and the repair turns
that followed it (each after feedback on a failing answer; see `run/repair.py`). A chain has
*passed by turn r* when one of its turns 0..r passed; its *cumulative cost at r* is the sum of
the cost (and tokens) of its turns 0..r that exist (a chain that passed, or that earned no turn,
costs nothing more).

For each contestant and each r in 0..R (R: the task's `repair.turns`, or the last stored turn
if more), `accuracy` is the mean over examples of the example's passed-by-r rate over runs
(r = 0 is pass@1), with the same 95% interval over examples as the headline
(`stats.example_interval`, seeded like the headline's), and the mean cumulative cost and tokens
per chain. Controls (`reference`, `mutant`) never get repair turns and are left out. Chains
whose turn 0 or any repair turn is a `harness_error` are left out of every figure (our machinery
failed; `--resume` redoes those turns) and counted.

At the last turn R the contestants are also compared in pairs, as the headline compares them at
pass@1 (McNemar mid-p on the examples both answered, Holm over the pairs): a chain counts as
passed when it passed by turn R. A contestant that cannot read feedback (a transpiler) keeps
its one-shot outcome, which is what it would deliver with the same budget.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from single_shot_eval.analysis import stats
from single_shot_eval.analysis.comparisons import adjusted_for_family, compare_samples
from single_shot_eval.analysis.per_model import ModelSamples, control_role, label_seed
from single_shot_eval.analysis.stats import JsonReady
from single_shot_eval.analysis.summaries import CONFIDENCE, Comparison
from single_shot_eval.results.records import RepairTurn, Sample, Verdict


@dataclass(frozen=True)
class RepairSettingsSeen:
    """What a task asked for: repair turns and feedback kind (from the store's provenance)."""

    turns: int
    feedback: str


@dataclass(frozen=True)
class RepairPoint:
    """One contestant at turn r: accuracy (r=0: pass@1, else repair@r) and cumulative cost.

    ``generated`` is the number of repair answers generated at this turn (0 at turn 0)."""

    turn: int
    accuracy: float
    ci_low: float
    ci_high: float
    ci_method: str
    passed: int
    cumulative_cost_per_sample_usd: float
    cumulative_tokens_per_sample: float
    generated: int

    @property
    def label(self) -> str:
        return "pass@1" if self.turn == 0 else f"repair@{self.turn}"


@dataclass(frozen=True)
class RepairCurve(JsonReady):
    """One contestant's repair curve on one task."""

    task_id: str
    model_id: str
    feedback: str
    n_samples: int
    n_examples: int
    points: tuple[RepairPoint, ...]
    left_out_harness_errors: int = 0
    tokens_estimated: bool = False


@dataclass(frozen=True)
class RepairSummary:
    """The repair curves of every contestant of every task that asked for repair turns."""

    turns: Mapping[str, RepairSettingsSeen]
    curves: tuple[RepairCurve, ...]
    # paired comparisons at each task's last turn R (passed by turn R), Holm over the pairs
    comparisons: tuple[Comparison, ...] = ()

    def for_task(self, task_id: str) -> tuple[RepairCurve, ...]:
        return tuple(c for c in self.curves if c.task_id == task_id)

    def comparisons_for(self, task_id: str) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.task_id == task_id)

    def to_dict(self) -> dict[str, object]:
        return {
            "confidence": CONFIDENCE,
            "tasks": {
                task_id: {
                    "turns": seen.turns,
                    "feedback": seen.feedback,
                    "curves": [c.to_dict() for c in self.for_task(task_id)],
                    "comparisons_at_last_turn": [
                        c.to_dict() for c in self.comparisons_for(task_id)
                    ],
                }
                for task_id, seen in sorted(self.turns.items())
            },
        }


def summarize_repair(
    samples: Iterable[Sample],
    repair_turns: Iterable[RepairTurn],
    settings: Mapping[str, RepairSettingsSeen],
    *,
    seed: int = 0,
    bootstrap_resamples: int = 10_000,
) -> RepairSummary | None:
    """The repair curves, or None when no task asked for repair turns and none is stored
    (a one-shot evaluation: its reports stay as they were)."""
    later: dict[tuple[str, str, int, str], dict[int, Sample]] = defaultdict(dict)
    for repair in repair_turns:
        s = repair.sample
        later[(s.task_id, s.model_id, s.run, s.example_id)][repair.turn] = s
    stored_max: dict[str, int] = defaultdict(int)
    for (task_id, *_), chain in later.items():
        stored_max[task_id] = max(stored_max[task_id], max(chain))
    seen = {
        task_id: RepairSettingsSeen(max(s.turns, stored_max.get(task_id, 0)), s.feedback)
        for task_id, s in settings.items()
        if s.turns > 0 or stored_max.get(task_id, 0) > 0
    }
    for task_id, turns in stored_max.items():
        seen.setdefault(task_id, RepairSettingsSeen(turns, "unknown"))
    if not seen:
        return None
    by_model: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.task_id in seen:
            by_model[(sample.task_id, sample.model_id)].append(sample)
    curves = []
    final: dict[str, list[ModelSamples]] = defaultdict(list)
    for (task_id, model_id), firsts in sorted(by_model.items()):
        if control_role(model_id, firsts) is not None:
            continue
        curve = _curve(
            task_id, model_id, firsts, later, seen[task_id],
            seed=seed, bootstrap_resamples=bootstrap_resamples,
        )
        if curve is not None:
            curves.append(curve)
        outcomes = _outcomes_by_turn(task_id, firsts, later, seen[task_id].turns)
        if outcomes:
            final[task_id].append(ModelSamples.build(outcomes))
    comparisons: list[Comparison] = []
    for task_id in sorted(final):
        comparisons += adjusted_for_family([
            compare_samples(a, b, seed=seed, bootstrap_resamples=bootstrap_resamples)
            for a, b in itertools.combinations(final[task_id], 2)
        ])
    return RepairSummary(turns=seen, curves=tuple(curves), comparisons=tuple(comparisons))


Chain = list[Sample | None]
"""Turn 0, then the stored repair turns 1..R (None where no turn was asked)."""


def _chains(
    task_id: str,
    firsts: list[Sample],
    later: Mapping[tuple[str, str, int, str], dict[int, Sample]],
    turns: int,
) -> tuple[list[Chain], int]:
    """The chains of one contestant in (run, example) order, and how many were left out for a
    harness error on some turn."""
    chains: list[Chain] = []
    left_out = 0
    for first in sorted(firsts, key=lambda s: (s.run, s.example_id)):
        stored = later.get((task_id, first.model_id, first.run, first.example_id), {})
        chain: Chain = [first, *(stored.get(turn) for turn in range(1, turns + 1))]
        if any(s is not None and not s.verdict.counts_for_model for s in chain):
            left_out += 1
            continue
        chains.append(chain)
    return chains, left_out


def _outcomes_by_turn(
    task_id: str,
    firsts: list[Sample],
    later: Mapping[tuple[str, str, int, str], dict[int, Sample]],
    turns: int,
) -> list[Sample]:
    """Each chain's turn-0 sample, marked passed when a turn up to `turns` passed."""
    outcomes = []
    for chain in _chains(task_id, firsts, later, turns)[0]:
        first = chain[0]
        assert first is not None  # turn 0 is always there
        if not first.passed and any(s is not None and s.passed for s in chain):
            first = first.model_copy(update={"verdict": Verdict.PASS})
        outcomes.append(first)
    return outcomes


def _curve(
    task_id: str,
    model_id: str,
    firsts: list[Sample],
    later: Mapping[tuple[str, str, int, str], dict[int, Sample]],
    settings: RepairSettingsSeen,
    *,
    seed: int,
    bootstrap_resamples: int,
) -> RepairCurve | None:
    turns = settings.turns
    chains, left_out = _chains(task_id, firsts, later, turns)
    if not chains:
        return None
    examples = sorted({c[0].example_id for c in chains if c[0] is not None})
    points = []
    bootstrap_seed = label_seed(seed, "model-bootstrap", task_id, model_id)
    for turn in range(turns + 1):
        passed_by: dict[str, list[float]] = defaultdict(list)
        costs, tokens = [], []
        passed = generated = 0
        for chain in chains:
            upto = [s for s in chain[: turn + 1] if s is not None]
            ok = any(s.passed for s in upto)
            passed += int(ok)
            passed_by[upto[0].example_id].append(float(ok))
            costs.append(sum(s.cost_usd for s in upto))
            tokens.append(sum(s.input_tokens + s.output_tokens for s in upto))
            generated += int(turn > 0 and chain[turn] is not None)
        rates = np.array([np.mean(passed_by[e]) for e in examples], dtype=np.float64)
        interval = stats.example_interval(
            rates, resamples=bootstrap_resamples, seed=bootstrap_seed, confidence=CONFIDENCE,
            samples=len(chains),
        )
        points.append(RepairPoint(
            turn=turn,
            accuracy=float(np.mean(rates)),
            ci_low=interval.low,
            ci_high=interval.high,
            ci_method=interval.method,
            passed=passed,
            cumulative_cost_per_sample_usd=float(np.mean(costs)) if costs else math.nan,
            cumulative_tokens_per_sample=float(np.mean(tokens)) if tokens else math.nan,
            generated=generated,
        ))
    estimated = any(s is not None and s.tokens_estimated for chain in chains for s in chain)
    return RepairCurve(
        task_id=task_id,
        model_id=model_id,
        feedback=settings.feedback,
        n_samples=len(chains),
        n_examples=len(examples),
        points=tuple(points),
        left_out_harness_errors=left_out,
        tokens_estimated=estimated,
    )


def repair_settings_from_provenance(
    tasks: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, RepairSettingsSeen]:
    """Each task's `repair` section as recorded in the store's `tasks` provenance."""
    found: dict[str, RepairSettingsSeen] = {}
    for task_id, task in (tasks or {}).items():
        repair = task.get("repair")
        if isinstance(repair, dict):
            found[str(task_id)] = RepairSettingsSeen(
                int(repair.get("turns", 0)), str(repair.get("feedback", "both"))
            )
    return found
