"""Statistics checked against scipy.stats, textbook examples and seeded simulations."""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pytest
from scipy import stats as scipy_stats

from single_shot_eval.analysis import stats

TOLERANCE = 1e-9


def discrete_pass_rates(seed: int, n: int, runs: int = 3) -> np.ndarray:
    """Per-example pass rates like an evaluation produces: k / runs with k ~ Binomial."""
    rng = np.random.default_rng(seed)
    return rng.binomial(runs, rng.beta(2, 1, size=n)) / runs


# --- t interval -------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[0.7, 0.72, 0.69, 0.75, 0.71], [0.1, 0.9], [0.5, 0.6, 0.55]])
def test_t_interval_matches_scipy(values: list[float]) -> None:
    interval = stats.t_confidence_interval(values)
    low, high = scipy_stats.t.interval(
        0.95, len(values) - 1, loc=np.mean(values), scale=scipy_stats.sem(values)
    )
    assert interval.low == pytest.approx(low, abs=TOLERANCE)
    assert interval.high == pytest.approx(high, abs=TOLERANCE)
    assert not interval.degenerate


def test_t_interval_is_degenerate_for_one_value_or_no_spread() -> None:
    single = stats.t_confidence_interval([0.8])
    assert single.degenerate and math.isnan(single.low) and single.estimate == 0.8
    flat = stats.t_confidence_interval([0.6, 0.6, 0.6])
    assert flat.degenerate and flat.low == flat.high == 0.6
    assert "zero" in flat.note


# --- bootstrap --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["percentile", "BCa"])
@pytest.mark.parametrize(("n", "resamples"), [(80, 2000), (3000, 1500)])
def test_bootstrap_matches_scipy_with_same_generator(method: str, n: int, resamples: int) -> None:
    # n=3000 x 1500 resamples exceeds one block of indices, so this also checks that drawing
    # indices block by block yields scipy's single-draw stream.
    values = discrete_pass_rates(1, n)
    ours = stats.bootstrap_ci(values, resamples=resamples, seed=7)
    theirs = scipy_stats.bootstrap(
        (values,), np.mean, n_resamples=resamples, rng=np.random.default_rng(7), method=method
    )
    interval = ours.percentile if method == "percentile" else ours.bca
    assert interval.low == pytest.approx(theirs.confidence_interval.low, abs=TOLERANCE)
    assert interval.high == pytest.approx(theirs.confidence_interval.high, abs=TOLERANCE)
    assert ours.standard_error == pytest.approx(theirs.standard_error, abs=TOLERANCE)


def test_bca_from_scipy_distribution_matches_scipy() -> None:
    values = np.random.default_rng(3).exponential(size=60)  # skewed: BCa differs from percentile
    result = scipy_stats.bootstrap(
        (values,), np.mean, n_resamples=3000, rng=np.random.default_rng(11), method="BCa"
    )
    interval, bias, acceleration = stats.bca_interval(values, result.bootstrap_distribution)
    assert interval.low == pytest.approx(result.confidence_interval.low, abs=TOLERANCE)
    assert interval.high == pytest.approx(result.confidence_interval.high, abs=TOLERANCE)
    assert acceleration > 0  # right-skewed data has positive acceleration
    assert math.isfinite(bias)
    percentile = stats.percentile_interval(float(np.mean(values)), result.bootstrap_distribution)
    assert interval.low > percentile.low  # BCa shifts right for right-skewed data


def test_bootstrap_is_seeded_and_handles_constant_values() -> None:
    values = discrete_pass_rates(5, 40)
    first = stats.bootstrap_ci(values, resamples=500, seed=1)
    assert first == stats.bootstrap_ci(values, resamples=500, seed=1)
    assert first != stats.bootstrap_ci(values, resamples=500, seed=2)
    constant = stats.bootstrap_ci([1.0] * 30, resamples=200, seed=0)
    assert constant.bca.degenerate and constant.percentile.degenerate
    assert constant.bca.low == constant.bca.high == 1.0


def test_paired_bootstrap_difference_matches_scipy_paired() -> None:
    a = discrete_pass_rates(8, 90)
    b = discrete_pass_rates(9, 90)

    def difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        result: np.ndarray = np.mean(x, axis=axis) - np.mean(y, axis=axis)
        return result

    theirs = scipy_stats.bootstrap(
        (a, b),
        difference,
        paired=True,
        n_resamples=2000,
        rng=np.random.default_rng(4),
        method="percentile",
    )
    ours = stats.paired_bootstrap_difference_ci(a, b, resamples=2000, seed=4)
    assert ours.estimate == pytest.approx(np.mean(a) - np.mean(b), abs=TOLERANCE)
    assert ours.low == pytest.approx(theirs.confidence_interval.low, abs=TOLERANCE)
    assert ours.high == pytest.approx(theirs.confidence_interval.high, abs=TOLERANCE)


# --- clustered standard error -------------------------------------------------------------------


def test_clustered_standard_error_textbook_example() -> None:
    # mean 0.5; cluster residual sums 0, +1, -1; SE^2 = 3/2 * 2 / 6^2 = 1/12.
    values = [1, 0, 1, 1, 0, 0]
    clusters = ["a", "a", "b", "b", "c", "c"]
    assert stats.clustered_standard_error(values, clusters) == pytest.approx(
        math.sqrt(1 / 12), abs=TOLERANCE
    )


def test_clustered_standard_error_with_singleton_clusters_is_the_plain_sem() -> None:
    values = discrete_pass_rates(2, 50)
    assert stats.clustered_standard_error(values, list(range(50))) == pytest.approx(
        scipy_stats.sem(values), abs=TOLERANCE
    )
    assert math.isnan(stats.clustered_standard_error([1.0, 0.0], ["x", "x"]))


# --- pass@k -----------------------------------------------------------------------------------


def test_pass_at_k_equals_the_combinatorial_formula() -> None:
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                expected = 1 - comb(n - c, k) / comb(n, k)
                assert stats.pass_at_k(n, c, k) == pytest.approx(expected, abs=TOLERANCE)
    assert stats.pass_at_k(10, 3, 1) == pytest.approx(0.3, abs=TOLERANCE)


def test_pass_at_k_rejects_k_above_n() -> None:
    with pytest.raises(ValueError, match="k <= n"):
        stats.pass_at_k(4, 1, 5)


# --- tests ------------------------------------------------------------------------------------


def test_mcnemar_exact_equals_binomial_test() -> None:
    for b in range(0, 25):
        for c in range(0, 25):
            result = stats.mcnemar_exact(b, c)
            if b + c == 0:
                assert result.p_value == 1.0 and result.mid_p_value == 1.0
                continue
            expected = scipy_stats.binomtest(min(b, c), b + c, 0.5).pvalue
            assert result.p_value == pytest.approx(expected, abs=TOLERANCE)
            m, n = min(b, c), b + c
            mid = 2 * (
                scipy_stats.binom.cdf(m - 1, n, 0.5) + 0.5 * scipy_stats.binom.pmf(m, n, 0.5)
            )
            assert result.mid_p_value == pytest.approx(min(1.0, mid), abs=TOLERANCE)
            assert result.mid_p_value <= result.p_value


def test_mcnemar_hand_computed() -> None:
    # b=1, c=5: P(X <= 1) for Binomial(6, 1/2) = 7/64, exact p = 14/64; mid-p = 14/64 - 6/64.
    result = stats.mcnemar_exact(1, 5)
    assert result.p_value == pytest.approx(14 / 64, abs=TOLERANCE)
    assert result.mid_p_value == pytest.approx(8 / 64, abs=TOLERANCE)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paired_and_welch_t_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(0.7, 0.05, size=7)
    b = a - rng.normal(0.02, 0.03, size=7)
    paired = stats.paired_t_test(a, b)
    expected = scipy_stats.ttest_rel(a, b)
    assert paired.statistic == pytest.approx(expected.statistic, abs=TOLERANCE)
    assert paired.p_value == pytest.approx(expected.pvalue, abs=TOLERANCE)
    assert paired.df == 6
    c = rng.normal(0.6, 0.1, size=4)
    welch = stats.welch_t_test(a, c)
    expected_welch = scipy_stats.ttest_ind(a, c, equal_var=False)
    assert welch.statistic == pytest.approx(expected_welch.statistic, abs=TOLERANCE)
    assert welch.p_value == pytest.approx(expected_welch.pvalue, abs=TOLERANCE)
    assert welch.df == pytest.approx(expected_welch.df, abs=TOLERANCE)


def test_t_tests_on_constant_differences_follow_scipy() -> None:
    shifted = stats.paired_t_test([0.8, 0.8, 0.8], [0.7, 0.7, 0.7])
    assert shifted.statistic == math.inf and shifted.p_value == 0.0 and shifted.note
    same = stats.paired_t_test([0.8, 0.8], [0.8, 0.8])
    assert math.isnan(same.p_value)
    assert math.isnan(stats.welch_t_test([0.5], [0.4, 0.3]).p_value)


# --- effect sizes -----------------------------------------------------------------------------


def test_cohens_d_textbook_example() -> None:
    # Means 2.5 and 3.5, both variances 5/3, pooled SD sqrt(5/3): d = -1 / sqrt(5/3).
    assert stats.cohens_d([1, 2, 3, 4], [2, 3, 4, 5]) == pytest.approx(
        -1 / math.sqrt(5 / 3), abs=TOLERANCE
    )
    assert math.isnan(stats.cohens_d([1, 1], [1, 1]))


def test_cohens_h_textbook_example() -> None:
    # 2 asin(sqrt(1/2)) - 2 asin(sqrt(1/4)) = pi/2 - pi/3 = pi/6.
    assert stats.cohens_h(0.5, 0.25) == pytest.approx(math.pi / 6, abs=TOLERANCE)
    assert stats.cohens_h(0.3, 0.3) == 0.0


# --- multiple comparisons -----------------------------------------------------------------------


def test_holm_and_bonferroni_hand_computed() -> None:
    p_values = [0.01, 0.04, 0.03, 0.005]
    # Sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06.
    assert stats.holm_adjust(p_values) == pytest.approx((0.03, 0.06, 0.06, 0.02), abs=TOLERANCE)
    assert stats.bonferroni_adjust(p_values) == pytest.approx(
        (0.04, 0.16, 0.12, 0.02), abs=TOLERANCE
    )
    adjusted = stats.holm_adjust([0.5, math.nan, 0.02])
    assert math.isnan(adjusted[1])
    assert adjusted[0] == pytest.approx(0.5) and adjusted[2] == pytest.approx(0.04)
    assert stats.bonferroni_adjust([0.6, 0.7]) == (1.0, 1.0)


# --- power ------------------------------------------------------------------------------------


def test_examples_needed_matches_connor_formula_by_hand() -> None:
    # gap 0.1 around 0.5: psi = 2 * 0.25 + 0.01 / 2 = 0.505, psi - gap^2 = 0.495.
    z_alpha, z_power = 1.959963984540054, 0.8416212335729143
    expected = (z_alpha * math.sqrt(0.505) + z_power * math.sqrt(0.495)) ** 2 / 0.01
    assert stats.examples_needed(0.1, 0.5) == math.ceil(expected)
    assert stats.examples_needed(0.05, 0.5) > stats.examples_needed(0.1, 0.5)


def test_minimum_detectable_difference_inverts_examples_needed() -> None:
    for base_rate in (0.3, 0.5, 0.8):
        for n in (50, 200, 1000):
            gap = stats.minimum_detectable_difference(n, base_rate)
            assert stats.examples_needed(gap, base_rate) == n
    assert stats.minimum_detectable_difference(400, 0.5) < stats.minimum_detectable_difference(
        100, 0.5
    )
    assert math.isnan(stats.minimum_detectable_difference(100, 0.0))
    assert math.isnan(stats.minimum_detectable_difference(2, 0.5))


def test_power_of_mid_p_mcnemar_at_examples_needed_is_about_80_percent() -> None:
    rng = np.random.default_rng(99)
    n = stats.examples_needed(0.1, 0.5)  # models at 0.45 and 0.55, errors independent
    simulations = 2000
    a = rng.random((simulations, n)) < 0.45
    b = rng.random((simulations, n)) < 0.55
    discordant_b = np.count_nonzero(a & ~b, axis=1)
    discordant_c = np.count_nonzero(b & ~a, axis=1)
    rejected = [
        stats.mcnemar_exact(int(x), int(y)).mid_p_value < 0.05
        for x, y in zip(discordant_b, discordant_c, strict=True)
    ]
    assert 0.76 <= float(np.mean(rejected)) <= 0.84


# --- coverage and size ------------------------------------------------------------------------


def test_t_interval_over_runs_covers_the_true_rate_95_percent() -> None:
    rng = np.random.default_rng(2024)
    examples, runs, simulations = 50, 5, 4000
    difficulty = rng.beta(2, 1.5, size=examples)  # a fixed corpus; runs are the random part
    truth = float(difficulty.mean())
    run_accuracies = (rng.random((simulations, runs, examples)) < difficulty).mean(axis=2)
    covered = [stats.t_confidence_interval(row).contains(truth) for row in run_accuracies]
    assert 0.935 <= float(np.mean(covered)) <= 0.965


def test_bootstrap_over_examples_covers_the_true_rate_95_percent() -> None:
    # 2,000 simulated evaluations of 100 examples x 3 runs, examples drawn from a population
    # with mean pass rate 2/3. Each uses 1,000 resamples instead of 10,000 to keep the test
    # fast; the 2.5% / 97.5% quantiles of 1,000 resamples are accurate enough for coverage.
    rng = np.random.default_rng(7)
    simulations, examples, truth = 2000, 100, 2 / 3
    percentile_hits = bca_hits = 0
    for simulation in range(simulations):
        values = rng.binomial(3, rng.beta(2, 1, size=examples)) / 3
        result = stats.bootstrap_ci(values, resamples=1000, seed=simulation)
        percentile_hits += result.percentile.contains(truth)
        bca_hits += result.bca.contains(truth)
    assert 0.935 <= percentile_hits / simulations <= 0.965
    assert 0.935 <= bca_hits / simulations <= 0.965


def test_mid_p_mcnemar_has_the_nominal_size_on_equal_models() -> None:
    # Two equally good models whose outcomes on each example are independent draws with the
    # example's difficulty. The exact McNemar test is conservative (size well below 0.05),
    # so the mid-p version is the paired test the comparisons use; its size is tested here.
    rng = np.random.default_rng(31)
    simulations, examples = 4000, 100
    difficulty = rng.beta(1.5, 1.5, size=(simulations, examples))
    a = rng.random((simulations, examples)) < difficulty
    b = rng.random((simulations, examples)) < difficulty
    results = [
        stats.mcnemar_exact(int(x), int(y))
        for x, y in zip(
            np.count_nonzero(a & ~b, axis=1), np.count_nonzero(b & ~a, axis=1), strict=True
        )
    ]
    mid_p_size = float(np.mean([r.mid_p_value < 0.05 for r in results]))
    exact_size = float(np.mean([r.p_value < 0.05 for r in results]))
    assert 0.03 <= mid_p_size <= 0.06
    assert exact_size < mid_p_size
    assert exact_size <= 0.05
