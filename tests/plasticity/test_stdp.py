"""Traces and pair-based STDP against their closed forms: the learning window, the pair sum, the Euler error."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn.plasticity import (
    STDPParams,
    learning_window,
    pair_sum_reference,
    run_stdp,
    run_trace,
    trace_closed_form,
    trace_decay,
)

ASYMMETRIC = STDPParams(a_plus=0.012, a_minus=0.007, tau_plus=17.0, tau_minus=33.0, bounds="none")


def simulated_pair(delta_steps: int, params: STDPParams, length: int = 200) -> float:
    """Δw of one synapse from one pre spike and one post spike delta_steps later (negative: post first)."""
    pre, post = np.zeros((length, 1)), np.zeros((length, 1))
    start = length // 2
    pre[start, 0] = 1
    post[start + delta_steps, 0] = 1
    return float(run_stdp(np.zeros((1, 1)), pre, post, params)[0, 0])


@pytest.mark.parametrize("pairing", ["all", "nearest"])
def test_a_simulated_pair_gives_the_closed_form_window_at_every_lag(pairing):
    params = STDPParams(**{**ASYMMETRIC.__dict__, "pairing": pairing})
    lags = np.arange(-90, 91)
    simulated = np.array([simulated_pair(int(k), params) for k in lags])
    np.testing.assert_allclose(simulated, learning_window(lags * params.dt, params), rtol=0, atol=1e-12)
    assert simulated[lags > 0].min() > 0 > simulated[lags < 0].max()  # the sign of the window, not just equality
    assert simulated[lags == 0] == 0


def test_the_window_has_the_documented_values():
    p = ASYMMETRIC
    assert learning_window(p.tau_plus, p) == pytest.approx(p.a_plus / math.e, rel=1e-14)
    assert learning_window(-p.tau_minus, p) == pytest.approx(-p.a_minus / math.e, rel=1e-14)
    assert learning_window(0.0, p) == 0


def test_euler_traces_make_a_first_order_error_in_the_window():
    errors = []
    for dt in (1.0, 0.5, 0.25, 0.125):
        params = STDPParams(a_plus=0.01, a_minus=0.01, tau_plus=10.0, tau_minus=10.0, dt=dt, trace="euler",
                            bounds="none")  # fmt: skip
        lag = round(10.0 / dt)  # Δt = 10 ms at every dt
        exact = learning_window(10.0, params)
        got = simulated_pair(lag, params, length=2 * lag + 4)
        assert got == pytest.approx(params.a_plus * (1 - dt / 10.0) ** lag, rel=1e-12)
        errors.append(abs(got - exact))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    np.testing.assert_allclose(orders, 1.0, atol=0.05)  # error ∝ dt


@st.composite
def spike_trains(draw):
    steps = draw(st.integers(5, 60))
    n_pre, n_post = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    p_pre, p_post = draw(st.floats(0.02, 0.5)), draw(st.floats(0.02, 0.5))
    rng = np.random.default_rng(seed)
    pre = (rng.random((steps, n_pre)) < p_pre).astype(float)
    post = (rng.random((steps, n_post)) < p_post).astype(float)
    return pre, post


@given(spike_trains(), st.sampled_from(["all", "nearest"]), st.sampled_from([0.5, 1.0]))
def test_the_vectorised_rule_sums_the_window_over_pairs_like_the_loop(trains, pairing, dt):
    pre, post = trains
    params = STDPParams(**{**ASYMMETRIC.__dict__, "pairing": pairing, "dt": dt})
    w0 = np.linspace(-0.3, 0.3, pre.shape[1] * post.shape[1]).reshape(pre.shape[1], post.shape[1])
    got = run_stdp(w0, pre, post, params) - w0
    for i in range(pre.shape[1]):
        for j in range(post.shape[1]):
            expected = pair_sum_reference(np.flatnonzero(pre[:, i]) * dt, np.flatnonzero(post[:, j]) * dt, params)
            assert got[i, j] == pytest.approx(expected, abs=1e-12)


def test_repeated_pairings_add_linearly():
    params = STDPParams(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0, bounds="none", pairing="nearest")
    period, lag, repeats = 50, 5, 8  # one pairing every 50 ms: a rate of 20 Hz
    pre, post = np.zeros((period * repeats + lag + 1, 1)), np.zeros((period * repeats + lag + 1, 1))
    pre[np.arange(repeats) * period, 0] = 1
    post[np.arange(repeats) * period + lag, 0] = 1
    got = run_stdp(np.zeros((1, 1)), pre, post, params)[0, 0]
    # nearest pairing: each post spike pairs with its pre spike (+W(5)); each pre spike after the first with the
    # post spike 45 ms before it (W(-45))
    expected = repeats * learning_window(lag, params) + (repeats - 1) * learning_window(lag - period, params)
    assert got == pytest.approx(expected, rel=1e-12)
    half = run_stdp(np.zeros((1, 1)), pre[: period * 4], post[: period * 4], params)[0, 0]
    assert got - half == pytest.approx(half + learning_window(lag - period, params), rel=1e-12)  # same per pairing


@pytest.mark.parametrize("bounds", ["hard", "soft"])
def test_weights_stay_within_their_bounds(bounds):
    rng = np.random.default_rng(3)
    pre = (rng.random((400, 6)) < 0.3).astype(float)
    post = (rng.random((400, 5)) < 0.3).astype(float)
    for a_plus, a_minus in ((0.5, 0.0), (0.0, 0.5), (0.4, 0.3)):
        params = STDPParams(a_plus=a_plus, a_minus=a_minus, bounds=bounds, w_min=-0.2, w_max=0.7)
        w = run_stdp(rng.uniform(-0.2, 0.7, (6, 5)), pre, post, params)
        assert w.min() >= -0.2 - 1e-12 and w.max() <= 0.7 + 1e-12
    pushed = run_stdp(np.full((6, 5), 0.1), pre, post, STDPParams(a_plus=0.5, a_minus=0.0, bounds=bounds, w_max=0.7))
    assert pushed.max() == pytest.approx(0.7, abs=1e-3)  # potentiation alone drives w to the upper bound


def test_soft_bounds_scale_each_change_by_the_distance_to_its_bound():
    params = STDPParams(a_plus=0.1, a_minus=0.1, bounds="soft", w_min=0.0, w_max=1.0)
    pre, post = np.zeros((3, 1)), np.zeros((3, 1))
    pre[0, 0], post[1, 0] = 1, 1  # one pre→post pair, Δt = 1 ms
    w = run_stdp(np.full((1, 1), 0.75), pre, post, params)
    assert w[0, 0] == pytest.approx(0.75 + 0.1 * math.exp(-1 / 20) * 0.25, rel=1e-12)


def test_the_target_offset_depresses_inputs_that_were_silent():
    params = STDPParams(a_plus=0.1, a_minus=0.0, bounds="none", x_target=0.2)
    pre, post = np.zeros((4, 2)), np.zeros((4, 1))
    pre[0, 0], post[2, 0] = 1, 1
    dw = run_stdp(np.zeros((2, 1)), pre, post, params)[:, 0]
    np.testing.assert_allclose(dw, [0.1 * (math.exp(-2 / 20) - 0.2), -0.1 * 0.2], rtol=1e-12)


@pytest.mark.parametrize("pairing", ["all", "nearest"])
def test_exact_traces_sample_the_continuous_trace(pairing):
    spikes = np.zeros((80, 1))
    spikes[[3, 10, 11, 40], 0] = 1
    got = run_trace(spikes, dt=0.5, tau=6.0, pairing=pairing)[:, 0]
    np.testing.assert_allclose(got, trace_closed_form([1.5, 5.0, 5.5, 20.0], np.arange(80) * 0.5, 6.0, pairing),
                               rtol=0, atol=1e-12)  # fmt: skip


def test_euler_trace_decay_is_one_minus_dt_over_tau():
    assert trace_decay(0.5, 10.0, "euler") == pytest.approx(0.95, rel=1e-15)
    assert trace_decay(0.5, 10.0) == pytest.approx(math.exp(-0.05), rel=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda: trace_decay(0.0, 10.0), ValueError, "dt must be"),
        (lambda: trace_decay(1.0, -1.0), ValueError, "tau must be"),
        (lambda: trace_decay(5.0, 2.0, "euler"), ValueError, "dt ≤ tau"),
        (lambda: trace_decay(1.0, 2.0, "rk4"), ValueError, "method must be one of"),
        (lambda: STDPParams(pairing="random"), ValueError, "pairing must be one of"),
        (lambda: STDPParams(a_plus=-1.0), ValueError, "a_plus must be"),
        (lambda: STDPParams(tau_minus="20"), TypeError, "tau_minus must be a number"),
        (lambda: STDPParams(w_min=1.0, w_max=0.0), ValueError, "w_min < w_max"),
        (lambda: STDPParams(w_max="1"), TypeError, "w_max must be a number"),
        (lambda: STDPParams(w_min=float("nan")), ValueError, "w_min must be finite"),
        (lambda: STDPParams(dt=30.0, trace="euler"), ValueError, "dt ≤ tau"),
        (lambda: run_stdp(np.zeros((2, 1)), np.zeros((5, 2)), np.zeros((4, 1)), STDPParams()), ValueError, "same T"),
        (lambda: run_stdp(np.zeros((1, 1)), np.zeros((5, 2)), np.zeros((5, 1)), STDPParams()), ValueError, "w must"),
        (lambda: run_stdp(np.zeros((1, 1)), np.full((5, 1), 0.5), np.zeros((5, 1)), STDPParams()), ValueError, "0 or"),
        (lambda: STDPParams().initial_state(0, 3), ValueError, "n_pre must be"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, error, says):
    with pytest.raises(error, match=says):
        call()
