"""Add your own neuron: the contributing guide's recipe, run as a test.

A neuron model written here, in a test file, registered nowhere and subclassing no other model, must simulate in
NumPy, train in ``nn.Spiking`` with default arguments, and get BPTT gradients that equal finite differences. (Before
the neuron wing, a model could only enter a layer by subclassing ``LIFParams``, and the layer's default fused op then
ran the model's forward with the LIF's hand-written backward: silently wrong gradients.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pytest

from minisnn import Tensor, gradcheck, nn, optim, surrogate
from minisnn import functional as F
from minisnn.neurons import NUMPY_OPS, NeuronModel, model_from_dict, simulate
from minisnn.nn.spiking import TensorOps, unroll
from minisnn.surrogate import Surrogate


# ---- the recipe (docs/contributing.md, "Add your own neuron") -------------------------------------------------
class AdaptingState(NamedTuple):
    v: Any  # membrane potential
    a: Any  # adaptation: how far the threshold has moved up, in spikes


@dataclass(frozen=True)
class AdaptingNeuron(NeuronModel):
    """tau dV/dt = -V + I (Euler); spike when V >= 1 + b·a; reset by subtracting that threshold;
    a jumps by 1 at each spike and decays with tau_a (times in ms)."""

    tau: float = 10.0
    tau_a: float = 50.0
    b: float = 0.5
    dt: float = 1.0

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64) -> AdaptingState:
        return AdaptingState(v=np.zeros(shape, dtype), a=np.zeros(shape, dtype))

    def step(self, state: AdaptingState, current: Any, ops: Any = NUMPY_OPS, noise: Any = None):
        v = state.v * (1 - self.dt / self.tau) + current * (self.dt / self.tau)
        threshold = 1.0 + self.b * state.a  # the threshold in force comes from the state
        spikes = ops.spike(v, threshold)
        v = v - ops.for_reset(spikes) * threshold
        a = state.a * np.exp(-self.dt / self.tau_a) + spikes
        return spikes, AdaptingState(v, a)


# ---------------------------------------------------------------------------------------------------------------
class SmoothSpike(Surrogate):
    """A Surrogate whose forward pass is its smooth σ itself, so that finite differences see the derivative
    backpropagation uses. It is a Surrogate, so a layer *could* choose the fused op for it."""

    def __call__(self, x: Tensor) -> Tensor:
        return self.smooth(x)


def smooth_spike() -> SmoothSpike:
    s = surrogate.sigmoid(4.0)
    return SmoothSpike(s.name, s.parameter, s.formula, s.derivative, s.primitive)


def test_it_simulates_in_numpy_and_adapts():
    result = simulate(np.full(400, 3.0), AdaptingNeuron())
    isi = np.diff(result.spike_times)
    assert len(isi) >= 5 and isi[-1] > isi[0]  # the intervals lengthen: the threshold climbs
    assert sorted(result.traces) == ["a"] and result.a.max() > 1


def test_a_layer_with_default_arguments_runs_it_unrolled():
    layer = nn.Spiking(AdaptingNeuron())  # fused=True by default: allowed only where a model declares it
    assert not layer.uses_fused
    x = np.random.default_rng(0).random((12, 3, 5)) * 4
    current = Tensor(x.copy(), requires_grad=True)
    layer(current).sum().backward()
    reference = Tensor(x.copy(), requires_grad=True)
    out = unroll([reference[t] for t in range(12)], AdaptingNeuron(), TensorOps(layer.surrogate))
    out.spikes.sum().backward()
    np.testing.assert_array_equal(current.grad, reference.grad)
    assert np.abs(current.grad).sum() > 0


def test_its_bptt_gradients_equal_finite_differences():
    """Through the membrane, the moving threshold, the reset and the adaptation variable, over 8 steps."""
    layer = nn.Spiking(AdaptingNeuron(b=0.8), surrogate=smooth_spike(), output="membrane")
    assert not layer.uses_fused
    current = np.random.default_rng(1).uniform(0.0, 4.0, (8, 2, 3))
    assert gradcheck(lambda i: layer(i), [Tensor(current, requires_grad=True)])


def test_it_trains_in_a_network_with_default_arguments():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(4, 16, rng=1), nn.Spiking(AdaptingNeuron()), nn.Linear(16, 2, rng=2))
    x = rng.random((10, 32, 4)).astype(np.float32) * 3  # (T, N, features)
    labels = (x[:, :, 0].mean(axis=0) > x[:, :, 1].mean(axis=0)).astype(np.int64)
    opt = optim.Adam(net.parameters(), lr=0.05)
    losses = []
    for _ in range(45):
        opt.zero_grad()
        out = net(Tensor(x)).mean(axis=0)
        loss = F.cross_entropy(out, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])  # measured: 0.69 -> about 0.3
    assert np.mean(out.data.argmax(axis=1) == labels) > 0.85


def test_unregistered_it_still_saves_its_parameters_but_the_registry_says_what_to_do():
    d = AdaptingNeuron().to_dict()
    assert d == {"model": "AdaptingNeuron", "tau": 10.0, "tau_a": 50.0, "b": 0.5, "dt": 1.0}
    with pytest.raises(ValueError, match="unknown neuron model 'AdaptingNeuron'; registered models are"):
        model_from_dict(d)
