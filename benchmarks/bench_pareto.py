"""Benchmark: Pareto frontiers (2-D front, 3-D skyline) against naive O(n^2) filters.

Run: ``.venv/bin/python benchmarks/bench_pareto.py``. Prints, for n = 10^3, 10^4 and 10^5
random models, the fastest of at least 5 calls (more for quick ones) of the fast algorithms
and of naive all-pairs filters, their ratio (naive / fast, measured in this run) and the
scaling exponent of the fast algorithms fitted by least squares on log(time) against log(n)
(target <= 1.2; n log n over this range gives about 1.1).

The naive filters compare each point with every other point, vectorised per point with numpy
(n numpy passes over n points, O(n^2) work). They run only up to n = 10^4: at 10^5 they would
do 10^10 comparisons (about a minute each on this machine), so that row says "skipped".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.analysis.pareto import (
    ModelPoint,
    convex_frontier,
    pareto_front_2d,
    skyline_3d,
)

SIZES = (1_000, 10_000, 100_000)
NAIVE_LIMIT = 10_000
REPEATS = 5
MIN_TOTAL_S = 1.0


def random_points(n: int, seed: int) -> list[ModelPoint]:
    """Models with accuracy in [0, 1], log-normal cost (USD) and latency (s), 2-dp ties."""
    rng = np.random.default_rng(seed)
    accuracy = np.round(rng.random(n), 3)
    cost = np.round(rng.lognormal(-4, 2, n), 6)
    latency = np.round(rng.lognormal(0, 1, n), 3)
    return [
        ModelPoint(f"m{i}", float(a), float(c), float(t))
        for i, (a, c, t) in enumerate(zip(accuracy, cost, latency, strict=True))
    ]


def naive_mask(points: list[ModelPoint], three_d: bool) -> np.ndarray:
    """All-pairs dominance filter: for each point, compare it with every point."""
    accuracy = np.array([p.accuracy for p in points])
    cost = np.array([p.cost_usd for p in points])
    latency = np.array([p.latency_s for p in points])
    keep = np.ones(len(points), dtype=bool)
    for i in range(len(points)):
        no_worse = (accuracy >= accuracy[i]) & (cost <= cost[i])
        better = (accuracy > accuracy[i]) | (cost < cost[i])
        if three_d:
            no_worse &= latency <= latency[i]
            better |= latency < latency[i]
        keep[i] = not np.any(no_worse & better)
    return keep


def best_time(function: Callable[[], object]) -> float:
    """Fastest of at least REPEATS calls (more while under MIN_TOTAL_S, up to 50 calls).

    The minimum filters out pauses caused by other processes on a shared machine.
    """
    times: list[float] = []
    while len(times) < REPEATS or (sum(times) < MIN_TOTAL_S and len(times) < 50):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def exponent(sizes: list[int], seconds: list[float]) -> float:
    slope, _ = np.polyfit(np.log(sizes), np.log(seconds), 1)
    return float(slope)


def frontier_ids(name: str, points: list[ModelPoint]) -> set[str]:
    """Model ids the fast algorithm called ``name`` keeps."""
    if name == "front_2d":
        return {p.model_id for p in pareto_front_2d(points)}
    if name == "skyline_3d":
        return {p.model_id for p in skyline_3d(points)}
    return set(convex_frontier(points).model_ids)


def naive_ids(name: str, points: list[ModelPoint]) -> set[str]:
    mask = naive_mask(points, three_d=name == "skyline_3d")
    return {p.model_id for p, keep in zip(points, mask, strict=True) if keep}


def main() -> None:
    names = ("front_2d", "skyline_3d", "convex_hull")
    fast: dict[str, list[float]] = {name: [] for name in names}
    print(f"{'n':>8} {'algorithm':<12} {'fast_s':>10} {'naive_s':>10} {'naive/fast':>11} size")
    for n in SIZES:
        points = random_points(n, seed=n)
        for name in names:
            fast_s = best_time(partial(frontier_ids, name, points))
            fast[name].append(fast_s)
            kept = frontier_ids(name, points)
            row = f"{n:>8} {name:<12} {fast_s:>10.4f}"
            if name == "convex_hull":
                print(f"{row} {'-':>10} {'-':>11} {len(kept)}")
            elif n > NAIVE_LIMIT:
                print(f"{row} {'skipped':>10} {'-':>11} {len(kept)}")
            else:
                naive_s = best_time(partial(naive_ids, name, points))
                assert naive_ids(name, points) == kept, "fast and naive frontiers differ"
                print(f"{row} {naive_s:>10.4f} {naive_s / fast_s:>10.1f}x {len(kept)}")
    for name, seconds in fast.items():
        print(f"scaling exponent {name}: {exponent(list(SIZES), seconds):.3f} (target <= 1.2)")


if __name__ == "__main__":
    main()
