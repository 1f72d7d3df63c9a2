"""The zoo's snnTorch twins, run for real when snnTorch (and PyTorch) are installed, in float64.

LIF ↔ ``snntorch.Leaky`` and the synaptic neuron ↔ ``snntorch.Synaptic`` with :func:`minisnn.translate.translate`'s
numbers (``reset_delay=False``); the recurrent layer ↔ ``RLeaky`` is in tests/nn/test_recurrent.py, the alpha synapse
↔ ``Alpha`` in tests/neurons/test_alpha.py. The hand-written updates of tests/neurons/test_lif.py check the same
mappings without the libraries. Where the models part ways is documented in minisnn.translate.
"""

import numpy as np
import pytest

from minisnn.neurons import LIFParams, SynapticParams, simulate
from minisnn.translate import translate, translate_synaptic

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")


def f64(value):
    return torch.tensor(float(value), dtype=torch.float64)


# snnTorch's spike function returns float32, and its reset multiplies those spikes by the threshold: with a
# threshold that float32 cannot hold (1.3 here, v_th - v_reset) each reset rounds to float32 (4e-8). Otherwise equal
# to float64 rounding.
CLOSE = dict(rtol=1e-12, atol=1e-7)


@pytest.mark.parametrize("reset", ["zero", "subtract", "none"])
@pytest.mark.parametrize("v_reset", [0.0, -0.3])
def test_leaky_is_our_lif(reset, v_reset):
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
