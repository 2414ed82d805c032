"""Statistics for pass rates: intervals, paired tests and effect sizes (power: `analysis.power`).

The arithmetic is scipy.stats' and statsmodels': this module holds thin wrappers that choose
the method, name it, and handle the degenerate inputs a pass-rate evaluation produces (0%,
100%, identical runs, no discordant pair) so that no interval collapses to zero width and no
power figure is NaN.

Units
-----
* The unit of sampling is the **example**: a corpus is one draw of examples from the programs
  one could have written, and that is the uncertainty a reader of "pass@1 = 62%" cares about.
  The headline interval (`example_interval`) and every paired comparison work per example.
* Runs of one example are repeated measurements of that example, not new examples. The
  Student-t over run accuracies (`t_confidence_interval`) describes run-to-run variability only.

Conventions
-----------
* Intervals are two-sided, ``confidence=0.95`` by default.
* Bootstraps are seeded: the same values and seed give the same interval, bit for bit.
* Degenerate inputs never raise: results carry ``degenerate=True`` and a ``note`` saying why.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic_core import to_jsonable_python
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

FloatArray = NDArray[np.float64]
Seed = int | Sequence[int] | np.random.SeedSequence | np.random.Generator


class JsonReady:
    """`to_dict()` for the analysis dataclasses: nested JSON values through pydantic.

    Floats keep their full precision (rebuilding a report from the same samples gives the same
    bytes); NaN and infinities become None because JSON has no spelling for them.
    """

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = to_jsonable_python(self, inf_nan_mode="null")
        return result


#: Resampled values held in memory at once by one bootstrap batch (bounds memory use:
#: 10,000 resamples of 10,000 examples would otherwise need 800 MB of indices).
_BATCH_ELEMENTS = 2_000_000

#: Method names, as they appear in reports and JSON.
EXACT = "clopper-pearson"
WILSON = "wilson"
BCA = "cluster-bootstrap-bca"
STUDENT_T = "student-t over runs"


def _as_float_array(values: ArrayLike, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _generator(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class ConfidenceInterval(JsonReady):
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


@dataclass(frozen=True)
class TestResult(JsonReady):
    """A test statistic, its two-sided p-value and degrees of freedom (NaN when undefined)."""

    __test__ = False  # not a pytest test class, despite the name

    statistic: float
    p_value: float
    df: float
    n: int
    note: str = ""


@dataclass(frozen=True)
class McNemarResult(JsonReady):
    """McNemar's test on paired binary outcomes (one pair per example).

    ``b``: examples where the first model passed and the second failed; ``c``: the reverse.
    ``p_value`` is the exact two-sided binomial p (conservative: its size is below alpha);
    ``mid_p_value`` subtracts the probability of the observed count once (Fagerland, Lydersen
    & Laake 2013), whose size is close to the nominal alpha.
    """

    b: int
    c: int
    p_value: float
    mid_p_value: float

    @property
    def discordant(self) -> int:
        return self.b + self.c


# --------------------------------------------------------------------------------------------
# Intervals


def t_confidence_interval(values: ArrayLike, confidence: float = 0.95) -> ConfidenceInterval:
    """Student-t interval for the mean of ``values`` (``scipy.stats.t.interval``).

    Used for the accuracy of each run: it measures run-to-run variability only, not the
    sampling of examples. NaN bounds with fewer than two values; zero width (and
    ``degenerate``) when every value is equal.
    """
    array = _as_float_array(values, "values")
    n = array.size
    if n == 0:
        return ConfidenceInterval(
            math.nan, math.nan, math.nan, confidence, STUDENT_T, True, "no values"
        )
    mean = float(np.mean(array))
    if n < 2:
        return ConfidenceInterval(
            mean, math.nan, math.nan, confidence, STUDENT_T, True,
            "one value: a t-interval needs at least two runs",
        )
    sem = float(scipy_stats.sem(array))
    if sem == 0.0:
        return ConfidenceInterval(
            mean, mean, mean, confidence, STUDENT_T, True,
            "all values are equal: zero spread, the t-interval has zero width",
        )
    low, high = scipy_stats.t.interval(confidence, n - 1, loc=mean, scale=sem)
    return ConfidenceInterval(mean, float(low), float(high), confidence, STUDENT_T)


def proportion_interval(
    successes: float, n: int, confidence: float = 0.95, *, method: str = EXACT
) -> ConfidenceInterval:
    """Clopper–Pearson (exact) or Wilson interval for ``successes`` out of ``n``.

    ``statsmodels.stats.proportion.proportion_confint`` (method "beta" or "wilson"). Neither
    collapses at 0 or n: 0 of 66 gives [0, 5.4%] (exact). Wilson accepts a fractional count.
    """
    if method not in (EXACT, WILSON):
        raise ValueError(f"method must be {EXACT!r} or {WILSON!r}, got {method!r}")
    if n < 1:
        return ConfidenceInterval(math.nan, math.nan, math.nan, confidence, method, True, "n = 0")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within [0, {n}], got {successes}")
    low, high = proportion_confint(
        successes, n, alpha=1 - confidence, method="beta" if method == EXACT else "wilson"
    )
    return ConfidenceInterval(successes / n, float(low), float(high), confidence, method)


def bootstrap_ci(
    values: ArrayLike,
    *,
    resamples: int = 10_000,
    seed: Seed = 0,
    confidence: float = 0.95,
    method: str = "BCa",
) -> ConfidenceInterval:
    """Bootstrap interval for the mean of independent ``values`` (``scipy.stats.bootstrap``).

    Degenerate (NaN bounds, with a note) for fewer than two values or no spread, where the
    bootstrap distribution is a single point.
    """
    array = _as_float_array(values, "values")
    name = "bootstrap-bca" if method == "BCa" else f"bootstrap-{method}"
    estimate = float(np.mean(array)) if array.size else math.nan
    if array.size < 2 or np.all(array == array[0]):
        note = "fewer than two values" if array.size < 2 else "all values are equal"
        return ConfidenceInterval(estimate, math.nan, math.nan, confidence, name, True, note)
    result = scipy_stats.bootstrap(
        (array,),
        np.mean,
        n_resamples=resamples,
        batch=max(1, _BATCH_ELEMENTS // array.size),
        confidence_level=confidence,
        method=method,
        rng=_generator(seed),
    )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return ConfidenceInterval(
            estimate, math.nan, math.nan, confidence, name, True,
            "the bootstrap could not place the interval (estimate outside its distribution)",
        )
    return ConfidenceInterval(estimate, low, high, confidence, name)


def effective_size_interval(
    example_rates: ArrayLike, *, samples: int | None = None, confidence: float = 0.95
) -> ConfidenceInterval:
    """Clopper–Pearson at the effective sample size (Korn & Graubard 1998).

    For a pass rate pooled over clustered samples: ``n_eff = p (1 - p) / var(p)`` with the
    variance over examples (``s^2 / n``), shrunk by ``(z / t_{n-1})^2`` for the few examples a
    corpus has, and capped at the number of ``samples``; the exact interval of
    ``p n_eff`` passes out of ``n_eff``. It keeps its coverage near 0% and 100%, where
    resampling a handful of passing examples cannot.
    """
    rates = _as_float_array(example_rates, "example_rates")
    n = int(rates.size)
    estimate = float(np.mean(rates)) if n else math.nan
    variance = float(np.var(rates, ddof=1)) / n if n > 1 else 0.0
    if n < 2 or variance == 0.0 or not 0.0 < estimate < 1.0:
        return ConfidenceInterval(
            estimate, math.nan, math.nan, confidence, "korn-graubard", True,
            "needs two examples, some spread and a rate strictly between 0 and 1",
        )
    alpha = 1 - confidence
    shrink = (scipy_stats.norm.isf(alpha / 2) / scipy_stats.t.isf(alpha / 2, n - 1)) ** 2
    n_eff = estimate * (1 - estimate) / variance * shrink
    if samples is not None:
        n_eff = min(n_eff, float(samples))
    low, high = proportion_confint(estimate * n_eff, n_eff, alpha=alpha, method="beta")
    return ConfidenceInterval(estimate, float(low), float(high), confidence, "korn-graubard")


def example_interval(
    example_rates: ArrayLike,
    *,
    resamples: int = 10_000,
    seed: Seed = 0,
    confidence: float = 0.95,
    samples: int | None = None,
) -> ConfidenceInterval:
    """The headline interval of pass@1: uncertainty over the sampling of examples.

    ``example_rates`` holds each example's pass rate over its runs.

    * Every rate 0 or 1 (one run, or runs identical per example, e.g. temperature 0): the
      examples are Bernoulli trials and the interval is Clopper–Pearson over examples. This
      also covers 0% and 100%, where a bootstrap would collapse to a point.
    * Otherwise: cluster bootstrap over examples (resample examples, keep each example's runs
      together), BCa (``scipy.stats.bootstrap``), widened where needed to the exact interval
      at the effective sample size (`effective_size_interval`; ``samples`` is the number of
      samples pooled). With few passing (or failing) examples the bootstrap distribution is
      lumpy and BCa undercovers (about 91% at a true 2% on 66 examples x 5 runs); the envelope
      keeps the coverage at 95% there and changes little elsewhere.
    * If the rates are all equal but fractional (every example passed 2 of 5 runs), or BCa is
      undefined, Wilson over examples with the fractional count.

    The interval never has zero width for n >= 1.
    """
    rates = _as_float_array(example_rates, "example_rates")
    n = int(rates.size)
    if n == 0:
        return ConfidenceInterval(
            math.nan, math.nan, math.nan, confidence, EXACT, True, "no examples"
        )
    if np.any((rates < 0) | (rates > 1)):
        raise ValueError("example pass rates must lie within [0, 1]")
    estimate = float(np.mean(rates))
    if np.all((rates == 0) | (rates == 1)):
        exact = proportion_interval(int(np.sum(rates)), n, confidence, method=EXACT)
        note = (
            "every example scored the same in every run: exact interval over examples"
            if 0 < estimate < 1 else
            f"{estimate:.0%} of examples pass: exact interval over examples (a bootstrap "
            "would collapse to a point)"
        )
        return ConfidenceInterval(estimate, exact.low, exact.high, confidence, EXACT, False, note)
    bootstrap = bootstrap_ci(rates, resamples=resamples, seed=seed, confidence=confidence)
    if bootstrap.degenerate:
        wilson = proportion_interval(float(np.sum(rates)), n, confidence, method=WILSON)
        return ConfidenceInterval(
            estimate, wilson.low, wilson.high, confidence, WILSON, False,
            f"bootstrap undefined ({bootstrap.note}): Wilson interval over examples",
        )
    exact = effective_size_interval(rates, samples=samples, confidence=confidence)
    if exact.degenerate or (exact.low >= bootstrap.low and exact.high <= bootstrap.high):
        return ConfidenceInterval(estimate, bootstrap.low, bootstrap.high, confidence, BCA)
    return ConfidenceInterval(
        estimate,
        min(bootstrap.low, exact.low),
        max(bootstrap.high, exact.high),
        confidence,
        BCA,
        False,
        "BCa widened to the exact interval at the effective sample size (Korn–Graubard)",
    )


def paired_bootstrap_difference_ci(
    values_a: ArrayLike,
    values_b: ArrayLike,
    *,
    resamples: int = 10_000,
    seed: Seed = 0,
    confidence: float = 0.95,
) -> ConfidenceInterval:
    """Interval for mean(a) - mean(b) over paired examples.

    Paired bootstrap of the per-example differences (resampling examples keeps the pairing),
    BCa via ``scipy.stats.bootstrap``. When every difference is equal (e.g. all 66 examples
    favour A) the bootstrap is a point; then, for 0/1 outcomes, the exact interval
    conditional on the discordant count d = b + c: the difference is ``d/n (2 pi - 1)`` with
    pi = b / d given a Clopper–Pearson interval, and with no discordant example the
    difference lies within +- the exact upper bound of the discordance rate (0 of n).
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    n = int(a.size)
    if n == 0:
        return ConfidenceInterval(
            math.nan, math.nan, math.nan, confidence, "paired-bootstrap", True, "no pairs"
        )
    differences = a - b
    estimate = float(np.mean(differences))
    bootstrap = bootstrap_ci(differences, resamples=resamples, seed=seed, confidence=confidence)
    if not bootstrap.degenerate:
        return ConfidenceInterval(
            estimate, bootstrap.low, bootstrap.high, confidence, "paired-bootstrap-bca"
        )
    binary = np.all(np.isin(a, (0.0, 1.0)) & np.isin(b, (0.0, 1.0)))
    if not binary:
        return ConfidenceInterval(
            estimate, math.nan, math.nan, confidence, "paired-bootstrap-bca", True,
            f"paired bootstrap undefined: {bootstrap.note}",
        )
    favour_a = int(np.count_nonzero(differences > 0))
    discordant = favour_a + int(np.count_nonzero(differences < 0))
    if discordant == 0:
        bound = proportion_interval(0, n, confidence).high
        low, high = -bound, bound
        note = "no discordant example: exact bound on the discordance rate"
    else:
        share = proportion_interval(favour_a, discordant, confidence)
        scale = discordant / n
        low, high = scale * (2 * share.low - 1), scale * (2 * share.high - 1)
        note = "every example differs the same way: exact interval given the discordant count"
    return ConfidenceInterval(estimate, low, high, confidence, "exact-conditional", False, note)


def clustered_standard_error(values: ArrayLike, clusters: Sequence[Hashable]) -> float:
    """Cluster-robust standard error of the mean of ``values``, clustered by ``clusters``.

    ``SE^2 = G/(G-1) * sum_g (sum_{i in g} (y_i - ybar))^2 / N^2`` (the CR1 sandwich estimator
    for a mean). With one observation per cluster it equals the usual ``s / sqrt(N)``. NaN
    with fewer than two clusters.
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
    """Unbiased pass@k for one example with ``n`` distinct samples of which ``c`` passed.

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
    """Exact two-sided McNemar test (``scipy.stats.binomtest`` on the b + c discordant
    examples) and its mid-p ``p - P(X = min(b, c))``. Both are 1 with no discordant example.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    discordant = b + c
    if discordant == 0:
        return McNemarResult(b, c, 1.0, 1.0)
    smaller = min(b, c)
    exact = float(scipy_stats.binomtest(smaller, discordant, 0.5).pvalue)
    point = float(scipy_stats.binom.pmf(smaller, discordant, 0.5))
    mid = min(1.0, 2.0 * float(scipy_stats.binom.cdf(smaller, discordant, 0.5)) - point)
    return McNemarResult(b, c, exact, mid)


def paired_t_test(values_a: ArrayLike, values_b: ArrayLike) -> TestResult:
    """Paired t-test (``scipy.stats.ttest_rel``) on matched values, e.g. per-example scores.

    Zero spread of the differences: t = +-inf, p = 0 when the mean difference is non-zero and
    NaN when it is zero, with a note.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    n = int(a.size)
    if n < 2:
        return TestResult(math.nan, math.nan, math.nan, n, "fewer than two pairs")
    differences = a - b
    df = float(n - 1)
    if np.all(differences == differences[0]):
        mean = float(differences[0])
        if mean == 0.0:
            return TestResult(math.nan, math.nan, df, n, "all differences are zero")
        return TestResult(
            math.copysign(math.inf, mean), 0.0, df, n, "all differences are equal and non-zero"
        )
    result = scipy_stats.ttest_rel(a, b)
    return TestResult(float(result.statistic), float(result.pvalue), df, n)


def welch_t_test(values_a: ArrayLike, values_b: ArrayLike) -> TestResult:
    """Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``) for *independent* samples.

    Not for paired data (two models on the same examples): use `paired_t_test` or McNemar.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    n = int(a.size + b.size)
    if a.size < 2 or b.size < 2:
        return TestResult(math.nan, math.nan, math.nan, n, "each group needs at least two values")
    if np.all(a == a[0]) and np.all(b == b[0]):
        difference = float(a[0] - b[0])
        if difference == 0.0:
            return TestResult(math.nan, math.nan, math.nan, n, "both groups are constant and equal")
        return TestResult(
            math.copysign(math.inf, difference), 0.0, math.nan, n,
            "both groups are constant and different",
        )
    result = scipy_stats.ttest_ind(a, b, equal_var=False)
    return TestResult(float(result.statistic), float(result.pvalue), float(result.df), n)


# --------------------------------------------------------------------------------------------
# Effect sizes


def cohens_h(proportion_a: float, proportion_b: float) -> float:
    """Cohen's h ``2 asin(sqrt(p_a)) - 2 asin(sqrt(p_b))`` (statsmodels' proportion_effectsize)."""
    for name, value in (("proportion_a", proportion_a), ("proportion_b", proportion_b)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be within [0, 1], got {value}")
    return float(proportion_effectsize(proportion_a, proportion_b))


def cohens_dz(values_a: ArrayLike, values_b: ArrayLike) -> float:
    """Cohen's d_z for paired scores: mean of the differences over their SD (ddof=1).

    The effect size of the paired t-test (d_z = t / sqrt(n)). NaN with fewer than two pairs or
    when every difference is equal.
    """
    a = _as_float_array(values_a, "values_a")
    b = _as_float_array(values_b, "values_b")
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    differences = a - b
    if differences.size < 2 or np.all(differences == differences[0]):
        return math.nan
    return float(np.mean(differences) / np.std(differences, ddof=1))


# --------------------------------------------------------------------------------------------
# Multiple comparisons


def _adjust(p_values: Sequence[float], method: str) -> tuple[float, ...]:
    positions = [i for i, p in enumerate(p_values) if not math.isnan(p)]
    for i in positions:
        if not 0.0 <= p_values[i] <= 1.0:
            raise ValueError(f"p-values must be within [0, 1], got {p_values[i]}")
    adjusted = [math.nan] * len(p_values)
    if positions:
        corrected = multipletests([p_values[i] for i in positions], method=method)[1]
        for i, value in zip(positions, corrected, strict=True):
            adjusted[i] = float(value)
    return tuple(adjusted)


def bonferroni_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Bonferroni-adjusted p-values (statsmodels' multipletests); NaN entries stay NaN and
    are not part of the family."""
    return _adjust(p_values, "bonferroni")


def holm_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm step-down adjusted p-values (statsmodels' multipletests), in the input order.

    NaN entries stay NaN and are not part of the family.
    """
    return _adjust(p_values, "holm")
