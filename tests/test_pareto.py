"""Pareto frontiers: hand-made cases and hypothesis properties against naive filters."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from single_shot_eval.analysis import pareto
from single_shot_eval.analysis.errors import AnalysisError
from single_shot_eval.analysis.pareto import ModelPoint
from single_shot_eval.errors import UserError

# Values from small grids make ties (equal cost, equal accuracy, identical points) common.
accuracies = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(0.0, 1.0))
costs = st.one_of(st.sampled_from([0.0, 0.001, 0.01, 1.0]), st.floats(0.0, 100.0))
latencies = st.one_of(st.sampled_from([0.1, 1.0, 2.0]), st.floats(0.0, 60.0))


@st.composite
def point_sets(draw: st.DrawFn, max_size: int = 25) -> list[ModelPoint]:
    triples = draw(st.lists(st.tuples(accuracies, costs, latencies), max_size=max_size))
    return [ModelPoint(f"m{i:02d}", a, c, lat) for i, (a, c, lat) in enumerate(triples)]


def naive_front(points: list[ModelPoint]) -> set[str]:
    return {p.model_id for p in points if not any(q.dominates(p) for q in points)}


def naive_skyline(points: list[ModelPoint]) -> set[str]:
    return {p.model_id for p in points if not any(q.dominates_3d(p) for q in points)}


# --- properties -------------------------------------------------------------------------------


@given(point_sets())
def test_front_points_are_undominated_and_the_rest_are_dominated(points: list[ModelPoint]) -> None:
    front = pareto.pareto_front_2d(points)
    front_ids = {p.model_id for p in front}
    for p in front:
        assert not any(q.dominates(p) for q in points)
    for p in points:
        if p.model_id not in front_ids:
            assert any(q.dominates(p) for q in front)
    assert front_ids == naive_front(points)


@given(point_sets())
def test_skyline_equals_the_naive_all_pairs_filter(points: list[ModelPoint]) -> None:
    assert {p.model_id for p in pareto.skyline_3d(points)} == naive_skyline(points)


@given(point_sets())
def test_convex_hull_lies_on_or_above_every_point(points: list[ModelPoint]) -> None:
    hull = pareto.convex_frontier(points)
    front_ids = {p.model_id for p in pareto.pareto_front_2d(points)}
    assert set(hull.model_ids) <= front_ids
    for p in points:
        reachable = hull.accuracy_at(p.cost_usd)
        assert reachable >= p.accuracy - 1e-9 * max(1.0, abs(p.accuracy))
    corners = sorted({(v.cost_usd, v.accuracy) for v in hull.vertices})
    slopes = [(y1 - y0) / (x1 - x0) for (x0, y0), (x1, y1) in itertools.pairwise(corners)]
    assert all(s > 0 for s in slopes)
    assert all(a >= b * (1 - 1e-9) - 1e-12 for a, b in itertools.pairwise(slopes))


@given(point_sets(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(points: list[ModelPoint], random: object) -> None:
    shuffled = list(points)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert pareto.pareto_front_2d(points) == pareto.pareto_front_2d(shuffled)
    assert pareto.skyline_3d(points) == pareto.skyline_3d(shuffled)
    assert pareto.convex_frontier(points) == pareto.convex_frontier(shuffled)
    assert pareto.dominated_by(points) == pareto.dominated_by(shuffled)
    assert pareto.trade_offs(points) == pareto.trade_offs(shuffled)


@given(point_sets())
def test_every_dominated_model_names_a_model_that_dominates_it(points: list[ModelPoint]) -> None:
    by_id = {p.model_id: p for p in points}
    dominations = pareto.dominated_by(points)
    assert {d.model_id for d in dominations} == set(by_id) - naive_front(points)
    for item in dominations:
        assert by_id[item.dominated_by].dominates(by_id[item.model_id])


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_membership_probability_matches_a_per_resample_loop(
    examples: int, models: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    pass_rates = rng.integers(0, 3, size=(examples, models)) / 2
    costs_usd = rng.choice([0.0, 0.5, 1.0], size=(examples, models))
    fast = pareto.frontier_membership_probability(pass_rates, costs_usd, resamples=60, seed=seed)
    draws = np.random.default_rng(seed).integers(0, examples, size=(60, examples))
    counts = np.zeros(models)
    for row in draws:
        accuracy = pass_rates[row].mean(axis=0).round(12)
        cost = costs_usd[row].mean(axis=0)
        points = [ModelPoint(str(j), float(accuracy[j]), float(cost[j])) for j in range(models)]
        for p in pareto.pareto_front_2d(points):
            counts[int(p.model_id)] += 1
    assert fast.tolist() == (counts / 60).tolist()


# --- hand-made cases --------------------------------------------------------------------------


def test_point_below_the_chord_is_on_the_front_but_not_on_the_convex_hull() -> None:
    points = [
        ModelPoint("cheap", 0.5, 0.0),
        ModelPoint("middle", 0.6, 1.0),  # chord cheap-best at cost 1 reaches 0.7
        ModelPoint("best", 0.9, 2.0),
        ModelPoint("worse", 0.55, 1.5),
    ]
    assert [p.model_id for p in pareto.pareto_front_2d(points)] == ["cheap", "middle", "best"]
    hull = pareto.convex_frontier(points)
    assert hull.model_ids == ("cheap", "best")
    assert hull.accuracy_at(1.0) == pytest.approx(0.7)
    assert hull.accuracy_at(5.0) == 0.9
    assert math.isnan(hull.accuracy_at(-1.0))
    assert pareto.dominated_by(points) == (pareto.Domination("worse", "middle"),)


def test_a_model_exactly_on_a_hull_segment_is_reachable_by_mixing_and_not_a_vertex() -> None:
    # Exactly representable values, so b lies exactly on the segment from a to c.
    points = [ModelPoint("a", 0.5, 0.0), ModelPoint("b", 0.75, 1.0), ModelPoint("c", 1.0, 2.0)]
    assert len(pareto.pareto_front_2d(points)) == 3
    assert pareto.convex_frontier(points).model_ids == ("a", "c")


def test_identical_points_both_stay_on_every_frontier() -> None:
    points = [ModelPoint("b", 0.8, 1.0, 2.0), ModelPoint("a", 0.8, 1.0, 2.0)]
    assert [p.model_id for p in pareto.pareto_front_2d(points)] == ["a", "b"]
    assert [p.model_id for p in pareto.skyline_3d(points)] == ["a", "b"]
    assert pareto.convex_frontier(points).model_ids == ("a", "b")


def test_latency_keeps_a_slow_cheap_model_off_the_skyline_only_when_dominated() -> None:
    points = [
        ModelPoint("fast", 0.9, 1.0, 0.5),
        ModelPoint("slow", 0.9, 1.0, 3.0),  # same accuracy and cost, slower: dominated in 3-D
        ModelPoint("cheap-slow", 0.7, 0.1, 9.0),
    ]
    assert [p.model_id for p in pareto.skyline_3d(points)] == ["cheap-slow", "fast"]
    assert {p.model_id for p in pareto.pareto_front_2d(points)} == {"fast", "slow", "cheap-slow"}


def test_trade_offs_against_the_most_accurate_paid_model() -> None:
    points = [
        ModelPoint("claude-haiku", 0.95, 0.25, 0.8),
        ModelPoint("slm-100m", 0.92, 0.0001, 0.015),
    ]
    slm = {t.model_id: t for t in pareto.trade_offs(points)}["slm-100m"]
    assert slm.baseline_model_id == "claude-haiku"
    assert slm.accuracy_gap == pytest.approx(0.03)
    assert slm.cost_ratio == pytest.approx(0.0004)
    assert slm.latency_ratio == pytest.approx(0.015 / 0.8)
    assert slm.accuracy_per_dollar == pytest.approx(9200.0)
    # (0.92 / 0.0001) / (0.95 / 0.25) = 9200 / 3.8
    assert slm.value_score == pytest.approx(9200 / 3.8)


def test_free_models_get_a_value_score_without_dividing_by_zero() -> None:
    points = [
        ModelPoint("paid", 0.9, 0.5, 1.0),
        ModelPoint("free", 0.8, 0.0, 1.0),
        ModelPoint("free-useless", 0.0, 0.0, 1.0),
    ]
    by_id = {t.model_id: t for t in pareto.trade_offs(points)}
    assert by_id["free"].value_score == math.inf and "free" in by_id["free"].note
    assert by_id["free-useless"].value_score == 0.0
    assert math.isnan(by_id["free-useless"].accuracy_per_dollar)
    payload = json.dumps(by_id["free"].to_dict(), allow_nan=False)
    assert json.loads(payload)["value_score"] is None
    both_free = pareto.trade_offs([ModelPoint("x", 0.8, 0.0), ModelPoint("y", 0.4, 0.0)])
    assert {t.model_id: t.value_score for t in both_free} == {"x": 1.0, "y": 0.5}


def test_a_free_model_more_accurate_than_every_paid_one_is_not_the_default_baseline() -> None:
    # Relative to a free baseline every paid model's value would be 0: the seed's value score
    # is relative to the most accurate *paid* model unless a baseline is named.
    points = [
        ModelPoint("free-answer-key-like", 1.0, 0.0),
        ModelPoint("paid-a", 0.8, 0.01),
        ModelPoint("paid-b", 0.6, 0.001),
    ]
    by_id = {t.model_id: t for t in pareto.trade_offs(points)}
    assert {t.baseline_model_id for t in by_id.values()} == {"paid-a"}
    assert by_id["paid-b"].value_score == pytest.approx((0.6 / 0.001) / (0.8 / 0.01))
    assert by_id["free-answer-key-like"].value_score == math.inf
    named = {t.model_id: t for t in pareto.trade_offs(points, "paid-b")}
    assert named["paid-a"].value_score == pytest.approx((0.8 / 0.01) / (0.6 / 0.001))
    with pytest.raises(AnalysisError, match="not a contestant"):
        pareto.trade_offs(points, "nobody")


def test_no_contestant_gives_an_empty_analysis() -> None:
    analysis = pareto.analyse_pareto([], task_id="t")
    assert analysis.task_id == "t" and analysis.points == () and analysis.baseline_model_id == ""
    with pytest.raises(AnalysisError, match="no contestant"):
        pareto.analyse_pareto([], task_id="t", baseline_id="x")


def test_points_of_two_tasks_raise_an_analysis_error() -> None:
    points = [ModelPoint("a", 0.5, 1.0, task_id="t1"), ModelPoint("b", 0.6, 1.0, task_id="t2")]
    with pytest.raises(AnalysisError, match="one task"):
        pareto.pareto_front_2d(points)
    with pytest.raises(UserError):
        pareto.analyse_pareto(points)


def test_non_finite_or_duplicate_points_raise() -> None:
    with pytest.raises(AnalysisError, match="non-finite"):
        pareto.pareto_front_2d([ModelPoint("a", math.nan, 1.0)])
    with pytest.raises(AnalysisError, match="twice"):
        pareto.pareto_front_2d([ModelPoint("a", 0.5, 1.0), ModelPoint("a", 0.6, 1.0)])


def test_analysis_serialises_to_valid_json() -> None:
    points = [ModelPoint("a", 0.5, 0.0, 1.0, "t"), ModelPoint("b", 0.9, 1.0, 2.0, "t")]
    analysis = pareto.analyse_pareto(points, membership={"a": 1.0, "b": 0.75})
    data = json.loads(json.dumps(analysis.to_dict(), allow_nan=False))
    assert data["pareto_front"] == ["a", "b"]
    assert data["baseline_model_id"] == "b"
    assert data["membership"] == [
        {"model_id": "a", "probability": 1.0},
        {"model_id": "b", "probability": 0.75},
    ]
    assert analysis.membership_probability("b") == 0.75
