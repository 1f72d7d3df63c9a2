"""The SC-NN architecture: layers, compositing, receptive field, configurations."""

import numpy as np
import pytest

from minisnn import LIFParams, Tensor, nn
from minisnn import functional as F
from minisnn.data import make_inputs
from minisnn.inpainting import REDUCED, SCNN, SCNNConfig, harmonic_fill, pde_fill
from minisnn.nn import Conv2d, SNNConv2d


def batch(n=2, size=16, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, 3, size, size)).astype(np.float32)
    masks = np.zeros((n, 1, size, size), np.float32)
    masks[:, :, 4:10, 5:12] = 1
    return make_inputs(images, masks), images, masks


def test_six_layers_five_conv_one_spiking_and_the_ablation():
    model = SCNN.reduced(rng=0)
    kinds = [type(layer) for layer in model.layers]
    assert len(kinds) == 6 and kinds.count(SNNConv2d) == 1 and kinds.count(Conv2d) == 5
    assert isinstance(model.layers[REDUCED.spiking_layer], SNNConv2d)
    assert model.layers[0].in_channels == 4 and model.layers[-1].out_channels == 3
    ablation = SCNN.reduced(rng=0, spiking=False)
    assert all(type(layer) is Conv2d for layer in ablation.layers) and not ablation.spiking_layers


def test_output_is_composited_known_pixels_kept_exactly():
    inputs, images, masks = batch()
    out = SCNN.reduced(rng=1)(Tensor(inputs)).data
    assert out.shape == images.shape and out.dtype == np.float32
    known = np.broadcast_to(masks == 0, images.shape)
    np.testing.assert_array_equal(out[known], images[known])
    assert not np.allclose(out[~known], 0)


def test_receptive_field_matches_the_dilations():
    config = SCNNConfig(width=4, dilations=(1, 2, 1, 1, 2, 1), spiking=False, output_activation="none")
    assert config.receptive_field == 1 + 2 * 8
    model = SCNN(config, rng=0).eval()
    size, centre, radius = 41, 20, 8
    inputs = np.zeros((1, 4, size, size), np.float32)
    inputs[:, 3] = 1  # everything missing: the output is the network's own
    base = model(Tensor(inputs)).data[0, :, centre, centre]
    for offset, changes in ((radius, True), (radius + 1, False)):
        poked = inputs.copy()
        poked[0, 0, centre, centre + offset] = 1.0
        differs = not np.allclose(model(Tensor(poked)).data[0, :, centre, centre], base)
        assert differs == changes, offset


@pytest.mark.parametrize(("prefill", "fill"), [("harmonic", harmonic_fill), ("pde", pde_fill), ("dual", pde_fill)])
def test_with_a_zero_residual_init_an_untrained_model_returns_exactly_its_prefill(prefill, fill):
    inputs, images, masks = batch()
    model = SCNN.reduced(rng=0, prefill=prefill, residual_init="zero")
    np.testing.assert_allclose(model.eval()(Tensor(inputs)).data, fill(inputs[:, :3], masks), atol=1e-6)
    assert REDUCED.prefill == "harmonic"


def test_the_dual_prefill_shows_both_fills_and_the_first_layer_learns_from_each():
    """prefill="dual": the first layer sees (N, 7, H, W) = harmonic ⊕ biharmonic ⊕ mask, built from the usual
    4 input channels, and gets gradient through all seven."""
    from minisnn.inpainting.baselines import biharmonic_fill

    inputs, images, masks = batch()
    model = SCNN.reduced(rng=0, prefill="dual", spiking=False)
    assert model.layers[0].in_channels == 7 and SCNN.reduced(rng=0).layers[0].in_channels == 4
    first, seen = model.layers[0], []

    def recording(h):
        seen.append(h.data.copy())
        return first(h)

    model.layers[0] = recording
    loss = F.mse_loss(model(Tensor(inputs)), images)
    known = inputs[:, :3]
    expected = np.concatenate([harmonic_fill(known, masks), biharmonic_fill(known, masks), masks], axis=1)
    np.testing.assert_allclose(seen[0], expected, atol=1e-6)
    assert not np.allclose(seen[0][:, 0:3], seen[0][:, 3:6])  # two different fills, not one twice
    loss.backward()
    grad = np.abs(first.weight.grad).sum(axis=(0, 2, 3))  # one entry per input channel
    assert grad.shape == (7,) and (grad > 0).all()


def test_paper_configuration_uses_table_1():
    model = SCNN.paper(rng=0)
    layer = model.spiking_layers[0]
    assert layer.neuron == LIFParams.paper() and layer.neurons.noise_std == 0.1
    assert model.config.width == 64 and model.config.output_activation == "relu"


def test_config_round_trip_and_errors():
    config = SCNNConfig.from_dict(REDUCED.to_dict())
    assert config == REDUCED
    with pytest.raises(ValueError, match="spiking_layer must be a hidden layer"):
        SCNNConfig(spiking_layer=0)
    with pytest.raises(ValueError, match="dilations must be 6 ints"):
        SCNNConfig(dilations=(1, 2))
    with pytest.raises(ValueError, match=r"unknown keys \['depth'\]"):
        SCNNConfig.from_dict({"depth": 7})
    with pytest.raises(ValueError, match=r"inputs must be \(N, 4, H, W\)"):
        SCNN.reduced()(Tensor(np.zeros((1, 3, 8, 8), np.float32)))


def test_from_checkpoint_rebuilds_the_configuration_and_weights(tmp_path):
    from minisnn import io, nn

    model = SCNN.reduced(rng=3, width=5, num_steps=2)
    path = io.save(tmp_path / "m.npz", model, config=model.config.to_dict())
    again = SCNN.from_checkpoint(path)
    assert again.config == model.config
    inputs = batch()[0]
    np.testing.assert_array_equal(again.eval()(Tensor(inputs)).data, model.eval()(Tensor(inputs)).data)
    plain = io.save(tmp_path / "plain.npz", nn.Conv2d(1, 1, 1))
    with pytest.raises(ValueError, match="not of an SCNN"):
        SCNN.from_checkpoint(plain)


def test_spikes_are_recorded_only_inside_a_record_block_in_either_mode():
    model = SCNN.reduced(rng=0, width=4, num_steps=3)
    inputs = batch()[0]
    with nn.record(model) as rec:
        model(Tensor(inputs))  # training mode: the rate comes from the fused op, the spikes beside it
        model.eval()(Tensor(inputs))
    assert rec.names() == ["layers.3.neurons"] and len(rec["layers.3.neurons"].entries["spikes"]) == 2
    assert rec.spikes().shape == (3, 4, 4, 16, 16)  # the two passes side by side along the batch axis
    model(Tensor(inputs))  # outside the block nothing is kept
    assert rec.spikes().shape == (3, 4, 4, 16, 16)
    assert not model.spiking_layers[0].neurons._recordings


def test_the_default_residual_init_starts_near_the_prefill_and_gets_gradient_everywhere():
    """The zero init gives the layers before the last no gradient at all (why it never learned)."""
    inputs, images, masks = batch()
    for init, expect_gradient in (("default", True), ("zero", False)):
        model = SCNN.reduced(rng=0, residual_init=init, spiking=False)
        loss = F.mse_loss(model(Tensor(inputs)), images)
        loss.backward()
        first = model.layers[0].weight.grad
        assert (np.abs(first).sum() > 0) == expect_gradient, init
    filled = harmonic_fill(inputs[:, :3], masks)
    model = SCNN.reduced(rng=0)
    assert np.abs(model.eval()(Tensor(inputs)).data - filled).max() < 0.5  # a small random correction


def test_the_reduced_spiking_layer_is_in_its_operating_range_at_initialisation():
    """Without its fixed input gain the T = 8 layer would start 100 % silent (and never learn)."""
    pytest.importorskip("skimage")
    from minisnn.data import sample_photos, validation_set
    from minisnn.inpainting.train import predict

    val = validation_set(sample_photos("val"), 64, 8, mask="box", seed=1)
    rates = {}
    for scale in (1.0, REDUCED.input_scale):
        model = SCNN.reduced(rng=0, input_scale=scale)
        with nn.record(model) as rec:
            predict(model, val.inputs)
        rates[scale] = rec.spikes().mean()
    assert rates[1.0] < 0.01 and 0.05 < rates[REDUCED.input_scale] < 0.5


def test_config_fields_are_type_checked_and_bounded():
    from minisnn.inpainting.model import MAX_NUM_STEPS, MAX_WIDTH

    with pytest.raises(TypeError, match=r"config.spiking_layer must be a hidden layer.*3.0 \(float\)"):
        SCNNConfig(spiking_layer=3.0)
    with pytest.raises(TypeError, match=r"config.spiking must be True or False.*'no'"):
        SCNNConfig(spiking="no")
    with pytest.raises(ValueError, match=rf"config.width must be an int in 1–{MAX_WIDTH}"):
        SCNNConfig(width=MAX_WIDTH + 1)
    with pytest.raises(ValueError, match=rf"config.num_steps must be an int in 1–{MAX_NUM_STEPS}"):
        SCNNConfig(num_steps=MAX_NUM_STEPS + 1)
    with pytest.raises(TypeError, match=r"config.surrogate must be a pair"):
        SCNNConfig(surrogate=())
    with pytest.raises(ValueError, match=r"config.neuron: unknown keys \['tau_syn'\]"):
        SCNNConfig(neuron={**REDUCED.neuron, "tau_syn": 5.0})
    with pytest.raises(TypeError, match=r"config must be a dict"):
        SCNNConfig.from_dict([("width", 4)])
    assert SCNNConfig(width=np.int64(4), dilations=[1] * 6).dilations == (1,) * 6


def test_from_checkpoint_refuses_a_bad_config_before_building_the_model(tmp_path):
    import tracemalloc

    from minisnn import io

    model = SCNN.reduced(rng=0, width=4, num_steps=2)
    path = io.save(tmp_path / "m.npz", model, config={**model.config.to_dict(), "width": 3000})
    tracemalloc.start()
    try:
        with pytest.raises(io.CheckpointError, match=r"config.width must be an int in 1–1024.*3000"):
            SCNN.from_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # a width-3000 SCNN would need ~1.3 GB


def test_from_checkpoint_reports_weights_that_do_not_fit_the_config(tmp_path):
    from minisnn import io, nn

    model = SCNN.reduced(rng=0, width=4, num_steps=2)
    path = io.save(tmp_path / "m.npz", model, config={**model.config.to_dict(), "width": 5})
    with pytest.raises(io.CheckpointError, match=r"weights do not match the saved configuration") as info:
        SCNN.from_checkpoint(path)
    assert not isinstance(info.value, nn.StateDictError)
