"""The zoo's twins in other libraries, run for real when they are installed (PyTorch with snnTorch or Norse), in
float64.

LIF ↔ ``snntorch.Leaky`` (values and BPTT gradients) and the synaptic neuron ↔ ``snntorch.Synaptic`` with
:func:`minisnn.translate.translate`'s numbers (``reset_delay=False``); Izhikevich ↔ Norse's
``izhikevich_feed_forward_step``. The recurrent layer ↔ ``RLeaky`` is in tests/nn/test_recurrent.py, the alpha
synapse ↔ ``Alpha`` in tests/neurons/test_alpha.py. The hand-written updates of tests/neurons/test_lif.py check the
LIF mappings without the libraries. Where the models part ways is documented in minisnn.translate.
"""

import numpy as np
import pytest

from minisnn import Tensor, nn, surrogate
from minisnn.neurons import ALIFParams, AlphaParams, IzhikevichParams, LIFParams, SynapticParams, simulate
from minisnn.translate import translate, translate_synaptic

torch = pytest.importorskip("torch")


def f64(value):
    return torch.tensor(float(value), dtype=torch.float64)


# snnTorch's spike function returns float32, and its reset multiplies those spikes by the threshold: with a
# threshold that float32 cannot hold (1.3 here, v_th - v_reset) each reset rounds to float32 (4e-8). Otherwise equal
# to float64 rounding.
CLOSE = dict(rtol=1e-12, atol=1e-7)
# The spikes are compared exactly although the potentials are computed along other paths: in these seeded runs no
# potential lands within 1.7e-4 of threshold (Izhikevich: 0.15 of its 30 mV peak), thousands of times more than the
# 4e-8 the two implementations may part by, so no rounding, on any CPU, can flip a spike.


@pytest.mark.parametrize("reset", ["zero", "subtract", "none"])
@pytest.mark.parametrize("v_reset", [0.0, -0.3])
def test_leaky_is_our_lif(reset, v_reset):
    snn = pytest.importorskip("snntorch")
    p = LIFParams(R=2.0, C=4.0, dt=1.0, reset=reset, v_reset=v_reset)
    tr = translate(p)["snntorch"]
    layer = snn.Leaky(beta=f64(tr["beta"]), threshold=f64(tr["threshold"]), reset_mechanism=tr["reset_mechanism"],
                      reset_delay=tr["reset_delay"])  # fmt: skip
    current = np.random.default_rng(0).uniform(0.5, 3.0, (60, 5)) * p.rheobase
    ours = simulate(current.T, p, v0=v_reset)
    mem = torch.full((5,), 0.0, dtype=torch.float64)  # U = V - v_reset starts at 0
    spikes, potentials = [], []
    for n in range(60):
        spk, mem = layer(torch.tensor(current[n] * tr["input_scale"] + tr["input_offset"]), mem)
        spikes.append(spk.detach().numpy())
        potentials.append(mem.detach().numpy() + v_reset)
    assert ours.spikes.sum() > 10
    np.testing.assert_array_equal(np.array(spikes), ours.spikes.T)
    np.testing.assert_allclose(np.array(potentials), ours.v.T, **CLOSE)


@pytest.mark.parametrize("reset", ["zero", "subtract"])
@pytest.mark.parametrize("v_reset", [0.0, -0.3])
def test_synaptic_is_our_synaptic_neuron_fed_one_step_later(reset, v_reset):
    snn = pytest.importorskip("snntorch")
    p = SynapticParams(R=2.0, C=4.0, dt=1.0, tau_syn=5.0, reset=reset, v_reset=v_reset)
    tr = translate_synaptic(p)["snntorch"]
    layer = snn.Synaptic(alpha=f64(tr["alpha"]), beta=f64(tr["beta"]), threshold=f64(tr["threshold"]),
                         reset_mechanism=tr["reset_mechanism"], reset_delay=tr["reset_delay"])  # fmt: skip
    current = np.random.default_rng(1).uniform(0.5, 3.0, (80, 4)) * p.rheobase
    ours = simulate(current.T, p, v0=v_reset)
    syn = torch.full((4,), tr["initial_syn"], dtype=torch.float64)
    mem = torch.zeros(4, dtype=torch.float64)
    spikes, potentials = [], []
    for n in range(80):
        delayed = current[n - tr["input_delay"]] if n >= tr["input_delay"] else np.zeros(4)
        spk, syn, mem = layer(torch.tensor(delayed * tr["input_scale"] + tr["input_offset"]), syn, mem)
        spikes.append(spk.detach().numpy())
        potentials.append(mem.detach().numpy() + v_reset)
    assert ours.spikes.sum() > 10
    np.testing.assert_array_equal(np.array(spikes), ours.spikes.T)
    np.testing.assert_allclose(np.array(potentials), ours.v.T, **CLOSE)


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_leaky_bptt_is_ours_without_a_detached_reset(reset):
    """With reset_delay=False snnTorch's same-step reset uses the spike itself: minisnn's detach_reset=False."""
    snn = pytest.importorskip("snntorch")
    from snntorch import surrogate as snn_surrogate

    p = LIFParams(R=4.0, C=1.0, dt=1.0, reset=reset)  # gain 1: snnTorch's unscaled input
    tr = translate(p)["snntorch"]
    layer = snn.Leaky(beta=f64(tr["beta"]), threshold=f64(tr["threshold"]), reset_mechanism=reset, reset_delay=False,
                      spike_grad=snn_surrogate.fast_sigmoid(slope=25))  # fmt: skip
    x = np.random.default_rng(3).uniform(0, 0.9, (40, 6))
    upstream = np.random.default_rng(4).normal(size=(40, 6))
    theirs_in = torch.tensor(x, requires_grad=True)
    mem, spikes = torch.zeros(6, dtype=torch.float64), []
    for n in range(40):
        spk, mem = layer(theirs_in[n], mem)
        spikes.append(spk)
    (torch.stack(spikes) * torch.tensor(upstream)).sum().backward()
    for fused in (True, False):
        ours_in = Tensor(x.copy(), requires_grad=True)
        out = nn.LIF(p, surrogate=surrogate.fast_sigmoid(25), fused=fused)(ours_in)
        (out * Tensor(upstream)).sum().backward()
        np.testing.assert_array_equal(out.data, torch.stack(spikes).detach().numpy())
        # (snnTorch's spikes are float32, so the gradients it passes back carry float32 rounding)
        np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["RS", "IB", "CH", "FS"])
def test_norse_izhikevich_is_ours(name):
    pytest.importorskip("norse")
    from norse.torch.functional.izhikevich import IzhikevichParameters, IzhikevichState, izhikevich_feed_forward_step

    p = IzhikevichParams.preset(name, dt=0.1)
    tr = translate(p)["norse"]
    params = IzhikevichParameters(a=tr["a"], b=tr["b"], c=tr["c"], d=tr["d"], sq=tr["sq"], mn=tr["mn"],
                                  bias=tr["bias"], v_th=tr["v_th"], tau_inv=tr["tau_inv"])  # fmt: skip
    current = np.full((3000, 2), 10.0)
    current[:, 1] = 5.0
    state = IzhikevichState(v=torch.full((2,), tr["v_init"], dtype=torch.float64),
                            u=torch.full((2,), tr["u_init"], dtype=torch.float64))  # fmt: skip
    spikes, potentials = [], []
    for n in range(3000):
        z, state = izhikevich_feed_forward_step(torch.tensor(current[n]), state, params, dt=tr["dt"])
        spikes.append(z.detach().numpy())
        potentials.append(state.v.detach().numpy())
    ours = simulate(current.T, p)
    assert ours.spikes.sum() > 8
    np.testing.assert_array_equal(np.array(spikes), ours.spikes.T)
    np.testing.assert_allclose(np.array(potentials), ours.v.T, rtol=1e-12, atol=1e-10)


def test_models_without_a_twin_say_what_comes_nearest():
    with pytest.raises(ValueError, match="no twin.*Norse's LSNN"):
        translate(ALIFParams(R=1.0, C=5.0, dt=1.0))
    with pytest.raises(ValueError, match="no twin.*snnTorch's Alpha is not it"):
        translate(AlphaParams(R=1.0, C=5.0, dt=1.0))
    assert set(translate(SynapticParams(R=1.0, C=5.0, dt=1.0))) >= {"snntorch", "norse", "snntorch_alpha"}
