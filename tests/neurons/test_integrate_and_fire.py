"""The IF neuron without leak: its step against the closed form (a ReLU quantised to multiples of 1/T), the error
bound of reset by subtraction, why not reset to zero or a leak, the fused op against the unrolled graph, checks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, nn
from minisnn.neurons import IFParams, LIFParams, if_rate, model_from_dict, simulate


def simulated_rate(z: np.ndarray, num_steps: int, neuron: IFParams) -> np.ndarray:
    """Spikes per step of IF neurons under the constant input z (float64, the NumPy step)."""
    state, count = neuron.initial_state(z.shape, np.float64), np.zeros(z.shape)
    for _ in range(num_steps):
        spikes, state = neuron.step(state, z)
        count += spikes
    return count / num_steps


@given(
    z=st.lists(st.floats(-1.0, 2.0, allow_nan=False), min_size=1, max_size=20),
    num_steps=st.integers(1, 300),
    v_init=st.sampled_from([0.0, 0.5]),
)
def test_the_step_is_the_closed_form_a_relu_quantised_to_multiples_of_one_over_T(z, num_steps, v_init):
    z = np.array(z)
    rate = simulated_rate(z, num_steps, IFParams(v_init=v_init))
    expected = if_rate(z, num_steps, v_init=v_init)
    # the floor may round either way only where V0 + T·z sits on an integer (floating point): skip those
    exact = np.abs((v_init + num_steps * z) - np.round(v_init + num_steps * z)) > 1e-9
    np.testing.assert_array_equal(rate[exact], expected[exact])
    assert np.all(np.abs(rate - expected) <= 1 / num_steps + 1e-12)


@given(z=st.floats(0.0, 1.0, allow_nan=False), num_steps=st.integers(1, 500))
def test_reset_by_subtraction_is_within_one_over_T_of_the_relu_below_the_maximum_rate(z, num_steps):
    """0 <= z − r < 1/T (the bound of the closed form), with a float tolerance of 1e-9; r = 1 above z = 1."""
    rate = simulated_rate(np.array([z]), num_steps, IFParams())[0]
    assert -1e-9 <= z - rate < 1 / num_steps + 1e-9
    rounded = simulated_rate(np.array([z]), num_steps, IFParams(v_init=0.5))[0]
    assert abs(z - rounded) <= 1 / (2 * num_steps) + 1e-9  # V0 = θ/2 rounds instead of flooring


def test_above_the_maximum_rate_it_saturates_and_below_zero_it_is_silent():
    z = np.array([-3.0, -0.01, 1.0, 1.5, 40.0])
    np.testing.assert_array_equal(simulated_rate(z, 64, IFParams()), [0, 0, 1, 1, 1])


def test_reset_to_zero_and_a_leak_miss_the_relu_by_more_than_one_over_T():
    z, steps = np.array([0.3, 0.6, 0.9]), 1000
    subtract = simulated_rate(z, steps, IFParams())
    zero = simulated_rate(z, steps, IFParams(reset="zero"))
    assert np.all(np.abs(subtract - z) < 1 / steps + 1e-12)
    assert np.all(z - zero > 0.04)  # 0.6 fires every 2nd step: rate 0.5; the lost charge does not shrink with T
    leaky = LIFParams(R=1.0, C=5.0, dt=1.0, reset="subtract")  # tau = 5 ms; gain dt/C = 1/5, so I = 5 z
    result = simulate(np.repeat(5 * z[:, None], steps, axis=1), leaky)  # (B, T)
    leaky_rate = np.asarray(result.spikes).mean(axis=1)
    assert np.all(z - leaky_rate > 0.05)  # the charge leaks away between spikes, at every T


def test_the_fused_op_and_the_unrolled_graph_give_the_same_spikes_and_potentials():
    rng = np.random.default_rng(0)
    current = Tensor(rng.uniform(-0.5, 1.5, (12, 3, 7)))
    for neuron in (IFParams(), IFParams(v_init=0.5, C=2.0), IFParams(reset="zero")):
        fused = nn.Spiking(neuron, output="membrane")
        unrolled = nn.Spiking(neuron, output="membrane", fused=False)
        assert fused.uses_fused and not unrolled.uses_fused
        np.testing.assert_allclose(fused(current).data, unrolled(current).data, atol=1e-12)
        np.testing.assert_array_equal(nn.Spiking(neuron)(current).data, nn.Spiking(neuron, fused=False)(current).data)


def test_gradients_of_the_fused_op_match_the_unrolled_graph():
    rng = np.random.default_rng(1)
    data = rng.uniform(-0.5, 1.5, (10, 4, 5))
    grads = []
    for fused in (True, False):
        x = Tensor(data.copy(), requires_grad=True)
        nn.Spiking(IFParams(), output="rate", fused=fused)(x).sum().backward()
        grads.append(x.grad)
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


def test_a_non_spiking_integrator_sums_its_input():
    current = np.random.default_rng(2).normal(size=(9, 2, 3))
    out = nn.Spiking(IFParams(v_th=math.inf), output="membrane")(Tensor(current)).data
    np.testing.assert_allclose(out, np.cumsum(current, axis=0), atol=1e-12)


def test_round_trip_summary_and_checks():
    neuron = IFParams(dt=0.5, C=2.0, v_th=1.5, v_init=0.25)
    assert model_from_dict(neuron.to_dict()) == neuron
    assert neuron.gain == 0.25 and neuron.decay == 1.0 and neuron.ref_steps == 0
    assert "IF (no leak)" in neuron.summary() and "v_init=0.25" in neuron.summary()
    with pytest.raises(ValueError, match="C must be positive and finite"):
        IFParams(C=0.0)
    with pytest.raises(ValueError, match="reset must be one of"):
        IFParams(reset="soft")
    with pytest.raises(ValueError, match="v_reset must be < v_th"):
        IFParams(v_th=0.0)
    with pytest.raises(ValueError, match="v_init must be finite"):
        IFParams(v_init=math.nan)
    with pytest.raises(TypeError, match="v_th must be a real number"):
        IFParams(v_th="1")
    with pytest.raises(ValueError, match="num_steps must be an int >= 1"):
        if_rate(0.5, 0)
    with pytest.raises(ValueError, match=r"v_init must lie in \[0, v_th\)"):
        if_rate(0.5, 8, v_init=1.0)
