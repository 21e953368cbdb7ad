"""Statistics: intervals cover what they should, tests separate signal from noise, seeds fix
results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.stats import Z95, Bootstrap, _wilson_p, mcnemar, paired_bootstrap, wilson


def test_wilson_matches_known_values_and_stays_in_unit_interval() -> None:
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3)
    assert hi == pytest.approx(0.9433, abs=1e-3)
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0 < hi < 0.2
    assert wilson(0, 0) == (None, None)


def test_mcnemar_exact_and_mid_p() -> None:
    t = mcnemar(0, 10)
    assert t.p_exact == pytest.approx(2 * 0.5**10)
    assert t.p_mid == pytest.approx(0.5**10)  # 2*P(X<=0) - P(X=0)
    assert mcnemar(5, 5).p_mid == 1.0
    assert mcnemar(0, 0).p_exact == 1.0
    # Large counts must not underflow.
    big = mcnemar(4000, 4200)
    assert 0 < big.p_mid < 0.05 and math.isfinite(big.p_exact)


def test_bootstrap_mean_ci_contains_mean_and_ignores_nan() -> None:
    x = np.array([0.0, 1.0] * 50 + [np.nan] * 10)
    est = Bootstrap(x.size, seed=1).mean_ci(x)
    assert est.value == pytest.approx(0.5)
    assert est.n == 100
    assert est.low is not None and est.high is not None
    assert 0.35 < est.low < 0.5 < est.high < 0.65


def test_paired_bootstrap_separates_clear_shift_from_noise() -> None:
    rng = np.random.default_rng(7)
    a = rng.uniform(0.6, 1.0, 200)
    shifted = paired_bootstrap(a, a - 0.05)
    assert shifted.delta == pytest.approx(-0.05)
    assert shifted.p_value is not None and shifted.p_value < 0.01
    assert shifted.high is not None and shifted.high < 0
    # Symmetric noise around the same values: mean difference 0, not significant.
    noise = rng.uniform(-0.1, 0.1, 100)
    b = a.copy()
    b[:100] += noise
    b[100:] -= noise
    res = paired_bootstrap(a, b)
    assert res.delta == pytest.approx(0.0, abs=1e-12)
    assert res.p_value is not None and res.p_value > 0.5
    assert res.low is not None and res.high is not None and res.low < 0 < res.high


def test_bootstrap_is_deterministic_per_seed() -> None:
    x = np.linspace(0, 1, 57)
    one = Bootstrap(57, seed=3).mean_ci(x)
    two = Bootstrap(57, seed=3).mean_ci(x)
    other = Bootstrap(57, seed=4).mean_ci(x)
    assert one == two
    assert (one.low, one.high) != (other.low, other.high)


def test_identical_pairs_have_p_one_and_empty_input_is_none() -> None:
    assert paired_bootstrap([0.5, 0.7], [0.5, 0.7]).p_value == 1.0
    empty = paired_bootstrap([np.nan], [1.0])
    assert empty.delta is None and empty.n == 0
    with pytest.raises(ValueError):
        Bootstrap(3).mean_ci([1.0])


def test_a_constant_column_has_its_exact_mean_and_the_wilson_interval_at_it() -> None:
    # The resampling products run in float32 (0.7 is 0.699999988... there): the mean must
    # still be 0.7 to float64 precision. No spread means no variance to go on, and every
    # resample would claim [0.7, 0.7] (QA10 #10): the interval is Wilson's at 0.7 of 50.
    lo, hi = _wilson_p(0.7, 50, Z95)
    est = Bootstrap(50, seed=0).mean_ci([0.7] * 50)
    assert est.value == pytest.approx(0.7, abs=1e-15)
    assert (est.low, est.high) == pytest.approx((lo, hi)) and lo < 0.6 and hi > 0.8
    boot = Bootstrap(50, seed=0)
    boot.record()
    boot.mean_ci([0.7] * 50)
    boot.flush()
    again = boot.mean_ci([0.7] * 50)
    assert again.value == pytest.approx(0.7, abs=1e-15) and again.low == pytest.approx(lo)
    ones = Bootstrap(7, seed=0).mean_ci([1.0] * 7)  # as a pass rate of 7 of 7 would read
    assert (ones.low, ones.high) == pytest.approx(wilson(7, 7))


def test_a_small_sample_gets_a_student_t_interval_not_the_range_of_its_values() -> None:
    from scipy import stats as scipy_stats

    x = np.array([0.667, 0.727])  # QA10 #10: the bootstrap said [0.667, 0.727]
    est = Bootstrap(2, seed=0).mean_ci(x)
    t_lo, _ = scipy_stats.t.interval(0.95, 1, loc=x.mean(), scale=scipy_stats.sem(x))
    assert est.low == pytest.approx(t_lo, abs=1e-3) and est.high == 1.0  # clipped to [0, 1]
    for n in (3, 5, 12, 19):
        y = np.linspace(0.2, 0.9, n)
        lo, hi = scipy_stats.t.interval(0.95, n - 1, loc=y.mean(), scale=scipy_stats.sem(y))
        got = Bootstrap(n, seed=0).mean_ci(y)
        assert (got.low, got.high) == pytest.approx((max(lo, 0.0), min(hi, 1.0)), rel=3e-3)


def test_small_sample_intervals_cover_the_true_mean_about_95_percent_of_the_time() -> None:
    # Five cases per tag slice is normal; the percentile bootstrap covered ~85% there.
    rng = np.random.default_rng(11)
    trials, hits = 400, 0
    for t in range(trials):
        x = rng.beta(2, 5, 5)  # true mean 2/7
        est = Bootstrap(5, n_boot=500, seed=t).mean_ci(x)
        assert est.low is not None and est.high is not None
        hits += est.low <= 2 / 7 <= est.high
    assert 0.91 <= hits / trials <= 0.99


def test_one_value_has_a_mean_but_no_interval() -> None:
    # Every resample of a single case is that case: a zero-width "95%" interval would be false.
    est = Bootstrap(3, seed=0).mean_ci([np.nan, 0.4, np.nan])
    assert est.value == pytest.approx(0.4) and est.n == 1
    assert est.low is None and est.high is None


def test_bootstrap_weights_do_not_depend_on_the_drawing_block_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import evalkit.stats as stats

    one_block = Bootstrap(37, n_boot=50, seed=2).weights
    monkeypatch.setattr(stats, "_BLOCK", 100)  # two rows of 37 per block
    blocks = Bootstrap(37, n_boot=50, seed=2).weights
    assert np.array_equal(one_block, blocks)
    assert blocks.shape == (50, 37) and (blocks.sum(axis=1) == 37).all()
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 37, size=(50, 37))
    expected = np.stack([np.bincount(row, minlength=37) for row in idx]).astype(np.float32)
    assert np.array_equal(blocks, expected)


def test_a_few_pairs_are_never_more_significant_than_an_exact_sign_flip_test_allows() -> None:
    assert paired_bootstrap([0.9], [0.5]).p_value == 1.0  # one difference proves nothing
    assert paired_bootstrap([0.9, 0.8], [0.5, 0.4]).p_value == 0.5
    five = paired_bootstrap([0.9] * 5, [0.5] * 5)
    assert five.p_value is not None and five.p_value >= 2 / 2**5
    many = paired_bootstrap([0.9] * 40, [0.5] * 40)
    assert many.p_value is not None and many.p_value < 0.01  # the floor vanishes with n


def test_wilson_bounds_are_exactly_0_and_1_at_the_ends() -> None:
    assert wilson(0, 3)[0] == 0.0 and wilson(3, 3)[1] == 1.0
    assert 0.0 < wilson(1, 3)[0] < wilson(1, 3)[1] < 1.0


def test_a_resample_of_zeros_reads_exactly_0_in_the_batched_pass() -> None:
    # One refusal flipped in 12 cases: the resamples that miss it have a mean difference of
    # exactly 0, which the float32 products read as 5.68e-09 ("CI −0.267…5.68e−09" in the
    # summary, "[-0.000, 1.000]" for a mean of 1, 1, 0 in the run summary).
    nan = float("nan")  # three cases the scorer skipped (no should_refuse)
    a, b = [0.0] + [1.0] * 11 + [nan] * 3, [1.0] * 12 + [nan] * 3
    boot = Bootstrap(15, seed=0)
    boot.record()
    boot.paired(a, b)
    boot.mean_ci([1.0, 1.0, 0.0] * 5)
    boot.flush()
    res = boot.paired(a, b)
    assert res.low == 0.0 and res.high is not None and res.high > 0
    assert boot.paired(b, a).high == 0.0
    low = boot.mean_ci([1.0, 1.0, 0.0] * 5).low
    assert low is not None and low >= 0.0
    # tiny values keep their precision: snapping is relative to the data, not absolute
    tiny = Bootstrap(30, seed=0).mean_ci([1e-5, 2e-5, 3e-5] * 10)  # bootstrapped (n >= 20)
    assert tiny.low is not None and 1e-5 <= tiny.low < 2e-5


def test_weights_too_many_to_keep_are_drawn_again_with_the_same_intervals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above _KEEP weights the matrix is not kept (400 MB at 100,000 cases); each product
    draws the same weights again from the seed, block by block."""
    import evalkit.stats as stats

    rng = np.random.default_rng(5)
    a = rng.random(300)
    b = a + rng.normal(0.02, 0.1, 300)
    b[::17] = np.nan
    kept = Bootstrap(300, n_boot=200, seed=3)
    want = kept.paired(a, b)
    monkeypatch.setattr(stats, "_KEEP", 1000)
    monkeypatch.setattr(stats, "_BLOCK", 7 * 300)  # seven rows per block
    redrawn = Bootstrap(300, n_boot=200, seed=3)
    assert redrawn._kept is None
    assert np.array_equal(redrawn.weights, kept.weights)
    got = redrawn.paired(a, b)
    assert got.delta == pytest.approx(want.delta, abs=1e-12) and got.n == want.n
    assert got.low == pytest.approx(want.low, abs=1e-6)
    assert got.high == pytest.approx(want.high, abs=1e-6)
    assert got.p_value == pytest.approx(want.p_value, abs=1e-9)


def test_a_mean_of_0_1_values_reads_like_the_pass_rate_and_rounding_is_no_spread() -> None:
    """QA11 #9: a 0/1 scorer showed mean [0.125, 1.000] beside pass rate [30.0%, 90.3%]."""
    est = Bootstrap(6, seed=0).mean_ci([1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    assert (est.low, est.high) == pytest.approx(wilson(4, 6))
    big = Bootstrap(40, seed=0).mean_ci([1.0, 0.0] * 20)
    assert (big.low, big.high) == pytest.approx(wilson(20, 40))
    same = Bootstrap(7, seed=0).mean_ci([0.1 + 0.2] * 3 + [0.3] * 4)  # 0.30000000000000004
    assert same.low is not None and same.low < 0.1 and same.high is not None and same.high > 0.6
