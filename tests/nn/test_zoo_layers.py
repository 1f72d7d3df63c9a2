"""Every neuron model of the zoo in the one spiking layer: same numbers as the NumPy simulator, BPTT equal to finite
differences, the fused op only where a model declares it, learnable dynamics, the one registry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minisnn import Tensor, gradcheck, nn, surrogate
from minisnn.neurons import (
    ALIFParams,
    AlphaParams,
    IzhikevichParams,
    LIFParams,
    SynapticParams,
    model_from_dict,
    registered_models,
    simulate,
)
from minisnn.noise import WhiteNoise
from minisnn.surrogate import Surrogate

MODELS = {
    "lif": LIFParams(R=1.0, C=5.0, dt=1.0, t_ref=1.0),
    "synaptic": SynapticParams(R=1.0, C=5.0, dt=1.0, tau_syn=3.0, reset="subtract"),
    "alpha": AlphaParams(R=1.0, C=5.0, dt=1.0, tau_syn=3.0, t_ref=2.0, refractory="freeze"),
    "alpha_exact": AlphaParams(R=1.0, C=5.0, dt=1.0, tau_syn=3.0, method="exact"),
    "alif": ALIFParams(R=1.0, C=5.0, dt=1.0, b=0.7, tau_a=30.0, t_ref=1.0),
    "izhikevich": IzhikevichParams.preset("CH", dt=0.25),
}
FUSED = {"lif", "synaptic"}


def drive(name: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 15, shape) if name == "izhikevich" else rng.uniform(0, 3.5, shape)


class SmoothSpike(Surrogate):
    """A Surrogate whose forward pass is its own smooth σ: finite differences then see what BPTT computes."""

    def __call__(self, x: Tensor) -> Tensor:
        return self.smooth(x)


def smooth(width: float = 1.0) -> SmoothSpike:
    s = surrogate.sigmoid(4.0 / width)
    return SmoothSpike(s.name, s.parameter, s.formula, s.derivative, s.primitive)


@pytest.mark.parametrize("name", MODELS)
def test_the_layer_reproduces_the_numpy_simulation(name):
    model = MODELS[name]
    current = drive(name, (80, 3))
    reference = simulate(current.T, model)
    assert reference.spikes.sum() > 3  # the drive makes them fire
    layer = nn.Spiking(model, output="membrane")
    assert layer.uses_fused == (name in FUSED)
    np.testing.assert_allclose(layer(Tensor(current)).data, reference.v.T, rtol=1e-12, atol=1e-10)
    layer.output = "spikes"
    np.testing.assert_array_equal(layer(Tensor(current)).data, reference.spikes.T)
    with nn.record(layer, spikes=False, state=True) as rec:
        layer(Tensor(current))
    (state,) = rec.states()
    for key, trace in reference.traces.items():  # every state variable the simulator traced
        np.testing.assert_allclose(getattr(state, key), trace[:, -1], rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", MODELS)
def test_noise_is_the_simulator_noise(name):
    model = MODELS[name]
    current = drive(name, (30, 4), seed=2)
    layer = nn.Spiking(model, output="membrane", noise_std=0.4, rng=7)  # training mode: noise on
    reference = simulate(current.T, model, noise=WhiteNoise(0.4), rng=7)
    np.testing.assert_allclose(layer(Tensor(current)).data, reference.v.T, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("output", ["membrane", "spikes"])
def test_bptt_gradients_equal_finite_differences(name, output):
    """Through every state variable and the reset, with a smooth spike (a Surrogate instance, so the layer could
    choose the fused op: for the models without a declared linear form it must not)."""
    model = MODELS[name]
    current = drive(name, (6, 2, 2), seed=3)
    width = 5.0 if name == "izhikevich" else 1.0  # mV vs units of the threshold
    layer = nn.Spiking(model, surrogate=smooth(width), output=output, fused=False)
    assert gradcheck(lambda i: layer(i), [Tensor(current, requires_grad=True)], eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["lif", "synaptic", "alpha", "alif"])
def test_learnable_decay_and_threshold_per_neuron(name):
    model = MODELS[name]
    layer = nn.Spiking(model, surrogate=smooth(), output="membrane", learn=("decay", "v_th"), learn_shape=(3,),
                       dtype=np.float64)  # fmt: skip
    assert not layer.uses_fused and [n for n, _ in layer.named_parameters()] == ["decay_logit", "v_th"]
    np.testing.assert_allclose(layer.decay.data, model.decay)  # starts at the model's values
    np.testing.assert_allclose(layer.v_th.data, model.v_th)
    plain = nn.Spiking(model, surrogate=smooth(), output="membrane", fused=False)
    current = drive(name, (7, 2, 3), seed=4)
    np.testing.assert_allclose(layer(Tensor(current)).data, plain(Tensor(current)).data, rtol=1e-12, atol=1e-12)

    logit, v_th = layer.decay_logit, layer.v_th
    logit.data = logit.data + np.array([0.3, -0.2, 0.1])  # three different neurons
    v_th.data = v_th.data + np.array([0.1, 0.0, -0.2])

    def run(i, lg, th):
        layer.decay_logit, layer.v_th = lg, th
        return layer(i)

    assert gradcheck(run, [Tensor(current, requires_grad=True), Tensor(logit.data.copy(), requires_grad=True),
                           Tensor(v_th.data.copy(), requires_grad=True)])  # fmt: skip


def test_what_cannot_be_learned_is_refused_by_name():
    with pytest.raises(ValueError, match=r"IzhikevichParams can learn \[\]"):
        nn.Spiking(MODELS["izhikevich"], learn=("decay",))
    with pytest.raises(ValueError, match=r"LIFParams can learn \['decay', 'v_th'\]"):
        nn.Spiking(MODELS["lif"], learn=("tau",))
    with pytest.warns(RuntimeWarning, match="Euler"), pytest.raises(ValueError, match=r"must lie in \(0, 1\)"):
        nn.Spiking(LIFParams(R=1.0, C=1.0, dt=1.0), learn=("decay",))  # Euler decay 0
    with pytest.raises(TypeError, match="neuron must be a neuron model"):
        nn.Spiking(object())


def test_a_subclass_never_inherits_the_fused_op():
    """A subclass that changes the step without declaring its own linear form runs unrolled."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Doubled(LIFParams):
        def step(self, state, current, ops=None, noise=None):
            from minisnn.neurons import NUMPY_OPS

            return LIFParams.step(self, state, current * 2.0, NUMPY_OPS if ops is None else ops, noise)

    layer = nn.LIF(Doubled(R=1.0, C=5.0, dt=1.0))
    assert not layer.uses_fused
    x = drive("lif", (10, 3))
    np.testing.assert_array_equal(layer(Tensor(x)).data, nn.LIF(LIFParams(R=1.0, C=5.0, dt=1.0))(Tensor(2 * x)).data)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_goes_through_the_one_registry(name):
    model = MODELS[name]
    d = model.to_dict()
    assert d["model"] == type(model).__name__ and type(model).__name__ in registered_models()
    assert model_from_dict(d) == model
    assert model_from_dict(dict(d)) is not model


def test_the_registry_names_what_is_wrong():
    with pytest.raises(ValueError, match=r"neuron.model: unknown neuron model 'Hodgkin'"):
        model_from_dict({"model": "Hodgkin"})
    with pytest.raises(TypeError, match=r"neuron.b must be a real number"):
        model_from_dict({"model": "ALIFParams", "R": 1.0, "C": 1.0, "dt": 1.0, "b": "big"})
    with pytest.raises(ValueError, match=r"unknown keys \['tau_syn'\]"):
        model_from_dict({"R": 1.0, "C": 1.0, "dt": 1.0, "tau_syn": 2.0})  # no "model": a LIFParams
    with pytest.raises(TypeError, match="must be a dict"):
        model_from_dict("LIFParams")


def test_snnconv2d_runs_any_model():
    layer = nn.SNNConv2d(1, 2, 3, padding=1, num_steps=6, neuron=MODELS["alif"], noise_std=0.0, rng=0)
    assert not layer.fused
    x = np.random.default_rng(0).random((2, 1, 5, 5)) * 4
    out = layer(Tensor(x.astype(np.float32)))
    assert out.shape == (2, 2, 5, 5) and 0 <= out.data.min() and out.data.max() <= 1
    out.sum().backward()
    assert np.abs(layer.conv.weight.grad).sum() > 0


def test_the_layer_summary_names_the_model():
    assert "tau_a=30 ms" in repr(nn.Spiking(MODELS["alif"]))
    assert "Izhikevich(CH" in repr(nn.Spiking(MODELS["izhikevich"]))
    assert "learn=['v_th']" in repr(nn.LIF(learn=("v_th",)))
    assert math.isfinite(MODELS["alpha"].tau_syn)


@pytest.mark.parametrize("name", ["lif", "alif"])  # the fused op's counts and the unrolled graph's
def test_recorded_counts_are_the_spikes_summed_over_time_without_keeping_them(name):
    from minisnn.spikestats import SpikeTally

    layer = nn.Spiking(MODELS[name], output="rate", num_steps=7)
    x = Tensor(drive(name, (3, 5)))
    with nn.record(layer, spikes=True, counts=True) as rec:
        layer(x)
        layer(x)
    counts, steps = rec.counts()
    spikes = rec.spikes()
    assert steps == 7 and counts.dtype == np.int32 and counts.shape == (6, 5)
    np.testing.assert_array_equal(counts, spikes.sum(axis=0))
    with nn.record(layer, spikes=False, counts=True) as light:
        layer(x)
    assert not light[""].entries["spikes"]  # no time axis kept
    by_counts, by_spikes = SpikeTally(), SpikeTally()
    by_counts.add_counts(*light.counts())
    by_spikes.add(spikes[:, :3])
    assert (by_counts.rate, by_counts.silent_fraction) == (by_spikes.rate, by_spikes.silent_fraction)
