"""Benchmark: the headline interval over 10^4 examples with 10,000 resamples, vs pure Python.

Run: ``.venv/bin/python benchmarks/bench_bootstrap.py``. Prints the time of
`stats.example_interval` (cluster bootstrap over examples, BCa, computed by
``scipy.stats.bootstrap`` in memory-bounded batches) and of a pure-Python loop drawing the same
number of resamples (`random.choices` per resample, then the mean, percentile interval only),
plus the ratio measured in this run.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.analysis.stats import example_interval

EXAMPLES = 10_000
RESAMPLES = 10_000


def pure_python_bootstrap(values: list[float], resamples: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    n = len(values)
    return [sum(rng.choices(values, k=n)) / n for _ in range(resamples)]


def main() -> None:
    rng = np.random.default_rng(0)
    values = rng.binomial(5, rng.beta(2, 1, size=EXAMPLES)) / 5

    start = time.perf_counter()
    interval = example_interval(values, resamples=RESAMPLES, seed=1)
    scipy_s = time.perf_counter() - start

    start = time.perf_counter()
    python_means = sorted(pure_python_bootstrap(values.tolist(), RESAMPLES, seed=1))
    python_s = time.perf_counter() - start

    print(f"{RESAMPLES} resamples of {EXAMPLES} per-example pass rates")
    print(f"example_interval (scipy, BCa): {scipy_s:8.3f} s")
    print(f"pure-Python loop (percentile): {python_s:8.3f} s")
    print(f"ratio pure-Python / scipy:     {python_s / scipy_s:8.1f}x")
    low = python_means[int(0.025 * RESAMPLES)]
    high = python_means[int(0.975 * RESAMPLES) - 1]
    print(
        f"check: {interval.method} [{interval.low:.4f}, {interval.high:.4f}]; pure-Python "
        f"percentile [{low:.4f}, {high:.4f}]"
    )


if __name__ == "__main__":
    main()
