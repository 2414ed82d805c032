"""Benchmark: 10,000 bootstrap resamples of 10^4 per-example pass rates, numpy vs pure Python.

Run: ``.venv/bin/python benchmarks/bench_bootstrap.py``. Prints the time of the vectorised
resampler (`stats.bootstrap_means`, indices drawn block by block), of the full
`stats.bootstrap_ci` (percentile + BCa), and of a pure-Python loop doing the same work
(`random.choices` per resample, then the mean), plus the ratio measured in this run.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.analysis.stats import bootstrap_ci, bootstrap_means

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
    means = bootstrap_means(values, resamples=RESAMPLES, seed=1)
    numpy_s = time.perf_counter() - start

    start = time.perf_counter()
    result = bootstrap_ci(values, resamples=RESAMPLES, seed=1)
    full_s = time.perf_counter() - start

    start = time.perf_counter()
    python_means = pure_python_bootstrap(values.tolist(), RESAMPLES, seed=1)
    python_s = time.perf_counter() - start

    print(f"{RESAMPLES} resamples of {EXAMPLES} values")
    print(f"numpy bootstrap_means:        {numpy_s:8.3f} s")
    print(f"numpy bootstrap_ci (pct+BCa): {full_s:8.3f} s")
    print(f"pure-Python loop:             {python_s:8.3f} s")
    print(f"ratio pure-Python / numpy:    {python_s / numpy_s:8.1f}x")
    print(
        f"check: bootstrap SE numpy {np.std(means, ddof=1):.6f}, "
        f"pure Python {statistics.stdev(python_means):.6f}; "
        f"95% percentile CI [{result.percentile.low:.4f}, {result.percentile.high:.4f}], "
        f"BCa [{result.bca.low:.4f}, {result.bca.high:.4f}]"
    )


if __name__ == "__main__":
    main()
