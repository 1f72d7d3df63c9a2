"""minisnn.export, layer by layer (issue 24, items 1-2): every exportable layer's torch twin computes minisnn's
forward (spikes identical, values to 1e-12) and its BPTT gradients (to 1e-10) in float64 -- every neuron model,
reset, refractory mode, surrogate, noise, learnable value and recurrence; the same noise when the same Generator
state is supplied; clear errors for what cannot be exported or copied back; the round trip is the identity; and
torch stays out of ``import minisnn``. The networks (classifiers, SC-NN) are in tests/test_export_networks.py.

Torch runs on one thread here (``one_torch_thread``): its idle threads spin and slow the NumPy side of each
comparison down by 10x on a busy 2-core machine.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from export_check import compare, float64, one_torch_thread  # noqa: E402, F401 (the fixture, used by name)

from minisnn import Tensor, nn, surrogate  # noqa: E402
from minisnn.export import ExportError, from_torch, to_torch  # noqa: E402
from minisnn.neurons import ALIFParams, AlphaParams, IFParams, IzhikevichParams, LIFParams, SynapticParams  # noqa: E402
from minisnn.nn.module import StateDictError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SURROGATES = {"fast_sigmoid": 4.0, "arctan": 2.0, "sigmoid": 3.0, "triangle": 1.5, "rectangle": 1.0}


def make_neuron(kind: str, reset: str = "zero", refractory: str = "clamp", t_ref: float = 0.0,
                method: str = "euler", v_reset: float = 0.0):  # fmt: skip
    """A neuron of each model with τ = 4 ms, dt = 1 ms (decay 0.75: learnable), that fires for currents ~1-3."""
    lif = dict(R=1.0, C=4.0, dt=1.0, reset=reset, refractory=refractory, t_ref=t_ref, method=method, v_reset=v_reset)
    if kind == "lif":
        return LIFParams(**lif)
    if kind == "synaptic":
        return SynapticParams(**lif, tau_syn=3.0)
    if kind == "alpha":
        return AlphaParams(**lif, tau_syn=2.0)
    if kind == "alif":
        return ALIFParams(**lif, b=0.4, tau_a=10.0)
    if kind == "if":  # no leak, no refractoriness, no integrator choice
        return IFParams(C=4.0, reset=reset, v_reset=v_reset, v_init=0.3)
    return IzhikevichParams(dt=0.5)


def currents(kind: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "izhikevich":
        return rng.uniform(0.0, 40.0, shape)
    scale = {"lif": 1.0, "synaptic": 2.0, "alpha": 3.0, "alif": 1.5, "if": 1.0}[kind]
    return rng.uniform(-0.5, 4.0, shape) * scale


# ---------------------------------------------------------------------------------------------- ordinary layers
@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.Linear(5, 3, rng=0), (4, 5)),
        (nn.Linear(5, 3, bias=False, rng=1), (2, 4, 5)),
        (nn.Conv2d(3, 4, 3, padding=1, rng=2), (2, 3, 7, 6)),
        (nn.Conv2d(2, 3, (3, 2), stride=2, padding=(1, 2), dilation=(2, 1), bias=False, rng=3), (2, 2, 9, 8)),
        (nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 8)),
        (nn.AvgPool2d(2), (1, 2, 6, 6)),
        (nn.MaxPool2d((2, 3), stride=1, padding=1), (2, 3, 6, 7)),
        (nn.Flatten(), (2, 3, 4, 5)),
        (nn.Flatten(1, 2), (2, 3, 4, 5)),
        (nn.ReLU(), (3, 4)),
        (nn.Sigmoid(), (3, 4)),
        (nn.TimeDistributed(nn.Conv2d(2, 3, 3, padding=1, rng=4)), (3, 2, 2, 5, 5)),
        (nn.Sequential(nn.Linear(6, 4, rng=5), nn.ReLU(), nn.Linear(4, 2, rng=6)), (3, 6)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_ordinary_layers_match(layer, shape):
    x = np.random.default_rng(7).normal(size=shape)
    compare(float64(layer), x)


def test_max_pool_ties_send_the_gradient_where_minisnn_does():
    """Spikes make ties (0/1 windows): both pick the first maximum of a window."""
    x = (np.random.default_rng(8).random((2, 3, 6, 6)) < 0.5).astype(np.float64)
    compare(nn.MaxPool2d(2), x)
    compare(nn.MaxPool2d(3, stride=1, padding=1), x)


def test_dropout_draws_minisnn_mask_and_is_the_identity_in_eval():
    x = np.random.default_rng(9).normal(size=(4, 10))
    layer = nn.Dropout(0.3, rng=11)
    compare(layer, x)  # training: the same mask from the copied Generator
    compare(layer.eval(), x)
    twin = to_torch(nn.Dropout(0.5, rng=1))  # torch's generator: about half dropped, the rest doubled
    out = twin(torch.ones(2000, dtype=torch.float64)).numpy()
    assert set(np.unique(out)) == {0.0, 2.0} and 0.45 < (out == 0).mean() < 0.55


# --------------------------------------------------------------------------------------------------- spiking layers
KINDS = ["lif", "synaptic", "alpha", "alif", "if", "izhikevich"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(SURROGATES))
def test_every_model_with_every_surrogate(kind, name):
    spike = surrogate.get(name, SURROGATES[name] * (0.1 if kind == "izhikevich" else 1.0))
    layer = nn.Spiking(make_neuron(kind), surrogate=spike, output="membrane", dtype=np.float64)
    diffs = compare(layer, currents(kind, (12, 3, 4)))
    assert diffs.spikes > 0


@pytest.mark.parametrize("kind", ["lif", "synaptic", "alpha", "alif", "if"])
@pytest.mark.parametrize("reset", ["zero", "subtract", "none"])
@pytest.mark.parametrize("refractory", ["clamp", "freeze"])
@pytest.mark.parametrize("detach_reset", [False, True])
def test_resets_refractoriness_and_detached_resets(kind, reset, refractory, detach_reset):
    neuron = make_neuron(kind, reset, refractory, t_ref=2.0, v_reset=-0.2)
    layer = nn.Spiking(neuron, surrogate=surrogate.fast_sigmoid(3.0), detach_reset=detach_reset, output="membrane")
    assert compare(layer, currents(kind, (10, 2, 5), seed=1)).spikes > 0


@pytest.mark.parametrize("kind", ["lif", "synaptic", "alpha", "alif", "if"])
@pytest.mark.parametrize("output", ["spikes", "rate", "membrane"])
def test_outputs_exact_integrators_and_held_currents(kind, output):
    neuron = make_neuron(kind, method="exact", t_ref=1.0)
    for steps in (None, 7):  # a time series, then a current held for 7 steps
        layer = nn.Spiking(neuron, surrogate=surrogate.arctan(2.0), output=output, num_steps=steps)
        shape = (3, 4) if steps else (7, 3, 4)
        compare(layer, currents(kind, shape, seed=2), binary=output == "spikes")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("noise_tau", [None, 3.0])
def test_noise_is_the_same_when_the_same_generator_state_is_supplied(kind, noise_tau):
    layer = nn.Spiking(make_neuron(kind), output="membrane", noise_std=0.5, noise_tau=noise_tau, rng=5)
    x = currents(kind, (9, 2, 3), seed=3)
    compare(layer, x)  # noise="minisnn": copies of the layer's Generator
    compare(layer, x)  # ... in its state after the first call: the second draws match too
    twin = to_torch(layer)  # noise="torch": other numbers
    assert not np.allclose(twin(torch.tensor(x)).detach().numpy(), layer(Tensor(x)).data)
    compare(layer.eval(), x, noise="torch")  # no noise in eval mode: equal whatever the source


@pytest.mark.parametrize("kind", ["lif", "synaptic", "alpha", "alif"])
@pytest.mark.parametrize("learn", [("decay",), ("v_th",), ("decay", "v_th")])
@pytest.mark.parametrize("learn_shape", [(), (4,)])
def test_learnable_decay_and_threshold(kind, learn, learn_shape):
    layer = nn.Spiking(make_neuron(kind, reset="subtract"), output="membrane", learn=learn, learn_shape=learn_shape,
                       dtype=np.float64)  # fmt: skip
    if "v_th" in learn:
        layer.v_th.data = layer.v_th.data + np.linspace(-0.2, 0.2, layer.v_th.size).reshape(learn_shape)
    assert compare(layer, currents(kind, (8, 3, 4), seed=4)).spikes > 0


@pytest.mark.parametrize("kind", ["lif", "synaptic", "alif", "if", "izhikevich"])
@pytest.mark.parametrize("all_to_all", [True, False])
def test_recurrent_layers(kind, all_to_all):
    layer = nn.RecurrentSpiking(make_neuron(kind), features=4, all_to_all=all_to_all, output="membrane", rng=6,
                                dtype=np.float64, one_to_one_init=0.5)  # fmt: skip
    assert compare(layer, currents(kind, (10, 3, 4), seed=5)).spikes > 0


def test_lif_and_synaptic_layers_and_the_smooth_stand_in():
    compare(nn.LIF(output="rate", num_steps=6), np.random.default_rng(0).uniform(0, 3, (2, 5)))
    compare(nn.Synaptic(output="spikes"), np.random.default_rng(1).uniform(0, 3, (8, 2, 5)), binary=True)
    smooth = nn.Spiking(make_neuron("lif"), surrogate=surrogate.sigmoid(4.0).smooth, output="membrane")
    compare(smooth, currents("lif", (6, 2, 3)))


@given(data=st.data())
def test_random_combinations_of_options(data):
    kind = data.draw(st.sampled_from(KINDS))
    izh = kind == "izhikevich"
    neuron = make_neuron(
        kind, data.draw(st.sampled_from(["zero", "subtract", "none"])), data.draw(st.sampled_from(["clamp", "freeze"])),
        data.draw(st.sampled_from([0.0, 1.0, 2.0])), data.draw(st.sampled_from(["euler", "exact"])),
        data.draw(st.sampled_from([0.0, -0.3])),
    )  # fmt: skip
    name = data.draw(st.sampled_from(list(SURROGATES)))
    options = dict(
        surrogate=surrogate.get(name, SURROGATES[name] * (0.1 if izh else 1.0)),
        output=data.draw(st.sampled_from(["spikes", "rate", "membrane"])),
        num_steps=data.draw(st.sampled_from([None, 5])),
        noise_std=data.draw(st.sampled_from([0.0, 0.3])),
        noise_tau=data.draw(st.sampled_from([None, 2.0])),
        detach_reset=data.draw(st.booleans()),
        learn=()
        if kind in ("izhikevich", "if")
        else data.draw(st.sampled_from([(), ("decay",), ("v_th",), ("decay", "v_th")])),
        rng=data.draw(st.integers(0, 100)),
        dtype=np.float64,
    )
    if data.draw(st.booleans()):
        layer = nn.RecurrentSpiking(neuron, features=3, all_to_all=data.draw(st.booleans()), **options)
    else:
        layer = nn.Spiking(neuron, **options)
    layer.train(data.draw(st.booleans()))
    shape = (2, 3) if options["num_steps"] else (6, 2, 3)
    compare(layer, currents(kind, shape, seed=data.draw(st.integers(0, 100))), binary=options["output"] == "spikes")


@pytest.mark.parametrize("kind", ["lif", "if"])
@pytest.mark.parametrize("fused", [True, False])
def test_a_non_spiking_read_out_is_never_reset(kind, fused):
    """v_th = inf with reset "subtract": no reset, in minisnn (whose reset once computed u − 0·∞ = NaN) and in the
    twin; forward and gradients equal, finite."""
    fields = dict(v_th=math.inf) if kind == "if" else dict(R=1.0, C=4.0, dt=1.0, v_th=math.inf)
    model = IFParams if kind == "if" else LIFParams
    x = currents(kind, (6, 2, 3), seed=9)
    layer = nn.Spiking(model(**fields, reset="subtract"), output="membrane", fused=fused)
    ours = Tensor(x, requires_grad=True)
    out = layer(ours)
    out.sum().backward()
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(ours.grad))
    compare(layer, x)


def test_run_returns_and_continues_the_state():
    layer = nn.Spiking(make_neuron("alif", t_ref=1.0), output="membrane")
    twin = to_torch(layer)
    x = currents("alif", (12, 2, 3), seed=6)
    first, rest = layer.run(Tensor(x[:5])), None
    rest = layer.run(Tensor(x[5:]), state=first.state)
    theirs_first = twin.run(torch.tensor(x[:5]))
    theirs_rest = twin.run(torch.tensor(x[5:]), state=theirs_first.state)
    assert set(theirs_rest.state) == set(rest.state._fields)
    for field in rest.state._fields:
        np.testing.assert_allclose(np.asarray(theirs_rest.state[field]), getattr(getattr(rest.state, field), "data",
                                   getattr(rest.state, field)), rtol=0, atol=1e-12)  # fmt: skip
    np.testing.assert_array_equal(theirs_rest.spikes.numpy(), rest.spikes.data)
    np.testing.assert_allclose(theirs_rest.v_trace.numpy(), rest.v_trace.data, rtol=0, atol=1e-12)


@pytest.mark.parametrize("output", ["rate", "spikes", "membrane"])
def test_snnconv2d_with_both_noises_held_and_time_series_inputs(output):
    layer = nn.SNNConv2d(2, 3, 3, padding=1, num_steps=5, neuron=make_neuron("synaptic", t_ref=1.0), noise_std=0.2,
                         noise_tau=4.0, conv_noise_std=0.1, input_scale=3.0, input_offset=0.5, output=output,
                         rng=7, dtype=np.float64)  # fmt: skip
    rng = np.random.default_rng(8)
    compare(layer, rng.uniform(0, 1, (2, 2, 6, 5)), binary=output == "spikes")
    compare(layer, rng.uniform(0, 1, (4, 2, 2, 6, 5)), binary=output == "spikes")
    compare(layer.eval(), rng.uniform(0, 1, (2, 2, 6, 5)), noise="torch", binary=output == "spikes")


# ------------------------------------------------------------------------------------------------ what is refused
class Doubler(nn.Module):
    def forward(self, x):
        return x * 2.0


class MyLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) + 1.0


@dataclasses.dataclass(frozen=True)
class LeakyNeuron(LIFParams):
    def step(self, state, current, ops=None, noise=None):
        return super().step(state, current * 2.0, ops, noise)


def test_a_layer_that_cannot_be_exported_is_named():
    with pytest.raises(ExportError, match=r"cannot export layer '1' \(Doubler\): minisnn.export has no torch twin"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Doubler()))
    with pytest.raises(ExportError, match=r"layer '0\.module' \(MyLinear\): it is a subclass of Linear"):
        to_torch(nn.Sequential(nn.TimeDistributed(MyLinear(2, 2))))
    with pytest.raises(ExportError, match=r"cannot export the module itself \(Doubler\)"):
        to_torch(Doubler())


def test_a_neuron_model_or_spike_function_without_a_twin_is_named():
    with pytest.raises(ExportError, match=r"layer '1' \(Spiking\): its neuron model LeakyNeuron has no torch twin"):
        to_torch(nn.Sequential(nn.Linear(2, 2), nn.Spiking(LeakyNeuron(R=1.0, C=4.0, dt=1.0))))
    with pytest.raises(ExportError, match=r"layer '0' \(Spiking\): its spike function .* is not a minisnn Surrogate"):
        to_torch(nn.Sequential(nn.Spiking(surrogate=lambda x: x)))
    fake = dataclasses.replace(surrogate.fast_sigmoid(5.0), derivative=lambda x: np.ones_like(x))
    with pytest.raises(ExportError, match=r"surrogate named 'fast_sigmoid' has a derivative other than"):
        to_torch(nn.Spiking(surrogate=fake))
    with pytest.raises(ValueError, match="noise must be one of"):
        to_torch(nn.ReLU(), noise="numpy")
    with pytest.raises(TypeError, match="must be a minisnn nn.Module"):
        to_torch(torch.nn.ReLU())
    with pytest.raises(ValueError, match=r"dtype must be None, a floating torch dtype or float32/float64, got"):
        to_torch(nn.ReLU(), dtype=np.int32)


# -------------------------------------------------------------------------------------------- and back, exactly
def learning_net(seed: int) -> nn.Sequential:
    learned = nn.Spiking(make_neuron("lif"), learn=("decay", "v_th"), learn_shape=(6,))
    return nn.Sequential(nn.Linear(4, 6, rng=seed), learned, nn.RecurrentSpiking(features=6, rng=seed + 1),
                         nn.Linear(6, 2, rng=seed + 2))  # fmt: skip


def test_round_trip_is_the_identity_on_the_weights():
    model = learning_net(0)
    before = model.state_dict()
    twin = to_torch(model)
    assert set(twin.state_dict()) == set(before)
    other = learning_net(3)
    assert from_torch(twin, into=other) is other
    after = other.state_dict()
    for name, value in before.items():
        assert after[name].dtype == value.dtype == np.float32
        np.testing.assert_array_equal(after[name], value)
    with torch.no_grad():  # trained in torch: the new values come back
        twin[0].weight.add_(1.0)
    from_torch(torch.nn.DataParallel(twin), into=other)  # a wrapper ("module." names) is unwrapped
    np.testing.assert_array_equal(other[0].weight.data, before["0.weight"] + np.float32(1.0))


def test_from_torch_refuses_mismatched_names_and_shapes_naming_them():
    twin = to_torch(nn.Sequential(nn.Linear(4, 6, rng=0), nn.ReLU(), nn.Linear(6, 2, rng=1)))
    wider = nn.Sequential(nn.Linear(4, 7, rng=0), nn.ReLU(), nn.Linear(7, 2, rng=1))
    before = wider.state_dict()
    with pytest.raises(StateDictError, match=r"0\.weight: expected shape \(7, 4\) \(the minisnn parameter's\), got "
                       r"\(6, 4\).*2\.weight: expected shape \(2, 7\)"):  # fmt: skip
        from_torch(twin, into=wider)
    for name, value in wider.state_dict().items():  # nothing copied
        np.testing.assert_array_equal(value, before[name])
    shorter = nn.Sequential(nn.Linear(4, 6, rng=0))
    with pytest.raises(StateDictError, match=r"not parameters of the minisnn Sequential: \['2\.weight', '2\.bias'\]"):
        from_torch(twin, into=shorter)
    longer = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2), nn.Linear(2, 2))
    with pytest.raises(StateDictError, match=r"missing in the torch module: \['3\.weight', '3\.bias'\]"):
        from_torch(twin, into=longer)
    with pytest.raises(TypeError, match="into must be a minisnn nn.Module"):
        from_torch(twin, into=twin)


# ------------------------------------------------------------------------------------------------ import hygiene
def test_import_minisnn_and_minisnn_export_do_not_import_torch():
    code = ("import sys, minisnn, minisnn.export, minisnn.nn, minisnn.inpainting, minisnn.classification\n"
            "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_torch_modules_import_nothing_of_minisnn():
    for path in sorted((ROOT / "minisnn/export/_torch").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level > 0 else [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in {"torch", "numpy", "math", "collections", "typing", "__future__"}, (
                    f"{path.name} imports {name}"
                )


def test_forward_and_backward_run_no_minisnn_code_outside_the_torch_modules():
    model = nn.Sequential(nn.TimeDistributed(nn.Conv2d(1, 2, 3, padding=1, rng=0)),
                          nn.Spiking(make_neuron("alif"), noise_std=0.1, rng=1), nn.TimeDistributed(nn.Flatten()),
                          nn.RecurrentSpiking(features=32, rng=2), nn.Dropout(0.2, rng=3))  # fmt: skip
    twin = to_torch(model, noise="minisnn")
    x = torch.rand(4, 2, 1, 4, 4, dtype=torch.float32, requires_grad=True)
    package, allowed = ROOT / "minisnn", ROOT / "minisnn/export/_torch"
    visited: set[str] = set()

    def profile(frame, event, arg):
        visited.add(frame.f_code.co_filename)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        twin(x).sum().backward()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    ours = {Path(f).resolve() for f in visited if Path(f).resolve().is_relative_to(package)}
    assert ours and all(f.is_relative_to(allowed) for f in ours), sorted(map(str, ours))
