"""The seed paper's Table 1, every row: the preset, its input mapping into the 100–200 Hz band, the layer firing
in the band on a real photo, and an SC-NN built with it that is not silent and learns."""

import numpy as np
import pytest

from minisnn import LIFParams, SNNConv2d, Tensor, nn
from minisnn.neuron import current_for_rate, simulate, time_to_first_spike
from minisnn.paper import NUM_STEPS, TABLE1, table1, window_rate
from minisnn.synaptic import SynapticParams


def test_every_row_of_table_1_is_used():
    t1 = table1()
    n = t1.neuron
    assert isinstance(n, SynapticParams)
    assert (n.v_th, n.v_reset, n.t_ref, n.tau, n.C, n.tau_syn) == (
        TABLE1["threshold"], TABLE1["reset_potential"], TABLE1["refractory_period_ms"],
        TABLE1["membrane_time_constant_ms"], TABLE1["capacitance"], TABLE1["psc_time_constant_ms"],
    )  # fmt: skip
    assert (t1.noise.tau, t1.noise.std) == (TABLE1["noise_ms"], TABLE1["noise_std"])
    assert t1.rate_range_hz == TABLE1["firing_rate_range_hz"] and t1.num_steps == NUM_STEPS == 100


def test_the_input_map_sends_0_and_1_to_the_ends_of_the_band():
    t1 = table1()
    low, high = t1.input_offset, t1.input_offset + t1.input_scale
    np.testing.assert_array_equal(window_rate([low, high], t1.neuron, t1.num_steps), [100.0, 200.0])
    just_below = window_rate([low * (1 - 1e-4), high * (1 - 1e-4)], t1.neuron, t1.num_steps)
    assert np.all(just_below < [100.0, 200.0])  # the smallest such currents


def test_t_8_cannot_represent_the_band():
    """With the plain LIF reading, a neuron driven to fire at 100 Hz fires first after 9 ms: never in 8 steps."""
    p = LIFParams.paper()
    current = current_for_rate(100.0, p)
    assert time_to_first_spike(current, p) > 8.0
    assert simulate(np.full(8, current), p).spikes.sum() == 0


def test_the_table_1_layer_fires_in_the_band_on_a_real_photo():
    pytest.importorskip("skimage")
    from minisnn.data import sample_photos

    t1 = table1()
    photo = sample_photos("val")[0][:, :48, :48]  # (3, 48, 48) in [0, 1]
    layer = SNNConv2d(3, 2, 3, padding=1, output="rate", rng=0, **t1.snnconv2d_kwargs())
    layer.conv.weight.data[:] = 1.0 / 27  # each neuron sees the local mean intensity x in [0, 1]
    layer.conv.bias.data[:] = 0.0
    for mode in ("eval", "train"):  # without and with the OU noise
        getattr(layer, mode)()
        rate_hz = layer(Tensor(photo[None])).data * 1000.0 / t1.neuron.dt
        inside = np.mean((rate_hz >= 100 - 10) & (rate_hz <= 200 + 10))  # one spike in 100 ms = 10 Hz
        assert inside > 0.95, (mode, inside)
        assert rate_hz.std() > 5  # the rate carries the image, it is not a constant


def test_an_scnn_with_the_table_1_layer_is_not_silent_and_learns():
    pytest.importorskip("skimage")
    from minisnn.data import sample_photos, validation_set
    from minisnn.inpainting import SCNN, fit
    from minisnn.inpainting.train import predict

    model = SCNN.table1(rng=0, width=4)
    val = validation_set(sample_photos("val"), 24, 4, seed=1)
    history = fit(model, sample_photos("train"), val, steps=16, batch_size=2, crop_size=24, lr=3e-3,
                  loss="hole_weighted", val_every=8, progress=False)  # fmt: skip
    with nn.record(model) as rec:
        predict(model, val.inputs)
    spikes = rec.spikes()
    assert spikes.mean() > 0.05 and (spikes.sum(axis=0) == 0).mean() < 0.5
    assert history.val["hole_psnr"][-1] > history.val["hole_psnr"][0]


def test_the_two_noise_readings_and_what_they_change():
    """The module docstring's numbers: our OU current moves V by about 0.022 θ and changes a few % of the 100-step
    spike counts; the paper's placement (std 0.1 on the convolution's output, times the map's scale) most of them."""
    from minisnn.neurons import simulate
    from minisnn.noise import stationary_variance

    ours, papers = table1(), table1(noise="paper")
    assert ours.conv_noise_std == 0 and ours.noise.std == 0.1 and ours.noise.tau == 10.0
    assert papers.noise is None and papers.conv_noise_std == 0.1 and papers.input_scale == ours.input_scale
    assert np.sqrt(stationary_variance(ours.neuron, ours.noise)) == pytest.approx(0.0225, abs=0.001)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 600)
    drive = np.repeat((ours.input_offset + ours.input_scale * x)[:, None], ours.num_steps, axis=1)
    clean = simulate(drive, ours.neuron).spikes.sum(axis=1)
    noisy = simulate(drive, ours.neuron, noise=ours.noise, rng=1).spikes.sum(axis=1)
    shifted = x + rng.normal(0, 0.1, x.shape)
    moved = simulate(np.repeat((ours.input_offset + ours.input_scale * shifted)[:, None], ours.num_steps, axis=1),
                     ours.neuron).spikes.sum(axis=1)  # fmt: skip
    assert 0.01 < np.mean(noisy != clean) < 0.08
    assert 0.5 < np.mean(moved != clean) < 0.7
    with pytest.raises(ValueError, match="noise must be one of"):
        table1(noise="white")


def test_the_band_needs_these_currents_and_is_a_window_rate():
    """20.7-50.1 for the synaptic layer over 100 ms from rest (the plain LIF's steady state: 9.9-21.0), and the same
    currents fire at 198-380 Hz once the synapse has settled."""
    from minisnn.synaptic import steady_state_firing_rate

    t = table1()
    low, high = t.input_offset, t.input_offset + t.input_scale
    assert low == pytest.approx(20.75, abs=0.05) and high == pytest.approx(50.07, abs=0.05)
    lif = t.neuron.membrane_neuron()
    assert current_for_rate(100.0, lif) == pytest.approx(9.93, abs=0.01)
    assert current_for_rate(200.0, lif) == pytest.approx(21.02, abs=0.01)
    settled = steady_state_firing_rate(np.array([low, high]), t.neuron)
    assert settled[0] == pytest.approx(198, abs=1) and settled[1] == pytest.approx(380, abs=1)


def test_the_papers_noise_placement_in_an_snnconv2d():
    silent = LIFParams(R=1.0, C=5.0, dt=1.0, v_th=1e9)  # never fires: V shows the current
    layer = SNNConv2d(1, 1, 1, num_steps=4, noise_std=0.0, conv_noise_std=0.1, output="membrane", rng=0,
                      dtype=np.float64, input_scale=10.0, neuron=silent)  # fmt: skip
    layer.conv.weight.data[:] = 0
    layer.conv.bias.data[:] = 0
    x = Tensor(np.zeros((1, 1, 50, 50)))
    v = layer(x).data  # (T, 1, 1, 50, 50): the same current at every step (one draw), std 0.1·10
    current_first = v[0] / layer.neuron.input_gain
    assert current_first.std() == pytest.approx(1.0, rel=0.1)
    np.testing.assert_allclose(v[1], v[0] * (1 + layer.neuron.beta_euler), rtol=1e-10)  # held, not redrawn
    assert np.all(layer.eval()(x).data == 0)  # training only
