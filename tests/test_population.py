"""Gaussian population coding: tuning curves, Bernoulli encoding, the two decoders, Fisher information and the
Cramér–Rao bound, each against its loop reference or its closed form."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn import population as P

values = st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=6)


@given(values, st.integers(2, 12), st.floats(0.05, 2.0), st.floats(1.0, 500.0), st.floats(0.0, 0.9))
def test_tuning_matches_the_loop_and_the_formula(xs, m, width, f_max, low_fraction):
    x, c = np.array(xs), P.centres(m)
    f_min = low_fraction * f_max
    p = P.gaussian_tuning(x, c, width, f_max=f_max, f_min=f_min, dt=1.0)
    np.testing.assert_allclose(p, P.gaussian_tuning_loop(x, c, width, f_max, f_min, 1.0), rtol=1e-12, atol=1e-15)
    assert p.shape == (len(xs), m)
    assert np.all(p >= f_min / 1000 - 1e-15) and np.all(p <= f_max / 1000 + 1e-15)
    # at a preferred value the neuron fires at f_max; one σ away at f_min + (f_max − f_min)·e^{−1/2}
    at = P.gaussian_tuning(np.array([c[0], c[0] + width]), c[:1], width, f_max=f_max, f_min=f_min)
    np.testing.assert_allclose(at[:, 0] * 1000, [f_max, f_min + (f_max - f_min) * math.exp(-0.5)], rtol=1e-12)


def test_centres_are_evenly_spaced_ends_included_and_the_default_width_is_the_spacing():
    np.testing.assert_allclose(P.centres(5, (0, 2)), [0, 0.5, 1, 1.5, 2])
    assert P.default_width(5, (0, 2)) == pytest.approx(0.5)
    assert P.default_width(2) == pytest.approx(2.0)


@given(st.integers(0, 2**31), st.integers(2, 10), st.integers(1, 12))
def test_encoding_is_seeded_binary_time_major_and_matches_the_tuning(seed, m, steps):
    x = np.random.default_rng(seed).uniform(-1, 1, (3, 2))
    a, b = P.population_encode(x, m, steps, rng=seed), P.population_encode(x, m, steps, rng=seed)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (steps, 3, 2, m) and a.dtype == np.float32 and set(np.unique(a)) <= {0.0, 1.0}
    # f_max = 1000/dt: the preferred neuron fires at every step, one far away (f_min = 0) never does
    s = P.population_encode(np.array([-1.0]), m, steps, width=1e-3, f_max=1000.0, rng=seed)
    assert np.all(s[:, 0, 0] == 1) and np.all(s[:, 0, 1:] == 0)


def test_encoded_counts_have_the_binomial_mean_and_variance():
    x, m, steps = np.full(5000, 0.3), 6, 40
    counts = P.population_encode(x, m, steps, rng=3).sum(axis=0)
    p = P.gaussian_tuning(np.array(0.3), P.centres(m), P.default_width(m))
    # mean of 5000 Binomial(40, p) counts: standard error √(40p(1−p)/5000) ≤ 0.05; 5 standard errors
    assert np.all(np.abs(counts.mean(axis=0) - steps * p) <= 5 * np.sqrt(steps * p * (1 - p) / 5000) + 1e-9)
    np.testing.assert_allclose(counts.var(axis=0), steps * p * (1 - p), rtol=0.1, atol=0.02)


@given(st.integers(0, 2**31), st.integers(2, 8), st.integers(1, 6))
def test_centre_of_mass_matches_its_loop(seed, m, steps):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((steps, 4, m)) < 0.3).astype(np.float32)
    c = P.centres(m, (-2, 3))
    np.testing.assert_allclose(P.decode_centre_of_mass(spikes, c), P.decode_centre_of_mass_loop(spikes, c), atol=1e-12)


def test_centre_of_mass_of_a_silent_population_is_the_middle_and_of_one_neuron_its_centre():
    c = P.centres(4, (0, 3))
    spikes = np.zeros((5, 2, 4))
    spikes[2, 1, 3] = 1
    np.testing.assert_allclose(P.decode_centre_of_mass(spikes, c), [1.5, 3.0])


@given(st.integers(0, 2**31), st.integers(2, 8), st.integers(1, 30), st.floats(0.0, 50.0))
def test_log_likelihood_matches_the_binomial_formula(seed, m, steps, f_min):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((steps, 3, m)) < 0.2).astype(np.float32)
    x = np.linspace(-1, 1, 7)
    got = P.log_likelihood(spikes, x, width=0.4, f_max=300.0, f_min=f_min)
    p = P.gaussian_tuning_loop(x, P.centres(m), 0.4, 300.0, f_min)
    n = spikes.sum(axis=0, dtype=np.float64)
    want = np.array([[sum(n[i, j] * math.log(p[k, j]) + (steps - n[i, j]) * math.log(1 - p[k, j]) for j in range(m))
                      for k in range(len(x))] for i in range(3)])  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


@given(st.integers(0, 2**31), st.integers(2, 8), st.integers(1, 30))
def test_ml_decoder_maximises_the_likelihood_over_the_range(seed, m, steps):
    spikes = P.population_encode(np.random.default_rng(seed).uniform(-1, 1, 5), m, steps, rng=seed)
    x_hat = P.decode_ml(spikes)
    assert np.all((-1 <= x_hat) & (x_hat <= 1))
    fine = np.linspace(-1, 1, 20001)  # no candidate on a 10× finer grid is more likely (up to the grid's rounding)
    best = P.log_likelihood(spikes, fine).max(axis=-1)
    at = np.array([P.log_likelihood(spikes[:, i : i + 1], x_hat[i : i + 1])[0, 0] for i in range(5)])
    assert np.all(at >= best - 1e-3 * np.maximum(1, np.abs(best))), (at, best)


def test_fisher_information_matches_the_numerical_second_moment_of_the_score():
    # I(x) = E[(d/dx log L)²]: the exact expectation over each neuron's Binomial count, by finite differences
    m, steps, width, f_min, x = 5, 12, 0.35, 20.0, 0.13
    info = P.fisher_information(np.array(x), m, steps, width=width, f_min=f_min)
    h = 1e-6
    p = P.gaussian_tuning(np.array([x - h, x, x + h]), P.centres(m), width, f_min=f_min)
    total = 0.0
    for j in range(m):
        for n in range(steps + 1):
            prob = math.comb(steps, n) * p[1, j] ** n * (1 - p[1, j]) ** (steps - n)
            ll = [n * math.log(q) + (steps - n) * math.log(1 - q) for q in p[:, j]]
            total += prob * ((ll[2] - ll[0]) / (2 * h)) ** 2
    assert float(info) == pytest.approx(total, rel=1e-6)
    # the Poisson approximation drops the factor 1/(1 − p) per neuron; p <= 0.2 here
    poisson = P.fisher_information(np.array(x), m, steps, width=width, f_min=f_min, poisson=True)
    assert info >= poisson >= 0.8 * info


def test_dense_tiling_information_approaches_its_closed_form():
    # f_min = 0, Poisson, σ = 2Δ (well overlapped): I ≈ T·p_max·√(2π)/(σΔ) at the middle of the range
    m, steps = 41, 10
    delta = P.default_width(m)
    sigma = 2 * delta
    info = P.fisher_information(np.array(0.0), m, steps, width=sigma, poisson=True)
    assert float(info) == pytest.approx(steps * 0.2 * math.sqrt(2 * math.pi) / (sigma * delta), rel=1e-3)


@pytest.mark.parametrize(("m", "steps", "width"), [(16, 1000, None), (8, 1000, None), (16, 1000, 0.05)])
def test_ml_decoder_error_approaches_the_cramer_rao_bound(m, steps, width):
    # 4000 seeded trials at x = 0.1: the relative standard error of the MSE is √(2/4000) ≈ 2.2 %; the ML decoder's
    # MSE must lie within 8 % of 1/I(x) (asymptotic efficiency; measured ratios 1.00-1.02 for these cases)
    x = np.full(4000, 0.1)
    spikes = P.population_encode(x, m, steps, width=width, rng=11)
    mse = np.mean((P.decode_ml(spikes, width=width) - 0.1) ** 2)
    bound = float(P.cramer_rao_bound(np.array(0.1), m, steps, width=width))
    assert mse / bound == pytest.approx(1.0, abs=0.08)


def test_centre_of_mass_falls_short_of_the_bound_when_the_curves_are_narrow():
    # σ = Δ/2.7: the summed rate is no longer flat, so the centre of mass is not the ML estimate
    x = np.full(2000, 0.1)
    spikes = P.population_encode(x, 16, 1000, width=0.05, rng=5)
    mse_com = np.mean((P.decode_centre_of_mass(spikes, P.centres(16)) - 0.1) ** 2)
    mse_ml = np.mean((P.decode_ml(spikes, width=0.05) - 0.1) ** 2)
    bound = float(P.cramer_rao_bound(np.array(0.1), 16, 1000, width=0.05))
    assert mse_com > 3 * mse_ml and mse_ml < 1.1 * bound


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: P.centres(1), "num_neurons must be an int >= 2"),
        (lambda: P.centres(4.0), "num_neurons must be an int >= 2"),
        (lambda: P.centres(4, (1, 1)), "low < high"),
        (lambda: P.centres(4, (0, np.inf)), "low < high"),
        (lambda: P.centres(4, 3), "two numbers"),
        (lambda: P.gaussian_tuning(0.0, [0.0], 0.0), "width must be a number > 0"),
        (lambda: P.gaussian_tuning(0.0, [0.0], -1), "width must be a number > 0"),
        (lambda: P.gaussian_tuning(0.0, [[0.0]], 1), "centres must be a 1-D"),
        (lambda: P.gaussian_tuning(0.0, [0.0], 1, f_max=2000.0), "spike probability"),
        (lambda: P.gaussian_tuning(0.0, [0.0], 1, f_min=10.0, f_max=5.0), "f_min < f_max"),
        (lambda: P.gaussian_tuning(np.nan, [0.0], 1), "finite"),
        (lambda: P.population_encode([2.0], 4, 5), "value_range"),
        (lambda: P.population_encode([0.0], 4, 0), "num_steps"),
        (lambda: P.population_encode([0.0], 4, 5, dt=0), "dt must be > 0"),
        (lambda: P.decode_centre_of_mass(np.zeros((3, 2, 5)), P.centres(4)), "last axis must be the 4 neurons"),
        (lambda: P.decode_centre_of_mass(np.zeros(5), P.centres(5)), "time-major"),
        (lambda: P.decode_ml(np.zeros((3, 2, 5)), grid=2), "grid must be an int >= 3"),
        (lambda: P.fisher_information(0.0, 4, 0), "num_steps"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_non_numeric_values_are_a_type_error():
    with pytest.raises(TypeError, match="x must be real numbers"):
        P.population_encode(np.array(["a"]), 4, 3)


def test_decoders_keep_any_sample_shape():
    x = np.random.default_rng(2).uniform(-1, 1, (3, 2))
    spikes = P.population_encode(x, 6, 20, rng=2)  # (T, 3, 2, M)
    flat = spikes.reshape(20, 6, 6)
    c = P.centres(6)
    for decode in (lambda s: P.decode_ml(s), lambda s: P.decode_centre_of_mass(s, c)):
        assert decode(spikes).shape == (3, 2)
        np.testing.assert_allclose(decode(spikes).reshape(-1), decode(flat), atol=1e-12)
    assert P.fisher_information(x, 6, 20).shape == (3, 2)
