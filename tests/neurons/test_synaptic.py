"""The current-based LIF neuron: its step against the closed forms, convergence, first spikes, f–I, translations."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minisnn.integrators import convergence_order
from minisnn.neuron import LIFParams, firing_rate, simulate
from minisnn.synaptic import (
    SynapticParams,
    i_step_response,
    psc_kernel,
    psp_kernel,
    steady_state_firing_rate,
    time_to_first_spike,
    v_step_response,
)
from minisnn.translate import translate_synaptic


def quiet(**kwargs) -> SynapticParams:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return SynapticParams(**kwargs)


@st.composite
def synaptic(draw, method="exact", v_th=1e9, t_ref=0.0):
    tau_m = draw(st.floats(2.0, 50.0))
    tau_syn = draw(st.one_of(st.floats(1.0, 80.0), st.just(tau_m)))  # equal time constants included
    r = draw(st.floats(0.2, 5.0))
    h = draw(st.floats(0.005, 0.3))
    return quiet(R=r, C=tau_m / r, dt=h * min(tau_m, tau_syn), tau_syn=tau_syn, v_th=v_th, t_ref=t_ref, method=method)


@given(synaptic(), st.floats(-5, 5), st.floats(-2, 2), st.floats(-5, 5))
def test_exact_step_reproduces_the_step_response(p, current, v0, i0):
    n = 150
    state = p.initial_state((1,), v0=v0, i0=i0)
    vs, is_ = [], []
    for _ in range(n):
        _, state = p.step(state, np.array([current]))
        vs.append(state.v[0])
        is_.append(state.i_syn[0])
    t = (np.arange(n) + 1) * p.dt
    scale = max(1.0, abs(p.R * current), abs(v0), abs(p.R * i0))
    np.testing.assert_allclose(vs, v_step_response(t, current, p, v0, i0), atol=1e-10 * scale)
    np.testing.assert_allclose(is_, i_step_response(t, current, p, i0), atol=1e-10 * max(1, abs(current), abs(i0)))


@given(synaptic(), st.floats(0.1, 5), st.floats(0.0, 300.0))
def test_step_response_solves_the_two_odes(p, current, t):
    """tau_m dV/dt = -V + R I_s(t), with I_s(t) the synaptic step response; checked by central differences."""
    eps = 1e-4 * min(p.tau, p.tau_syn)
    t = t + 2 * eps
    dvdt = (v_step_response(t + eps, current, p) - v_step_response(t - eps, current, p)) / (2 * eps)
    lhs = p.tau * dvdt
    rhs = -v_step_response(t, current, p) + p.R * i_step_response(t, current, p)
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-8 * (1 + p.R * current))
    assert v_step_response(0.0, current, p) == 0.0
    assert v_step_response(1e7, current, p) == pytest.approx(p.R * current)


@settings(max_examples=6)
@given(synaptic(), st.floats(0.1, 10.0))
def test_kernels_are_the_impulse_responses(p, charge):
    """A pulse of charge q in one step (I = q/dt) approaches the PSC/PSP kernels as dt -> 0 (exact step; the
    pulse's centre is at dt/2, which makes the error second order in dt)."""
    fine = quiet(R=p.R, C=p.C, dt=min(p.tau, p.tau_syn) / 200, tau_syn=p.tau_syn, v_th=1e9, method="exact")
    n = round(3 * max(p.tau, p.tau_syn) / fine.dt)
    current = np.zeros(n)
    current[0] = charge / fine.dt
    sim = simulate(current, fine)
    t = (np.arange(n) + 1) * fine.dt
    peak = charge / p.tau_syn
    psc = psc_kernel(t[1:] - fine.dt / 2, fine, charge)
    np.testing.assert_allclose(sim.i_syn[1:], psc, rtol=1e-3, atol=1e-4 * peak)
    v_scale = max(np.max(np.abs(psp_kernel(t, fine, charge))), 1e-12)
    np.testing.assert_allclose(sim.v, psp_kernel(t - fine.dt / 2, fine, charge), atol=2e-3 * v_scale)
    # the PSC carries the whole charge
    from scipy.integrate import quad

    assert quad(lambda x: psc_kernel(x, fine, charge), 0, np.inf)[0] == pytest.approx(charge, rel=1e-8)


def test_psp_peak_time():
    p = SynapticParams(R=1.0, C=10.0, dt=0.01, tau_syn=5.0)
    t = np.linspace(0, 60, 600001)
    peak = t[np.argmax(psp_kernel(t, p))]
    expected = p.tau * p.tau_syn * math.log(p.tau_syn / p.tau) / (p.tau_syn - p.tau)
    assert peak == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(("method", "order"), [("euler", 1.0)])
def test_euler_is_first_order(method, order):
    """Global error at a fixed time against the step response, halving dt: the fitted order is 1."""
    errors, dts = [], []
    for k in range(5, 11):
        dt = 2.0**-k * 10
        p = quiet(R=1.0, C=10.0, dt=dt, tau_syn=4.0, v_th=1e9, method=method)
        n = round(20.0 / dt)
        sim = simulate(np.full(n, 2.0), p)
        errors.append(abs(sim.v[-1] - v_step_response(20.0, 2.0, p)))
        dts.append(dt)
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert slope == pytest.approx(order, abs=0.1)
    assert callable(convergence_order)  # the LIF's order is measured in test_integrators.py


@given(synaptic(v_th=1.0), st.floats(1.05, 50.0), st.floats(-0.5, 0.9))
def test_time_to_first_spike_lands_on_threshold(p, multiple, v0):
    current = multiple * p.rheobase
    t = time_to_first_spike(current, p, v0)
    assert 0 < t < np.inf
    assert v_step_response(t, current, p, v0) == pytest.approx(p.v_th, rel=1e-9, abs=1e-9)
    assert np.all(v_step_response(np.linspace(0, t, 50)[:-1], current, p, v0) < p.v_th + 1e-12)
    assert time_to_first_spike(0.9 * p.rheobase, p) == np.inf


@given(st.floats(1.2, 20.0), st.sampled_from([0.05, 0.1, 0.25]), st.floats(1.0, 30.0))
def test_first_spike_within_one_step_of_the_closed_form(multiple, dt, tau_syn):
    p = SynapticParams(R=0.5, C=80.0, dt=dt, tau_syn=tau_syn, method="exact")
    current = multiple * p.rheobase
    t_theory = time_to_first_spike(current, p)
    sim = simulate(np.full(math.ceil(t_theory / dt) + 3, current), p)
    assert t_theory - 1e-6 <= sim.spike_times[0] <= t_theory + dt + 1e-6


@given(st.lists(st.floats(1.2, 30.0), min_size=1, max_size=4), st.floats(0.0, 2.0), st.floats(1.0, 20.0))
def test_settled_f_i_curve_equals_the_lif_curve(multiples, t_ref, tau_syn):
    """Once I_s has settled (i0 = I), the synapse only filters: the ISI is the LIF's, within the grid bound."""
    p = SynapticParams(R=0.5, C=80.0, dt=0.25, tau_syn=tau_syn, t_ref=t_ref, method="exact")
    lif = LIFParams(R=0.5, C=80.0, dt=0.25, t_ref=t_ref, method="exact")
    currents = np.array(multiples) * p.rheobase
    np.testing.assert_array_equal(steady_state_firing_rate(currents, p), firing_rate(currents, lif))
    n = round(800 / p.dt)
    state = p.initial_state((len(currents),), i0=currents)
    fired = np.zeros((n, len(currents)), bool)
    for k in range(n):
        fired[k], state = p.step(state, currents)
    times = [(np.flatnonzero(fired[:, b]) + 1) * p.dt for b in range(len(currents))]
    isi_theory = 1000 / firing_rate(currents, lif)
    upper = (p.ref_steps * p.dt - p.t_ref) + p.dt + 1e-6
    for b, tb in enumerate(times):
        gaps = np.diff(tb)
        assume(len(gaps) >= 2)
        assert np.all(gaps - isi_theory[b] <= upper) and np.all(gaps - isi_theory[b] >= -1e-6)


def test_refractoriness_acts_on_v_only_the_synapse_keeps_integrating():
    p = SynapticParams(R=1.0, C=5.0, dt=1.0, tau_syn=10.0, t_ref=3.0)
    sim = simulate(np.full(40, 30.0), p)
    spike = int(np.flatnonzero(sim.spikes)[0])
    assert np.all(np.diff(sim.i_syn[spike : spike + 4]) > 0)  # I_s still rising while V is held
    assert np.all(sim.v[spike + 1 : spike + 4] == p.v_reset)


def test_validation_and_warnings():
    with pytest.raises(ValueError, match=r"tau_syn must be positive and finite, got tau_syn=0\.0"):
        SynapticParams(R=1, C=1, dt=0.1, tau_syn=0.0)
    with pytest.raises(TypeError, match="tau_syn must be a real number"):
        SynapticParams(R=1, C=1, dt=0.1, tau_syn="5")
    with pytest.warns(RuntimeWarning, match=r"dt=1\.0 >= tau_syn=1\.0"):
        SynapticParams(R=1, C=10, dt=1.0, tau_syn=1.0)
    assert isinstance(SynapticParams.paper(), LIFParams) and SynapticParams.paper().tau_syn == 60.0


# ------------------------------------------------------------------------------------ other libraries
def hand_written_runs(p: SynapticParams, currents: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """snnTorch's Synaptic and Norse's LIF (with synaptic current) updates, written by hand from translate."""
    tr = translate_synaptic(p)
    out = {}
    sn = tr["snntorch"]  # syn = alpha syn + x; mem = beta mem + syn; spike if mem > threshold; same-step reset
    syn, mem = sn["initial_syn"], 0.0
    vs, ss = [], []
    for n in range(len(currents)):
        previous = currents[n - sn["input_delay"]] if n >= sn["input_delay"] else 0.0
        syn = sn["alpha"] * syn + (sn["input_scale"] * previous + sn["input_offset"])
        mem = sn["beta"] * mem + syn
        s = float(mem > sn["threshold"])
        if sn["reset_mechanism"] == "subtract":
            mem -= s * sn["threshold"]
        elif sn["reset_mechanism"] == "zero":
            mem -= s * mem
        vs.append(mem)
        ss.append(s)
    out["snntorch"] = (np.array(vs), np.array(ss))
    nr = tr["norse"]  # lif_feed_forward_step: v from the old i, then i decays and jumps by the input
    v = i = 0.0
    vs, ss = [], []
    for x in currents:
        v = v + nr["dt"] * nr["tau_mem_inv"] * ((nr["v_leak"] - v) + i)
        i = i - nr["dt"] * nr["tau_syn_inv"] * i
        s = float(v > nr["v_th"])
        if nr["reset_method"] == "reset_value":
            v = (1 - s) * v + s * nr["v_reset"]
        elif nr["reset_method"] == "reset_subtract":
            v = v - s * nr["v_th"]
        i = i + nr["input_scale"] * x + nr["input_offset"]
        vs.append(v)
        ss.append(s)
    out["norse"] = (np.array(vs), np.array(ss))
    shift = tr["membrane_offset"]["v_reset"]
    return {k: (v + shift, s) for k, (v, s) in out.items()}


@given(st.floats(3.0, 30.0), st.floats(2.0, 40.0), st.sampled_from([0.0, -0.3]), st.sampled_from(["zero", "subtract"]),
       st.integers(0, 2**32 - 1))  # fmt: skip
def test_translations_reproduce_our_step(tau_m, tau_syn, v_reset, reset, seed):
    p = SynapticParams(R=1.0, C=tau_m, dt=0.5, tau_syn=tau_syn, v_reset=v_reset, reset=reset)
    currents = np.random.default_rng(seed).uniform(0, 4, 120)
    ours = simulate(currents, p, v0=p.v_reset)
    assume(0 < ours.spikes.sum())
    for name, (v, s) in hand_written_runs(p, currents).items():
        np.testing.assert_array_equal(s, ours.spikes, err_msg=name)
        np.testing.assert_allclose(v, ours.v, rtol=1e-9, atol=1e-9, err_msg=name)
    with pytest.raises(ValueError, match="method='euler'"):
        translate_synaptic(SynapticParams(R=1.0, C=5.0, dt=0.5, tau_syn=3.0, method="exact"))
