"""The evaluation-mode self-ensemble (``eval_views=8``): the mean of the 8 views' predictions, turned back."""

import numpy as np
import pytest

from minisnn import Tensor, nn
from minisnn.data import make_inputs
from minisnn.inpainting import SCNN, SCNNConfig, evaluate
from minisnn.inpainting.energy import energy_estimate
from minisnn.nn import Module


def batch(n=2, h=16, w=16, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, 3, h, w)).astype(np.float32)
    masks = np.zeros((n, 1, h, w), np.float32)
    masks[:, :, 3:9, 5:12] = 1
    masks[1, :, 10:13, 1:4] = 1  # an off-centre second hole: the views really differ
    return make_inputs(images, masks), images, masks


def views(x):
    """The 8 views of (N, C, H, W) as (flip, turns, array) — the oracle, written with NumPy."""
    return [(f, k, np.rot90(x[..., ::-1] if f else x, k, axes=(2, 3))) for f in (False, True) for k in range(4)]


def undo(y, flip, turns):
    y = np.rot90(y, -turns, axes=(2, 3))
    return y[..., ::-1] if flip else y


def pair(spiking=True, **overrides):
    """The same weights, one model making one pass and one the 8-view mean, both in evaluation mode."""
    one = SCNN.reduced(rng=0, width=6, num_steps=3, spiking=spiking, **overrides).eval()
    many = SCNN(SCNNConfig(**{**one.config.to_dict(), "eval_views": 8}))
    many.load_state_dict(one.state_dict())
    return one, many.eval()


@pytest.mark.parametrize("spiking", [True, False])
def test_the_self_ensemble_is_the_mean_of_the_eight_views_turned_back(spiking):
    one, many = pair(spiking)
    inputs, images, masks = batch()
    expected = np.mean([undo(one(Tensor(np.ascontiguousarray(v))).data, f, k) for f, k, v in views(inputs)], axis=0)
    got = many(Tensor(inputs)).data
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert got.dtype == np.float32
    assert np.abs(got - one(Tensor(inputs)).data).max() > 1e-4  # the views disagree: averaging changes the output
    known = np.broadcast_to(masks == 0, images.shape)
    np.testing.assert_array_equal(got[known], images[known])  # known pixels exactly, as in one pass


@pytest.mark.parametrize(("h", "w"), [(16, 16), (12, 20)])
def test_the_self_ensemble_is_exactly_equivariant_to_flips_and_quarter_turns(h, w):
    _, many = pair()
    inputs = batch(h=h, w=w)[0]
    base = many(Tensor(inputs)).data
    assert base.shape == (2, 3, h, w)
    for flip, turns, view in views(inputs):
        out = many(Tensor(np.ascontiguousarray(view))).data
        np.testing.assert_allclose(undo(out, flip, turns), base, atol=1e-6)


def test_one_pass_is_not_equivariant_so_the_equivariance_test_can_fail():
    one, _ = pair()
    inputs = batch()[0]
    flip, turns, view = views(inputs)[5]
    turned_back = undo(one(Tensor(np.ascontiguousarray(view))).data, flip, turns)
    assert np.abs(turned_back - one(Tensor(inputs)).data).max() > 1e-4


def test_training_mode_makes_one_pass_and_gradients_are_the_mean_of_the_views():
    one, many = pair(spiking=False)
    inputs, images, _ = batch()
    one.train(), many.train()
    np.testing.assert_array_equal(many(Tensor(inputs)).data, one(Tensor(inputs)).data)  # no ensemble in training
    one.eval(), many.eval()

    def grads(model: Module, x: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
        model.zero_grad()
        ((model(Tensor(x)) - target) ** 2).sum().backward()
        return {name: p.grad.copy() for name, p in model.named_parameters()}

    target = np.zeros_like(images)  # loss Σ ŷ²: its gradient is linear in ŷ, and ŷ is the mean of the views
    got = grads(many, inputs, target)
    ensemble = many(Tensor(inputs)).data
    expected: dict[str, np.ndarray] = {}
    for flip, turns, view in views(inputs):
        # d Σ ŷ² / dθ = Σ 2ŷ · (1/8) d g⁻¹f(gx)/dθ: each view's pass back-propagates the ensemble's 2ŷ/8, turned into it
        one.zero_grad()
        out = one(Tensor(np.ascontiguousarray(view)))
        seed = np.ascontiguousarray(np.rot90((ensemble[..., ::-1] if flip else ensemble), turns, axes=(2, 3))) / 4
        (out * seed).sum().backward()
        for name, p in one.named_parameters():
            expected[name] = expected.get(name, 0) + p.grad
    for name in got:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_spikes_of_all_passes_are_recorded_and_the_energy_counts_every_pass():
    one, many = pair()
    inputs = batch()[0]
    with nn.record(one) as r1, nn.record(many) as r8:
        one(Tensor(inputs))
        many(Tensor(inputs))
    s1, s8 = r1.spikes(), r8.spikes()
    assert s1.shape == (3, 2, 6, 16, 16) and s8.shape == (3, 16, 6, 16, 16)
    np.testing.assert_array_equal(s8[:, :2], s1)  # the first view is the crop itself
    e1, e8 = energy_estimate(one, 16, 16, spikes=s1), energy_estimate(many, 16, 16, spikes=s8)
    for key in ("ann_dense_energy_pj", "snn_energy_pj"):
        assert e8[key] > 7 * e1[key]  # all 8 passes are paid for (the spike counts differ a little per view)
    assert e8["ann_dense_energy_pj"] == pytest.approx(8 * e1["ann_dense_energy_pj"])
    assert e8["macs_per_layer"] == pytest.approx([8 * m for m in e1["macs_per_layer"]])
    assert e8["spikes_per_image"] == pytest.approx(float(s8.sum()) / 2)  # all 8 passes of one prediction
    result = evaluate(many, make_batch(), baselines=("harmonic",), keep_outputs=0)
    assert result["energy"]["spikes_per_image"] == pytest.approx(result["spiking"]["spikes"] / 2)
    assert result["eval_views"] == {"model": 8} and "(mean of its 8 views)" in result["summary"]


def make_batch():
    from minisnn.data import Batch

    inputs, images, masks = batch()
    return Batch(inputs, images, masks)


@pytest.mark.parametrize(("value", "kind"), [(2, ValueError), (0, ValueError), ("8", TypeError), (8.0, TypeError)])
def test_eval_views_is_checked_and_saved(value, kind, tmp_path):
    with pytest.raises(kind, match=r"config.eval_views must be 1 \(one pass\) or 8"):
        SCNNConfig(eval_views=value)
    config = SCNNConfig(eval_views=8)
    assert SCNNConfig.from_dict(config.to_dict()) == config
    assert SCNNConfig().eval_views == 1


def test_set_eval_views_switches_the_prediction_and_keeps_the_weights():
    one, many = pair()
    inputs = batch()[0]
    model = SCNN.reduced(rng=0, width=6, num_steps=3).eval()
    assert model.set_eval_views(8) is model and model.config.eval_views == 8
    np.testing.assert_array_equal(model(Tensor(inputs)).data, many(Tensor(inputs)).data)
    np.testing.assert_array_equal(model.set_eval_views(1)(Tensor(inputs)).data, one(Tensor(inputs)).data)
    with pytest.raises(ValueError, match="config.eval_views must be"):
        model.set_eval_views(4)
