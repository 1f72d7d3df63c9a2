"""Tests for minisnn.neuron: LIF parameters, the Euler/exact steps, simulation, closed forms, translations."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn.neuron import (
    LIFParams,
    LIFResult,
    current_for_rate,
    euler_step,
    exact_step,
    firing_rate,
    isi,
    rheobase,
    simulate_lif,
    time_to_first_spike,
    v_constant_current,
)
from minisnn.paper import TABLE1
from minisnn.translate import translate

PAPER = LIFParams.paper()


def quiet_params(**kwargs) -> LIFParams:
    """LIFParams without the Euler dt-warnings (for tests that only use the exact step)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return LIFParams(**kwargs)


@st.composite
def lif_params(
    draw, min_h: float = 0.005, max_h: float = 0.5, reset: str | None = None, t_ref: float | None = None
) -> LIFParams:
    """Random valid parameters with h = dt/tau in [min_h, max_h] (Euler is monotone there)."""
    R = draw(st.floats(0.1, 10.0))
    C = draw(st.floats(0.5, 100.0))
    h = draw(st.floats(min_h, max_h))
    v_th = draw(st.floats(0.5, 2.0))
    v_reset = draw(st.floats(-1.0, v_th - 0.1))
    return LIFParams(
        R=R,
        C=C,
        dt=h * R * C,
        v_th=v_th,
        v_reset=v_reset,
        t_ref=draw(st.floats(0.0, 5.0)) if t_ref is None else t_ref,
        reset=draw(st.sampled_from(["zero", "subtract", "none"])) if reset is None else reset,
    )


# ---------------------------------------------------------------- parameters


@given(lif_params())
def test_derived_properties_follow_their_definitions(p: LIFParams) -> None:
    assert p.tau == p.R * p.C
    assert p.beta_euler == 1 - p.dt / p.tau
    assert p.beta_exact == math.exp(-p.dt / p.tau)
    assert p.rheobase == rheobase(p) == p.v_th / p.R
    assert p.input_gain == p.dt / p.C
    assert p.exact_gain == pytest.approx(p.R * (1 - math.exp(-p.dt / p.tau)), rel=1e-12)
    # ref_steps is the smallest whole number of steps covering t_ref
    assert p.ref_steps * p.dt >= p.t_ref - 1e-9 * p.dt  # t_ref below 1e-9 steps rounds down to 0
    assert p.ref_steps == 0 or (p.ref_steps - 1) * p.dt < p.t_ref


@pytest.mark.parametrize(
    ("t_ref", "dt", "steps"),
    [(2.1, 0.3, 7), (0.07, 0.01, 7), (0.3, 0.1, 3), (1.0, 0.1, 10), (1.0, 1.0, 1), (0.25, 0.1, 3), (0.0, 0.1, 0)],
)
def test_ref_steps_is_robust_to_float_division(t_ref: float, dt: float, steps: int) -> None:
    assert LIFParams(R=0.5, C=80.0, dt=dt, t_ref=t_ref).ref_steps == steps


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"R": 0.0}, r"R=0\.0"),
        ({"R": -1.0}, r"R=-1\.0"),
        ({"R": float("nan")}, r"R=nan"),
        ({"C": 0.0}, r"C=0\.0"),
        ({"C": float("inf")}, r"C=inf"),
        ({"dt": -0.1}, r"dt=-0\.1"),
        ({"dt": float("nan")}, r"dt=nan"),
        ({"t_ref": -1.0}, r"t_ref=-1\.0"),
        ({"v_th": float("nan")}, r"v_th=nan"),
        ({"v_th": -float("inf")}, r"v_th=-inf"),
        ({"refractory": "hold"}, r"refractory.*'clamp', 'freeze'.*'hold'"),
        ({"method": "rk4"}, r"method.*'euler', 'exact'.*'rk4'"),
        ({"R": 1e-300, "C": 1e-300}, r"dt/tau"),
        ({"t_ref": 1e308}, r"t_ref/dt"),
        ({"reset": "hard"}, r"reset.*'zero', 'subtract', 'none'.*'hard'"),
        ({"v_reset": 1.0}, r"v_reset=1\.0"),
        ({"v_reset": 2.0, "v_th": 1.5}, r"v_reset=2\.0"),
    ],
)
def test_invalid_params_raise_naming_the_field(kwargs: dict, match: str) -> None:
    full = {"R": 1.0, "C": 10.0, "dt": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        LIFParams(**full)


@pytest.mark.parametrize(("kwargs", "match"), [({"R": "1"}, r"R must be a real number.*'1'"), ({"R": True}, r"R=True"),
                                               ({"t_ref": None}, r"t_ref.*None")])  # fmt: skip
def test_non_numbers_are_type_errors_naming_the_field(kwargs: dict, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        LIFParams(**({"R": 1.0, "C": 10.0, "dt": 1.0} | kwargs))


def test_infinite_threshold_makes_a_leaky_integrator() -> None:
    p = LIFParams(R=1.0, C=10.0, dt=0.5, v_th=math.inf)
    sim = simulate_lif(np.full(200, 1e6), p)
    assert sim.spikes.sum() == 0 and np.all(np.diff(sim.v) > 0)


def test_large_dt_warns_about_euler() -> None:
    with pytest.warns(RuntimeWarning, match=r"dt=1\.0 >= tau=1\.0.*beta_euler.*0.*overshoots"):
        LIFParams(R=1.0, C=1.0, dt=1.0)
    with pytest.warns(RuntimeWarning, match=r"dt=2\.5 >= 2\*tau=2\.0.*unstable.*-1\.5"):
        LIFParams(R=1.0, C=1.0, dt=2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LIFParams(R=1.0, C=1.0, dt=0.99)  # below tau: silent


def test_fields_are_stored_as_python_floats() -> None:
    p = LIFParams(R=np.float32(2), C=3, dt=np.float64(0.5))
    assert all(type(x) is float for x in (p.R, p.C, p.dt, p.beta_euler, p.input_gain, p.beta_exact))


def test_paper_table_1() -> None:
    p = LIFParams.paper()
    assert (p.v_th, p.v_reset, p.t_ref, p.C, p.R, p.reset) == (1.0, 0.0, 1.0, 80.0, 0.5, "zero")
    assert p.tau == 40.0 and p.dt == 1.0 and p.ref_steps == 1 and p.rheobase == 2.0
    assert LIFParams.paper(dt=0.1).ref_steps == 10
    assert (TABLE1["noise_std"], TABLE1["firing_rate_range_hz"], TABLE1["psc_time_constant_ms"]) == (
        0.1, (100.0, 200.0), 60.0)  # fmt: skip
    lo, hi = current_for_rate(np.array(TABLE1["firing_rate_range_hz"]), p)
    assert p.rheobase < lo < hi
    assert firing_rate(np.array([lo, hi]), p) == pytest.approx([100.0, 200.0], rel=1e-12)
    assert lo == pytest.approx(9.926, abs=1e-3) and hi == pytest.approx(21.017, abs=1e-3)  # the docstring's numbers


def kick(p: LIFParams) -> float:
    """The current that raises V by v_th/10 in one Euler step: inputs of a few kicks make regular spiking."""
    return 0.1 * p.v_th / p.input_gain


# ---------------------------------------------------------------- the steps

states = hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-50, 50))


@given(lif_params(), states, st.floats(-100, 100))
def test_euler_step_is_the_documented_equation(p: LIFParams, v: np.ndarray, current: float) -> None:
    expected = v + (p.dt / p.C) * (current - v / p.R)
    np.testing.assert_allclose(euler_step(v, current, p), expected, rtol=1e-12, atol=1e-12 * (1 + abs(current) * p.R))


@given(lif_params(), states, st.floats(-100, 100))
def test_exact_step_is_the_documented_equation(p: LIFParams, v: np.ndarray, current: float) -> None:
    decay = math.exp(-p.dt / p.tau)
    expected = v * decay + p.R * current * (1 - decay)
    np.testing.assert_allclose(exact_step(v, current, p), expected, rtol=1e-12, atol=1e-12 * (1 + abs(current) * p.R))


class OnlyMulAdd:
    """Stands in for an autodiff Tensor: it supports * by a Python float and + with itself, nothing else."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __mul__(self, other: float) -> "OnlyMulAdd":
        assert type(other) is float, f"multiplied by {type(other)}"
        return OnlyMulAdd(self.value * other)

    def __add__(self, other: "OnlyMulAdd") -> "OnlyMulAdd":
        assert isinstance(other, OnlyMulAdd)
        return OnlyMulAdd(self.value + other.value)


@pytest.mark.parametrize("step", [euler_step, exact_step])
def test_steps_use_only_mul_and_add_so_tensors_work(step) -> None:
    out = step(OnlyMulAdd(0.3), OnlyMulAdd(4.0), PAPER)
    assert isinstance(out, OnlyMulAdd)
    assert out.value == pytest.approx(float(step(np.float64(0.3), 4.0, PAPER)), rel=1e-15)


# ---------------------------------------------------------------- sub-threshold accuracy


@given(
    st.floats(0.1, 10.0),
    st.floats(0.5, 100.0),
    st.floats(0.01, 5.0),  # h = dt/tau: exact for any dt, even where Euler would be unstable
    st.floats(-10.0, 10.0),
    st.floats(-5.0, 5.0),
)
def test_exact_step_reproduces_the_closed_form(R: float, C: float, h: float, current: float, v0: float) -> None:
    p = quiet_params(R=R, C=C, dt=h * R * C, v_th=1e6)  # threshold out of reach
    n_steps = 200
    sim = simulate_lif(np.full(n_steps, current), p, v0=v0, method="exact")
    assert sim.spikes.sum() == 0
    scale = max(1.0, abs(R * current), abs(v0))
    np.testing.assert_allclose(sim.v, v_constant_current(sim.t, current, p, v0), rtol=0, atol=1e-12 * scale)


@given(st.floats(0.5, 5.0), st.floats(0.01, 0.1), st.floats(-10.0, 10.0), st.floats(-2.0, 2.0))
def test_euler_error_shrinks_linearly_with_dt(R: float, h0: float, current: float, v0: float) -> None:
    assume(abs(R * current - v0) > 0.1)
    tau = 20.0
    errors = []
    for halvings in range(4):
        p = LIFParams(R=R, C=tau / R, dt=h0 * tau / 2**halvings, v_th=1e6)
        n_steps = round(tau / p.dt)  # one time constant
        sim = simulate_lif(np.full(n_steps, current), p, v0=v0)
        errors.append(np.max(np.abs(sim.v - v_constant_current(sim.t, current, p, v0))))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 1.8) and np.all(ratios < 2.2), ratios  # first order: halving dt halves the error


# ---------------------------------------------------------------- closed forms


@given(lif_params(), st.floats(-20.0, 50.0), st.floats(-1.0, 0.45), st.floats(0.0, 200.0))
def test_v_constant_current_solves_the_ode(p: LIFParams, current: float, v0: float, t: float) -> None:
    assert v_constant_current(0.0, current, p, v0) == pytest.approx(v0, abs=1e-12)
    # C dV/dt = I - V/R, with dV/dt from a central difference
    eps = 1e-4 * p.tau
    dvdt = (v_constant_current(t + eps, current, p, v0) - v_constant_current(t - eps, current, p, v0)) / (2 * eps)
    v = v_constant_current(t, current, p, v0)
    assert p.C * dvdt == pytest.approx(current - v / p.R, rel=1e-6, abs=1e-7 * (1 + abs(current)))
    assert v_constant_current(1e6 * p.tau, current, p, v0) == pytest.approx(p.R * current)


@given(lif_params(), st.floats(1.001, 1e4), st.floats(-1.0, 0.45))
def test_time_to_first_spike_lands_on_threshold(p: LIFParams, multiple: float, v0: float) -> None:
    current = multiple * p.rheobase
    t = time_to_first_spike(current, p, v0)
    assert 0 < t < np.inf
    assert v_constant_current(t, current, p, v0) == pytest.approx(p.v_th, rel=1e-9)
    assert isi(current, p) == pytest.approx(p.t_ref + time_to_first_spike(current, p, p.v_reset), rel=1e-15)


@given(lif_params(), st.lists(st.floats(0.001, 1e6), min_size=2, max_size=8))
def test_f_i_curve_is_monotone_and_bounded_and_invertible(p: LIFParams, multiples: list[float]) -> None:
    assume(not (p.reset == "none" and p.ref_steps == 0))
    currents = np.sort(np.array(multiples)) * p.rheobase
    rates = firing_rate(currents, p)
    assert np.all(np.diff(rates) >= 0)
    assert np.all(rates[currents <= p.rheobase] == 0)
    assert np.all(rates[currents > p.rheobase] > 0)
    if p.t_ref > 0:
        assert np.all(rates <= 1000 / p.t_ref)
    firing = (currents > p.rheobase * 1.001) & (currents < p.rheobase * 1e3)
    np.testing.assert_allclose(current_for_rate(rates[firing], p), currents[firing], rtol=1e-6)


@given(st.floats(0.01, 10.0), st.floats(0.0, 1e300))
def test_rate_never_exceeds_one_over_t_ref_even_for_huge_currents(t_ref: float, current: float) -> None:
    p = LIFParams(R=0.5, C=80.0, dt=0.1, t_ref=t_ref)
    rate = firing_rate(current, p)
    assert 0 <= rate <= 1000 / t_ref


def test_closed_forms_reject_meaningless_inputs() -> None:
    with pytest.raises(ValueError, match="v0"):
        time_to_first_spike(5.0, PAPER, v0=1.0)
    with pytest.raises(ValueError, match="reset='none'"):
        firing_rate(5.0, LIFParams(R=0.5, C=80.0, dt=1.0, reset="none"))
    with pytest.raises(ValueError, match="rate_hz"):
        current_for_rate(1000.0, PAPER)  # t_ref = 1 ms: 1000 Hz is unreachable
    assert time_to_first_spike(np.array([1.0, 2.0]), PAPER).tolist() == [np.inf, np.inf]  # R I <= v_th


# ---------------------------------------------------------------- simulation


def test_result_fields_are_consistent() -> None:
    p = LIFParams.paper(dt=0.5)
    sim = simulate_lif(np.full(400, 12.0), p)
    assert isinstance(sim, LIFResult) and sim.params is p
    assert sim.v.shape == sim.spikes.shape == sim.t.shape == (400,)
    np.testing.assert_allclose(sim.t, (np.arange(400) + 1) * 0.5)
    assert set(np.unique(sim.spikes)) <= {0.0, 1.0} and sim.spikes.sum() > 3
    np.testing.assert_array_equal(sim.spike_times, sim.t[sim.spikes == 1])
    assert sim.rate_hz == sim.spikes.sum() / (400 * 0.5) * 1000
    assert np.all(sim.v < p.v_th)


def test_landing_exactly_on_threshold_spikes() -> None:
    p = LIFParams(R=1.0, C=4.0, dt=1.0)  # input_gain = 0.25 and beta = 0.75: exact in binary
    sim = simulate_lif(np.array([4.0, 0.0]), p)  # V = 0.25 * 4.0 = 1.0 = v_th exactly
    np.testing.assert_array_equal(sim.spikes, [1.0, 0.0])


@pytest.mark.parametrize("reset", ["zero", "subtract", "none"])
@given(data=st.data())
def test_each_reset_mode_does_what_its_equation_says(reset: str, data: st.DataObject) -> None:
    p = data.draw(lif_params(reset=reset, t_ref=0.0))
    currents = data.draw(hnp.arrays(np.float64, 60, elements=st.floats(0.0, 3.0))) * kick(p)
    v0 = data.draw(st.floats(p.v_reset, p.v_th - 0.05))
    sim = simulate_lif(currents, p, v0=v0)
    v_prev = v0
    for n in range(len(currents)):
        v_pre = euler_step(v_prev, currents[n], p)  # what step (1) gives, before the threshold
        spiked = v_pre >= p.v_th
        assert sim.spikes[n] == spiked
        if spiked and reset == "zero":
            assert sim.v[n] == p.v_reset
        elif spiked and reset == "subtract":
            assert sim.v[n] == v_pre - (p.v_th - p.v_reset)
        else:
            assert sim.v[n] == v_pre
        v_prev = sim.v[n]


@given(st.integers(1, 5), st.floats(0.0, 0.9), st.sampled_from(["zero", "subtract", "none"]))
def test_refractory_neurons_are_held_at_v_reset_for_exactly_ref_steps(r: int, frac: float, reset: str) -> None:
    p = LIFParams(R=0.5, C=80.0, dt=0.5, v_reset=-0.2, t_ref=(r - frac) * 0.5, reset=reset)
    assert p.ref_steps == r
    strong = 3 * (p.v_th - p.v_reset) / p.input_gain  # crosses threshold in one step from anywhere >= v_reset
    sim = simulate_lif(np.full(50, strong), p, v0=p.v_reset)
    spike_steps = np.flatnonzero(sim.spikes)
    np.testing.assert_array_equal(spike_steps, np.arange(0, 50, r + 1))
    for s in spike_steps:
        held = sim.v[s + 1 : s + 1 + r]
        assert np.all(held == p.v_reset) and not sim.spikes[s + 1 : s + 1 + r].any()


@given(lif_params(max_h=0.3), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_refractory_hold_with_random_input(p: LIFParams, n_rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    currents = rng.uniform(0, 4, (n_rows, 80)) * kick(p)
    sim = simulate_lif(currents, p, v0=p.v_reset)
    for row_spikes, row_v in zip(sim.spikes, sim.v, strict=True):
        for s in np.flatnonzero(row_spikes):
            window = slice(s + 1, s + 1 + p.ref_steps)
            assert np.all(row_v[window] == p.v_reset) and not row_spikes[window].any()


@given(
    lif_params(),
    hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 40)), elements=st.floats(-2, 10)),
    st.sampled_from(["euler", "exact"]),
    st.data(),
)
def test_batch_rows_equal_separate_runs(p: LIFParams, currents: np.ndarray, method: str, data: st.DataObject) -> None:
    currents = currents * kick(p)
    v0 = data.draw(hnp.arrays(np.float64, currents.shape[0], elements=st.floats(-1.0, p.v_th - 0.01)))
    batch = simulate_lif(currents, p, v0=v0, method=method)
    for b in range(currents.shape[0]):
        single = simulate_lif(currents[b], p, v0=float(v0[b]), method=method)
        np.testing.assert_array_equal(batch.v[b], single.v)
        np.testing.assert_array_equal(batch.spikes[b], single.spikes)
        np.testing.assert_array_equal(batch.spike_times[b], single.spike_times)
        assert batch.rate_hz[b] == single.rate_hz


@pytest.mark.parametrize(
    ("current", "kwargs", "match"),
    [
        (np.float64(1.0), {}, r"current.*shape \(\)"),
        (np.ones((2, 3, 4)), {}, r"current.*shape \(2, 3, 4\)"),
        (np.ones((2, 0)), {}, r"current.*shape \(2, 0\)"),
        (np.array([1.0, np.nan]), {}, r"current.*NaN or inf"),
        (np.array([1.0, np.inf]), {}, r"current.*NaN or inf"),
        (np.ones(3), {"method": "rk4"}, r"method.*'rk4'"),
        (np.ones((2, 3)), {"v0": np.zeros(3)}, r"v0.*\(2,\).*\(3,\)"),
        (np.ones(3), {"v0": np.zeros(1)}, r"v0"),
        (np.ones(3), {"v0": np.nan}, r"v0.*NaN"),
    ],
)
def test_simulate_lif_rejects_bad_input(current: np.ndarray, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_lif(current, PAPER, **kwargs)


# ---------------------------------------------------------------- spiking versus the closed forms


@given(st.floats(1.01, 100.0), st.sampled_from([0.1, 0.25, 0.5, 1.0]), st.floats(-1.0, 0.9))
def test_first_spike_within_one_step_of_the_closed_form(multiple: float, dt: float, v0: float) -> None:
    p = LIFParams.paper(dt=dt)
    current = multiple * p.rheobase
    t_theory = time_to_first_spike(current, p, v0)
    sim = simulate_lif(np.full(math.ceil(t_theory / dt) + 3, current), p, v0=v0, method="exact")
    t_sim = sim.spike_times[0]
    # the exact step samples V(t) on the grid, so the first grid time at or after t_theory spikes
    assert t_theory - 1e-6 <= t_sim <= t_theory + dt + 1e-6  # 1e-6 ms: round-off allowance


def isi_bounds_hold(sim: LIFResult, currents: np.ndarray, p: LIFParams, euler_slack: np.ndarray) -> None:
    """Check the simulated ISIs and rates against the f-I curve, with the quantisation bound derived below.

    Continuous time: ISI = t_ref + T_c. Simulated: the neuron is held for ref_steps*dt >= t_ref, then needs
    ceil(T_c'/dt) steps to reach threshold, where T_c' = T_c for the exact step (it samples V(t) exactly) and
    T_c' <= T_c for Euler (it charges slightly faster). Hence
        -euler_slack <= ISI_sim - ISI <= (ref_steps*dt - t_ref) + dt.
    The count-based rate differs from 1000/ISI_sim by at most one spike over the run (the first spike, from
    v_reset without refractoriness, comes no later than one ISI).
    """
    isi_theory = isi(currents, p)
    duration = sim.t[-1]
    upper = (p.ref_steps * p.dt - p.t_ref) + p.dt + 1e-6
    for b, times in enumerate(sim.spike_times):
        assert len(times) >= 3
        gaps = np.diff(times)
        assert np.all(gaps - isi_theory[b] <= upper)
        assert np.all(gaps - isi_theory[b] >= -euler_slack[b] - 1e-6)
        assert np.ptp(gaps) < 1e-6  # constant current, reset to v_reset: every cycle is the same
        assert abs(sim.rate_hz[b] - 1000 / gaps.mean()) <= 1000 / duration + 1e-9


@given(
    st.lists(st.floats(1.2, 50.0), min_size=1, max_size=6),
    st.sampled_from([0.25, 0.5, 1.0]),
    st.floats(0.0, 3.0),
)
def test_simulated_f_i_matches_theory_exact_step(multiples: list[float], dt: float, t_ref: float) -> None:
    p = LIFParams(R=0.5, C=80.0, dt=dt, t_ref=t_ref)
    currents = np.array(multiples) * p.rheobase
    sim = simulate_lif(np.repeat(currents[:, None], round(600 / dt), axis=1), p, v0=p.v_reset, method="exact")
    isi_bounds_hold(sim, currents, p, euler_slack=np.zeros(len(currents)))


def test_simulated_f_i_matches_theory_euler_small_dt() -> None:
    p = LIFParams(R=0.5, C=80.0, dt=0.05, t_ref=1.0)
    currents = np.array([1.2, 1.5, 2.0, 4.0, 8.0, 20.0]) * p.rheobase
    sim = simulate_lif(np.repeat(currents[:, None], round(600 / p.dt), axis=1), p, v0=p.v_reset)
    # Euler's charge time is T_c * x / -ln(1 - x) with x = dt/tau, and -ln(1 - x) <= x + x^2 / (2(1 - x)),
    # so it undershoots T_c by at most T_c * x / (2(1 - x))
    x = p.dt / p.tau
    charge = isi(currents, p) - p.t_ref
    isi_bounds_hold(sim, currents, p, euler_slack=charge * x / (2 * (1 - x)))


@given(st.floats(0.1, 5.0), st.sampled_from([0.1, 0.5, 1.0]), st.floats(1.0, 1e12), st.sampled_from(["euler", "exact"]))
def test_simulated_rate_never_exceeds_one_over_t_ref(t_ref: float, dt: float, multiple: float, method: str) -> None:
    p = LIFParams(R=0.5, C=80.0, dt=dt, t_ref=t_ref)
    sim = simulate_lif(np.full(round(100 / dt), multiple * p.rheobase), p, method=method)
    gaps = np.diff(sim.spike_times)
    # every ISI is the hold (ref_steps*dt >= t_ref) plus at least one integration step
    assert np.all(gaps >= p.ref_steps * dt + dt - 1e-9) and np.all(gaps > t_ref)
    # the count over a finite run may hold one extra spike: the first one comes without a refractory hold
    assert sim.rate_hz <= 1000 / t_ref + 1000 / sim.t[-1]


@given(
    lif_params(min_h=0.02),
    st.lists(st.floats(-100.0, 1 - 1e-6), min_size=1, max_size=5),
    st.floats(-1.0, 1.0),
    st.sampled_from(["euler", "exact"]),
)
def test_below_rheobase_never_spikes(p: LIFParams, fractions: list[float], v0_frac: float, method: str) -> None:
    currents = np.array(fractions) * p.rheobase
    v0 = min(v0_frac * p.v_th, p.v_th - 1e-3)
    n_steps = math.ceil(20 * p.tau / p.dt)  # 20 time constants: V is within e^-20 of R I
    sim = simulate_lif(np.repeat(currents[:, None], n_steps, axis=1), p, v0=v0, method=method)
    assert sim.spikes.sum() == 0
    assert np.all(time_to_first_spike(currents, p, v0) == np.inf)
    if not (p.reset == "none" and p.ref_steps == 0):
        assert np.all(firing_rate(currents, p) == 0)


# ---------------------------------------------------------------- other libraries


def other_library_runs(p: LIFParams, currents: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each library's documented update, written by hand with translate()'s numbers.

    Returns {library: (V, spikes)} with the library's membrane shifted back to ours (V = U + v_reset).
    """
    tr = translate(p)
    out = {}

    sn = tr["snntorch"]  # U[t+1] = beta U[t] + x[t]; spike if U > threshold; reset_delay=False: same step
    u, vs, ss = 0.0, [], []
    for i in currents:
        u = sn["beta"] * u + (sn["input_scale"] * i + sn["input_offset"])
        s = float(u > sn["threshold"])
        if sn["reset_mechanism"] == "subtract":
            u = u - s * sn["threshold"]
        elif sn["reset_mechanism"] == "zero":
            u = u - s * u
        vs.append(u)
        ss.append(s)
    out["snntorch"] = (np.array(vs), np.array(ss))

    sj = tr["spikingjelly"]  # decay_input: V = V + (X - (V - V_reset)) / tau; spike if V >= v_threshold
    u, vs, ss = 0.0, [], []
    leak_to = 0.0 if sj["v_reset"] is None else sj["v_reset"]
    for i in currents:
        u = u + ((sj["input_scale"] * i + sj["input_offset"]) - (u - leak_to)) / sj["tau"]
        s = float(u >= sj["v_threshold"])
        if sj["reset"] == "hard":
            u = (1 - s) * u + s * sj["v_reset"]
        elif sj["reset"] == "soft":
            u = u - s * sj["v_threshold"]
        vs.append(u)
        ss.append(s)
    out["spikingjelly"] = (np.array(vs), np.array(ss))

    nr = tr["norse"]  # lif_box: dv = dt * tau_mem_inv * (x + v_leak - v); spike if v > v_th
    assert nr["dt_s"] * nr["tau_mem_inv_per_s"] == pytest.approx(nr["dt"] * nr["tau_mem_inv"], rel=1e-12)
    u, vs, ss = 0.0, [], []
    for i in currents:
        u = u + nr["dt"] * nr["tau_mem_inv"] * ((nr["input_scale"] * i + nr["input_offset"]) + nr["v_leak"] - u)
        s = float(u > nr["v_th"])
        if nr["reset_method"] == "reset_value":
            u = (1 - s) * u + s * nr["v_reset"]
        elif nr["reset_method"] == "reset_subtract":
            u = (1 - s) * u + s * (u - nr["v_th"])
        vs.append(u)
        ss.append(s)
    out["norse"] = (np.array(vs), np.array(ss))

    shift = tr["membrane_offset"]["v_reset"]
    return {name: (v + shift, s) for name, (v, s) in out.items()}


@given(lif_params(t_ref=0.0), st.integers(0, 2**32 - 1))
def test_translations_reproduce_our_euler_step(p: LIFParams, seed: int) -> None:
    rng = np.random.default_rng(seed)
    currents = rng.uniform(-1, 3, 5) * p.rheobase * 0.2  # a few sub-threshold steps
    ours, v = [], p.v_reset
    for i in currents:
        v = euler_step(v, i, p)
        ours.append(v)
    assert max(ours) < p.v_th
    for name, (v_lib, _) in other_library_runs(p, currents).items():
        np.testing.assert_allclose(v_lib, ours, rtol=1e-9, atol=1e-9, err_msg=name)


@given(lif_params(t_ref=0.0), st.integers(0, 2**32 - 1))
def test_translations_reproduce_spiking_and_reset(p: LIFParams, seed: int) -> None:
    rng = np.random.default_rng(seed)
    currents = rng.uniform(0, 3, 100) * (kick(p) + p.rheobase)
    sim = simulate_lif(currents, p, v0=p.v_reset)
    assume(sim.spikes.sum() > 0)
    for name, (v_lib, s_lib) in other_library_runs(p, currents).items():
        if name == "spikingjelly" and p.reset == "none":
            continue  # SpikingJelly's LIFNode always resets
        np.testing.assert_array_equal(s_lib, sim.spikes, err_msg=name)
        np.testing.assert_allclose(v_lib, sim.v, rtol=1e-9, atol=1e-9, err_msg=name)


def test_translate_paper_numbers() -> None:
    tr = translate(LIFParams.paper())
    assert tr["snntorch"]["beta"] == 1 - 1 / 40 and tr["snntorch"]["input_scale"] == 1 / 80
    assert tr["spikingjelly"]["tau"] == 40.0 and tr["spikingjelly"]["input_scale"] == 0.5
    assert tr["norse"]["tau_mem_inv"] == 1 / 40 and tr["norse"]["tau_mem_inv_per_s"] == 25.0
    assert tr["norse"]["dt_s"] == 0.001 and tr["snntorch"]["input_offset"] == 0.0


@pytest.mark.parametrize("fused", [True, False])
def test_an_infinite_threshold_with_reset_by_subtraction_integrates_like_no_reset(fused):
    """A read-out that never fires (v_th = ∞, as conversion's read-out): its reset term S·(θ − v_reset) is 0, but
    computed as 0·∞ it was NaN -- the unrolled forward and the fused backward returned NaN (found by the export)."""
    from minisnn import Tensor, nn

    x = np.random.default_rng(0).random((5, 2, 3))
    results = []
    for reset in ("subtract", "none"):
        layer = nn.LIF(LIFParams(R=2.0, C=1.0, dt=1.0, v_th=np.inf, reset=reset), output="membrane", fused=fused)
        current = Tensor(x, requires_grad=True)
        out = layer(current)
        (out * out).sum().backward()
        results.append((out.data, current.grad))
    (v_subtract, g_subtract), (v_none, g_none) = results
    assert np.all(np.isfinite(v_subtract)) and np.all(np.isfinite(g_subtract))
    np.testing.assert_array_equal(v_subtract, v_none)  # the same operations: no reset happens in either
    np.testing.assert_array_equal(g_subtract, g_none)
