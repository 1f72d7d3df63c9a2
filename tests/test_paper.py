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
