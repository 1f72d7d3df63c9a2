"""Spiking layers on time-major Tensors: ``Spiking`` -- THE time loop -- and its named forms ``LIF`` and ``Synaptic``.

A spiking layer takes a current ``(T, *shape)`` -- one value per time step, e.g. the output of ``nn.Linear`` applied
to an encoded input (T, N, F) -- and passes on a Tensor, so it composes in ``Sequential``::

    net = nn.Sequential(nn.Linear(64, 128), nn.LIF(), nn.Linear(128, 10), nn.LIF())
    spikes = net(x)            # x (T, N, 64) -> spikes (T, N, 10); spikes.sum().backward() runs BPTT

**One vocabulary of outputs** (everywhere in minisnn, :data:`OUTPUTS`): ``"spikes"`` ``(T, *shape)`` 0/1;
``"rate"`` ``(*shape)``, spikes per step averaged over T; ``"membrane"`` ``(T, *shape)``, the membrane potential V
after each step (after the reset) -- the trace, never only its last value. (With ``LIFParams(v_th=math.inf)`` a
non-spiking leaky integrator, the usual read-out layer.)

**Any neuron model** (:mod:`minisnn.neurons`): the layer runs the model's one ``step`` on Tensors
(:class:`TensorOps` gives it the surrogate-gradient spike function and differentiable blends), unrolled over time
into an ordinary graph -- the readable reference, :func:`unroll`. For a model that declares it is linear below
threshold (LIF, synaptic) the layer runs the same steps as one fused op with the backward pass written by hand
(:mod:`minisnn.nn.lif_fused`), which the tests hold equal to the unrolled graph; every other model, and every layer
with learnable dynamics or recurrence, runs unrolled -- never silently wrong.

**Learnable dynamics**: ``learn=("decay", "v_th")`` makes the model's decay per step and threshold Parameters,
scalar or per neuron (``learn_shape``); the decay is kept in (0, 1) as sigmoid(``decay_logit``) (SpikingJelly's
``ParametricLIFNode`` does the same; snnTorch's ``learn_beta`` clamps instead). The threshold is not constrained:
a learned threshold at or below v_reset breaks the neuron (the subtractive reset no longer lowers V; tutorial 07
counts how many end there).

**Recording** (:func:`minisnn.nn.record`): the layer reports what it computed to the recordings attached to it --
spikes, rates (in the graph, for a regulariser), membrane traces, final states; nothing is kept otherwise.
``layer.run(current, state=None)`` returns everything about one run as a :class:`SpikingOutput`.
Noise (:mod:`minisnn.noise`) is added in training mode only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from minisnn import functional as F
from minisnn.neurons.base import ArrayOps, is_neuron_model
from minisnn.neurons.lif import LIFParams
from minisnn.neurons.synaptic import SynapticParams
from minisnn.nn.lif_fused import spiking_fused, supports
from minisnn.nn.module import Module, Parameter
from minisnn.noise import Noise, make_noise
from minisnn.surrogate import Surrogate, fast_sigmoid
from minisnn.tensor import Tensor

#: The default neuron of ``LIF`` and ``SNNConv2d``: τ = R·C = 5 ms, dt = 1 ms (β = 0.8, input gain dt/C = 0.2),
#: threshold 1, reset to 0. Like snnTorch's ``Leaky(beta=0.8)`` with its input scaled by 0.2. Steady state
#: V = R·I, so a constant current above the rheobase I = v_th/R = 1 fires. dt/τ = 0.2 is coarse for the
#: theory (tutorial 03 asks for dt ≤ τ/10 when comparing with the continuous f–I curve; at I = 3 the continuous
#: neuron fires at 493 Hz, every τ·ln(3/2) ≈ 2.03 ms, where Euler fires at 500 Hz, every 2nd step, and the exact
#: step at 333 Hz, every 3rd): it is a layer for learning, where dt is part of the model. See
#: :mod:`minisnn.paper` for the seed paper's Table 1.
DEFAULT_NEURON = LIFParams(R=1.0, C=5.0, dt=1.0)

#: What a spiking layer passes on (module docstring): the one vocabulary of outputs.
OUTPUTS = ("spikes", "rate", "membrane")


class SpikingOutput(NamedTuple):
    """What :meth:`Spiking.run` returns.

    spikes: ``(T, *shape)`` Tensor.  v: ``(*shape)`` Tensor, V after the last step.  refractory: ``(*shape)`` int
    array, steps of refractoriness left (None for a model without refractoriness).  v_trace: ``(T, *shape)`` Tensor
    of V after each step (what ``output="membrane"`` passes on).  state: the final state (the model's NamedTuple,
    Tensors), to pass back in.
    """

    spikes: Tensor
    v: Tensor
    refractory: np.ndarray | None
    v_trace: Tensor
    state: Any


LIFOutput = SpikingOutput  # the name the theory notebooks use


class NonFiniteCurrentError(ValueError):
    """A spiking layer received NaN or infinite input current (so its spikes would be meaningless)."""


def check_current(current: Tensor, name: str) -> None:
    if not np.all(np.isfinite(current.data)):
        raise NonFiniteCurrentError(
            f"{name}: the input current contains NaN or inf (check the layer before, or the inputs)"
        )


class TensorOps(ArrayOps):
    """The array operations of a neuron step on autodiff Tensors (see :class:`minisnn.neurons.base.ArrayOps`).

    ``spike`` applies the surrogate-gradient spike function (or any Tensor → Tensor callable, e.g. a surrogate's
    ``smooth`` stand-in in gradient checks) to u − θ; ``select`` is the differentiable blend S·a + (1 − S)·b;
    ``for_reset`` detaches the spikes when ``detach_reset``.
    """

    def __init__(self, spike_fn: Callable[[Tensor], Tensor], detach_reset: bool = False):
        self.spike_fn = spike_fn
        self.detach_reset = detach_reset

    def spike(self, u: Tensor, threshold: Any) -> Tensor:
        return self.spike_fn(u - threshold)

    def where(self, condition: np.ndarray, a: Any, b: Any) -> Tensor:
        return F.where(condition, a, b)

    def select(self, spikes: Tensor, a: Any, b: Any) -> Tensor:
        return spikes * a + (1.0 - spikes) * b

    def silence(self, spikes: Tensor, held: np.ndarray) -> Tensor:
        return F.where(held, 0.0, spikes)

    def for_reset(self, spikes: Tensor) -> Tensor:
        return spikes.detach() if self.detach_reset else spikes

    def values(self, x: Any) -> np.ndarray:
        return x.data if isinstance(x, Tensor) else np.asarray(x)


def as_tensor_state(state: Any, neuron: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """A model state whose floating-point fields are Tensors (counters stay int arrays): the given one, or the
    resting state."""
    if state is None:
        state = neuron.initial_state(shape, dtype)
    fields = {}
    for name, value in state._asdict().items():
        if isinstance(value, Tensor) or np.asarray(value).dtype.kind != "f":
            fields[name] = value
        else:
            fields[name] = Tensor(np.asarray(value, dtype))
    return type(state)(**fields)


def plain_state(state: Any) -> Any:
    """The state with its Tensors replaced by their ndarrays (for a recording)."""
    return type(state)(**{k: getattr(v, "data", v) for k, v in state._asdict().items()})


def unroll(
    currents: Sequence[Tensor],
    neuron: Any,
    ops: TensorOps,
    state: Any = None,
    noise: Noise | None = None,
    rng: np.random.Generator | None = None,
    feedback: Callable[[Tensor], Tensor] | None = None,
) -> SpikingOutput:
    """Run ``neuron.step`` over ``len(currents)`` steps on Tensors: the reference BPTT graph (THE time loop).

    Args:
        currents: T Tensors of one shape (the same Tensor may repeat for a constant current).
        state: the initial state (Tensors or arrays; default: at rest).
        noise: a noise process sampled with ``rng`` (the same numbers the fused op draws), or None.
        feedback: recurrence: a function of the previous step's spikes (zeros before the first step) whose result
            is added to this step's current, Iₙ ← Iₙ + feedback(sₙ₋₁).
    """
    shape, dtype = currents[0].shape, currents[0].dtype
    state = as_tensor_state(state, neuron, shape, dtype)
    rng = np.random.default_rng(rng)
    noise_state = None if noise is None else noise.initial_state(rng, shape, dtype, neuron.dt)
    spikes, trace = [], []
    previous = Tensor(np.zeros(shape, dtype)) if feedback is not None else None
    for current in currents:
        xi = None
        if noise is not None:
            noise_state, xi = noise.sample(noise_state, rng, neuron.dt)
        if feedback is not None:
            current = current + feedback(previous)
        s, state = neuron.step(state, current, ops, noise=xi)
        s = s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype))
        spikes.append(s)
        trace.append(state.v)
        previous = s
    return SpikingOutput(
        spikes=F.stack(spikes, axis=0),
        v=state.v,
        refractory=getattr(state, "refractory", None),
        v_trace=F.stack(trace, axis=0),
        state=state,
    )


class Spiking(Module):
    """A population of spiking neurons of any model, on time-major input (see the module docstring).

    Args:
        neuron: the neuron model (:mod:`minisnn.neurons`: ``LIFParams``, ``SynapticParams``, ``AlphaParams``,
            ``ALIFParams``, ``IzhikevichParams``, or your own object with ``dt``, ``initial_state`` and ``step``).
        surrogate: the spike function, e.g. ``surrogate.fast_sigmoid(slope=25)`` (any callable Tensor → Tensor
            works; the fused op needs a :class:`~minisnn.surrogate.Surrogate`).
        output: "spikes" → ``(T, *shape)``; "rate" → ``(*shape)``; "membrane" → ``(T, *shape)`` V after each step.
        num_steps: None (the default): the input is a time series ``(T, *shape)``. An int T: the input is a constant
            current ``(*shape)`` held for T steps (computed once, its gradient summed over the steps).
        noise_std: intensity σ of the noise current in training mode (0 = none): white noise σ/√dt per step,
            or with ``noise_tau`` an Ornstein–Uhlenbeck current of std σ and correlation time ``noise_tau`` ms.
        detach_reset: treat the spike in the reset as a constant (no gradient through the reset; snnTorch's
            ``Leaky`` with ``reset_delay=True``, SpikingJelly's option of the same name).
        fused: allow the fused op with hand-written BPTT where the model declares it (False: always unrolled).
        rng: Generator or seed for the noise.
        learn: names of the model's values to learn (a subset of ``neuron.learnable``, e.g. ``("decay", "v_th")``).
        learn_shape: their shape: ``()`` one value for the layer, or the trailing shape of the neurons (e.g.
            ``(128,)``) for one value per neuron.
        dtype: of the learnable Parameters (float32; float64 for gradient checks).
    """

    neuron_type: type | None = None  # LIF and Synaptic accept only their own family

    def __init__(
        self,
        neuron: Any = None,
        surrogate: Surrogate | Callable[[Tensor], Tensor] | None = None,
        output: str = "spikes",
        num_steps: int | None = None,
        noise_std: float = 0.0,
        noise_tau: float | None = None,
        detach_reset: bool = False,
        fused: bool = True,
        rng: np.random.Generator | int | None = None,
        learn: Sequence[str] = (),
        learn_shape: tuple[int, ...] = (),
        dtype: Any = np.float32,
    ):
        owner = type(self).__name__
        self.neuron = self.default_neuron() if neuron is None else neuron
        if not is_neuron_model(self.neuron):
            raise TypeError(
                f"{owner}: neuron must be a neuron model (with dt, initial_state and step; see minisnn.neurons), "
                f"got {type(self.neuron).__name__}"
            )
        if self.neuron_type is not None and not isinstance(self.neuron, self.neuron_type):
            raise TypeError(f"{owner}: neuron must be a {self.neuron_type.__name__}, got {type(self.neuron).__name__}")
        self.surrogate = fast_sigmoid(25.0) if surrogate is None else surrogate
        if not callable(self.surrogate):
            raise TypeError(f"{owner}: surrogate must be a Surrogate or a callable, got {self.surrogate!r}")
        if output not in OUTPUTS:
            raise ValueError(f"{owner}: output must be one of {OUTPUTS}, got output={output!r}")
        if num_steps is not None and (isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer))
                                      or num_steps < 1):  # fmt: skip
            raise ValueError(f"{owner}: num_steps must be None or an int >= 1, got num_steps={num_steps!r}")
        if isinstance(noise_std, bool) or not isinstance(noise_std, (int, float, np.number)):
            raise TypeError(f"{owner}: noise_std must be a number, got noise_std={noise_std!r}")
        if not (np.isfinite(noise_std) and noise_std >= 0):
            raise ValueError(f"{owner}: noise_std must be >= 0 and finite, got noise_std={noise_std!r}")
        self.output = output
        self.num_steps = None if num_steps is None else int(num_steps)
        self.noise = make_noise(float(noise_std), noise_tau)
        self.detach_reset = bool(detach_reset)
        self.fused = bool(fused)
        self.rng = np.random.default_rng(rng)
        self.learn = self._learnable(learn, learn_shape, dtype)
        self._recordings: list[Any] = []

    def default_neuron(self) -> Any:
        return DEFAULT_NEURON

    # ------------------------------------------------------------------------------------------ learnable values
    def _learnable(self, learn: Sequence[str], shape: tuple[int, ...], dtype: Any) -> tuple[str, ...]:
        owner = type(self).__name__
        learn = (learn,) if isinstance(learn, str) else tuple(learn)
        if not learn:
            return ()
        allowed = tuple(getattr(self.neuron, "learnable", ()))
        unknown = [name for name in learn if name not in allowed]
        if unknown:
            raise ValueError(f"{owner}: learn={list(learn)}: {type(self.neuron).__name__} can learn {list(allowed)}")
        if not (isinstance(shape, tuple) and all(isinstance(n, (int, np.integer)) and n >= 1 for n in shape)):
            raise ValueError(f"{owner}: learn_shape must be a tuple of positive ints, got {shape!r}")
        if "decay" in learn:
            decay = float(self.neuron.decay)
            if not 0.0 < decay < 1.0:
                raise ValueError(f"{owner}: a learnable decay starts from the model's, which must lie in (0, 1): "
                                 f"got {decay:g}")  # fmt: skip
            self.decay_logit = Parameter(np.full(shape, np.log(decay / (1.0 - decay)), dtype))
        if "v_th" in learn:
            self.v_th = Parameter(np.full(shape, float(self.neuron.v_th), dtype))
        for name in learn:
            if name not in ("decay", "v_th"):
                setattr(self, name, Parameter(np.full(shape, float(getattr(self.neuron, name)), dtype)))
        return learn

    @property
    def decay(self) -> Tensor | float:
        """The decay per step in force: sigmoid(``decay_logit``) when learned, else the model's."""
        return F.sigmoid(self.decay_logit) if "decay" in self.learn else self.neuron.decay

    def model(self) -> Any:
        """The model a forward pass steps: the neuron, with its learned values bound in (when there are any)."""
        if not self.learn:
            return self.neuron
        values = {name: self.decay if name == "decay" else getattr(self, name) for name in self.learn}
        return self.neuron.bind(**values)

    # ----------------------------------------------------------------------------------------------- the loop
    @property
    def noise_std(self) -> float:
        return 0.0 if self.noise is None else self.noise.std

    @property
    def uses_fused(self) -> bool:
        """Whether a forward pass runs the fused op: allowed (``fused``), a Surrogate, a model that declares its
        linear form, no learnable values and no recurrence."""
        return (self.fused and isinstance(self.surrogate, Surrogate) and supports(self.neuron) and not self.learn
                and self.feedback() is None)  # fmt: skip

    def feedback(self) -> Callable[[Tensor], Tensor] | None:
        """Recurrence (None here; :class:`~minisnn.nn.recurrent.RecurrentSpiking` returns its connection)."""
        return None

    def _currents(self, current: Tensor, constant: bool) -> list[Tensor]:
        if constant:
            return [current] * (self.num_steps or 1)
        if current.ndim < 1:
            raise ValueError(f"{type(self).__name__}: a time-series current needs shape (T, ...), got {current.shape}")
        return [current[t] for t in range(current.shape[0])]

    def forward(self, current: Tensor, constant: bool | None = None) -> Tensor:
        """Run the neurons on ``current``: a time series ``(T, *shape)``, or -- when ``constant`` (default: when
        the layer has ``num_steps``) -- a current ``(*shape)`` held for ``num_steps`` steps. Returns ``output``."""
        current = F.as_tensor(current, "current")
        check_current(current, type(self).__name__)
        constant = self.num_steps is not None if constant is None else bool(constant)
        if constant and self.num_steps is None:
            raise ValueError(f"{type(self).__name__}: a constant current needs num_steps")
        noise = self.noise if self.training else None
        wants = {kind for r in self._recordings for kind in r.kinds}
        if self.uses_fused:
            mode = {"spikes": "spikes", "rate": "rate", "membrane": "v_trace"}[self.output]
            keep = [k for k, want in (("spikes", "spikes"), ("v_trace", "membrane"), ("counts", "counts"))
                    if want in wants and k != mode]  # fmt: skip
            result, side = spiking_fused(
                current, self.neuron, self.surrogate.derivative, self.num_steps or 0, constant, mode,
                noise=noise, rng=self.rng, detach_reset=self.detach_reset, keep=tuple(keep),
            )  # fmt: skip
            spikes = result.data if mode == "spikes" else side.get("spikes")
            trace = result.data if mode == "v_trace" else side.get("v_trace")
            rate = result if mode == "rate" else None
            if rate is None and "rate" in wants and mode == "spikes":
                rate = result.mean(axis=0)
            counts = side.get("counts") if spikes is None else spikes.sum(axis=0).astype(np.int32)
            self._report(wants, spikes, rate, trace, side["state"], counts)
            return result
        ops = TensorOps(self.surrogate, self.detach_reset)
        out = unroll(self._currents(current, constant), self.model(), ops, noise=noise, rng=self.rng,
                     feedback=self.feedback())  # fmt: skip
        rate = out.spikes.mean(axis=0) if self.output == "rate" or "rate" in wants else None
        counts = out.spikes.data.sum(axis=0).astype(np.int32) if "counts" in wants else None
        self._report(wants, out.spikes.data, rate, out.v_trace.data, plain_state(out.state) if wants else None,
                     counts)  # fmt: skip
        if self.output == "spikes":
            return out.spikes
        if self.output == "rate":
            return rate
        return out.v_trace

    def run(self, current: Tensor, state: Any = None) -> SpikingOutput:
        """Everything about one run (unrolled graph): spikes, final V, counters, V trace, final state.

        ``state`` continues a previous run (``run(...).state``, Tensors keep their graph) or starts at rest.
        """
        current = F.as_tensor(current, "current")
        check_current(current, type(self).__name__)
        return unroll(
            self._currents(current, self.num_steps is not None), self.model(),
            TensorOps(self.surrogate, self.detach_reset), state=state, noise=self.noise if self.training else None,
            rng=self.rng, feedback=self.feedback(),
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- recordings
    def attach(self, recording: Any) -> None:
        """Report every forward pass to ``recording`` (what :func:`minisnn.nn.record` calls on entry)."""
        if all(r is not recording for r in self._recordings):
            self._recordings.append(recording)

    def detach(self, recording: Any) -> None:
        """Stop reporting to ``recording`` (on exit of the ``record`` block)."""
        self._recordings = [r for r in self._recordings if r is not recording]

    def _report(self, wants: set[str], spikes: Any, rate: Any, trace: Any, state: Any, counts: Any = None) -> None:
        if not wants:
            return
        steps = None if spikes is None else spikes.shape[0]
        values = {"spikes": spikes, "rate": rate, "membrane": trace, "state": state, "counts": counts}
        if "counts" in wants and steps is None:  # the fused op's count: the steps are the trace's or the layer's
            steps = trace.shape[0] if trace is not None else self.num_steps
        values["steps"] = steps
        for recording in self._recordings:
            recording.add(self, {kind: values[kind] for kind in (*recording.kinds, "steps")})

    def extra_repr(self) -> str:
        p = self.neuron
        parts = [p.summary() if callable(getattr(p, "summary", None)) else type(p).__name__]
        parts.append(f"output={self.output!r}")
        if self.num_steps is not None:
            parts.append(f"num_steps={self.num_steps}")
        if self.noise is not None:
            parts.append(f"noise={self.noise}")
        if self.learn:
            parts.append(f"learn={list(self.learn)}")
        return ", ".join(parts)


class LIF(Spiking):
    """Leaky integrate-and-fire neurons, C dV/dt = I − V/R (:class:`~minisnn.neurons.lif.LIFParams` or a model built
    on it; default :data:`~minisnn.nn.spiking.DEFAULT_NEURON`), on time-major input. All arguments as
    :class:`Spiking`."""

    neuron_type = LIFParams


class Synaptic(Spiking):
    """Current-based LIF neurons, τ_syn dI_s/dt = −I_s + I, C dV/dt = I_s − V/R
    (:class:`~minisnn.neurons.synaptic.SynapticParams`; default τ_m = 5 ms, τ_syn = 5 ms, dt = 1 ms). All arguments
    as :class:`Spiking`."""

    neuron_type = SynapticParams

    def default_neuron(self) -> Any:
        return SynapticParams(R=1.0, C=5.0, dt=1.0, tau_syn=5.0)
