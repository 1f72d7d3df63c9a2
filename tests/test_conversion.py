"""ANN→SNN conversion: the scales at the percentile, a converted layer's rate against the ReLU (the 1/T bound of reset
by subtraction), rates approaching the ReLU as T grows, the converted digit classifiers agreeing with their ANNs,
the loop reference against the fast path, evaluate() on a converted network, and clear errors."""

import math

import numpy as np
import pytest

from minisnn import Tensor, nn
from minisnn import functional as F
from minisnn.classification import ClassifierConfig, build, evaluate, fit
from minisnn.conversion import (
    DEFAULT_PERCENTILE,
    convert,
    if_step_loop,
    layer_scales,
    relu_activations,
    robust_scale,
    simulate_reference,
)
from minisnn.data import Digits, digits
from minisnn.neurons import IFParams


def trained(arch: str, steps: int) -> tuple[nn.Module, ClassifierConfig, Digits, Digits]:
    config = ClassifierConfig(arch=arch, spiking=False, channels=(4, 8))
    train, test = digits("train", size=config.image_size), digits("test", size=config.image_size)
    ann = build(config, rng=0)
    fit(ann, config, train, steps, batch_size=64, lr=5e-3, seed=0, progress=False)
    return ann, config, train, test


@pytest.fixture(scope="module")
def mlp():
    return trained("mlp", 300)


@pytest.fixture(scope="module")
def cnn():
    return trained("cnn", 200)


def ann_predictions(ann: nn.Module, images: np.ndarray) -> np.ndarray:
    ann.eval()
    out = ann(Tensor(images)).data.argmax(axis=1)
    ann.train()
    return out


# ------------------------------------------------------------------------------------------------ normalisation
def test_robust_scale_is_the_percentile_of_the_non_zero_activations():
    rng = np.random.default_rng(0)
    a = np.maximum(rng.standard_normal((500, 40)), 0)  # about half zeros
    positive = a[a > 0]
    assert robust_scale(a) == pytest.approx(np.percentile(positive, 99.9), rel=1e-12)
    assert robust_scale(a, 100) == pytest.approx(positive.max())  # Diehl et al.'s maximum
    assert robust_scale(a, 50) == pytest.approx(np.median(positive))  # the zeros are left out:
    assert robust_scale(a, 50) > np.percentile(a, 50)  # with them the median would sit lower
    assert robust_scale(np.zeros((3, 4))) == 1.0  # a silent layer: any scale keeps it silent
    assert DEFAULT_PERCENTILE == 99.9


def test_the_scales_map_the_percentile_activation_to_rate_one(cnn):
    ann, _, train, _ = cnn
    converted = convert(ann, train.images)
    activations = relu_activations(ann, train.images)
    assert converted.scales == layer_scales(ann, train.images)
    for a, scale in zip(activations, converted.scales, strict=True):
        normalised = a.astype(np.float64) / scale
        assert robust_scale(normalised) == pytest.approx(1.0, rel=1e-9)  # the 99.9th percentile is now 1
        positive = normalised[normalised > 0]
        assert np.mean(positive > 1) <= 0.001 + 1 / positive.size  # only the top 0.1 % asks for > 1 spike per step


@pytest.mark.parametrize("num_steps", [8, 64, 256])
def test_a_converted_layer_fires_at_the_normalised_relu_within_one_over_T(cnn, num_steps):
    """The first IF layer gets a constant current (direct input): 0 <= min(a/λ, 1) − r < 1/T for every neuron
    (float64 network; tolerance 1e-9)."""
    ann, _, train, test = cnn
    converted = convert(ann, train.images, dtype=np.float64)
    images = test.images[:20].astype(np.float64)
    run = converted.run(images, num_steps)
    first = ann[0]  # Conv2d → ReLU: the ANN's activation in float64
    z = np.maximum(conv_float64(images, first), 0) / converted.scales[0]
    target = np.minimum(z, 1.0)
    error = target - run.rates[0]
    assert error.min() >= -1e-9 and error.max() < 1 / num_steps + 1e-9
    assert np.all(run.rates[0][z >= 1] == 1.0)  # at and above the percentile: one spike every step


def conv_float64(images: np.ndarray, layer: nn.Conv2d) -> np.ndarray:
    w, b = Tensor(layer.weight.data.astype(np.float64)), Tensor(layer.bias.data.astype(np.float64))
    return F.conv2d(Tensor(images), w, b, layer.stride, layer.padding).data


def test_deeper_rates_approach_the_normalised_relu_as_T_grows(cnn):
    ann, _, train, test = cnn
    converted = convert(ann, train.images)
    images = test.images[:40]
    targets = [np.minimum(a / s, 1) for a, s in zip(relu_activations(ann, images), converted.scales, strict=True)]
    errors = {}
    for steps in (8, 32, 128):
        rates = converted.run(images, steps).rates
        errors[steps] = [float(np.abs(r - t).mean()) for r, t in zip(rates, targets, strict=True)]
    for layer in (0, 1):
        assert errors[8][layer] > errors[32][layer] > errors[128][layer]
    assert errors[128][1] < 0.02  # the second layer (fed by spikes, not a constant current) too


# ------------------------------------------------------------------------------------------------ networks
def test_the_converted_mlp_agrees_with_its_ann_at_large_T(mlp):
    ann, _, train, test = mlp
    converted = convert(ann, train.images)
    ann_pred = ann_predictions(ann, test.images)
    run = converted.run(test.images, 128)
    assert np.mean(run.predictions() == ann_pred) >= 0.97
    assert abs(np.mean(run.predictions() == test.labels) - np.mean(ann_pred == test.labels)) <= 0.01
    # the read-out's V_T / T tends to the ANN's logits
    ann.eval()
    logits = ann(Tensor(test.images)).data
    ann.train()
    assert np.abs(run.logits - logits).mean() < 0.05 * np.abs(logits).mean()


def test_the_converted_cnn_agrees_with_its_ann_at_large_T_with_direct_and_rate_input(cnn):
    ann, _, train, test = cnn
    converted = convert(ann, train.images)
    images = test.images[:150]
    ann_pred = ann_predictions(ann, images)
    assert np.mean(converted.run(images, 64).predictions() == ann_pred) >= 0.95
    assert np.mean(converted.run(images, 64, encoder="rate", rng=0).predictions() == ann_pred) >= 0.85


def test_the_ann_is_left_as_it_was(mlp):
    ann, _, train, _ = mlp
    before = {k: v.copy() for k, v in ann.state_dict().items()}
    ann.train()
    converted = convert(ann, train.images)
    assert ann.training
    assert all(np.array_equal(before[k], v) for k, v in ann.state_dict().items())
    assert converted.snn[1].weight.data is not ann[1].weight.data
    assert converted.readout == "membrane" and converted.percentile == 99.9


def test_weights_and_biases_are_scaled_layer_by_layer(cnn):
    ann, _, train, _ = cnn
    converted = convert(ann, train.images, percentile=99.0)
    l1, l2 = converted.scales
    pairs = [(ann[0], converted.snn[0].module, 1.0, l1), (ann[3], converted.snn[3].module, l1, l2),
             (ann[7], converted.snn[7], l2, 1.0)]  # fmt: skip
    for original, scaled, scale_in, scale_out in pairs:
        np.testing.assert_allclose(scaled.weight.data, original.weight.data * scale_in / scale_out, rtol=1e-6)
        np.testing.assert_allclose(scaled.bias.data, original.bias.data / scale_out, rtol=1e-6)
    kinds = [type(m).__name__ for m in converted.snn]
    assert kinds == ["TimeDistributed", "Spiking", "TimeDistributed", "TimeDistributed", "Spiking",
                     "TimeDistributed", "TimeDistributed", "Linear", "Spiking"]  # fmt: skip
    assert isinstance(converted.snn[1].neuron, IFParams) and converted.snn[1].neuron.reset == "subtract"
    assert math.isinf(converted.snn[-1].neuron.v_th)


def test_a_network_ending_in_a_relu_is_read_from_spike_counts():
    ann = nn.Sequential(nn.Linear(6, 5, rng=0), nn.ReLU(), nn.Dropout(0.3), nn.Linear(5, 4, rng=1), nn.ReLU())
    images = np.random.default_rng(0).random((30, 6)).astype(np.float32)
    converted = convert(ann, images)
    assert converted.readout == "spikes" and len(converted.snn) == 4  # Dropout dropped, no integrator
    run = converted.run(images, 32)
    np.testing.assert_array_equal(run.logits, run.counts[-1] / 32)


# ------------------------------------------------------------------------------------------------ the oracle
@pytest.mark.parametrize("encoder", ["direct", "rate"])
def test_the_loop_reference_and_the_fast_path_agree_on_the_mlp(mlp, encoder):
    """float64 on both sides: spike counts identical, logits within 1e-9."""
    ann, _, train, test = mlp
    converted = convert(ann, train.images, dtype=np.float64, v_init=0.5)
    images = test.images[:3].astype(np.float64)
    fast = converted.run(images, 20, encoder=encoder, rng=5)
    slow = simulate_reference(ann, converted.scales, images, 20, encoder=encoder, rng=5, v_init=0.5)
    assert len(fast.counts) == len(slow.counts) == 1
    np.testing.assert_array_equal(fast.counts[0], slow.counts[0])
    np.testing.assert_allclose(fast.logits, slow.logits, atol=1e-9)


def test_the_loop_reference_and_the_fast_path_agree_on_the_cnn(cnn):
    ann, _, train, test = cnn
    converted = convert(ann, train.images, dtype=np.float64)
    images = test.images[:2].astype(np.float64)
    fast = converted.run(images, 6)
    slow = simulate_reference(ann, converted.scales, images, 6)
    for a, b in zip(fast.counts, slow.counts, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fast.logits, slow.logits, atol=1e-9)


def test_the_per_neuron_step():
    v = np.array([0.0, 0.5, 0.95, -1.0])
    spikes = if_step_loop(v, np.array([0.4, 0.5, 0.3, 0.2]))
    np.testing.assert_array_equal(spikes, [0, 1, 1, 0])
    np.testing.assert_allclose(v, [0.4, 0.0, 0.25, -0.8])


def test_evaluate_accepts_a_converted_classifier_with_its_energy(mlp):
    ann, config, train, test = mlp
    converted = convert(ann, train.images)
    subset = Digits(test.images[:100], test.labels[:100])
    snn_config = ClassifierConfig(**{**config.to_dict(), "spiking": True, "num_steps": 16, "encoder": "direct",
                                     "readout": "final"})  # fmt: skip
    result = evaluate(converted.snn, snn_config, subset, twin=ann, twin_config=config)
    run = converted.run(subset.images, 16)
    assert result["accuracy"] == np.mean(run.predictions() == subset.labels)
    assert result["spikes_per_sample"][0] == pytest.approx(run.counts[0].sum() / 100)
    assert result["energy"]["ann_zeros_measured"] and not result["energy"]["silent"]


# ------------------------------------------------------------------------------------------------ errors
def test_layers_the_converter_does_not_know_are_named():
    images = np.zeros((2, 1, 8, 8), np.float32)
    with pytest.raises(TypeError, match=r"layer 1 \(MaxPool2d\) is not supported: the maximum of spike trains"):
        convert(nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.MaxPool2d(2), nn.ReLU()), images)
    with pytest.raises(TypeError, match=r"layer 2 \(Sigmoid\) is not supported"):
        convert(nn.Sequential(nn.Flatten(), nn.Linear(64, 3, rng=0), nn.Sigmoid()), images)
    spiking = build(ClassifierConfig(arch="mlp", hidden=8), rng=0)
    with pytest.raises(TypeError, match=r"\(Spiking\) is not supported: the network already spikes"):
        convert(spiking, images)
    with pytest.raises(TypeError, match="ann must be an nn.Module"):
        convert(lambda x: x, images)
    with pytest.raises(ValueError, match="no Linear or Conv2d layer"):
        convert(nn.Sequential(nn.Flatten(), nn.ReLU()), images)
    with pytest.raises(ValueError, match="the ReLU at position 1 follows no Linear or Conv2d"):
        convert(nn.Sequential(nn.Flatten(), nn.ReLU(), nn.Linear(64, 3, rng=0)), images)


def test_bad_arguments_are_refused_by_name(mlp):
    ann, _, train, test = mlp
    with pytest.raises(ValueError, match=r"percentile must be a number in \(0, 100\] \(a percentage"):
        convert(ann, train.images, percentile=150)
    with pytest.raises(ValueError, match="percentile must be"):
        convert(ann, train.images, percentile=0)
    with pytest.raises(ValueError, match=r"v_init must be in \[0, 1\)"):
        convert(ann, train.images, v_init=1.0)
    with pytest.raises(TypeError, match="images must be floating-point"):
        convert(ann, train.images.astype(np.int64))
    with pytest.raises(ValueError, match="non-empty batch"):
        convert(ann, train.images[:0])
    converted = convert(ann, train.images)
    with pytest.raises(ValueError, match="num_steps must be an int >= 1"):
        converted.run(test.images, 0)
    with pytest.raises(ValueError, match="encoder must be one of"):
        converted.run(test.images, 8, encoder="latency")
    with pytest.raises(ValueError, match="activations must be ReLU outputs"):
        robust_scale(np.array([-1.0, 2.0]))
    with pytest.raises(ValueError, match="one scale per ReLU layer: 1 expected, got 2"):
        simulate_reference(ann, [1.0, 2.0], test.images[:1], 4)
