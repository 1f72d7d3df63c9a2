"""minisnn.export on whole networks (issue 24, items 1-2): the digit classifiers (MLP and CNN, spiking and ANN, the
row task with recurrence, ALIF and learned dynamics) and the SC-NN (every pre-fill, spiking and CNN-only, one pass
and the 8-view self-ensemble, training-mode noise, the shipped model) -- the torch twin's forward equals minisnn's
(spikes of every layer identical, values to 1e-12) and its gradients w.r.t. inputs and weights equal minisnn's BPTT
(to 1e-10), in float64; the pre-fills computed in torch equal minisnn's; the round trip is the identity.

Torch runs on one thread here (``one_torch_thread``): its idle threads spin and slow the NumPy side of each
comparison down by 10x on a busy 2-core machine.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from export_check import compare, float64, one_torch_thread  # noqa: E402, F401 (the fixture, used by name)

from minisnn import Tensor, classification  # noqa: E402
from minisnn.classification import ClassifierConfig  # noqa: E402
from minisnn.data import make_inputs  # noqa: E402
from minisnn.export import _torch, classical_fills, from_torch, to_torch  # noqa: E402
from minisnn.inpainting import SCNN  # noqa: E402
from minisnn.inpainting.baselines import biharmonic_fill, harmonic_fill  # noqa: E402

CLASSIFIERS = {
    "mlp-spikes": ClassifierConfig(hidden=12, num_steps=6),
    "mlp-membrane-latency": ClassifierConfig(hidden=12, num_steps=6, readout="membrane", encoder="latency"),
    "mlp-final-direct-learned": ClassifierConfig(
        hidden=12, num_steps=6, readout="final", encoder="direct", learn=("decay", "v_th"), surrogate=("arctan", 2.0)
    ),  # fmt: skip
    "cnn-spikes": ClassifierConfig(arch="cnn", channels=(2, 3), num_steps=4),
    "cnn-membrane-direct": ClassifierConfig(
        arch="cnn", channels=(2, 3), num_steps=4, readout="membrane", encoder="direct", surrogate=("triangle", 1.0)
    ),  # fmt: skip
    "mlp-ann": ClassifierConfig(hidden=12, spiking=False),
    "cnn-ann": ClassifierConfig(arch="cnn", channels=(2, 3), spiking=False),
    "rows-lif": ClassifierConfig.rows(hidden=12),
    "rows-recurrent": ClassifierConfig.rows(recurrent=True, hidden=12),
    "rows-alif": ClassifierConfig.rows("alif", hidden=12),
    "rows-alif-recurrent-learned": ClassifierConfig.rows("alif", recurrent=True, hidden=12, learn=("decay", "v_th")),
}


def digits(config: ClassifierConfig, n: int = 3, seed: int = 0) -> np.ndarray:
    """Random "images" in [0, 1], encoded as the classifier takes them, in float64."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, 1, config.image_size, config.image_size))
    return np.asarray(classification.encode(images, config, rng=rng), dtype=np.float64)


def louder(model, factor: float):
    """The model with its connection weights scaled (random digits through a fresh static classifier make no
    spikes: tau = 2 ms, input gain 1/2)."""
    for name, p in model.named_parameters():
        if name.endswith(("weight", "bias")):
            p.data = p.data * factor
    return model


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_classifiers(name):
    config = CLASSIFIERS[name]
    model = louder(float64(classification.build(config, rng=1)), 1.0 if config.task == "rows" else 6.0)
    diffs = compare(model, digits(config), binary=config.spiking and config.readout == "spikes")
    if config.spiking:
        assert diffs.spikes > 0


def test_classifier_logits_and_loss_match():
    config = CLASSIFIERS["rows-recurrent"]
    model = float64(classification.build(config, rng=2))
    twin = to_torch(model)
    x = digits(config, n=5, seed=3)
    labels = np.arange(5) % 10
    ours = classification.logits(model(Tensor(x)), config)
    theirs = twin(torch.tensor(x))[-1]  # readout "final": V after the last row
    np.testing.assert_allclose(theirs.detach().numpy(), ours.data, rtol=0, atol=1e-12)
    from minisnn import functional as F

    loss = F.cross_entropy(ours, labels)
    torch_loss = torch.nn.functional.cross_entropy(theirs, torch.tensor(labels))
    assert abs(float(torch_loss.detach()) - float(loss.data)) < 1e-12


# ------------------------------------------------------------------------------------------------------------ SC-NN
def crops(n: int = 2, h: int = 12, w: int = 12, seed: int = 0) -> np.ndarray:
    """(N, 4, H, W) float64 inputs with two holes, one touching the border."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, 3, h, w))
    masks = np.zeros((n, 1, h, w))
    masks[:, :, 3:7, 4:9] = 1
    masks[-1, :, h - 3 :, :3] = 1
    return make_inputs(images, masks).astype(np.float64)


def with_fills(given: bool):
    """Call a model on inputs; the twin gets ``fills`` from minisnn's solvers (given) or solves them itself."""

    def call(model, inputs):
        if isinstance(model, torch.nn.Module) and given and model.prefill != "zero":
            return model(inputs, torch.from_numpy(classical_fills(inputs.detach().numpy(), model.prefill)))
        return model(inputs)

    return call


@pytest.mark.parametrize("prefill", ["zero", "harmonic", "pde", "dual"])
@pytest.mark.parametrize("spiking", [True, False])
def test_scnn_one_pass_in_training_with_noise_and_in_eval(prefill, spiking):
    model = float64(SCNN.reduced(rng=0, width=4, num_steps=4, prefill=prefill, spiking=spiking, conv_noise_std=0.05))
    x = crops()
    diffs = compare(model, x, call=with_fills(True))  # training mode: noise from the copied Generator
    compare(model.eval(), x, call=with_fills(False))  # the fills solved in torch
    if spiking:
        assert diffs.spikes > 0


@pytest.mark.parametrize("prefill", ["zero", "dual"])
def test_scnn_eight_view_self_ensemble(prefill):
    model = float64(SCNN.reduced(rng=1, width=4, num_steps=4, prefill=prefill, eval_views=8)).eval()
    x = crops(h=12, w=10, seed=1)  # not square: the quarter turns swap H and W
    assert compare(model, x, call=with_fills(True)).spikes > 0
    compare(model, x, call=with_fills(False))
    compare(model.set_eval_views(1), x, call=with_fills(True))  # and the one pass, with the same weights


def test_the_shipped_scnn_exports_exactly():
    model = float64(SCNN.pretrained()).eval()  # prefill "dual", eval_views 8
    assert model.config.prefill == "dual" and model.config.eval_views == 8
    x = crops(n=1, h=16, w=16, seed=2)
    assert compare(model, x, call=with_fills(True)).spikes > 0


def test_the_shipped_scnn_in_float32_and_cast_to_float64():
    """As trained (float32) the twin agrees to float32 rounding (a spike that rounding flips would show as one
    pixel's larger difference: the test allows 1 % of them); ``dtype=torch.float64`` casts every weight."""
    model = SCNN.pretrained().eval()
    x = crops(n=2, h=24, w=24, seed=3).astype(np.float32)
    twin = to_torch(model)
    assert {p.dtype for p in twin.parameters()} == {torch.float32}
    with torch.no_grad():
        got = twin(torch.from_numpy(x), torch.from_numpy(classical_fills(x, "dual"))).numpy()
    difference = np.abs(got - model(Tensor(x)).data)
    assert got.dtype == np.float32 and difference.mean() < 1e-6 and (difference > 1e-5).mean() < 0.01
    wide = to_torch(model, dtype=torch.float64)
    for name, p in wide.named_parameters():
        assert p.dtype == torch.float64
        np.testing.assert_array_equal(p.detach().numpy(), model.state_dict()[name].astype(np.float64))


@pytest.mark.parametrize(("h", "w"), [(9, 9), (7, 11)])
def test_torch_fills_equal_minisnn_fills(h, w):
    rng = np.random.default_rng(h * w)
    images = rng.random((3, 3, h, w))
    masks = (rng.random((3, 1, h, w)) < 0.35).astype(np.float64)
    masks[1, :, :, : w // 2] = 1  # a large hole reaching three borders
    masks[2] = 0  # no hole: unchanged
    known = images * (1 - masks)
    for ours, theirs in ((harmonic_fill, _torch.harmonic_fill), (biharmonic_fill, _torch.biharmonic_fill)):
        expected = ours(known, masks)
        got = theirs(torch.from_numpy(known), torch.from_numpy(masks)).numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(got[masks.repeat(3, 1) == 0], known[masks.repeat(3, 1) == 0])
    inputs = np.concatenate([known, masks], axis=1)
    for prefill in ("harmonic", "pde", "dual"):
        np.testing.assert_allclose(_torch.classical_fills(torch.from_numpy(inputs), prefill).numpy(),
                                   classical_fills(inputs, prefill), rtol=0, atol=1e-12)  # fmt: skip
    assert classical_fills(inputs, "zero") is None
    with pytest.raises(ValueError, match=r"mask\[0\] marks every pixel as missing"):
        _torch.harmonic_fill(torch.zeros(1, 3, 4, 4), torch.ones(1, 1, 4, 4))


def test_scnn_fills_of_the_wrong_shape_are_refused():
    twin = to_torch(SCNN.reduced(rng=0, width=2, num_steps=2, prefill="dual"))
    x = torch.from_numpy(crops()).float()
    with pytest.raises(ValueError, match=r"fills for prefill='dual' must have shape \(2, 6, 12, 12\), got \(2, 3"):
        twin(x, torch.zeros(2, 3, 12, 12))
    zero = to_torch(SCNN.reduced(rng=0, width=2, num_steps=2, prefill="zero"))
    with pytest.raises(ValueError, match=r"prefill='zero' takes no fills"):
        zero(x, torch.zeros(2, 3, 12, 12))


@pytest.mark.parametrize("name", ["scnn", "cnn_only"])
def test_round_trip_of_the_shipped_models_is_the_identity(name):
    model = SCNN.pretrained(name)
    twin = to_torch(model)
    fresh = SCNN(model.config, rng=5)
    from_torch(twin, into=fresh)
    before, after = model.state_dict(), fresh.state_dict()
    assert set(before) == set(after) == set(twin.state_dict())
    for key in before:
        assert after[key].dtype == before[key].dtype
        np.testing.assert_array_equal(after[key], before[key])
