"""SNNConv2d: BPTT gradient checks, agreement with conv + neurons, noise, errors (the neuron layers themselves:
test_lif_layers.py)."""

import numpy as np
import pytest
from helpers import leaf
from hypothesis import given
from hypothesis import strategies as st

from minisnn import LIF, LIFParams, SNNConv2d, Tensor, gradcheck, surrogate
from minisnn import functional as F

SMOOTH = surrogate.fast_sigmoid(2.0)
RESETS = ["zero", "subtract", "none"]


@st.composite
def neuron_params(draw, t_ref=True):
    tau = draw(st.floats(2.0, 20.0))
    dt = draw(st.sampled_from([0.25, 0.5, 1.0]))
    r = draw(st.floats(0.5, 2.0))
    return LIFParams(
        R=r, C=tau / r, dt=dt, v_th=1.0, v_reset=draw(st.sampled_from([0.0, -0.2])),
        t_ref=draw(st.sampled_from([0.0, 1.0, 2.0])) if t_ref else 0.0, reset=draw(st.sampled_from(RESETS)),
    )  # fmt: skip


@pytest.mark.parametrize("output", ["rate", "spikes", "membrane"])
@given(st.data())
def test_snnconv2d_gradcheck_with_smooth_spike(output, data):
    n, c, o = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    padding, dilation = data.draw(st.integers(0, 1)), data.draw(st.integers(1, 2))
    seed = data.draw(st.integers(0, 1000))
    layer = SNNConv2d(
        c, o, 3, padding=padding, dilation=dilation, num_steps=3, surrogate=SMOOTH.smooth,
        neuron=LIFParams(R=1.0, C=2.0, dt=1.0), output=output, rng=seed, dtype=np.float64,
    ).eval()  # fmt: skip
    x = leaf(np.random.default_rng(seed).uniform(-1, 2, (n, c, 6, 5)))
    conv = layer.conv

    def fn(x, w, b):
        conv.weight, conv.bias = w, b
        return layer(x)

    assert gradcheck(fn, [x, conv.weight, conv.bias])


def test_snnconv2d_constant_input_equals_conv_then_lif():
    layer = SNNConv2d(3, 4, 3, padding=1, num_steps=6, noise_std=0.0, output="spikes", rng=0)
    x = Tensor(np.random.default_rng(1).uniform(0, 3, (2, 3, 5, 5)).astype(np.float32))
    current = F.conv2d(x, layer.conv.weight, layer.conv.bias, padding=1)
    expected = LIF(layer.neuron, num_steps=6)(current)
    np.testing.assert_array_equal(layer(x).data, expected.data)
    assert layer(x).shape == (6, 2, 4, 5, 5)
    layer.output = "rate"
    np.testing.assert_allclose(layer(x).data, expected.data.mean(axis=0))


def test_snnconv2d_time_series_input_is_convolved_per_step():
    rng = np.random.default_rng(2)
    layer = SNNConv2d(2, 3, 3, num_steps=99, noise_std=0.0, output="spikes", rng=0)  # T comes from the input
    train = rng.integers(0, 2, (5, 2, 2, 6, 6)).astype(np.float32) * 4
    # The layer convolves all T·N images in one GEMM, the oracle N at a time: BLAS may sum them in another order.
    # With weights and bias on a 1/64 grid and inputs 0 or 4 every product and partial sum is exact in float32, so
    # the currents, and the spikes thresholded from them, agree bit for bit in any order, on any CPU.
    for p in (layer.conv.weight, layer.conv.bias):
        p.data[...] = np.round(p.data * 64) / 64
    per_step = [F.conv2d(Tensor(train[t]), layer.conv.weight, layer.conv.bias).data for t in range(5)]
    expected = LIF(layer.neuron)(Tensor(np.stack(per_step)))
    out = layer(Tensor(train))
    assert out.shape == (5, 2, 3, 4, 4)
    np.testing.assert_array_equal(out.data, expected.data)


def test_noise_in_training_only_seeded_and_of_the_stated_std():
    params = LIFParams(R=1.0, C=5.0, dt=1.0, v_th=1e9, reset="none")  # never spikes: V_T is linear
    x = Tensor(np.zeros((1, 1, 60, 60), np.float32))

    def make(seed):
        layer = SNNConv2d(1, 1, 1, num_steps=10, neuron=params, noise_std=0.1, output="membrane", rng=seed)
        layer.conv.weight.data[:] = 0
        layer.conv.bias.data[:] = 0
        return layer

    a, b = make(3), make(3)
    first_a, first_b = a(x), b(x)
    assert first_a.shape == (10, 1, 1, 60, 60)  # "membrane": V after each of the T steps
    va, vb = first_a.data[-1], first_b.data[-1]  # V_T
    np.testing.assert_array_equal(va, vb)  # same seed, same noise
    assert not np.array_equal(va, a(x).data[-1])  # fresh noise every call
    # V_T = gain Σ_k β^k ξ_k with ξ ~ N(0, σ²/dt)  →  std = gain · σ/√dt · √(Σ β^(2k))
    expected = params.input_gain * 0.1 / np.sqrt(params.dt) * np.sqrt(np.sum(params.beta_euler ** (2 * np.arange(10))))
    assert abs(va.std() / expected - 1) < 0.1
    a.eval()
    assert np.all(a(x).data == 0)  # no noise in evaluation mode


def test_repeated_forward_backward_needs_no_state_reset():
    layer = SNNConv2d(1, 2, 3, padding=1, rng=0)
    x = Tensor(np.random.default_rng(0).uniform(0, 5, (1, 1, 4, 4)).astype(np.float32))
    for _ in range(3):
        layer(x).sum().backward()
    assert layer.conv.weight.grad is not None


def test_from_minisnn_import_snnconv2d_and_default_signature():
    import minisnn

    layer = minisnn.SNNConv2d(4, 8, 3)
    assert layer.num_steps == 8 and layer.neurons.noise_std == 0.1 and layer.output == "rate"
    assert layer.neurons.surrogate.name == "fast_sigmoid" and layer.neurons.surrogate.parameter == 25


def test_bad_input_errors():
    layer = SNNConv2d(2, 3, 3, rng=0)
    with pytest.raises(ValueError, match=r"expected input \(N, 2, H, W\) or a spike train"):
        layer(Tensor(np.ones((2, 5, 5), np.float32)))
    bad = np.ones((1, 2, 5, 5), np.float32)
    bad[0, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        layer(Tensor(bad))
    with pytest.raises(ValueError, match=r"output must be one of \('spikes', 'rate', 'membrane'\)"):
        SNNConv2d(2, 3, 3, output="voltage")
    with pytest.raises(ValueError, match="num_steps must be None or an int >= 1"):
        SNNConv2d(2, 3, 3, num_steps=0)
    with pytest.raises(ValueError, match="reset"):
        LIFParams(R=1, C=1, dt=0.1, reset="hard")


def test_snnconv2d_fused_and_reference_agree_in_float32():
    x = Tensor(np.random.default_rng(0).uniform(0, 1, (2, 3, 8, 8)).astype(np.float32))
    layers = [SNNConv2d(3, 4, 3, padding=1, neuron=LIFParams(R=20, C=1, dt=1, reset="subtract"), rng=5, fused=f)
              for f in (True, False)]  # fmt: skip
    outs = [layer(x) for layer in layers]  # training mode: noise drawn from identically seeded streams
    np.testing.assert_array_equal(outs[0].data, outs[1].data)
    for out in outs:
        out.sum().backward()
    np.testing.assert_allclose(layers[0].conv.weight.grad, layers[1].conv.weight.grad, rtol=1e-4, atol=1e-6)
    assert layers[0].fused and not layers[1].fused
