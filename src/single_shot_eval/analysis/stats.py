"""Statistics for pass rates: confidence intervals, paired tests, effect sizes and power.

Every function takes plain sequences of numbers and returns plain floats or small frozen
dataclasses, so it can be checked against scipy.stats or a textbook example in isolation.

Conventions
-----------
* Confidence intervals are two-sided; ``confidence=0.95`` by default.
* Bootstrap statistics are always the *mean* (of per-example pass rates). Resampling is
  vectorised with numpy and seeded: the same values and seed give the same interval, bit for
  bit. Resample indices are drawn exactly as ``scipy.stats.bootstrap`` draws them, so with the
  same generator state both produce the same bootstrap distribution.
* Degenerate inputs (fewer than two values, zero variance) never raise: the result carries
  ``degenerate=True`` and a ``note`` that says why, and undefined numbers are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special
from scipy import stats as scipy_stats

from single_shot_eval.analysis._plain import plain

FloatArray = NDArray[np.float64]
Seed = int | Sequence[int] | np.random.SeedSequence | np.random.Generator

#: Resample rows are drawn in blocks of about this many indices, which bounds memory use
#: (10,000 resamples of 10,000 examples would otherwise need 800 MB of indices at once).
_BLOCK_ELEMENTS = 2_000_000


def _as_float_array(values: ArrayLike, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _generator(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _z(probability: float) -> float:
    return float(special.ndtri(probability))


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class ConfidenceInterval:
    """A two-sided interval around ``estimate``; NaN bounds when it cannot be computed."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    degenerate: bool = False
    note: str = ""

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """True when ``low <= value <= high`` (False for an interval with NaN bounds)."""
        return bool(self.low <= value <= self.high)

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile and BCa intervals for the mean, from one seeded bootstrap distribution.

    ``bias_correction`` is BCa's z0 and ``acceleration`` its a (jackknife estimate).
    ``standard_error`` is the standard deviation of the bootstrap means (ddof=1).
    """

    estimate: float
    n: int
    resamples: int
    percentile: ConfidenceInterval
    bca: ConfidenceInterval
    standard_error: float
    bias_correction: float
    acceleration: float

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class TestResult:
    """A test statistic, its two-sided p-value and degrees of freedom (NaN when undefined)."""

    __test__ = False  # not a pytest test class, despite the name

    statistic: float
    p_value: float
    df: float
    n: int
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test on paired binary outcomes.

    ``b``: pairs where the first model passed and the second failed; ``c``: the reverse.
    ``p_value`` is the exact two-sided binomial p (conservative: its size is below alpha);
    ``mid_p_value`` subtracts half the probability of the observed count on each side
    (Fagerland, Lydersen & Laake 2013), whose size is close to the nominal alpha.
    """

    b: int
    c: int
    p_value: float
    mid_p_value: float

    @property
    def discordant(self) -> int:
        return self.b + self.c

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = plain(self)
        return result


# --------------------------------------------------------------------------------------------
# Intervals


def t_confidence_interval(values: ArrayLike, confidence: float = 0.95) -> ConfidenceInterval:
    """Student-t interval for the mean of ``values`` (e.g. the accuracy of each run).

    With fewer than two values the bounds are NaN. With zero spread (every run scored the
    same) the interval has zero width and ``degenerate`` is True: it does not describe the
    uncertainty over examples, only the absence of run-to-run variation.
    """
    array = _as_float_array(values, "values")
    n = array.size
    if n == 0:
        return ConfidenceInterval(math.nan, math.nan, math.nan, confidence, "t", True, "no values")
    mean = float(np.mean(array))
    if n < 2:
        return ConfidenceInterval(
            mean,
            math.nan,
            math.nan,
            confidence,
            "t",
            True,
            "one value: a t-interval needs at least two runs",
        )
    sd = float(np.std(array, ddof=1))
    if sd == 0.0:
        return ConfidenceInterval(
            mean,
            mean,
            mean,
            confidence,
            "t",
            True,
            "all values are equal: zero spread, the t-interval has zero width",
        )
    half_width = float(scipy_stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return ConfidenceInterval(mean, mean - half_width, mean + half_width, confidence, "t")


def bootstrap_means(values: ArrayLike, *, resamples: int, seed: Seed = 0) -> FloatArray:
    """Means of ``resamples`` bootstrap resamples of ``values`` (indices drawn with replacement).

    Vectorised: indices are drawn block by block as a (rows, n) integer matrix, exactly the
    stream ``scipy.stats.bootstrap`` draws for the same generator.
    """
    array = _as_float_array(values, "values")
    n = array.size
    if n == 0:
        raise ValueError("cannot bootstrap an empty sample")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    rng = _generator(seed)
    means = np.empty(resamples, dtype=np.float64)
    rows_per_block = max(1, _BLOCK_ELEMENTS // n)
    for start in range(0, resamples, rows_per_block):
        stop = min(resamples, start + rows_per_block)
        indices = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = np.mean(array[indices], axis=-1)
    return means


def percentile_interval(
    estimate: float, bootstrap_distribution: ArrayLike, confidence: float = 0.95
) -> ConfidenceInterval:
    """Percentile interval: the alpha/2 and 1-alpha/2 quantiles (linear interpolation)."""
    distribution = _as_float_array(bootstrap_distribution, "bootstrap_distribution")
    alpha = (1 - confidence) / 2
    low, high = np.quantile(distribution, [alpha, 1 - alpha])
    degenerate = bool(np.all(distribution == distribution[0]))
    note = "every resample has the same mean: zero-width interval" if degenerate else ""
    return ConfidenceInterval(
        estimate, float(low), float(high), confidence, "bootstrap-percentile", degenerate, note
    )


def bca_interval(
    values: ArrayLike, bootstrap_distribution: ArrayLike, confidence: float = 0.95
) -> tuple[ConfidenceInterval, float, float]:
    """Bias-corrected and accelerated interval for the mean (Efron & Tibshirani 1993, 14.3).

    Follows scipy.stats.bootstrap: z0 from the 'mean' percentile of the estimate within the
    bootstrap distribution (ties count half), acceleration from the jackknife of the mean.
    Returns the interval, z0 and the acceleration.
    """
    array = _as_float_array(values, "values")
    distribution = _as_float_array(bootstrap_distribution, "bootstrap_distribution")
    estimate = float(np.mean(array))
    n = array.size
    if n < 2 or np.all(array == array[0]):
        note = "fewer than two values" if n < 2 else "all values are equal: zero-width interval"
        return (
            ConfidenceInterval(
                estimate, estimate, estimate, confidence, "bootstrap-bca", True, note
            ),
            math.nan,
            math.nan,
        )
    below = np.count_nonzero(distribution < estimate) + np.count_nonzero(distribution <= estimate)
    bias_correction = float(special.ndtri(below / (2 * distribution.size)))
    # Jackknife of the mean in closed form: leave-one-out means.
    jackknife = (np.sum(array) - array) / (n - 1)
    deviations = np.mean(jackknife) - jackknife
    acceleration = float(np.sum(deviations**3) / (6 * np.sum(deviations**2) ** 1.5))
    alpha = (1 - confidence) / 2
    z_alpha = _z(alpha)
    if not math.isfinite(bias_correction):
        return (
            ConfidenceInterval(
                estimate,
                math.nan,
                math.nan,
                confidence,
                "bootstrap-bca",
                True,
                "the estimate lies outside the bootstrap distribution: BCa is undefined",
            ),
            bias_correction,
            acceleration,
        )
    levels = []
    for z in (z_alpha, -z_alpha):
        shifted = bias_correction + z
        levels.append(float(special.ndtr(bias_correction + shifted / (1 - acceleration * shifted))))
    low, high = np.quantile(distribution, levels)
    return (
        ConfidenceInterval(estimate, float(low), float(high), confidence, "bootstrap-bca"),
        bias_correction,
        acceleration,
    )


def bootstrap_ci(
    values: ArrayLike, *, resamples: int = 10_000, seed: Seed = 0, confidence: float = 0.95
) -> BootstrapResult:
    """Percentile and BCa bootstrap intervals for the mean of ``values``.

    ``values`` are independent units (per-example pass rates, each the mean over that
    example's runs), so resampling them respects the clustering of runs within an example.
    """
    array = _as_float_array(values, "values")
    estimate = float(np.mean(array))
    distribution = bootstrap_means(array, resamples=resamples, seed=seed)
    percentile = percentile_interval(estimate, distribution, confidence)
    bca, bias_correction, acceleration = bca_interval(array, distribution, confidence)
    standard_error = float(np.std(distribution, ddof=1)) if resamples > 1 else math.nan
    return BootstrapResult(
        estimate=estimate,
        n=int(array.size),
        resamples=resamples,
        percentile=percentile,
        bca=bca,
        standard_error=standard_error,
        bias_correction=bias_correction,
        acceleration=acceleration,
    )


def paired_bootstrap_difference_ci(
    values_a: ArrayLike,
    values_b: ArrayLike,
    *,
    resamples: int = 10_000,
    seed: Seed = 0,
    confidence: float = 0.95,
) -> ConfidenceInterval:
    """Percentile interval for mean(a) - mean(b) resampling the *pairs* (same examples).

    Resampling pairs and differencing the means equals bootstrapping the per-pair
    differences, which is what is computed.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    if a.size == 0:
        return ConfidenceInterval(
            math.nan, math.nan, math.nan, confidence, "paired-bootstrap", True, "no pairs"
        )
    differences = a - b
    estimate = float(np.mean(differences))
    distribution = bootstrap_means(differences, resamples=resamples, seed=seed)
    interval = percentile_interval(estimate, distribution, confidence)
    return ConfidenceInterval(
        estimate,
        interval.low,
        interval.high,
        confidence,
        "paired-bootstrap-percentile",
        interval.degenerate,
        interval.note,
    )


def clustered_standard_error(values: ArrayLike, clusters: Sequence[Hashable]) -> float:
    """Cluster-robust standard error of the mean of ``values``, clustered by ``clusters``.

    ``SE^2 = G/(G-1) * sum_g (sum_{i in g} (y_i - ybar))^2 / N^2`` (the CR1 sandwich estimator
    for a mean). With one observation per cluster it equals the usual ``s / sqrt(N)``. Runs of
    the same example are correlated, so clustering by example is the honest standard error of
    a pass rate pooled over runs. NaN with fewer than two clusters.
    """
    array = _as_float_array(values, "values")
    if len(clusters) != array.size:
        raise ValueError(f"{array.size} values but {len(clusters)} cluster labels")
    labels = {label: index for index, label in enumerate(dict.fromkeys(clusters))}
    groups = len(labels)
    if groups < 2:
        return math.nan
    codes = np.fromiter((labels[label] for label in clusters), dtype=np.int64, count=array.size)
    residual_sums = np.bincount(codes, weights=array - np.mean(array), minlength=groups)
    variance = groups / (groups - 1) * float(np.sum(residual_sums**2)) / array.size**2
    return math.sqrt(variance)


# --------------------------------------------------------------------------------------------
# pass@k


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one example with ``n`` samples of which ``c`` passed.

    ``1 - C(n-c, k) / C(n, k)`` (Chen et al. 2021), computed as a stable product.
    """
    if not 0 <= c <= n:
        raise ValueError(f"passes must be between 0 and n={n}, got {c}")
    if k < 1 or k > n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples per example, got n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1, dtype=np.float64)))


# --------------------------------------------------------------------------------------------
# Tests


def mcnemar_exact(b: int, c: int) -> McNemarResult:
    """Exact two-sided McNemar test (binomial on the b + c discordant pairs) and its mid-p.

    ``p = min(1, 2 * P(X <= min(b, c)))`` with ``X ~ Binomial(b + c, 1/2)``;
    ``mid_p = p - P(X = min(b, c))`` (equivalently ``2 * (P(X < m) + P(X = m) / 2)``).
    Both are 1 when there is no discordant pair.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    discordant = b + c
    if discordant == 0:
        return McNemarResult(b, c, 1.0, 1.0)
    smaller = min(b, c)
    tail = float(scipy_stats.binom.cdf(smaller, discordant, 0.5))
    point = float(scipy_stats.binom.pmf(smaller, discordant, 0.5))
    exact = min(1.0, 2.0 * tail)
    mid = min(1.0, 2.0 * tail - point)
    return McNemarResult(b, c, exact, mid)


def paired_t_test(values_a: ArrayLike, values_b: ArrayLike) -> TestResult:
    """Paired t-test on matched values (e.g. the accuracy of each run of two models).

    Equals ``scipy.stats.ttest_rel``. Zero spread of the differences gives t = +-inf, p = 0
    when the mean difference is non-zero and NaN when it is zero (as scipy does).
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    n = int(a.size)
    if n < 2:
        return TestResult(math.nan, math.nan, math.nan, n, "fewer than two pairs")
    differences = a - b
    mean = float(np.mean(differences))
    sd = float(np.std(differences, ddof=1))
    df = float(n - 1)
    if sd == 0.0:
        if mean == 0.0:
            return TestResult(math.nan, math.nan, df, n, "all differences are zero")
        return TestResult(
            math.copysign(math.inf, mean), 0.0, df, n, "all differences are equal and non-zero"
        )
    statistic = mean / (sd / math.sqrt(n))
    p_value = float(2.0 * scipy_stats.t.sf(abs(statistic), df))
    return TestResult(statistic, p_value, df, n)


def welch_t_test(values_a: ArrayLike, values_b: ArrayLike) -> TestResult:
    """Welch's unequal-variance t-test; equals ``scipy.stats.ttest_ind(equal_var=False)``.

    Zero spread in both groups gives t = +-inf, p = 0 for different means (df NaN) and NaN
    for equal means.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    n = int(a.size + b.size)
    if a.size < 2 or b.size < 2:
        return TestResult(math.nan, math.nan, math.nan, n, "each group needs at least two values")
    var_a = float(np.var(a, ddof=1)) / a.size
    var_b = float(np.var(b, ddof=1)) / b.size
    difference = float(np.mean(a)) - float(np.mean(b))
    pooled = var_a + var_b
    if pooled == 0.0:
        if difference == 0.0:
            return TestResult(math.nan, math.nan, math.nan, n, "both groups are constant and equal")
        return TestResult(
            math.copysign(math.inf, difference),
            0.0,
            math.nan,
            n,
            "both groups are constant and different",
        )
    statistic = difference / math.sqrt(pooled)
    df = pooled**2 / (var_a**2 / (a.size - 1) + var_b**2 / (b.size - 1))
    p_value = float(2.0 * scipy_stats.t.sf(abs(statistic), df))
    return TestResult(statistic, p_value, df, n)


# --------------------------------------------------------------------------------------------
# Effect sizes


def cohens_d(values_a: ArrayLike, values_b: ArrayLike) -> float:
    """Cohen's d: difference of means over the pooled standard deviation (ddof=1 per group).

    NaN when a group has fewer than two values or the pooled spread is zero.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.size < 2 or b.size < 2:
        return math.nan
    pooled_variance = (
        (a.size - 1) * float(np.var(a, ddof=1)) + (b.size - 1) * float(np.var(b, ddof=1))
    ) / (a.size + b.size - 2)
    if pooled_variance == 0.0:
        return math.nan
    return (float(np.mean(a)) - float(np.mean(b))) / math.sqrt(pooled_variance)


def cohens_h(proportion_a: float, proportion_b: float) -> float:
    """Cohen's h for two proportions: ``2 asin(sqrt(p_a)) - 2 asin(sqrt(p_b))``."""
    for name, value in (("proportion_a", proportion_a), ("proportion_b", proportion_b)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be within [0, 1], got {value}")
    return 2.0 * math.asin(math.sqrt(proportion_a)) - 2.0 * math.asin(math.sqrt(proportion_b))


# --------------------------------------------------------------------------------------------
# Multiple comparisons


def _finite_positions(p_values: Sequence[float]) -> list[int]:
    positions = [i for i, p in enumerate(p_values) if not math.isnan(p)]
    for i in positions:
        if not 0.0 <= p_values[i] <= 1.0:
            raise ValueError(f"p-values must be within [0, 1], got {p_values[i]}")
    return positions


def bonferroni_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Bonferroni-adjusted p-values ``min(1, m p)``; NaN entries stay NaN and do not count."""
    positions = _finite_positions(p_values)
    m = len(positions)
    adjusted = [math.nan] * len(p_values)
    for i in positions:
        adjusted[i] = min(1.0, m * p_values[i])
    return tuple(adjusted)


def holm_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm step-down adjusted p-values (monotone, capped at 1), in the input order.

    The i-th smallest of m p-values becomes ``max_{j <= i} min(1, (m - j + 1) p_(j))``. NaN
    entries stay NaN and are not part of the family.
    """
    positions = _finite_positions(p_values)
    m = len(positions)
    order = sorted(positions, key=lambda i: (p_values[i], i))
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return tuple(adjusted)


# --------------------------------------------------------------------------------------------
# Power


def _discordance(base_rate: float, gap: float) -> float:
    """Expected share of discordant pairs when two models err independently.

    The models' accuracies are ``base_rate -+ gap/2``; ``psi = p1 (1 - p2) + p2 (1 - p1)``
    simplifies to ``2 p (1 - p) + gap^2 / 2``.
    """
    return 2.0 * base_rate * (1.0 - base_rate) + gap * gap / 2.0


def _examples_for_gap(gap: float, base_rate: float, alpha: float, power: float) -> float:
    psi = _discordance(base_rate, gap)
    spread = max(0.0, psi - gap * gap)
    numerator = _z(1 - alpha / 2) * math.sqrt(psi) + _z(power) * math.sqrt(spread)
    return numerator * numerator / (gap * gap)


def _check_power_inputs(base_rate: float, alpha: float, power: float) -> None:
    if not 0.0 <= base_rate <= 1.0:
        raise ValueError(f"base_rate must be within [0, 1], got {base_rate}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"power must be within (0, 1), got {power}")


def examples_needed(
    gap: float, base_rate: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Examples needed to detect an accuracy ``gap`` between two models with a paired test.

    McNemar sample size (Connor 1987): ``n = (z_{1-alpha/2} sqrt(psi) + z_power
    sqrt(psi - gap^2))^2 / gap^2`` where ``psi`` is the share of discordant examples. Two
    models at accuracies ``base_rate -+ gap/2`` that err independently of each other have
    ``psi = 2 p (1 - p) + gap^2 / 2``. Real models tend to fail on the same hard examples,
    which lowers ``psi``, so this is a conservative (upper) estimate.
    """
    _check_power_inputs(base_rate, alpha, power)
    largest = 2.0 * min(base_rate, 1.0 - base_rate)
    if not 0.0 < gap <= largest:
        raise ValueError(
            f"gap must be within (0, {largest}] so both accuracies base_rate -+ gap/2 lie in "
            f"[0, 1], got {gap}"
        )
    return math.ceil(_examples_for_gap(gap, base_rate, alpha, power) - 1e-9)


def minimum_detectable_difference(
    n_examples: int, base_rate: float, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest accuracy gap a paired test on ``n_examples`` detects with the given power.

    Inverse of `examples_needed` (same McNemar approximation and independence assumption,
    ``base_rate`` is the mean accuracy of the two models). NaN when no gap is detectable:
    ``base_rate`` is 0 or 1, or the corpus is too small even for the largest possible gap.
    """
    _check_power_inputs(base_rate, alpha, power)
    if n_examples < 1:
        return math.nan
    largest = 2.0 * min(base_rate, 1.0 - base_rate)
    if largest == 0.0 or _examples_for_gap(largest, base_rate, alpha, power) > n_examples:
        return math.nan
    smallest = largest * 1e-12
    if _examples_for_gap(smallest, base_rate, alpha, power) <= n_examples:
        return smallest

    def excess(gap: float) -> float:
        return _examples_for_gap(gap, base_rate, alpha, power) - n_examples

    return float(optimize.brentq(excess, smallest, largest, xtol=1e-14, rtol=1e-12))
