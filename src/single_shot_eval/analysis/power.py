"""Exact power and size of the paired test the comparisons report (two-sided mid-p McNemar).

The power figures a report prints (minimum detectable difference, examples needed) come from
here, and so does the bound that says what size any exact test can reach: with few discordant
examples (rates near 0% or 100%, or few examples) no non-randomized test keeps its nominal
size, and a reader comparing the simulated size with 5% needs to know the attainable one.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy import stats as scipy_stats


def _check_level(alpha: float, power: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"power must be within (0, 1), got {power}")


@lru_cache(maxsize=64)
def _mid_p_critical_counts(largest: int, alpha: float) -> NDArray[np.int64]:
    """For each discordant count d in 0..largest: the largest k with mid-p(min(b, c) = k) <= alpha.

    -1 where no split of d is significant. The mid-p rises with k up to d/2, so a vectorised
    bisection over k finds the boundary for every d at once.
    """
    d = np.arange(largest + 1, dtype=np.int64)
    low = np.full(d.size, -1, dtype=np.int64)  # always "significant" (sentinel)
    high = (d + 1) // 2  # never significant: at k = ceil(d/2) the mid-p is at least 1
    while True:
        active = high - low > 1
        if not np.any(active):
            return low
        middle = (low + high) // 2
        mid_p = 2.0 * scipy_stats.binom.cdf(middle, d, 0.5) - scipy_stats.binom.pmf(middle, d, 0.5)
        significant = mid_p <= alpha
        low = np.where(active & significant, middle, low)
        high = np.where(active & ~significant, middle, high)


def mcnemar_power(n_examples: int, rate_a: float, rate_b: float, *, alpha: float = 0.05) -> float:
    """Exact power of the two-sided mid-p McNemar test on ``n_examples`` paired examples.

    The two models pass with probabilities ``rate_a`` and ``rate_b`` and fail independently of
    each other given those rates, so an example is discordant with probability
    ``psi = a(1-b) + b(1-a)`` and, if so, favours A with probability ``a(1-b) / psi``. The
    power sums, over the Binomial(n, psi) discordant count d, the binomial probability that
    the split of d falls in the mid-p rejection region. With equal rates it is the test's size.
    """
    if n_examples < 1:
        return 0.0
    favour_a = rate_a * (1 - rate_b)
    favour_b = rate_b * (1 - rate_a)
    psi = favour_a + favour_b
    if psi <= 0:
        return 0.0
    # Discordant counts with non-negligible probability (the rest adds < 1e-12).
    low_d = int(scipy_stats.binom.ppf(1e-13, n_examples, psi))
    high_d = int(scipy_stats.binom.isf(1e-13, n_examples, psi))
    d = np.arange(max(0, low_d), min(n_examples, high_d) + 1, dtype=np.int64)
    # Thresholds are cached per power of two of the largest count, so that the many calls of
    # a sample-size search reuse them.
    largest = 1 << max(6, int(d[-1]).bit_length())
    critical = _mid_p_critical_counts(largest, float(alpha))[d]
    share_a = favour_a / psi
    # Reject when min(B, d - B) <= k_d, i.e. B <= k_d or B >= d - k_d (disjoint: k_d < d/2).
    reject = np.where(
        critical >= 0,
        scipy_stats.binom.cdf(critical, d, share_a) + scipy_stats.binom.sf(d - critical - 1, d,
                                                                              share_a),
        0.0,
    )
    weights = scipy_stats.binom.pmf(d, n_examples, psi)
    return float(min(1.0, np.sum(weights * reject)))


def alternative_rates(rate_a: float, rate_b: float, gap: float) -> tuple[float, float]:
    """The pair of rates at which a gap is sought, anchored on the observed rates.

    The weaker model keeps its observed rate and the other is ``gap`` above it; when that
    would exceed 1, the pair is shifted down to (1, 1 - gap). Returns (stronger, weaker).
    """
    if not 0.0 < gap <= 1.0:
        raise ValueError(f"gap must be within (0, 1], got {gap}")
    weaker = min(max(0.0, min(rate_a, rate_b)), 1.0 - gap)
    return weaker + gap, weaker


def minimum_detectable_difference(
    n_examples: int, rate_a: float, rate_b: float, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest accuracy gap the mid-p McNemar test on ``n_examples`` detects with ``power``.

    Exact power (`mcnemar_power`) at the rates `alternative_rates` derives from the observed
    pair. Never NaN: infinite when even a gap of 100 points is not detectable (too few
    examples, e.g. fewer than 5).
    """
    _check_level(alpha, power)

    def shortfall(gap: float) -> float:
        strong, weak = alternative_rates(rate_a, rate_b, gap)
        return mcnemar_power(n_examples, strong, weak, alpha=alpha) - power

    if n_examples < 1 or shortfall(1.0) < 0:
        return math.inf
    smallest = 1e-9
    if shortfall(smallest) >= 0:
        return smallest
    return float(optimize.brentq(shortfall, smallest, 1.0, xtol=1e-7))


def examples_needed(
    gap: float, rate_a: float, rate_b: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Examples a mid-p McNemar test needs to detect ``gap`` with ``power`` (exact power).

    Rates come from `alternative_rates` (observed weaker rate, errors independent; models that
    fail on the same hard examples need fewer). The exact power is not monotone in n (a
    saw-tooth); this is the first n, found by doubling then bisection, where it reaches
    ``power`` with the preceding n below it.
    """
    _check_level(alpha, power)
    strong, weak = alternative_rates(rate_a, rate_b, gap)

    def enough(n: int) -> bool:
        return mcnemar_power(n, strong, weak, alpha=alpha) >= power

    high = 8
    while not enough(high):
        high *= 2
        if high > 1 << 26:  # pragma: no cover - needs a gap below 1e-4
            raise ValueError(f"gap {gap} needs more than {high} examples")
    low = high // 2 if high > 8 else 0
    while high - low > 1:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle
    return high


def attainable_mcnemar_size(n_examples: int, rate: float, *, alpha: float = 0.05) -> float:
    """Largest size any non-randomized two-sided test of level ``alpha`` given the number of
    discordant examples can have, for two models that both pass with probability ``rate``.

    Given d discordant examples the split is Binomial(d, 1/2) under equal rates; the most an
    exact test can reject is the largest symmetric tail ``2 P(X <= k) <= alpha``, which is 0
    for d < 6. Summed over the Binomial(n, 2 rate (1 - rate)) count d, this is the ceiling the
    exact McNemar test reaches; the mid-p test's size (`mcnemar_power` at equal rates) is
    above it because the mid-p is not held to level ``alpha`` given d.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    psi = 2.0 * rate * (1.0 - rate)
    if n_examples < 1 or psi <= 0:
        return 0.0
    d = np.arange(1, n_examples + 1, dtype=np.int64)
    best = np.zeros(d.size)
    for k in range(0, n_examples // 2 + 1):
        tail = np.where(2 * k < d, 2.0 * scipy_stats.binom.cdf(k, d, 0.5), 1.0)
        best = np.where((tail <= alpha) & (tail > best), tail, best)
        if 2.0 * scipy_stats.binom.cdf(k, n_examples, 0.5) > alpha:
            break  # the tail at k only grows as d shrinks: no d admits a larger k
    return float(np.sum(scipy_stats.binom.pmf(d, n_examples, psi) * best))
