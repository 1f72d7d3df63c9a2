"""Rate and latency encoders; spike statistics."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn import SNNConv2d, Tensor, encoding, nn, spikestats
from minisnn.neuron import time_to_first_spike


def test_rate_code_matches_the_requested_rate_range():
    x = np.array([0.0, 0.5, 1.0])
    spikes = encoding.rate(np.repeat(x[None], 2000, 0), 100, rng=0, f_min=100, f_max=200, dt=1.0)
    measured_hz = spikes.mean(axis=(0, 1)) * 1000
    expected = 100 + x * 100
    # the count over 2000×100 Bernoulli trials: std of the rate estimate √(p(1−p)/n)·1000 ≈ 2 Hz
    np.testing.assert_allclose(measured_hz, expected, atol=8)


@given(st.integers(0, 2**31), st.integers(1, 20))
def test_rate_code_is_seeded_binary_and_shaped(seed, steps):
    x = np.random.default_rng(seed).random((3, 4)).astype(np.float32)
    a, b = encoding.rate(x, steps, rng=seed), encoding.rate(x, steps, rng=seed)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (steps, 3, 4) and a.dtype == np.float32 and set(np.unique(a)) <= {0.0, 1.0}
    assert np.all(encoding.rate(np.zeros((3, 4)), steps, rng=seed) == 0)
    assert np.all(encoding.rate(np.ones((3, 4)), steps, rng=seed) == 1)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=10), st.integers(1, 16))
def test_latency_linear_one_spike_brighter_earlier(values, steps):
    x = np.array(values)
    spikes = encoding.latency(x, steps, threshold=0.01)
    assert np.all(spikes.sum(axis=0) == (x > 0.01))
    first = np.argmax(spikes, axis=0)
    np.testing.assert_array_equal(first[x > 0.01], np.rint((1 - x[x > 0.01]) * (steps - 1)))


def test_latency_rc_uses_the_lif_time_to_first_spike():
    x = np.array([0.05, 0.1, 0.3, 1.0])
    spikes = encoding.latency(x, 50, method="rc", tau=10.0, threshold=0.04)
    expected = 10.0 * np.log(x / (x - 0.04))
    np.testing.assert_array_equal(np.argmax(spikes, axis=0), np.rint(expected))
    from minisnn import LIFParams

    np.testing.assert_allclose(expected, time_to_first_spike(x, LIFParams(R=1, C=10, dt=1, v_th=0.04)))


def test_encoder_errors():
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        encoding.rate(np.array([1.5]), 5)
    with pytest.raises(ValueError, match="num_steps must be an int ≥ 1"):
        encoding.rate(np.array([0.5]), 0)
    with pytest.raises(ValueError, match="spike probability 2 > 1"):
        encoding.rate(np.array([0.5]), 5, f_max=2000, dt=1.0)
    with pytest.raises(ValueError, match="method must be 'linear' or 'rc'"):
        encoding.latency(np.array([0.5]), 5, method="log")
    with pytest.raises(TypeError, match="floating-point"):
        encoding.rate(np.array([1]), 5)


def test_spike_statistics():
    spikes = np.zeros((4, 2, 3))
    spikes[0, 0, 0] = spikes[1, 0, 0] = spikes[3, 1, 2] = 1
    assert spikestats.firing_rate(spikes) == 3 / 24
    assert spikestats.firing_rate(spikes, dt_ms=0.5) == 3 / 24 / 0.5 * 1000
    assert spikestats.silent_fraction(spikes) == 4 / 6
    assert spikestats.synaptic_operations(spikes, fan_out=288) == 3 * 288
    assert spikestats.conv_fan_out(32, (3, 3)) == 288
    assert spikestats.conv_macs((2, 8, 4, 4), 3, (3, 3)) == 2 * 8 * 16 * 27


def test_recording_statistics_read_the_recorded_forward():
    layer = SNNConv2d(1, 2, 1, num_steps=4, noise_std=0.0, rng=0)
    layer.conv.weight.data[:] = np.array([10.0, 0.0], np.float32).reshape(2, 1, 1, 1)
    layer.conv.bias.data[:] = 0
    with nn.record(layer) as rec:
        layer(Tensor(np.ones((1, 1, 2, 2), np.float32)))
    stats = rec.statistics()["neurons"]
    assert stats["silent_fraction"] == 0.5  # channel 1 gets no current
    assert stats["rate"] == pytest.approx(float(rec.spikes().mean())) and stats["rate"] > 0
    assert stats["neurons"] == 8 and stats["num_steps"] == 4
