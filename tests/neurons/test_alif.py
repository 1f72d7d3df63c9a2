"""The adaptive LIF neuron: spike-frequency adaptation against its closed form (minisnn.neurons.alif)."""

import math

import numpy as np
import pytest

from minisnn.neurons import ALIFParams, LIFParams, simulate
from minisnn.neurons.alif import adapted_isi, adapted_rate, threshold_after, time_to_first_spike

CASES = [  # (reset, t_ref, b, tau_a): both resets, with and without refractoriness, weak to strong adaptation
    ("subtract", 0.0, 0.5, 100.0),
    ("zero", 2.0, 1.5, 50.0),
    ("subtract", 1.0, 0.2, 300.0),
]
CURRENTS = np.array([1.5, 2.0, 4.0])  # R = 1: rheobase 1


def run(reset, t_ref, b, tau_a, dt=0.02):
    p = ALIFParams(R=1.0, C=10.0, dt=dt, b=b, tau_a=tau_a, reset=reset, t_ref=t_ref, method="exact")
    steps = int(8 * tau_a / dt) + 2000  # eight adaptation time constants: settled
    return p, simulate(np.repeat(CURRENTS[:, None], steps, axis=1), p)


@pytest.mark.parametrize("case", CASES)
def test_the_adapted_interval_equals_its_self_consistent_closed_form(case):
    """The exact step and dt = 0.02 ms: what remains is the grid, each spike time rounded to a step (≤ 2 dt)."""
    p, result = run(*case)
    for k, times in enumerate(result.spike_times):
        last = np.diff(times)[-1]
        assert abs(last - adapted_isi(CURRENTS[k], p)) <= 2 * p.dt, (case, CURRENTS[k])


@pytest.mark.parametrize("case", CASES)
def test_intervals_lengthen_from_the_first_spike_on(case):
    """Spike-frequency adaptation: under a constant current every interval is at least the one before (up to the grid),
    and the last is clearly longer than the first; the first spike comes when the LIF's would."""
    p, result = run(*case)
    for k, times in enumerate(result.spike_times):
        isi = np.diff(times)
        assert np.all(np.diff(isi) >= -1.01 * p.dt)
        assert isi[-1] > 1.2 * isi[0]
        assert abs(times[0] - time_to_first_spike(CURRENTS[k], p)) <= p.dt + 1e-9


def test_the_periodic_orbit_is_self_consistent():
    """At the adapted interval T the membrane (from v_reset after t_ref) meets the decaying threshold exactly at T."""
    p = ALIFParams(R=2.0, C=5.0, dt=0.1, b=0.8, tau_a=150.0, t_ref=1.5, v_reset=-0.2)
    for current in (0.8, 1.2, 3.0):
        t = adapted_isi(current, p)
        v = 2.0 * current + (p.v_reset - 2.0 * current) * math.exp(-(t - p.t_ref) / p.tau)
        assert v == pytest.approx(threshold_after(t, t, p), rel=1e-10)
        assert adapted_rate(current, p) == pytest.approx(1000 / t)
    assert adapted_isi(0.5, p) == np.inf and adapted_rate(0.5, p) == 0  # R I = 1 = v_th: no spike


def test_adapted_rate_falls_with_b_and_tau_a_and_equals_the_lif_without_adaptation():
    base = ALIFParams(R=1.0, C=10.0, dt=0.1, b=0.5, tau_a=100.0)
    rates = [adapted_rate(2.0, ALIFParams(R=1.0, C=10.0, dt=0.1, b=b, tau_a=100.0)) for b in (0.1, 0.5, 2.0)]
    assert rates[0] > rates[1] > rates[2]
    assert adapted_rate(2.0, ALIFParams(R=1.0, C=10.0, dt=0.1, b=0.5, tau_a=400.0)) < adapted_rate(2.0, base)
    from minisnn.neurons.lif_theory import firing_rate

    lif = LIFParams(R=1.0, C=10.0, dt=0.1)
    assert adapted_rate(2.0, ALIFParams(R=1.0, C=10.0, dt=0.1, b=1e-12, tau_a=100.0)) == pytest.approx(
        float(firing_rate(2.0, lif)), rel=1e-6
    )


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_without_adaptation_it_is_the_lif(reset):
    current = np.random.default_rng(0).uniform(0, 3, (4, 300))
    alif = simulate(current, ALIFParams(R=1.0, C=5.0, dt=0.5, b=0.0, reset=reset, t_ref=1.0))
    lif = simulate(current, LIFParams(R=1.0, C=5.0, dt=0.5, reset=reset, t_ref=1.0))
    np.testing.assert_array_equal(alif.spikes, lif.spikes)
    np.testing.assert_allclose(alif.v, lif.v, atol=1e-12)


def test_the_adaptation_variable_counts_decayed_spikes():
    p = ALIFParams(R=1.0, C=2.0, dt=1.0, b=0.3, tau_a=20.0)
    result = simulate(np.full(200, 2.5), p)
    expected = np.zeros(200)
    a = 0.0
    for n in range(200):
        a = a * math.exp(-1.0 / 20.0) + result.spikes[n]
        expected[n] = a
    np.testing.assert_allclose(result.a, expected, rtol=1e-12)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="tau_a must be positive"):
        ALIFParams(R=1.0, C=1.0, dt=0.1, tau_a=0.0)
    with pytest.raises(ValueError, match="b must be >= 0"):
        ALIFParams(R=1.0, C=1.0, dt=0.1, b=-1.0)
    with pytest.raises(TypeError, match="b must be a real number"):
        ALIFParams(R=1.0, C=1.0, dt=0.1, b="1")
    with pytest.raises(TypeError, match="closed form of the plain LIF"):
        from minisnn.neurons.lif_theory import firing_rate

        firing_rate(2.0, ALIFParams(R=1.0, C=1.0, dt=0.1))
