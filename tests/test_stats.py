"""minisnn.stats: the paired bootstrap covers the true difference about as often as it claims, narrows with more
examples, is reproducible from its seed; pooled PSNR differences match a hand computation; bad inputs are refused
by name."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn import stats
from minisnn.stats import Comparison, bootstrap, paired_difference, pooled_psnr, pooled_psnr_difference

values = st.lists(st.floats(-100, 100), min_size=1, max_size=30)


def test_the_interval_covers_the_true_mean_difference_about_95_percent_of_the_time():
    """Synthetic pairs with a known mean difference of 0.5: method a = b + 0.5 + noise on each example."""
    rng = np.random.default_rng(2024)
    trials, covered = 300, 0
    for trial in range(trials):
        b = rng.normal(20.0, 3.0, size=30)  # e.g. PSNRs of 30 crops; the per-example level cancels in the pairs
        a = b + 0.5 + rng.normal(0.0, 1.0, size=30)
        c = paired_difference(a, b, n_boot=400, rng=trial)
        covered += c.low <= 0.5 <= c.high
    # the percentile bootstrap of a mean of 30 undercovers slightly (about 93 %); the binomial sd is 1.5 %
    assert 0.88 <= covered / trials <= 0.98


def test_the_interval_shrinks_like_one_over_root_n():
    rng = np.random.default_rng(7)
    widths = {}
    for n in (25, 400):
        diff = rng.normal(0.3, 1.0, size=n)
        c = paired_difference(diff, np.zeros(n), n_boot=1000, rng=0)
        widths[n] = c.high - c.low
    assert widths[400] < widths[25]
    assert 2.5 < widths[25] / widths[400] < 6.5  # sqrt(400 / 25) = 4


def test_the_same_seed_gives_the_same_interval():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=40), rng.normal(size=40)
    first = paired_difference(a, b, rng=5)
    assert paired_difference(a, b, rng=5) == first
    assert paired_difference(a, b, rng=np.random.default_rng(5)) == first  # a Generator works like its seed
    other = paired_difference(a, b, rng=6)
    assert other.estimate == first.estimate and (other.low, other.high) != (first.low, first.high)


@given(values, st.floats(-10, 10))
def test_a_constant_difference_gives_a_zero_width_interval(b, shift):
    b = np.array(b)
    c = paired_difference(b + shift, b, n_boot=200)
    scale = 1e-9 * (1 + np.abs(b).max())
    assert c.estimate == pytest.approx(shift, abs=scale)
    assert c.high - c.low <= scale
    assert c.low == pytest.approx(shift, abs=scale) and c.high == pytest.approx(shift, abs=scale)


@given(values, values)
def test_the_estimate_is_the_mean_of_the_per_example_differences_and_swapping_negates_it(a, b):
    n = min(len(a), len(b))
    a, b = np.array(a[:n]), np.array(b[:n])
    ab, ba = paired_difference(a, b, n_boot=100, rng=3), paired_difference(b, a, n_boot=100, rng=3)
    assert ab.estimate == pytest.approx(np.mean(a - b), abs=1e-9)
    assert ba.estimate == pytest.approx(-ab.estimate, abs=1e-9)
    assert (ba.low, ba.high) == pytest.approx((-ab.high, -ab.low), abs=1e-9)
    assert ab.n == n and ab.n_boot == 100 and ab.confidence == 0.95


def test_significant_means_the_interval_excludes_zero_and_format_says_what_it_is():
    rng = np.random.default_rng(0)
    b = rng.normal(size=50)
    clear = paired_difference(b + 1.0 + 0.1 * rng.normal(size=50), b)
    assert clear.significant and clear.low > 0
    assert Comparison(-0.2, -0.3, -0.1, 10).significant
    assert not Comparison(0.05, -0.1, 0.2, 10).significant
    text = Comparison(0.31, 0.12, 0.5, 200).format("dB")
    assert text == "+0.31 dB [+0.12, +0.50] (95 % paired bootstrap CI over 200)"
    assert Comparison(0.31, 0.12, 0.5, 200).to_dict() == {"estimate": 0.31, "low": 0.12, "high": 0.5, "n": 200,
                                                          "confidence": 0.95}  # fmt: skip


def test_a_wider_confidence_gives_a_wider_interval():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=60), rng.normal(size=60)
    c90 = paired_difference(a, b, confidence=0.9, rng=0)
    c99 = paired_difference(a, b, confidence=0.99, rng=0)
    assert c99.low < c90.low and c90.high < c99.high


def test_bootstrap_passes_indices_and_resamples_with_replacement():
    seen = []

    def statistic(idx):
        seen.append(np.array(idx))
        return float(len(np.unique(idx)))

    c = bootstrap(10, statistic, n_boot=50, rng=0)
    assert np.array_equal(seen[0], np.arange(10)) and c.estimate == 10  # the estimate uses every example once
    assert len(seen) == 51 and all(s.shape == (10,) and s.min() >= 0 and s.max() <= 9 for s in seen[1:])
    assert c.low < 10  # with replacement, resamples repeat examples (all 10 distinct: probability 10!/10^10)


def test_pooled_psnr_of_a_diverged_model_is_nan_not_an_error():
    assert math.isnan(pooled_psnr([np.nan, 1.0], [10, 10]))  # validation during training reports it and goes on


def test_pooled_psnr_difference_matches_a_hand_computation():
    sse_a, sse_b, counts = [1.0, 3.0], [2.0, 6.0], [10, 10]
    # PSNR_a = 10 log10(20 / 4), PSNR_b = 10 log10(20 / 8): the difference is 10 log10(8 / 4) = 3.0103 dB
    assert pooled_psnr(sse_a, counts) == pytest.approx(10 * math.log10(5.0))
    assert pooled_psnr(sse_b, counts) == pytest.approx(10 * math.log10(2.5))
    c = pooled_psnr_difference(sse_a, sse_b, counts, n_boot=200)
    assert c.estimate == pytest.approx(10 * math.log10(2.0)) == pytest.approx(3.0103, abs=1e-4)
    # every resample keeps a's error at half of b's: the interval collapses on the estimate
    assert c.low == pytest.approx(c.estimate) and c.high == pytest.approx(c.estimate)


@given(st.lists(st.tuples(st.floats(0.01, 100), st.floats(0.01, 100), st.integers(1, 1000)), min_size=1, max_size=20))
def test_pooled_psnr_difference_is_the_difference_of_pooled_psnrs(rows):
    sse_a, sse_b, counts = (np.array(column) for column in zip(*rows, strict=True))
    c = pooled_psnr_difference(sse_a, sse_b, counts, n_boot=50)
    assert c.estimate == pytest.approx(pooled_psnr(sse_a, counts) - pooled_psnr(sse_b, counts), abs=1e-9)


def test_the_pooled_difference_is_not_dominated_by_a_near_perfect_crop():
    sse_a, sse_b, counts = [1e-8, 1.0], [1e-4, 1.0], [100, 100]
    per_crop = 10 * np.log10(np.array(counts) / sse_a) - 10 * np.log10(np.array(counts) / sse_b)
    assert per_crop.mean() == pytest.approx(20.0)  # 40 dB on a crop both fill almost perfectly
    assert pooled_psnr_difference(sse_a, sse_b, counts, n_boot=50).estimate == pytest.approx(0.0, abs=1e-3)


@pytest.mark.filterwarnings("error")  # no "invalid value" from interpolating between infinities
def test_pooled_psnr_is_infinite_without_error_and_so_is_its_interval():
    assert pooled_psnr([0.0, 0.0], [10, 20]) == math.inf
    exact = pooled_psnr_difference([0.0, 0.0], [1.0, 2.0], [10, 10], n_boot=20)
    assert exact.estimate == exact.low == exact.high == math.inf and exact.significant
    # one exact crop of three: some resamples hold only it (infinite), most do not
    mixed = pooled_psnr_difference([0.0, 1.0, 1.0], [1.0, 2.0, 2.0], [10, 10, 10], n_boot=400, rng=0)
    assert math.isfinite(mixed.estimate) and math.isfinite(mixed.low) and mixed.high == math.inf


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: paired_difference([1, 2], [1, 2, 3]), ValueError, "a and b need one value per example each"),
        (lambda: paired_difference([1, np.nan], [1, 2]), ValueError, "paired_difference: a must be finite"),
        (lambda: paired_difference([1, 2], [np.inf, 2]), ValueError, "paired_difference: b must be finite"),
        (lambda: paired_difference([], []), ValueError, "a and b are empty"),
        (lambda: paired_difference(["x"], [1]), TypeError, "paired_difference: a must be numbers"),
        (lambda: paired_difference([1, 2], [2, 1], confidence=95), ValueError, "confidence must be in"),
        (lambda: paired_difference([1, 2], [2, 1], confidence=1.0), ValueError, "confidence must be in"),
        (lambda: paired_difference([1, 2], [2, 1], n_boot=0), ValueError, "n_boot must be >= 1"),
        (lambda: paired_difference([1, 2], [2, 1], n_boot=10.5), TypeError, "n_boot must be an int"),
        (lambda: bootstrap(0, lambda idx: 0.0), ValueError, "got n=0"),
        (lambda: bootstrap(2.0, lambda idx: 0.0), TypeError, "n must be an int"),
        (lambda: bootstrap(3, "mean"), TypeError, "statistic must be a function"),
        (lambda: pooled_psnr_difference([1, -1], [1, 1], [1, 1]), ValueError, "sse_a must be >= 0"),
        (lambda: pooled_psnr_difference([1, 1], [1, -1], [1, 1]), ValueError, "sse_b must be >= 0"),
        (lambda: pooled_psnr_difference([1, 1], [1, 1], [1]), ValueError, "counts and sse_a need one value"),
        (lambda: pooled_psnr_difference([1, 1], [1, 1], [1, -1]), ValueError, "counts must be >= 0"),
        (lambda: pooled_psnr_difference([1, 1], [1, 2, 3], [1, 1]), ValueError, "sse_a and sse_b need one value"),
        (lambda: pooled_psnr([1, 2], [3]), ValueError, "pooled_psnr: sse and counts need one value"),
        (lambda: pooled_psnr([1, -2], [3, 3]), ValueError, "pooled_psnr: sse must be >= 0"),
        (lambda: pooled_psnr([1, 2], [0, 0]), ValueError, "counts sum to 0"),
        (lambda: pooled_psnr_difference([1, np.nan], [1, 1], [1, 1]), ValueError, "sse_a must be finite"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_the_module_documents_its_method():
    assert "percentile" in stats.__doc__ and "Efron" in stats.__doc__


def test_t_interval_by_hand_and_its_coverage():
    """n = 3: mean ± t_{0.975, 2}·s/√3 with t = 4.3027 (tables); and over many normal samples it covers 95 %."""
    from minisnn.stats import t_interval

    ci = t_interval([0.92, 0.94, 0.96])
    assert ci.estimate == pytest.approx(0.94) and ci.std == pytest.approx(0.02)
    assert ci.high - ci.estimate == pytest.approx(4.302653 * 0.02 / np.sqrt(3), rel=1e-6)
    assert "t-interval, 3 seeds" in ci.format(100, " %")
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(4000):
        c = t_interval(rng.normal(1.0, 2.0, 3))
        hits += c.low <= 1.0 <= c.high
    assert 0.94 < hits / 4000 < 0.96
    with pytest.raises(ValueError, match="at least two runs"):
        t_interval([0.9])


def test_over_three_seeds_the_percentile_bootstrap_undercovers_and_the_t_interval_does_not():
    """Why seeds get t_interval: 2,000 experiments of n = 3 normal runs; the bootstrap of their mean covers the true
    mean far less often than 95 % (about three times in four), the t-interval about 95 %."""
    from minisnn.stats import bootstrap, t_interval

    rng = np.random.default_rng(1)
    boot_hits = t_hits = 0
    trials = 2000
    for _ in range(trials):
        runs = rng.normal(0.9, 0.02, 3)
        b = bootstrap(3, lambda idx, r=runs: float(r[idx].mean()), n_boot=200, rng=rng)
        t = t_interval(runs)
        boot_hits += b.low <= 0.9 <= b.high
        t_hits += t.low <= 0.9 <= t.high
    assert boot_hits / trials < 0.8
    assert 0.93 < t_hits / trials < 0.97
