"""Izhikevich's model: the published parameter sets reproduce their firing patterns; rest and dt convergence."""

import math

import numpy as np
import pytest

from minisnn.neurons import IzhikevichParams, simulate
from minisnn.neurons.izhikevich import PRESETS


def train(name, current=10.0, dt=0.1, rest_ms=200.0, drive_ms=1000.0):
    """Spike times [ms] after a step of ``current`` switched on at ``rest_ms`` (the neuron first settles at rest)."""
    p = IzhikevichParams.preset(name, dt=dt)
    drive = np.full(int(round((rest_ms + drive_ms) / dt)), current)
    drive[: int(round(rest_ms / dt))] = 0.0
    times = simulate(drive, p).spike_times
    return times[times > rest_ms] - rest_ms


def bursts(times, gap=20.0):
    """Groups of spikes separated by intervals longer than ``gap`` ms."""
    return np.split(times, np.flatnonzero(np.diff(times) > gap) + 1)


def test_regular_spiking_adapts():
    isi = np.diff(train("RS"))
    assert np.all(isi > 10)  # tonic: no burst
    assert isi[-1] > 2 * isi[0]  # the intervals lengthen (measured: 17.8 -> 45.1 ms)


def test_intrinsically_bursting_starts_with_a_burst_then_fires_tonically():
    times = train("IB")
    groups = bursts(times)
    assert len(groups[0]) >= 3 and np.all(np.diff(groups[0]) < 10)  # an initial burst (measured: 3 spikes)
    assert all(len(g) == 1 for g in groups[1:]) and len(groups) > 10  # then single spikes, tonically


def test_chattering_repeats_its_bursts():
    groups = bursts(train("CH"))
    assert len(groups) >= 10  # repeated bursts (measured: 17 in 1 s)
    assert all(len(g) >= 3 and np.all(np.diff(g) < 10) for g in groups[:-1])  # of closely spaced spikes


def test_fast_spiking_is_fast_and_does_not_adapt():
    isi = np.diff(train("FS"))
    assert 1000 / isi[-1] > 100  # high frequency (measured: 128 Hz)
    assert np.all(isi < 10)  # no pause, no burst
    settled = isi[5:]
    assert settled.std() / settled.mean() < 0.02  # regular after a few spikes
    rs = np.diff(train("RS"))
    assert isi[-1] / isi[0] < rs[-1] / rs[0]  # less slowing than regular spiking


def test_it_rests_at_its_stable_fixed_point():
    """Without input v' = 0 and u' = 0: 0.04v² + (5 - b)v + 140 = 0, the lower root stable."""
    for name in PRESETS:
        p = IzhikevichParams.preset(name)
        v_rest = (-(5 - p.b) - math.sqrt((5 - p.b) ** 2 - 4 * 0.04 * 140)) / (2 * 0.04)
        result = simulate(np.zeros(int(2000 / p.dt)), p)
        assert result.v[-1] == pytest.approx(v_rest, abs=1e-3) and result.u[-1] == pytest.approx(p.b * v_rest, abs=1e-3)
        assert result.spikes.sum() == 0


def test_spike_times_converge_to_first_order_in_dt():
    def first_spikes(dt):
        p = IzhikevichParams.preset("RS", dt=dt)
        return simulate(np.full(int(round(300 / dt)), 10.0), p).spike_times[:5]

    reference = first_spikes(0.001)
    dts = np.array([0.2, 0.1, 0.05, 0.025])
    errors = np.array([np.abs(first_spikes(dt) - reference).max() for dt in dts])
    order = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert 0.7 < order < 1.4, (errors, order)  # measured: about 1
    assert errors[-1] < 0.5  # ms, at dt = 0.025 ms


def test_reset_and_spike_are_the_documented_step():
    p = IzhikevichParams.preset("CH")
    state = p.initial_state((1,))._replace(v=np.array([29.0]), u=np.array([-10.0]))
    spikes, after = p.step(state, np.array([10.0]))
    v_euler = 29.0 + 0.1 * (0.04 * 29.0**2 + 5 * 29.0 + 140 + 10.0 + 10.0)
    assert v_euler >= 30 and spikes[0] and after.v[0] == p.c
    assert after.u[0] == pytest.approx(-10.0 + 0.1 * 0.02 * (0.2 * 29.0 + 10.0) + p.d)


def test_presets_and_bad_parameters():
    assert IzhikevichParams.preset("FS").a == 0.1 and "FS" in IzhikevichParams.preset("FS").summary()
    with pytest.raises(ValueError, match="must be one of"):
        IzhikevichParams.preset("XX")
    with pytest.raises(ValueError, match="dt must be at most 1 ms"):
        IzhikevichParams(dt=2.0)
    with pytest.raises(ValueError, match="c must be < v_peak"):
        IzhikevichParams(c=40.0)
    with pytest.raises(TypeError, match="a must be a real number"):
        IzhikevichParams(a="0.02")
