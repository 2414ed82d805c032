"""Coverage of the headline pass@1 interval and size of the paired test, by simulation.

Run: ``.venv/bin/python benchmarks/bench_coverage.py [simulations]`` (default 2,000 per cell).

For each true rate p in {0, 0.02, 0.1, 0.5, 0.9, 0.98, 1} and n in {20, 66, 300} examples it
simulates evaluations and reports how often `stats.example_interval` covers p and its
narrowest width, in two regimes:

* identical runs (temperature 0): each example passes with probability p, the same in every
  run; the interval is Clopper–Pearson over examples;
* varying runs (5 runs per example): each example has its own pass probability drawn from a
  Beta(2p', 2(1-p')) population with mean p (0 and 1 exactly at the ends), and each run passes
  with it; the interval is the cluster bootstrap over examples (BCa, 999 resamples here), exact
  at 0% and 100%.

Then the type-I error of the reported paired test (mid-p McNemar, alpha 0.05) on two models
with equal true rates: simulated, and the exact value from `power.mcnemar_power`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.analysis import power, stats

RATES = (0.0, 0.02, 0.1, 0.5, 0.9, 0.98, 1.0)
SIZES = (20, 66, 300)
RUNS = 5
RESAMPLES = 999


Cell = tuple[float, float]


def identical_runs(p: float, n: int, simulations: int, rng: np.random.Generator) -> Cell:
    intervals = [stats.example_interval([1.0] * k + [0.0] * (n - k)) for k in range(n + 1)]
    counts = rng.binomial(n, p, size=simulations)
    covered = float(np.mean([intervals[k].contains(p) for k in counts]))
    return covered, min(intervals[k].width for k in set(counts.tolist()))


def varying_runs(p: float, n: int, simulations: int, rng: np.random.Generator) -> Cell:
    hits = 0
    narrowest = np.inf
    for simulation in range(simulations):
        difficulty = rng.beta(2 * p, 2 * (1 - p), size=n) if 0 < p < 1 else np.full(n, p)
        rates = rng.binomial(RUNS, difficulty) / RUNS
        interval = stats.example_interval(rates, resamples=RESAMPLES, seed=simulation)
        hits += interval.contains(p)
        narrowest = min(narrowest, interval.width)
    return hits / simulations, float(narrowest)


def main() -> None:
    simulations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = np.random.default_rng(2026)
    start = time.perf_counter()
    print(f"{simulations} simulations per cell; coverage of the 95% interval (narrowest width)")
    for name, simulate in (("identical runs", identical_runs), ("varying runs", varying_runs)):
        print(f"\n{name}:")
        print("p      " + "".join(f"n={n:<18}" for n in SIZES))
        worst = 1.0
        for p in RATES:
            cells = []
            for n in SIZES:
                covered, width = simulate(p, n, simulations, rng)
                worst = min(worst, covered)
                cells.append(f"{covered:6.1%} ({width:.4f})    ")
            print(f"{p:<6} " + "".join(cells))
        print(f"lowest coverage: {worst:.1%}")
    print("\ntype-I error of mid-p McNemar at equal true rates (alpha 0.05): simulated, exact,")
    print("and the ceiling of any exact test given the discordant count (`attainable`)")
    print("p      " + "".join(f"n={n:<30}" for n in SIZES))
    in_band = True
    for p in RATES:
        cells = []
        for n in SIZES:
            a = rng.random((simulations, n)) < p
            b = rng.random((simulations, n)) < p
            rejected = float(np.mean([
                stats.mcnemar_exact(int(x), int(y)).mid_p_value <= 0.05
                for x, y in zip(np.count_nonzero(a & ~b, axis=1),
                                np.count_nonzero(b & ~a, axis=1), strict=True)
            ]))
            exact = power.mcnemar_power(n, p, p)
            ceiling = power.attainable_mcnemar_size(n, p)
            if ceiling >= 0.02 and not 0.02 <= exact <= 0.06:
                in_band = False
            cells.append(f"{rejected:.4f} {exact:.4f} ({ceiling:.4f})    ")
        print(f"{p:<6} " + "".join(cells))
    print("exact size within [0.02, 0.06] wherever an exact test can reach 0.02: "
          + ("yes" if in_band else "NO"))
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
