"""The time-major spiking layers (LIF, Synaptic): agreement with the NumPy simulator (one step function),
BPTT gradient checks, the fused op equal to the unrolled graph, composition in Sequential, the audit's traps."""

import math

import numpy as np
import pytest
from helpers import leaf
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import LIF, LIFParams, Synaptic, SynapticParams, Tensor, gradcheck, nn, surrogate
from minisnn import functional as F
from minisnn.neuron import simulate, simulate_lif
from minisnn.neurons.base import RecordingOps
from minisnn.nn.lif_fused import spiking_fused
from minisnn.nn.spiking import TensorOps, unroll
from minisnn.noise import OUNoise, WhiteNoise

SMOOTH = surrogate.fast_sigmoid(2.0)
RESETS = ["zero", "subtract", "none"]


@st.composite
def neurons(draw, t_ref=True, synaptic=None, method=None):
    tau = draw(st.floats(2.0, 20.0))
    dt = draw(st.sampled_from([0.25, 0.5, 1.0]))
    r = draw(st.floats(0.5, 2.0))
    kwargs = dict(
        R=r, C=tau / r, dt=dt, v_th=1.0, v_reset=draw(st.sampled_from([0.0, -0.2])),
        t_ref=draw(st.sampled_from([0.0, 1.0, 2.0])) if t_ref else 0.0, reset=draw(st.sampled_from(RESETS)),
        refractory=draw(st.sampled_from(["clamp", "freeze"])),
        method=draw(st.sampled_from(["euler", "exact"])) if method is None else method,
    )  # fmt: skip
    if synaptic is None:
        synaptic = draw(st.booleans())
    if synaptic:
        return SynapticParams(**kwargs, tau_syn=draw(st.floats(1.5, 30.0)))
    return LIFParams(**kwargs)


def layer_for(neuron, **kwargs):
    return Synaptic(neuron, **kwargs) if isinstance(neuron, SynapticParams) else LIF(neuron, **kwargs)


@given(neurons(), st.data())
def test_layer_reproduces_the_numpy_simulation(neuron, data):
    """The autodiff layer and the NumPy toolbox run the same step function: same spikes, same V."""
    steps, batch = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 4))
    current = data.draw(hnp.arrays(np.float64, (steps, batch), elements=st.floats(0.0, 4.0))) / neuron.gain * 0.3
    reference = simulate(current.T, neuron)
    for fused in (True, False):
        lif = layer_for(neuron, output="membrane", fused=fused)
        trace = lif(Tensor(current)).data
        np.testing.assert_allclose(trace, reference.v.T, atol=1e-12)
        lif.output = "spikes"
        np.testing.assert_array_equal(lif(Tensor(current)).data, reference.spikes.T)
    out = layer_for(neuron).run(Tensor(current))
    np.testing.assert_array_equal(out.spikes.data, reference.spikes.T)
    np.testing.assert_allclose(out.v_trace.data, reference.v.T, atol=1e-12)


@given(neurons(t_ref=False), st.data())
def test_bptt_gradcheck_with_smooth_spike(neuron, data):
    """BPTT through the unrolled dynamics, with the surrogate's smooth primitive standing in for the spike.

    (Not with detach_reset: a detached reset deliberately drops a true derivative, which finite differences
    would see. The detached reset is checked with true spikes below, where that derivative is zero.)"""
    steps = data.draw(st.integers(1, 6))
    shape = data.draw(st.sampled_from([(2,), (2, 3)]))
    current = data.draw(hnp.arrays(np.float64, (steps, *shape), elements=st.floats(-1.0, 3.0))) * 0.5 / neuron.gain
    v0 = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-0.5, 0.9)))
    layer = layer_for(neuron, surrogate=SMOOTH.smooth)

    def spikes_and_membrane(i, v):
        state = neuron.initial_state(shape)._replace(v=v)
        out = layer.run(i, state=state)
        return F.concatenate([out.spikes.reshape(-1), out.v.reshape(-1)])

    assert gradcheck(spikes_and_membrane, [leaf(current), leaf(v0)])


@given(neurons(), st.data())
def test_membrane_gradcheck_with_true_spikes_away_from_threshold(neuron, data):
    """With Heaviside spikes and a detached reset, V_T is a smooth function of the current wherever no spike
    flips within eps: finite differences must match BPTT exactly (the surrogate path carries no gradient)."""
    steps = data.draw(st.integers(2, 8))  # (a synaptic Euler neuron's V_1 does not depend on I_1 yet)
    current = data.draw(hnp.arrays(np.float64, (steps, 3), elements=st.floats(0.0, 4.0))) * 0.3 / neuron.gain
    layer = layer_for(neuron, detach_reset=True, output="membrane")
    state, ops = neuron.initial_state((3,)), RecordingOps()
    for n in range(steps):  # the potentials each spike decision sees
        _, state = neuron.step(state, current[n], ops)
        assume(np.min(np.abs(ops.u - neuron.v_th)) >= 1e-4)  # else a spike could flip within eps
    for fused in (True, False):
        layer.fused = fused
        assert gradcheck(lambda i: layer(i)[-1], [leaf(current)], eps=1e-7)


def test_bptt_by_hand_one_neuron_three_steps():
    """Heaviside forward, surrogate backward: the gradient of the spike count w.r.t. each input, by hand."""
    params = LIFParams(R=1.0, C=2.0, dt=1.0, reset="subtract")  # β = 0.5, gain = 0.5
    sg = surrogate.fast_sigmoid(1.0)
    current = Tensor(np.array([[1.0], [3.0], [0.5]]), requires_grad=True)
    out = LIF(params, surrogate=sg)(current)
    out.sum().backward()

    # forward by hand: u = pre-reset potential, x = u − v_th
    b, g = params.beta_euler, params.input_gain
    u1 = g * 1.0  # 0.5 → no spike
    v1 = u1
    u2 = b * v1 + g * 3.0  # 1.75 → spike, subtract 1
    v2 = u2 - 1.0
    u3 = b * v2 + g * 0.5  # 0.625 → no spike
    np.testing.assert_array_equal(out.data.ravel(), [0, 1, 0])
    d = [sg.derivative(np.array(u - 1.0)) for u in (u1, u2, u3)]  # σ'(x_n)
    # S = s1 + s2 + s3, s_n = H(u_n − 1); u3 = b(u2 − s2) + g·I3, u2 = b(u1 − s1) + g·I2, u1 = g·I1
    # dS/du3 = d3; dS/du2 = d2 + d3·b·(1 − d2); dS/du1 = d1 + dS/du2 · b · (1 − d1); dS/dI_n = g · dS/du_n
    du3 = d[2]
    du2 = d[1] + du3 * b * (1 - d[1])
    du1 = d[0] + du2 * b * (1 - d[0])
    np.testing.assert_allclose(current.grad.ravel(), [g * du1, g * du2, g * du3], rtol=1e-12)


@given(
    neurons(),
    st.sampled_from(["rate", "spikes", "v_final", "v_trace"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "white", "ou"]),
    st.data(),
)
def test_fused_equals_the_unrolled_reference(neuron, output, constant, detach_reset, noise_kind, data):
    """The fused op (hand-written BPTT) computes the same forward and the same gradients as the unrolled graph,
    for both neuron models, every reset, both refractory modes, both integrators, with and without noise."""
    steps = data.draw(st.integers(1, 12))
    shape = (steps, 5) if not constant else (5,)
    current = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1.0, 4.0))) * 0.4 / neuron.gain
    upstream_shape = (steps, 5) if output in ("spikes", "v_trace") else (5,)
    upstream = data.draw(hnp.arrays(np.float64, upstream_shape, elements=st.floats(-1, 1)))
    sg = surrogate.fast_sigmoid(3.0)
    noise = {None: None, "white": WhiteNoise(0.3), "ou": OUNoise(0.3, 4.0)}[noise_kind]

    fused_in = Tensor(current.copy(), requires_grad=True)
    fused, side = spiking_fused(fused_in, neuron, sg.derivative, steps, constant, output, noise, 7, detach_reset)
    state = side["state"]
    fused.backward(upstream)

    ref_in = Tensor(current.copy(), requires_grad=True)
    per_step = [ref_in] * steps if constant else [ref_in[t] for t in range(steps)]
    out = unroll(per_step, neuron, TensorOps(sg, detach_reset), noise=noise, rng=np.random.default_rng(7))
    reference = {"rate": out.spikes.mean(axis=0), "spikes": out.spikes, "v_final": out.v, "v_trace": out.v_trace}
    np.testing.assert_allclose(fused.data, reference[output].data, rtol=1e-12, atol=1e-12)
    if reference[output].requires_grad:
        reference[output].backward(upstream)
        np.testing.assert_allclose(fused_in.grad, ref_in.grad, rtol=1e-9, atol=1e-12)
    else:  # one Euler step of a synaptic neuron: V_1 does not depend on I_1 yet
        assert np.all(fused_in.grad == 0)
    np.testing.assert_allclose(state.v, out.v.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(state.refractory, out.refractory)


# ----------------------------------------------------------------------------------- composing in Sequential
def test_sequential_of_linear_and_lif_is_time_major_and_runs_bptt():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(64, 128, rng=1), nn.LIF(), nn.Linear(128, 10, rng=2), nn.LIF())
    x = Tensor(rng.random((7, 3, 64)).astype(np.float32) * 4)
    with nn.record(net, spikes=False, state=True) as rec:
        out = net(x)
    assert out.shape == (7, 3, 10) and set(np.unique(out.data)) <= {0.0, 1.0}
    (out.mean() + net[2](net[1](net[0](x))).mean()).backward()
    assert net[0].weight.grad is not None and np.abs(net[0].weight.grad).sum() > 0
    (state,) = rec.states("1")
    assert state.v.shape == (3, 128) and state.refractory.shape == (3, 128)


@pytest.mark.parametrize("output", ["spikes", "rate", "membrane"])
def test_output_modes_shapes(output):
    x = Tensor(np.random.default_rng(0).random((6, 2, 4)) * 2)
    out = LIF(output=output)(x)
    assert out.shape == ((2, 4) if output == "rate" else (6, 2, 4))


def test_constant_current_with_num_steps_equals_the_repeated_series():
    x = np.random.default_rng(0).random((2, 4)) * 3
    held = LIF(num_steps=5)(Tensor(x))
    series = LIF()(Tensor(np.repeat(x[None], 5, axis=0)))
    np.testing.assert_array_equal(held.data, series.data)


def test_run_continues_from_a_state():
    neuron = LIFParams(R=1.0, C=5.0, dt=1.0, t_ref=2.0)
    x = np.random.default_rng(3).random((20, 4)) * 3
    whole = LIF(neuron).run(Tensor(x))
    first = LIF(neuron).run(Tensor(x[:9]))
    second = LIF(neuron).run(Tensor(x[9:]), state=first.state)
    np.testing.assert_array_equal(np.concatenate([first.spikes.data, second.spikes.data]), whole.spikes.data)
    np.testing.assert_array_equal(second.refractory, whole.refractory)


def test_non_spiking_readout_is_a_leaky_integrator():
    readout = LIF(LIFParams(R=1.0, C=5.0, dt=1.0, v_th=math.inf), output="membrane")
    x = Tensor(np.ones((10, 1)), requires_grad=True)
    v = readout(x)
    np.testing.assert_allclose(v.data[:, 0], 1 - 0.8 ** np.arange(1, 11))  # V_n = R I (1 - β^n)
    v.sum().backward()
    assert np.all(x.grad > 0)


# ----------------------------------------------------------------------------------- the audit's cases
def test_smooth_stand_in_does_not_make_subthreshold_neurons_refractory():
    """'Fired' comes from V crossing the threshold, not from a smooth stand-in's positive output: a
    sub-threshold neuron with t_ref > 0 keeps charging (the audit saw V = [0.054, 0, 0, 0, 0, 0])."""
    neuron = LIFParams(R=1.0, C=5.0, dt=1.0, t_ref=2.0)
    smooth = surrogate.arctan(2.0)
    out = LIF(neuron, surrogate=smooth.smooth).run(Tensor(np.full((6, 1), 0.27)))
    v, expected = 0.0, []
    for _ in range(6):  # no neuron crosses v_th, so none is ever held: u integrates, the smooth reset blends
        u = neuron.beta_euler * v + neuron.input_gain * 0.27
        v = u * (1 - smooth.primitive(u - 1.0))
        expected.append(v)
    np.testing.assert_allclose(out.v_trace.data[:, 0], expected, rtol=1e-12)
    assert np.all(np.diff(out.v_trace.data[:, 0]) > 0) and np.all(out.refractory == 0)


def test_subtract_differs_from_zero_under_freeze_and_not_under_clamp():
    """Clamping at v_reset throws the overshoot away; freezing keeps it for after the refractory period."""
    rng = np.random.default_rng(0)
    current = rng.uniform(0, 12, (200, 50))
    counts = {}
    for refractory in ("clamp", "freeze"):
        for reset in ("zero", "subtract", "none"):
            p = LIFParams(R=1.0, C=5.0, dt=1.0, t_ref=2.0, reset=reset, refractory=refractory)
            counts[refractory, reset] = simulate_lif(current, p).spikes
    np.testing.assert_array_equal(counts["clamp", "subtract"], counts["clamp", "zero"])
    np.testing.assert_array_equal(counts["clamp", "none"], counts["clamp", "zero"])
    np.testing.assert_array_equal(counts["freeze", "zero"], counts["clamp", "zero"])  # same with reset "zero"
    assert counts["freeze", "subtract"].sum() > counts["freeze", "zero"].sum()
    assert counts["freeze", "none"].sum() > counts["freeze", "subtract"].sum()


def test_freeze_keeps_v_constant_while_refractory():
    p = LIFParams(R=1.0, C=5.0, dt=1.0, t_ref=3.0, reset="subtract", refractory="freeze")
    sim = simulate_lif(np.full(30, 20.0), p)
    spike = int(np.flatnonzero(sim.spikes)[0])
    held = sim.v[spike : spike + 4]  # the post-reset value, then three frozen steps
    assert np.all(held == held[0]) and held[0] > p.v_reset


def test_snntorch_lapicque_equals_one_refractory_step():
    """snnTorch's Lapicque resets one step late (from the previous membrane): written by hand, it fires exactly
    like minisnn with t_ref = dt, not with t_ref = 0 (the audit counted 582 of 2,560 spikes differing)."""
    rng = np.random.default_rng(1)
    current = rng.uniform(0, 8, (40, 64))
    base = dict(R=1.0, C=5.0, dt=1.0, reset="zero")
    beta, gain, threshold = 1 - 1.0 / 5.0, 1.0 / 5.0, 1.0
    mem = np.zeros(40)
    lapicque = np.zeros_like(current)
    for n in range(current.shape[1]):  # snnTorch Lapicque, reset_mechanism="zero"
        reset = (mem - threshold > 0).astype(float)  # from the previous step's membrane
        base_fn = current[:, n] * gain + beta * mem
        mem = base_fn - reset * base_fn
        lapicque[:, n] = mem - threshold > 0
    one_step = simulate_lif(current, LIFParams(**base, t_ref=1.0)).spikes
    no_refractory = simulate_lif(current, LIFParams(**base)).spikes
    # exact although written differently: no potential of this run comes within 3.8e-4 of threshold, far beyond
    # the last-bit differences of the two float64 formulas
    np.testing.assert_array_equal(lapicque, one_step)
    assert (lapicque != no_refractory).sum() > 50


def test_discrete_rate_ceiling():
    p = LIFParams.paper()
    assert p.max_rate_hz == 500.0  # dt = t_ref = 1 ms: a spike at most every second step, not 1000 Hz
    sim = simulate_lif(np.full(1000, 1e9), p)
    assert sim.rate_hz == pytest.approx(p.max_rate_hz, rel=1e-3)
    for t_ref, dt in ((2.0, 0.5), (0.3, 0.1), (0.0, 1.0)):
        q = LIFParams(R=0.5, C=80.0, dt=dt, t_ref=t_ref)
        assert simulate_lif(np.full(2000, 1e9), q).rate_hz == pytest.approx(q.max_rate_hz, rel=2e-3)


def test_layer_errors_name_the_argument():
    with pytest.raises(TypeError, match="neuron must be a SynapticParams, got LIFParams"):
        Synaptic(LIFParams(R=1, C=1, dt=0.1))
    with pytest.raises(ValueError, match="output must be one of"):
        LIF(output="voltage")
    with pytest.raises(ValueError, match="num_steps must be None or an int >= 1, got num_steps=0"):
        LIF(num_steps=0)
    with pytest.raises(ValueError, match="noise_std must be >= 0"):
        LIF(noise_std=-1.0)
    with pytest.raises(ValueError, match="NaN or inf"):
        LIF()(Tensor(np.array([[np.nan]])))
