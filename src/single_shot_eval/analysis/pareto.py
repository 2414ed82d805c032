"""Pareto frontiers over accuracy (higher is better), cost and latency (lower is better).

Definitions
-----------
* Point A *dominates* point B in cost x accuracy when ``A.accuracy >= B.accuracy`` and
  ``A.cost_usd <= B.cost_usd`` with at least one strict. Identical points do not dominate
  each other, so both stay on the frontier. The 3-D skyline adds ``latency_s`` the same way.
* The *convex frontier* ("AI Agents That Matter", Kapoor et al. 2024) is the upper convex hull
  of the cost x accuracy front: any point on a segment between two hull vertices is reachable
  by running one model or the other at random, in proportion, so a model strictly below the
  hull is beaten by such a mixture at the same expected cost. Costs are raw dollars (no log).
* Comparisons are exact float comparisons; callers who compute accuracies with different
  summation orders should round them first (`round_significant`; the aggregate layer does).

All functions return results in a canonical order (cost, then accuracy descending, latency,
model id), so the output does not depend on the input order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.stats import JsonReady, Seed

#: Rows of bootstrap indices drawn per block (bounds memory; see stats._BLOCK_ELEMENTS).
_BLOCK_ELEMENTS = 2_000_000
#: Significant digits kept by `round_significant` before frontier comparisons.
SIGNIFICANT_DIGITS = 12


def round_significant(
    values: NDArray[np.float64], digits: int = SIGNIFICANT_DIGITS
) -> NDArray[np.float64]:
    """``values`` rounded to ``digits`` significant digits (zeros and non-finite values kept).

    Two means that are equal as fractions can differ in the last bit when summed in a
    different order; rounding first keeps such ties as ties in dominance comparisons.
    """
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array) & (array != 0)
    magnitude = np.floor(np.log10(np.abs(array, where=finite, out=np.ones_like(array))))
    scale = np.power(10.0, digits - 1 - magnitude)
    rounded: NDArray[np.float64] = np.where(finite, np.round(array * scale) / scale, array)
    return rounded


@dataclass(frozen=True)
class ModelPoint(JsonReady):
    """One model on one task: accuracy (0..1), cost in USD and latency in seconds."""

    model_id: str
    accuracy: float
    cost_usd: float
    latency_s: float = 0.0
    task_id: str = ""

    def dominates(self, other: ModelPoint) -> bool:
        """True when this point is at least as good in accuracy and cost, better in one."""
        return (
            self.accuracy >= other.accuracy
            and self.cost_usd <= other.cost_usd
            and (self.accuracy > other.accuracy or self.cost_usd < other.cost_usd)
        )

    def dominates_3d(self, other: ModelPoint) -> bool:
        """True when this point is no worse in accuracy, cost and latency, better in one."""
        return (
            self.accuracy >= other.accuracy
            and self.cost_usd <= other.cost_usd
            and self.latency_s <= other.latency_s
            and (
                self.accuracy > other.accuracy
                or self.cost_usd < other.cost_usd
                or self.latency_s < other.latency_s
            )
        )


def _sort_key(point: ModelPoint) -> tuple[float, float, float, str]:
    return (point.cost_usd, -point.accuracy, point.latency_s, point.model_id)


@dataclass(frozen=True)
class _Columns:
    """Points (input order) with their coordinates as numpy arrays, validated."""

    points: tuple[ModelPoint, ...]
    accuracy: NDArray[np.float64]
    cost: NDArray[np.float64]
    latency: NDArray[np.float64]


def _columns(points: Iterable[ModelPoint]) -> _Columns:
    """Check one task, unique ids and finite values; return the coordinates as arrays.

    One linear pass in input order (no sort of Python objects), so the frontier algorithms
    stay O(n log n) with numpy doing the sorting.
    """
    items = tuple(points)
    tasks = sorted({point.task_id for point in items})
    if len(tasks) > 1:
        raise AnalysisError(
            f"a frontier compares models on one task, got points of tasks {', '.join(tasks)}; "
            "build one frontier per task"
        )
    if len({point.model_id for point in items}) != len(items):
        seen: set[str] = set()
        for point in items:
            if point.model_id in seen:
                raise AnalysisError(f"model {point.model_id!r} appears twice in one frontier")
            seen.add(point.model_id)
    count = len(items)
    columns = _Columns(
        items,
        np.fromiter((p.accuracy for p in items), dtype=np.float64, count=count),
        np.fromiter((p.cost_usd for p in items), dtype=np.float64, count=count),
        np.fromiter((p.latency_s for p in items), dtype=np.float64, count=count),
    )
    for name, values in (
        ("accuracy", columns.accuracy),
        ("cost_usd", columns.cost),
        ("latency_s", columns.latency),
    ):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            point = items[int(bad[0])]
            raise AnalysisError(
                f"model {point.model_id!r} has a non-finite {name} "
                f"({getattr(point, name)}); a frontier needs finite values"
            )
    return columns


def _checked(points: Iterable[ModelPoint]) -> list[ModelPoint]:
    """Validated points in canonical order."""
    return sorted(_columns(points).points, key=_sort_key)


def _selected(columns: _Columns, indices: Iterable[int]) -> tuple[ModelPoint, ...]:
    return tuple(sorted((columns.points[int(i)] for i in indices), key=_sort_key))


def _front_mask(accuracy: NDArray[np.float64], cost: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Boolean mask of the cost x accuracy front, by one sort and one sweep (O(n log n)).

    After sorting by cost (ties: accuracy descending), a point is on the front exactly when it
    has the best accuracy of its cost group and that accuracy beats every strictly cheaper one.
    """
    n = accuracy.size
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    order = np.lexsort((-accuracy, cost))
    sorted_accuracy = accuracy[order]
    sorted_cost = cost[order]
    starts_group = np.ones(n, dtype=bool)
    starts_group[1:] = sorted_cost[1:] != sorted_cost[:-1]
    group_start = np.maximum.accumulate(np.where(starts_group, np.arange(n), 0))
    group_best = sorted_accuracy[group_start]
    running_best = np.maximum.accumulate(sorted_accuracy)
    best_cheaper = np.where(group_start > 0, running_best[np.maximum(group_start - 1, 0)], -np.inf)
    mask[order] = (sorted_accuracy == group_best) & (group_best > best_cheaper)
    return mask


def pareto_front_2d(points: Iterable[ModelPoint]) -> tuple[ModelPoint, ...]:
    """Points not dominated in cost x accuracy, cheapest first. O(n log n) sort and sweep."""
    columns = _columns(points)
    return _selected(columns, np.flatnonzero(_front_mask(columns.accuracy, columns.cost)))


def skyline_3d(points: Iterable[ModelPoint]) -> tuple[ModelPoint, ...]:
    """Points not dominated in accuracy (max), cost (min) and latency (min). O(n log n).

    Sorting by (cost, latency, accuracy descending) puts every dominator of a point before it,
    so a point is dominated exactly when an earlier, non-identical point has latency <= and
    accuracy >= its own. A Fenwick tree over latency ranks answers "best accuracy among earlier
    points with latency <= x" in O(log n). Identical points are inserted together after being
    queried, so they never knock each other out.
    """
    columns = _columns(points)
    order = np.lexsort((-columns.accuracy, columns.latency, columns.cost))
    distinct_latencies, latency_rank = np.unique(columns.latency, return_inverse=True)
    size = int(distinct_latencies.size)
    accuracy = columns.accuracy[order].tolist()
    cost = columns.cost[order].tolist()
    latency = columns.latency[order].tolist()
    ranks = (latency_rank[order] + 1).tolist()
    tree = [-math.inf] * (size + 1)
    keep: list[int] = []
    start, count = 0, len(accuracy)
    while start < count:
        stop = start + 1
        while (
            stop < count
            and accuracy[stop] == accuracy[start]
            and cost[stop] == cost[start]
            and latency[stop] == latency[start]
        ):
            stop += 1
        value = accuracy[start]
        best = -math.inf
        index = ranks[start]
        while index > 0:
            if tree[index] > best:
                best = tree[index]
            index -= index & -index
        if best < value:
            keep.extend(order[start:stop].tolist())
        index = ranks[start]
        while index <= size:
            if tree[index] < value:
                tree[index] = value
            index += index & -index
        start = stop
    return _selected(columns, keep)


@dataclass(frozen=True)
class ConvexFrontier(JsonReady):
    """Upper convex hull of the cost x accuracy front; ``vertices`` cheapest first.

    Models with identical (cost, accuracy) at a vertex are all listed. A model lying exactly
    on a segment between two vertices is reachable by mixing them and is not a vertex.
    """

    vertices: tuple[ModelPoint, ...]

    @property
    def model_ids(self) -> tuple[str, ...]:
        return tuple(point.model_id for point in self.vertices)

    def accuracy_at(self, cost_usd: float) -> float:
        """Best expected accuracy reachable at ``cost_usd`` by mixing two vertex models.

        Beyond the most accurate vertex's cost the hull is flat (spend less, get the best);
        below the cheapest vertex's cost nothing is reachable and the result is NaN.
        """
        if not self.vertices or cost_usd < self.vertices[0].cost_usd:
            return math.nan
        costs = [point.cost_usd for point in self.vertices]
        position = bisect.bisect_right(costs, cost_usd)
        if position >= len(costs):
            return max(point.accuracy for point in self.vertices)
        left = self.vertices[position - 1]
        right = self.vertices[position]
        if right.cost_usd == left.cost_usd:
            return max(left.accuracy, right.accuracy)
        share = (cost_usd - left.cost_usd) / (right.cost_usd - left.cost_usd)
        return left.accuracy + share * (right.accuracy - left.accuracy)


def convex_frontier(points: Iterable[ModelPoint]) -> ConvexFrontier:
    """Upper convex hull (monotone chain) of the cost x accuracy front, raw dollar costs."""
    front = pareto_front_2d(points)
    corners: list[tuple[float, float]] = []
    for point in front:
        corner = (point.cost_usd, point.accuracy)
        if corners and corners[-1] == corner:
            continue
        while len(corners) >= 2:
            (x0, y0), (x1, y1) = corners[-2], corners[-1]
            turn = (x1 - x0) * (corner[1] - y0) - (y1 - y0) * (corner[0] - x0)
            if turn < 0:
                break
            corners.pop()
        corners.append(corner)
    kept = set(corners)
    return ConvexFrontier(
        tuple(point for point in front if (point.cost_usd, point.accuracy) in kept)
    )


@dataclass(frozen=True)
class Domination(JsonReady):
    """``model_id`` is dominated in cost x accuracy by ``dominated_by``.

    The dominator named is the cheapest frontier model at least as accurate (ties: model id).
    """

    model_id: str
    dominated_by: str


def dominated_by(points: Iterable[ModelPoint]) -> tuple[Domination, ...]:
    """Each dominated model with one model that dominates it, in canonical order."""
    ordered = _checked(points)
    front = pareto_front_2d(ordered)
    on_front = {point.model_id for point in front}  # ids are unique (checked)
    front_accuracy = [point.accuracy for point in front]
    result = []
    for point in ordered:
        if point.model_id in on_front:
            continue
        candidate = front[bisect.bisect_left(front_accuracy, point.accuracy)]
        if not candidate.dominates(point):  # pragma: no cover - guarded by the front's order
            raise AssertionError(f"{candidate} does not dominate {point}")
        result.append(Domination(point.model_id, candidate.model_id))
    return tuple(result)


def frontier_membership_probability(
    pass_rates: NDArray[np.float64],
    costs_usd: NDArray[np.float64],
    *,
    resamples: int = 10_000,
    seed: Seed = 0,
) -> NDArray[np.float64]:
    """Share of bootstrap resamples of the examples in which each model is on the 2-D front.

    ``pass_rates`` and ``costs_usd`` are (examples x models): the per-example pass rate and
    mean cost per sample of each model on examples every model answered. Each resample draws
    examples with replacement (the same draw for every model, keeping the pairing), recomputes
    accuracy and cost, and marks the undominated models. Resampled accuracies and costs are
    rounded to 12 significant digits so equal fractions are not split by summation noise.
    Resampled means come from a (resamples x examples) matrix of draw counts times the
    (examples x models) matrices. The per-resample dominance check is all-pairs over models
    (models are few; examples and resamples are vectorised).
    """
    pass_matrix = np.asarray(pass_rates, dtype=np.float64)
    cost_matrix = np.asarray(costs_usd, dtype=np.float64)
    if pass_matrix.ndim != 2 or pass_matrix.shape != cost_matrix.shape:
        raise ValueError(
            "pass_rates and costs_usd must be (examples x models) arrays of the same shape, "
            f"got {pass_matrix.shape} and {cost_matrix.shape}"
        )
    n_examples, n_models = pass_matrix.shape
    if n_models == 0:
        return np.zeros(0)
    if n_examples == 0:
        return np.full(n_models, math.nan)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    on_front = np.zeros(n_models, dtype=np.int64)
    rows_per_block = max(1, _BLOCK_ELEMENTS // n_examples)
    for start in range(0, resamples, rows_per_block):
        rows = min(resamples, start + rows_per_block) - start
        indices = rng.integers(0, n_examples, size=(rows, n_examples))
        # How often each example was drawn in each resample; a matrix product then gives
        # every model's resampled means at once.
        offsets = (np.arange(rows) * n_examples)[:, None]
        draws = np.bincount((indices + offsets).ravel(), minlength=rows * n_examples)
        weights = draws.reshape(rows, n_examples) / n_examples
        accuracy = round_significant(weights @ pass_matrix)
        cost = round_significant(weights @ cost_matrix)
        acc_i, acc_j = accuracy[:, :, None], accuracy[:, None, :]
        cost_i, cost_j = cost[:, :, None], cost[:, None, :]
        dominates = (acc_i >= acc_j) & (cost_i <= cost_j) & ((acc_i > acc_j) | (cost_i < cost_j))
        on_front += np.count_nonzero(~dominates.any(axis=1), axis=0)
    probability: NDArray[np.float64] = on_front / resamples
    return probability


@dataclass(frozen=True)
class TradeOff(JsonReady):
    """How a contestant compares with the baseline contestant on one task.

    The baseline is the most accurate *paid* contestant unless one is named (``--baseline``);
    with no paid contestant, the most accurate one. A free ($0) contestant is never the
    default baseline: relative to a free baseline every paid model's value would be 0.

    * ``accuracy_gap`` = baseline accuracy - model accuracy (negative when the model is better).
    * ``cost_ratio`` = model cost / baseline cost (0.0004 means 2,500x cheaper);
      ``latency_ratio`` likewise for latency. When the baseline's value is 0 the ratio is 1
      if the model's is also 0 and infinite (None in JSON) otherwise.
    * ``accuracy_per_dollar`` = accuracy / cost per sample = expected passing translations
      per dollar; infinite for a free model that passes something, NaN for 0 / 0.
    * ``value_score`` (the seed's): the model's accuracy per dollar divided by the baseline's,
      computed as ``(accuracy x baseline_cost) / (baseline_accuracy x cost)`` so that no zero
      is divided: a free model that passes something is infinite (shown as "free"); a model
      that passes nothing scores 0; NaN when the baseline passes nothing. ``note`` explains
      every such special case.
    """

    model_id: str
    baseline_model_id: str
    accuracy: float
    cost_usd: float
    latency_s: float
    accuracy_gap: float
    cost_ratio: float
    latency_ratio: float
    accuracy_per_dollar: float
    value_score: float
    note: str = ""


def _ratio(value: float, reference: float) -> float:
    if reference > 0:
        return value / reference
    return 1.0 if value == 0 else math.inf


def accuracy_per_dollar(accuracy: float, cost_usd: float) -> float:
    """Accuracy divided by cost; inf when free with accuracy > 0, NaN when 0 / 0."""
    if cost_usd > 0:
        return accuracy / cost_usd
    return math.inf if accuracy > 0 else math.nan


def _value_score(point: ModelPoint, baseline: ModelPoint) -> tuple[float, str]:
    numerator = point.accuracy * baseline.cost_usd
    denominator = baseline.accuracy * point.cost_usd
    if baseline.accuracy <= 0:
        return math.nan, "the baseline passes nothing: value score undefined"
    if denominator > 0:
        return numerator / denominator, ""
    # Here the model is free (cost 0) and the baseline passes something.
    if point.accuracy <= 0:
        return 0.0, "passes nothing: value score 0"
    if baseline.cost_usd == 0:
        return point.accuracy / baseline.accuracy, "both free: value score is the accuracy ratio"
    return math.inf, "free ($0) model that passes examples: value per dollar is unbounded"


def baseline_point(points: Iterable[ModelPoint], baseline_id: str | None = None) -> ModelPoint:
    """The baseline of the trade-offs: ``baseline_id`` if given, else the most accurate paid
    model, else (every model free) the most accurate one (ties: cheaper, faster, model id)."""
    ordered = _checked(points)
    if not ordered:
        raise AnalysisError("no models to choose a baseline from")
    if baseline_id is not None:
        for point in ordered:
            if point.model_id == baseline_id:
                return point
        raise AnalysisError(
            f"--baseline {baseline_id!r} is not a contestant of task {ordered[0].task_id!r} "
            f"(contestants: {', '.join(p.model_id for p in ordered)})"
        )
    paid = [p for p in ordered if p.cost_usd > 0] or ordered
    return min(paid, key=lambda p: (-p.accuracy, p.cost_usd, p.latency_s, p.model_id))


def trade_offs(
    points: Iterable[ModelPoint], baseline_id: str | None = None
) -> tuple[TradeOff, ...]:
    """Trade-off of every model against the baseline (`baseline_point`), in canonical order."""
    ordered = _checked(points)
    if not ordered:
        return ()
    baseline = baseline_point(ordered, baseline_id)
    result = []
    for point in ordered:
        value, note = _value_score(point, baseline)
        result.append(
            TradeOff(
                model_id=point.model_id,
                baseline_model_id=baseline.model_id,
                accuracy=point.accuracy,
                cost_usd=point.cost_usd,
                latency_s=point.latency_s,
                accuracy_gap=baseline.accuracy - point.accuracy,
                cost_ratio=_ratio(point.cost_usd, baseline.cost_usd),
                latency_ratio=_ratio(point.latency_s, baseline.latency_s),
                accuracy_per_dollar=accuracy_per_dollar(point.accuracy, point.cost_usd),
                value_score=value,
                note=note,
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class FrontierMembership(JsonReady):
    """Share of bootstrap resamples in which ``model_id`` was on the cost x accuracy front."""

    model_id: str
    probability: float


@dataclass(frozen=True)
class ParetoAnalysis(JsonReady):
    """Every frontier view of one task's contestants (controls are never on a frontier).

    ``points`` are what the frontier is computed from; the aggregate layer builds them from
    the same per-example matrices as ``membership`` (one estimator for both), which come from
    ``membership_resamples`` bootstrap resamples of the ``membership_examples`` examples every
    contestant answered (empty when not computed). ``baseline_model_id`` is the model the
    trade-offs are relative to ("" with no contestant).
    """

    task_id: str
    points: tuple[ModelPoint, ...]
    pareto_front: tuple[str, ...]
    skyline: tuple[str, ...]
    convex_frontier: tuple[str, ...]
    dominated: tuple[Domination, ...]
    baseline_model_id: str
    trade_offs: tuple[TradeOff, ...]
    membership: tuple[FrontierMembership, ...] = ()
    membership_resamples: int = 0
    membership_examples: int = 0

    def on_front(self, model_id: str) -> bool:
        return model_id in self.pareto_front

    def trade_off(self, model_id: str) -> TradeOff:
        for item in self.trade_offs:
            if item.model_id == model_id:
                return item
        raise KeyError(model_id)

    def membership_probability(self, model_id: str) -> float:
        for item in self.membership:
            if item.model_id == model_id:
                return item.probability
        return math.nan


def analyse_pareto(
    points: Sequence[ModelPoint],
    *,
    membership: Mapping[str, float] | None = None,
    membership_resamples: int = 0,
    membership_examples: int = 0,
    baseline_id: str | None = None,
    task_id: str = "",
) -> ParetoAnalysis:
    """Build the `ParetoAnalysis` of one task; points of several tasks raise AnalysisError.

    No points (a task evaluated with controls only) give an empty analysis for ``task_id``.
    """
    ordered = _checked(points)
    if not ordered:
        if baseline_id is not None:
            raise AnalysisError(f"--baseline {baseline_id!r}: task {task_id!r} has no contestant")
        return ParetoAnalysis(task_id, (), (), (), (), (), "", ())
    memberships = tuple(
        FrontierMembership(point.model_id, float(membership[point.model_id]))
        for point in ordered
        if membership is not None and point.model_id in membership
    )
    return ParetoAnalysis(
        task_id=ordered[0].task_id,
        points=tuple(ordered),
        pareto_front=tuple(p.model_id for p in pareto_front_2d(ordered)),
        skyline=tuple(p.model_id for p in skyline_3d(ordered)),
        convex_frontier=convex_frontier(ordered).model_ids,
        dominated=dominated_by(ordered),
        baseline_model_id=baseline_point(ordered, baseline_id).model_id,
        trade_offs=trade_offs(ordered, baseline_id),
        membership=memberships,
        membership_resamples=membership_resamples,
        membership_examples=membership_examples,
    )
