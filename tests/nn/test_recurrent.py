"""The recurrent spiking layer: its definition, BPTT through time and the recurrence, and snnTorch's RLeaky."""

from __future__ import annotations

import numpy as np
import pytest

from minisnn import Tensor, gradcheck, nn, surrogate
from minisnn.neurons import ALIFParams, LIFParams, simulate
from minisnn.surrogate import Surrogate


class SmoothSpike(Surrogate):
    def __call__(self, x: Tensor) -> Tensor:
        return self.smooth(x)


def smooth() -> SmoothSpike:
    s = surrogate.sigmoid(4.0)
    return SmoothSpike(s.name, s.parameter, s.formula, s.derivative, s.primitive)


MODELS = [LIFParams(R=4.0, C=1.0, dt=1.0, reset="subtract"), ALIFParams(R=4.0, C=1.0, dt=1.0, b=0.5, tau_a=20.0)]


@pytest.mark.parametrize("model", MODELS, ids=["lif", "alif"])
@pytest.mark.parametrize("all_to_all", [True, False])
def test_it_is_the_neuron_fed_its_own_previous_spikes(model, all_to_all):
    """By hand, in NumPy: Iₙ + W sₙ₋₁ + b (or + V ⊙ sₙ₋₁), then the model's step."""
    rng = np.random.default_rng(0)
    layer = nn.RecurrentSpiking(model, features=5, all_to_all=all_to_all, rng=1, dtype=np.float64)
    if not all_to_all:
        layer.recurrent_weight.data = rng.normal(size=5)
    x = rng.uniform(0, 2, (25, 3, 5))
    out = layer(Tensor(x)).data
    state, previous, expected = model.initial_state((3, 5)), np.zeros((3, 5)), []
    for n in range(25):
        if all_to_all:
            fed = previous @ layer.recurrent.weight.data.T + layer.recurrent.bias.data
        else:
            fed = previous * layer.recurrent_weight.data
        s, state = model.step(state, x[n] + fed)
        previous = s.astype(np.float64)
        expected.append(previous)
    # spikes compared exactly: the same GEMM as the layer's, and no potential of this run comes within 2e-3 of
    # threshold, so even another summation order (~1e-16) could not flip one
    np.testing.assert_array_equal(out, np.stack(expected))
    assert 0 < out.mean() < 1


def test_with_zero_recurrent_weights_it_is_the_feed_forward_layer():
    layer = nn.RecurrentSpiking(MODELS[0], features=4, rng=0, output="membrane", dtype=np.float64)
    layer.recurrent.weight.data[:] = 0
    layer.recurrent.bias.data[:] = 0
    x = np.random.default_rng(1).uniform(0, 2, (20, 2, 4))
    np.testing.assert_allclose(layer(Tensor(x)).data, simulate(x.reshape(20, 8).T, MODELS[0]).v.T.reshape(20, 2, 4))


@pytest.mark.parametrize("model", MODELS, ids=["lif", "alif"])
@pytest.mark.parametrize("all_to_all", [True, False])
def test_bptt_through_time_and_the_recurrence_equals_finite_differences(model, all_to_all):
    layer = nn.RecurrentSpiking(model, features=3, all_to_all=all_to_all, surrogate=smooth(), rng=2,
                                dtype=np.float64)  # fmt: skip
    x = np.random.default_rng(3).uniform(0, 2, (6, 2, 3))
    weights = [layer.recurrent.weight, layer.recurrent.bias] if all_to_all else [layer.recurrent_weight]
    if not all_to_all:
        weights[0].data = np.array([0.5, -0.7, 1.1])

    def run(i, *w):
        if all_to_all:
            layer.recurrent.weight, layer.recurrent.bias = w
        else:
            (layer.recurrent_weight,) = w
        return layer(i)

    inputs = [Tensor(x, requires_grad=True)] + [Tensor(w.data.copy(), requires_grad=True) for w in weights]
    assert gradcheck(run, inputs)


def test_the_gradient_reaches_the_recurrent_weights_in_a_trained_network():
    net = nn.Sequential(nn.Linear(4, 8, rng=0), nn.RecurrentSpiking(MODELS[1], features=8, rng=1))
    out = net(Tensor(np.random.default_rng(0).random((10, 3, 4)).astype(np.float32) * 3))
    out.sum().backward()
    assert np.abs(net[1].recurrent.weight.grad).sum() > 0 and np.abs(net[0].weight.grad).sum() > 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="features must be a positive int"):
        nn.RecurrentSpiking(features=0)
    layer = nn.RecurrentSpiking(features=4)
    with pytest.raises(ValueError, match=r"expected input \(\.\.\., 4\)"):
        layer(Tensor(np.zeros((3, 2, 5))))


@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("all_to_all", [True, False])
def test_equal_to_snntorch_rleaky(reset, all_to_all):
    """snnTorch's RLeaky(beta, all_to_all, linear_features=F, reset_delay=False): same spikes, same membrane, same
    BPTT gradients (input, recurrent weights) in float64, with the same weights and the fast-sigmoid surrogate.
    Our gain dt/C is 1 here (C = dt), so snnTorch's unscaled input is ours; β = 1 - dt/(RC)."""
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    from snntorch import surrogate as snn_surrogate

    features, steps, batch = 6, 30, 4
    model = LIFParams(R=5.0, C=1.0, dt=1.0, reset=reset)
    ours = nn.RecurrentSpiking(model, features=features, all_to_all=all_to_all, surrogate=surrogate.fast_sigmoid(25),
                               output="spikes", rng=0, dtype=np.float64)  # fmt: skip
    twin = snn.RLeaky(beta=torch.tensor(model.beta_euler, dtype=torch.float64), all_to_all=all_to_all,
                      linear_features=features if all_to_all else None, V=1.0, reset_mechanism=reset,
                      reset_delay=False, spike_grad=snn_surrogate.fast_sigmoid(slope=25),
                      threshold=torch.tensor(1.0, dtype=torch.float64)).double()  # fmt: skip
    if all_to_all:
        ours.recurrent.weight.data *= 0.5
    with torch.no_grad():
        if all_to_all:
            twin.recurrent.weight.copy_(torch.tensor(ours.recurrent.weight.data))
            twin.recurrent.bias.copy_(torch.tensor(ours.recurrent.bias.data))
        else:
            ours.recurrent_weight.data = np.random.default_rng(5).normal(size=features) * 0.2
            twin.recurrent.V = torch.nn.Parameter(torch.tensor(ours.recurrent_weight.data))
    x = np.random.default_rng(1).uniform(0, 0.8, (steps, batch, features))
    upstream = np.random.default_rng(2).normal(size=(steps, batch, features))

    mine_in = Tensor(x, requires_grad=True)
    with nn.record(ours, membrane=True) as rec:
        spikes = ours(mine_in)
    (spikes * Tensor(upstream)).sum().backward()

    theirs_in = torch.tensor(x, requires_grad=True)
    spk, mem = twin.init_rleaky()
    spk_rec, mem_rec = [], []
    for t in range(steps):
        spk, mem = twin(theirs_in[t], spk.double(), mem)  # (its spike function returns float32)
        spk_rec.append(spk)
        mem_rec.append(mem)
    torch_spikes = torch.stack(spk_rec)
    (torch_spikes * torch.tensor(upstream)).sum().backward()

    assert 0.05 < spikes.data.mean() < 0.6
    # Where the two part ways is never reached: a neuron still above threshold after its reset fires again at the
    # next step here, while snnTorch first subtracts a second threshold (reset_delay=False: its `reset` from the
    # previous membrane); so no membrane may end a step above threshold.
    assert rec.membrane().max() < 1.0
    # spikes compared exactly across NumPy's and PyTorch's BLAS: no potential comes within 2e-4 of threshold here
    np.testing.assert_array_equal(spikes.data, torch_spikes.detach().numpy())
    np.testing.assert_allclose(rec.membrane(), torch.stack(mem_rec).detach().numpy(), rtol=1e-12, atol=1e-12)
    # snnTorch's spike function returns float32, so the gradients it passes back carry float32 rounding (1e-7)
    close = dict(rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(mine_in.grad, theirs_in.grad.numpy(), **close)
    if all_to_all:
        np.testing.assert_allclose(ours.recurrent.weight.grad, twin.recurrent.weight.grad.numpy(), **close)
        np.testing.assert_allclose(ours.recurrent.bias.grad, twin.recurrent.bias.grad.numpy(), **close)
    else:
        np.testing.assert_allclose(ours.recurrent_weight.grad, twin.recurrent.V.grad.numpy(), **close)
