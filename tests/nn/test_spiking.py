"""LIF layer and SNNConv2d: agreement with the NumPy neuron, BPTT gradient checks, noise, errors."""

import numpy as np
import pytest
from helpers import leaf
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import LIF, LIFParams, SNNConv2d, Tensor, gradcheck, surrogate
from minisnn import functional as F
from minisnn.neuron import simulate_lif

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


@given(neuron_params(), st.data())
def test_lif_layer_reproduces_simulate_lif(params, data):
    """The autodiff layer and the NumPy toolbox share one Euler step and one step order: same spikes, same V."""
    steps, batch = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 4))
    current = data.draw(hnp.arrays(np.float64, (steps, batch), elements=st.floats(0.0, 4.0)))
    out = LIF(params, num_steps=steps)(Tensor(current), record_v=True)
    reference = simulate_lif(current.T, params)
    np.testing.assert_array_equal(out.spikes.data, reference.spikes.T)
    np.testing.assert_allclose(out.v_trace.data, reference.v.T, atol=1e-12)


@given(neuron_params(t_ref=False), st.data())
def test_lif_bptt_gradcheck_with_smooth_spike(params, data):
    """BPTT through the unrolled dynamics, with the surrogate's smooth primitive standing in for the spike.

    (Not with detach_reset: a detached reset deliberately drops a true derivative, which finite differences
    would see. The detached reset is checked with true spikes below, where that derivative is zero.)"""
    steps = data.draw(st.integers(1, 6))
    shape = data.draw(st.sampled_from([(2,), (2, 3)]))
    current = data.draw(hnp.arrays(np.float64, (steps, *shape), elements=st.floats(-1.0, 3.0)))
    v0 = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-0.5, 0.9)))
    lif = LIF(params, surrogate=SMOOTH.smooth)

    def spikes_and_membrane(i, v):
        out = lif(i, v0=v)
        return F.concatenate([out.spikes.reshape(-1), out.v.reshape(-1)])

    assert gradcheck(spikes_and_membrane, [leaf(current), leaf(v0)])


@given(neuron_params(), st.data())
def test_lif_membrane_gradcheck_with_true_spikes_away_from_threshold(params, data):
    """With Heaviside spikes and a detached reset, V_T is a smooth function of the current wherever no spike
    flips within eps: finite differences must match BPTT exactly (the surrogate path carries no gradient)."""
    steps = data.draw(st.integers(1, 8))
    current = data.draw(hnp.arrays(np.float64, (steps, 3), elements=st.floats(0.0, 4.0)))
    lif = LIF(params, detach_reset=True)
    trace = lif(Tensor(current), record_v=True).v_trace.data
    previous = np.concatenate([np.zeros((1, 3)), trace[:-1]])
    pre_reset = previous * params.beta_euler + current * params.input_gain  # the V each spike decision sees
    assume(np.min(np.abs(pre_reset - params.v_th)) >= 1e-4)  # else a spike could flip within eps
    assert gradcheck(lambda i: lif(i).v, [leaf(current)], eps=1e-7)


def test_bptt_by_hand_one_neuron_three_steps():
    """Heaviside forward, surrogate backward: the gradient of the spike count w.r.t. each input, by hand."""
    params = LIFParams(R=1.0, C=2.0, dt=1.0, reset="subtract")  # β = 0.5, gain = 0.5
    sg = surrogate.fast_sigmoid(1.0)
    current = Tensor(np.array([[1.0], [3.0], [0.5]]), requires_grad=True)
    out = LIF(params, surrogate=sg)(current)
    out.spikes.sum().backward()

    # forward by hand: u = pre-reset potential, x = u − v_th
    b, g = params.beta_euler, params.input_gain
    u1 = g * 1.0  # 0.5 → no spike
    v1 = u1
    u2 = b * v1 + g * 3.0  # 1.75 → spike, subtract 1
    v2 = u2 - 1.0
    u3 = b * v2 + g * 0.5  # 0.625 → no spike
    np.testing.assert_array_equal(out.spikes.data.ravel(), [0, 1, 0])
    d = [sg.derivative(np.array(u - 1.0)) for u in (u1, u2, u3)]  # σ'(x_n)
    # S = s1 + s2 + s3, s_n = H(u_n − 1); u3 = b(u2 − s2) + g·I3, u2 = b(u1 − s1) + g·I2, u1 = g·I1
    # dS/du3 = d3; dS/du2 = d2 + d3·b·(1 − d2); dS/du1 = d1 + dS/du2 · b · (1 − d1); dS/dI_n = g · dS/du_n
    du3 = d[2]
    du2 = d[1] + du3 * b * (1 - d[1])
    du1 = d[0] + du2 * b * (1 - d[0])
    np.testing.assert_allclose(current.grad.ravel(), [g * du1, g * du2, g * du3], rtol=1e-12)


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
    expected = LIF(layer.neuron, num_steps=6)(current, constant=True).spikes
    np.testing.assert_array_equal(layer(x).data, expected.data)
    assert layer(x).shape == (6, 2, 4, 5, 5)
    layer.output = "rate"
    np.testing.assert_allclose(layer(x).data, expected.data.mean(axis=0))


def test_snnconv2d_time_series_input_is_convolved_per_step():
    rng = np.random.default_rng(2)
    layer = SNNConv2d(2, 3, 3, num_steps=99, noise_std=0.0, output="spikes", rng=0)  # T comes from the input
    train = rng.integers(0, 2, (5, 2, 2, 6, 6)).astype(np.float32) * 4
    per_step = [F.conv2d(Tensor(train[t]), layer.conv.weight, layer.conv.bias).data for t in range(5)]
    expected = LIF(layer.neuron)(Tensor(np.stack(per_step))).spikes
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
    va, vb = a(x).data, b(x).data
    np.testing.assert_array_equal(va, vb)  # same seed, same noise
    assert not np.array_equal(va, a(x).data)  # fresh noise every call
    # V_T = gain Σ_k β^k ξ_k  →  std = gain · σ · √(Σ β^(2k))
    expected = params.input_gain * 0.1 * np.sqrt(np.sum(params.beta_euler ** (2 * np.arange(10))))
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
    assert layer.num_steps == 8 and layer.lif.noise_std == 0.1 and layer.output == "rate"
    assert layer.lif.surrogate.name == "fast_sigmoid" and layer.lif.surrogate.parameter == 25


def test_bad_input_errors():
    layer = SNNConv2d(2, 3, 3, rng=0)
    with pytest.raises(ValueError, match=r"expected input \(N, 2, H, W\) or a spike train"):
        layer(Tensor(np.ones((2, 5, 5), np.float32)))
    bad = np.ones((1, 2, 5, 5), np.float32)
    bad[0, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        layer(Tensor(bad))
    with pytest.raises(ValueError, match=r"output must be one of \('rate', 'spikes', 'membrane'\)"):
        SNNConv2d(2, 3, 3, output="voltage")
    with pytest.raises(ValueError, match="num_steps must be an int ≥ 1"):
        SNNConv2d(2, 3, 3, num_steps=0)
    with pytest.raises(ValueError, match="reset"):
        LIFParams(R=1, C=1, dt=0.1, reset="hard")


@given(neuron_params(), st.sampled_from(["rate", "spikes", "membrane"]), st.booleans(), st.booleans(), st.data())
def test_fused_lif_equals_the_unrolled_reference(params, output, constant, detach_reset, data):
    """The fused op (hand-written BPTT) computes the same forward and the same gradients as the unrolled graph."""
    from minisnn.nn.lif import lif_unroll
    from minisnn.nn.lif_fused import lif_fused

    steps = data.draw(st.integers(1, 12))
    shape = (steps, 5) if not constant else (5,)
    current = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1.0, 4.0)))
    upstream_shape = (steps, 5) if output == "spikes" else (5,)
    upstream = data.draw(hnp.arrays(np.float64, upstream_shape, elements=st.floats(-1, 1)))
    sg = surrogate.fast_sigmoid(3.0)
    noise_std = data.draw(st.sampled_from([0.0, 0.3]))

    fused_in = Tensor(current.copy(), requires_grad=True)
    fused = lif_fused(fused_in, params, sg.derivative, steps, constant, output, noise_std, 7, detach_reset)
    fused.backward(upstream)

    ref_in = Tensor(current.copy(), requires_grad=True)
    per_step = [ref_in] * steps if constant else [ref_in[t] for t in range(steps)]
    out = lif_unroll(per_step, (5,), params, sg, noise_std=noise_std, rng=np.random.default_rng(7),
                     detach_reset=detach_reset)  # fmt: skip
    reference = {"rate": out.spikes.mean(axis=0), "spikes": out.spikes, "membrane": out.v}[output]
    reference.backward(upstream)

    np.testing.assert_allclose(fused.data, reference.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused_in.grad, ref_in.grad, rtol=1e-9, atol=1e-12)


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
