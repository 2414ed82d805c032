"""Statistics checked against scipy.stats, textbook examples and seeded simulations."""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pytest
from scipy import stats as scipy_stats

from single_shot_eval.analysis import power, stats

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


# --- intervals over examples -------------------------------------------------------------------


@pytest.mark.parametrize(("successes", "n"), [(0, 66), (66, 66), (1, 20), (13, 40), (299, 300)])
def test_proportion_intervals_match_scipy_binomtest(successes: int, n: int) -> None:
    result = scipy_stats.binomtest(successes, n)
    for method, scipy_method in ((stats.EXACT, "exact"), (stats.WILSON, "wilson")):
        ours = stats.proportion_interval(successes, n, method=method)
        theirs = result.proportion_ci(confidence_level=0.95, method=scipy_method)
        assert ours.low == pytest.approx(theirs.low, abs=TOLERANCE)
        assert ours.high == pytest.approx(theirs.high, abs=TOLERANCE)
        assert ours.width > 0


def test_zero_of_66_has_the_exact_upper_bound_not_a_zero_width_interval() -> None:
    # Clopper-Pearson for 0 of n: upper bound 1 - (alpha/2)^(1/n) = 5.44% for n = 66.
    interval = stats.example_interval([0.0] * 66)
    assert interval.method == stats.EXACT
    assert interval.low == 0.0
    assert interval.high == pytest.approx(1 - 0.025 ** (1 / 66), abs=TOLERANCE)
    assert interval.high == pytest.approx(0.0544, abs=5e-5)
    full = stats.example_interval([1.0] * 66)
    assert full.high == 1.0 and full.low == pytest.approx(0.025 ** (1 / 66), abs=TOLERANCE)


def test_identical_runs_give_clopper_pearson_over_examples() -> None:
    rates = [1.0] * 13 + [0.0] * 27
    interval = stats.example_interval(rates)
    theirs = scipy_stats.binomtest(13, 40).proportion_ci(method="exact")
    assert (interval.low, interval.high) == pytest.approx((theirs.low, theirs.high), abs=TOLERANCE)
    assert interval.estimate == pytest.approx(13 / 40)


@pytest.mark.parametrize(("n", "resamples"), [(80, 2000), (3000, 1500)])
def test_varying_runs_give_the_cluster_bootstrap_bca_of_scipy(n: int, resamples: int) -> None:
    # n=3000 x 1500 resamples exceeds one batch, so this also checks batching.
    values = discrete_pass_rates(1, n)
    ours = stats.bootstrap_ci(values, resamples=resamples, seed=7)
    theirs = scipy_stats.bootstrap(
        (values,), np.mean, n_resamples=resamples, rng=np.random.default_rng(7), method="BCa"
    )
    assert ours.low == pytest.approx(theirs.confidence_interval.low, abs=TOLERANCE)
    assert ours.high == pytest.approx(theirs.confidence_interval.high, abs=TOLERANCE)
    # The headline interval contains the BCa one (it may only widen it).
    headline = stats.example_interval(values, resamples=resamples, seed=7)
    assert headline.method == stats.BCA
    assert headline.low <= ours.low and headline.high >= ours.high


def test_equal_fractional_rates_fall_back_to_wilson_and_keep_a_width() -> None:
    interval = stats.example_interval([0.4] * 30)  # every example passed 2 of 5 runs
    theirs = scipy_stats.binomtest(12, 30).proportion_ci(method="wilson")
    assert interval.method == stats.WILSON
    assert (interval.low, interval.high) == pytest.approx((theirs.low, theirs.high), abs=TOLERANCE)


def test_bootstrap_is_seeded_and_degenerate_on_constant_values() -> None:
    values = discrete_pass_rates(5, 40)
    first = stats.bootstrap_ci(values, resamples=500, seed=1)
    assert first == stats.bootstrap_ci(values, resamples=500, seed=1)
    assert first != stats.bootstrap_ci(values, resamples=500, seed=2)
    constant = stats.bootstrap_ci([1.0] * 30, resamples=200, seed=0)
    assert constant.degenerate and math.isnan(constant.low)


def test_paired_bootstrap_difference_matches_scipy_paired() -> None:
    a = discrete_pass_rates(8, 90)
    b = discrete_pass_rates(9, 90)

    def difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        result: np.ndarray = np.mean(x, axis=axis) - np.mean(y, axis=axis)
        return result

    theirs = scipy_stats.bootstrap(
        (a - b,), np.mean, n_resamples=2000, rng=np.random.default_rng(4), method="BCa"
    )
    ours = stats.paired_bootstrap_difference_ci(a, b, resamples=2000, seed=4)
    assert ours.estimate == pytest.approx(np.mean(a) - np.mean(b), abs=TOLERANCE)
    assert ours.low == pytest.approx(theirs.confidence_interval.low, abs=TOLERANCE)
    assert ours.high == pytest.approx(theirs.confidence_interval.high, abs=TOLERANCE)
    paired = scipy_stats.bootstrap(
        (a, b), difference, paired=True, n_resamples=2000, rng=np.random.default_rng(4),
        method="percentile",
    )
    # Resampling pairs is resampling differences: the same percentile interval.
    by_difference = scipy_stats.bootstrap(
        (a - b,), np.mean, n_resamples=2000, rng=np.random.default_rng(4), method="percentile"
    )
    assert paired.confidence_interval.low == pytest.approx(
        by_difference.confidence_interval.low, abs=TOLERANCE
    )


def test_paired_difference_when_every_example_differs_the_same_way_is_exact() -> None:
    # 10 of 10 examples favour A: pi = b/d in [0.025^(1/10), 1], difference = 2 pi - 1.
    one_sided = stats.paired_bootstrap_difference_ci([1.0] * 10, [0.0] * 10)
    assert one_sided.method == "exact-conditional"
    assert one_sided.low == pytest.approx(2 * 0.025 ** (1 / 10) - 1, abs=TOLERANCE)
    assert one_sided.high == pytest.approx(1.0, abs=TOLERANCE)
    # No discordant example: +- the exact upper bound of the discordance rate (0 of 20).
    same = stats.paired_bootstrap_difference_ci([1.0, 0.0] * 10, [1.0, 0.0] * 10)
    bound = 1 - 0.025 ** (1 / 20)
    assert (same.low, same.estimate, same.high) == pytest.approx((-bound, 0.0, bound))


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


def test_cohens_dz_hand_computed_and_equal_to_t_over_root_n() -> None:
    # Differences 1, 0, 1, 1: mean 0.75, SD 0.5 -> d_z = 1.5.
    a, b = [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]
    assert stats.cohens_dz(a, b) == pytest.approx(1.5, abs=TOLERANCE)
    rates_a, rates_b = discrete_pass_rates(3, 30), discrete_pass_rates(4, 30)
    t = scipy_stats.ttest_rel(rates_a, rates_b).statistic
    assert stats.cohens_dz(rates_a, rates_b) == pytest.approx(t / math.sqrt(30), abs=TOLERANCE)
    assert math.isnan(stats.cohens_dz([1, 1], [0, 0]))


def test_cohens_h_textbook_example() -> None:
    # 2 asin(sqrt(1/2)) - 2 asin(sqrt(1/4)) = pi/2 - pi/3 = pi/6.
    assert stats.cohens_h(0.5, 0.25) == pytest.approx(math.pi / 6, abs=TOLERANCE)
    assert stats.cohens_h(0.3, 0.3) == 0.0
    assert stats.cohens_h(1.0, 0.0) == pytest.approx(math.pi, abs=TOLERANCE)


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


def _power_by_enumeration(n: int, rate_a: float, rate_b: float) -> float:
    """Power of the mid-p McNemar test summed over every (b, c) of a multinomial."""
    favour_a, favour_b = rate_a * (1 - rate_b), rate_b * (1 - rate_a)
    total = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            if stats.mcnemar_exact(b, c).mid_p_value <= 0.05:
                total += scipy_stats.multinomial.pmf(
                    [b, c, n - b - c], n, [favour_a, favour_b, 1 - favour_a - favour_b]
                )
    return float(total)


@pytest.mark.parametrize(("n", "rate_a", "rate_b"), [(20, 0.6, 0.3), (15, 0.5, 0.5), (12, 0.9, 0.2)])
def test_exact_power_equals_enumeration_of_every_outcome(n: int, rate_a: float, rate_b: float) -> None:
    assert power.mcnemar_power(n, rate_a, rate_b) == pytest.approx(
        _power_by_enumeration(n, rate_a, rate_b), abs=TOLERANCE
    )


def test_examples_needed_at_zero_percent_hand_computed() -> None:
    # Both models at 0%: the alternative is (gap, 0), every discordant example favours A, and
    # the mid-p rejects exactly when there are 5 or more (d=5: 1/32 <= 0.05; d=4: 1/16 > 0.05),
    # so power(n) = P(Binomial(n, gap) >= 5), which grows with n.
    for points in (1, 3, 5):
        gap = points / 100
        expected = next(n for n in range(5, 5000) if scipy_stats.binom.sf(4, n, gap) >= 0.8)
        assert power.examples_needed(gap, 0.0, 0.0) == expected
    assert power.examples_needed(0.05, 0.0, 0.0) == 134


def test_minimum_detectable_difference_is_never_nan() -> None:
    for rates in ((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.3, 0.35), (0.02, 0.0)):
        gap = power.minimum_detectable_difference(66, *rates)
        assert math.isfinite(gap) and 0 < gap <= 1
        strong, weak = power.alternative_rates(*rates, gap)
        assert power.mcnemar_power(66, strong, weak) == pytest.approx(0.8, abs=1e-4)
    # Both at 0%: the gap whose P(Binomial(66, gap) >= 5) is 80%.
    at_zero = power.minimum_detectable_difference(66, 0.0, 0.0)
    assert scipy_stats.binom.sf(4, 66, at_zero) == pytest.approx(0.8, abs=1e-4)
    # Four examples can never give a mid-p below 1/16: no gap is detectable.
    assert power.minimum_detectable_difference(4, 0.5, 0.5) == math.inf
    assert power.minimum_detectable_difference(400, 0.5, 0.5) < (
        power.minimum_detectable_difference(100, 0.5, 0.5)
    )


def test_power_of_mid_p_mcnemar_at_examples_needed_is_about_80_percent() -> None:
    rng = np.random.default_rng(99)
    n = power.examples_needed(0.1, 0.45, 0.5)  # models at 0.55 and 0.45, errors independent
    assert power.mcnemar_power(n, 0.55, 0.45) >= 0.8 > power.mcnemar_power(n - 1, 0.55, 0.45)
    simulations = 2000
    a = rng.random((simulations, n)) < 0.45
    b = rng.random((simulations, n)) < 0.55
    discordant_b = np.count_nonzero(a & ~b, axis=1)
    discordant_c = np.count_nonzero(b & ~a, axis=1)
    rejected = [
        stats.mcnemar_exact(int(x), int(y)).mid_p_value <= 0.05
        for x, y in zip(discordant_b, discordant_c, strict=True)
    ]
    assert 0.77 <= float(np.mean(rejected)) <= 0.83


# --- coverage and size ------------------------------------------------------------------------


def test_t_interval_over_runs_covers_the_true_rate_95_percent() -> None:
    rng = np.random.default_rng(2024)
    examples, runs, simulations = 50, 5, 4000
    difficulty = rng.beta(2, 1.5, size=examples)  # a fixed corpus; runs are the random part
    truth = float(difficulty.mean())
    run_accuracies = (rng.random((simulations, runs, examples)) < difficulty).mean(axis=2)
    covered = [stats.t_confidence_interval(row).contains(truth) for row in run_accuracies]
    assert 0.935 <= float(np.mean(covered)) <= 0.965


@pytest.mark.parametrize("n", [20, 66, 300])
def test_exact_interval_over_examples_covers_every_rate_and_never_collapses(n: int) -> None:
    # Identical runs: the example outcomes are Binomial(n, p). 2,000 simulated corpora per p;
    # the interval of each possible count is computed once.
    rng = np.random.default_rng(n)
    intervals = [stats.example_interval([1.0] * k + [0.0] * (n - k)) for k in range(n + 1)]
    assert min(interval.width for interval in intervals) > 0
    for p in (0.0, 0.02, 0.1, 0.5, 0.9, 0.98, 1.0):
        counts = rng.binomial(n, p, size=2000)
        coverage = np.mean([intervals[k].contains(p) for k in counts])
        assert coverage >= 0.95, (p, n, coverage)


@pytest.mark.slow
@pytest.mark.parametrize(("truth", "examples"), [(2 / 3, 66), (0.02, 66)])
def test_cluster_bootstrap_over_examples_covers_the_true_rate(truth: float, examples: int) -> None:
    # 2,000 simulated evaluations of 66 examples x 5 varying runs, examples drawn from a
    # population with mean pass rate `truth`; 999 resamples each to keep the test fast. At 2%
    # BCa alone covers about 91% (few examples pass); the effective-size envelope restores it.
    # The envelope makes the interval slightly conservative in the middle (up to ~97%).
    rng = np.random.default_rng(7)
    simulations = 2000
    hits = 0
    for simulation in range(simulations):
        difficulty = rng.beta(2 * truth, 2 * (1 - truth), size=examples)
        values = rng.binomial(5, difficulty) / 5
        interval = stats.example_interval(
            values, resamples=999, seed=simulation, samples=5 * examples
        )
        assert interval.width > 0
        hits += interval.contains(truth)
    assert 0.935 <= hits / simulations <= 0.975


def test_effective_size_interval_hand_computed() -> None:
    # Rates 0, 0, 0.2, 0.6 (4 examples x 5 runs): p = 0.2, var(p) = s^2 / 4 = 0.08 / 4 = 0.02,
    # n_eff = 0.16 / 0.02 = 8 shrunk by (z / t_3)^2; exact interval of 0.2 n_eff of n_eff.
    rates = [0.0, 0.0, 0.2, 0.6]
    shrink = (scipy_stats.norm.isf(0.025) / scipy_stats.t.isf(0.025, 3)) ** 2
    n_eff = 8 * shrink
    interval = stats.effective_size_interval(rates)
    assert interval.low == pytest.approx(scipy_stats.beta.ppf(0.025, 0.2 * n_eff,
                                                              0.8 * n_eff + 1), abs=TOLERANCE)
    assert interval.high == pytest.approx(scipy_stats.beta.ppf(0.975, 0.2 * n_eff + 1,
                                                               0.8 * n_eff), abs=TOLERANCE)
    capped = stats.effective_size_interval(rates, samples=2)  # never more than the samples
    assert capped.high == pytest.approx(scipy_stats.beta.ppf(0.975, 0.4 + 1, 1.6), abs=TOLERANCE)
    assert stats.effective_size_interval([0.0, 0.0]).degenerate


def test_sparse_varying_runs_widen_bca_to_the_effective_size_interval() -> None:
    rates = np.zeros(66)
    rates[:2] = [0.2, 0.4]  # 2 of 66 examples pass once or twice in 5 runs
    interval = stats.example_interval(rates, resamples=2000, seed=3, samples=330)
    exact = stats.effective_size_interval(rates, samples=330)
    bootstrap = stats.bootstrap_ci(rates, resamples=2000, seed=3)
    assert interval.method == stats.BCA and "Korn" in interval.note
    assert interval.low == min(exact.low, bootstrap.low)
    assert interval.high == max(exact.high, bootstrap.high) > bootstrap.high


@pytest.mark.parametrize("n", [66, 300])
def test_exact_size_of_mid_p_mcnemar_at_equal_rates(n: int) -> None:
    size = power.mcnemar_power(n, 0.5, 0.5)
    assert 0.02 <= size <= 0.06
    # Far from 50% there are few discordant examples and the test is conservative.
    assert power.mcnemar_power(n, 0.02, 0.02) < size


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


def test_attainable_size_is_the_exact_mcnemar_tests_size_by_enumeration() -> None:
    # Enumerate every (b, c) of 20 paired examples under equal rates: the exact McNemar test
    # rejects with exactly the probability the bound says any conditional exact test can reach.
    n, rate = 20, 0.5
    favour = rate * (1 - rate)
    concordant = 1 - 2 * favour
    size = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            if stats.mcnemar_exact(b, c).p_value <= 0.05:
                size += (math.comb(n, b) * math.comb(n - b, c)
                         * favour ** (b + c) * concordant ** (n - b - c))
    assert power.attainable_mcnemar_size(n, rate) == pytest.approx(size, abs=1e-12)
    assert 0.02 < size < power.mcnemar_power(n, rate, rate)
    assert power.attainable_mcnemar_size(66, 0.0) == power.attainable_mcnemar_size(66, 1.0) == 0


@pytest.mark.parametrize("n", [20, 66, 300])
@pytest.mark.parametrize("rate", [0.0, 0.02, 0.1, 0.5, 0.9, 0.98, 1.0])
def test_mid_p_size_is_in_band_wherever_an_exact_test_can_be(n: int, rate: float) -> None:
    size = power.mcnemar_power(n, rate, rate)
    ceiling = power.attainable_mcnemar_size(n, rate)
    assert size <= 0.06
    assert size >= ceiling  # mid-p is never more conservative than the exact test
    if ceiling >= 0.02:
        assert size >= 0.02
