"""Spiking layers on time-major Tensors: ``LIF``, ``Synaptic`` and their common base ``Spiking``.

A spiking layer takes a current ``(T, *shape)`` — one value per time step, e.g. the output of ``nn.Linear`` applied
to an encoded input (T, N, F) — and passes on a Tensor, so it composes in ``Sequential``::

    net = nn.Sequential(nn.Linear(64, 128), nn.LIF(), nn.Linear(128, 10), nn.LIF())
    spikes = net(x)            # x (T, N, 64) -> spikes (T, N, 10); spikes.sum().backward() runs BPTT

What it passes on is its ``output``: ``"spikes"`` ``(T, *shape)`` 0/1, ``"rate"`` ``(*shape)`` spikes per step averaged
over T, or ``"membrane"`` ``(T, *shape)`` V after each step (with ``LIFParams(v_th=math.inf)`` a non-spiking
leaky integrator, the usual read-out layer). The full state stays reachable for teaching: after a forward,
``layer.state`` holds the final state (V, refractory counters, and I_s for a synaptic neuron, as ndarrays);
``layer.run(current, state=None)`` returns everything as a :class:`SpikingOutput` (spikes, final V, counters,
the V trace and the final state, all differentiable), continuing from ``state`` when given.

The neuron is a *model* object with one ``step`` (:meth:`minisnn.neuron.LIFParams.step`,
:meth:`minisnn.synaptic.SynapticParams.step`): here it runs on Tensors (:class:`TensorOps` gives it the
surrogate-gradient spike function and differentiable blends), unrolled over time into an ordinary graph —
the readable reference, :func:`unroll`. By default the layer runs the same steps as one fused op with the
backward pass written by hand (:mod:`minisnn.nn.lif_fused`), which the tests hold equal to the unrolled graph.
Noise (:mod:`minisnn.noise`) is added in training mode only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from minisnn import functional as F
from minisnn.neuron import ArrayOps, LIFParams
from minisnn.nn.module import Module
from minisnn.noise import Noise, make_noise
from minisnn.surrogate import Surrogate, fast_sigmoid
from minisnn.synaptic import SynapticParams
from minisnn.tensor import Tensor

#: The default neuron of ``LIF`` and ``SNNConv2d``: τ = R·C = 5 ms, dt = 1 ms (β = 0.8, input gain dt/C = 0.2),
#: threshold 1, reset to 0. Like snnTorch's ``Leaky(beta=0.8)`` with its input scaled by 0.2. Steady state
#: V = R·I, so a constant current above the rheobase I = v_th/R = 1 fires. dt/τ = 0.2 is coarse for the
#: theory (tutorial 03 asks for dt ≤ τ/10 when comparing with the continuous f–I curve; at I = 3 the continuous
#: neuron fires at 493 Hz, every τ·ln(3/2) ≈ 2.03 ms, where Euler fires at 500 Hz, every 2nd step, and the exact
#: step at 333 Hz, every 3rd): it is a layer for learning, where dt is part of the model. See
#: :mod:`minisnn.paper` for the seed paper's Table 1.
DEFAULT_NEURON = LIFParams(R=1.0, C=5.0, dt=1.0)

OUTPUTS = ("spikes", "rate", "membrane")


class SpikingOutput(NamedTuple):
    """What :meth:`Spiking.run` returns.

    spikes: ``(T, *shape)`` Tensor.  v: ``(*shape)`` Tensor, V after the last step.  refractory: ``(*shape)`` int
    array, steps of refractoriness left.  v_trace: ``(T, *shape)`` Tensor of V after each step.  state: the final state
    (:class:`~minisnn.neuron.LIFState` or :class:`~minisnn.synaptic.SynapticState`, Tensors), to pass back in.
    """

    spikes: Tensor
    v: Tensor
    refractory: np.ndarray
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
    """The array operations of a neuron step on autodiff Tensors (see :class:`minisnn.neuron.ArrayOps`).

    ``spike`` applies the surrogate-gradient spike function (or any Tensor → Tensor callable, e.g. a surrogate's
    ``smooth`` stand-in in gradient checks) to u − v_th; ``select`` is the differentiable blend S·a + (1 − S)·b;
    ``for_reset`` detaches the spikes when ``detach_reset``.
    """

    def __init__(self, spike_fn: Callable[[Tensor], Tensor], detach_reset: bool = False):
        self.spike_fn = spike_fn
        self.detach_reset = detach_reset

    def spike(self, u: Tensor, v_th: float) -> Tensor:
        return self.spike_fn(u - v_th)

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


def as_tensor_state(state: Any, neuron: LIFParams, shape: tuple[int, ...], dtype: Any) -> Any:
    """A neuron state whose V (and I_s) are Tensors: the given one, or the resting state."""
    if state is None:
        state = neuron.initial_state(shape, dtype)
    fields = {k: (v if isinstance(v, Tensor) or k == "refractory" else Tensor(np.asarray(v, dtype))) for k, v in
              state._asdict().items()}  # fmt: skip
    fields["refractory"] = np.asarray(fields["refractory"], dtype=np.int32)
    return type(state)(**fields)


def unroll(
    currents: Sequence[Tensor],
    neuron: LIFParams,
    ops: TensorOps,
    state: Any = None,
    noise: Noise | None = None,
    rng: np.random.Generator | None = None,
) -> SpikingOutput:
    """Run ``neuron.step`` over ``len(currents)`` steps on Tensors: the reference BPTT graph.

    Args:
        currents: T Tensors of one shape (the same Tensor may repeat for a constant current).
        state: the initial state (Tensors or arrays; default: at rest).
        noise: a noise process sampled with ``rng`` (the same numbers the fused op draws), or None.
    """
    shape, dtype = currents[0].shape, currents[0].dtype
    state = as_tensor_state(state, neuron, shape, dtype)
    rng = np.random.default_rng(rng)
    noise_state = None if noise is None else noise.initial_state(rng, shape, dtype, neuron.dt)
    spikes, trace = [], []
    for current in currents:
        xi = None
        if noise is not None:
            noise_state, xi = noise.sample(noise_state, rng, neuron.dt)
        state, s, _ = neuron.step(state, current, ops, noise=xi)
        spikes.append(s)
        trace.append(state.v)
    return SpikingOutput(
        spikes=F.stack(spikes, axis=0),
        v=state.v,
        refractory=state.refractory,
        v_trace=F.stack(trace, axis=0),
        state=state,
    )


class Spiking(Module):
    """A population of spiking neurons of any model, on time-major input (see the module docstring).

    Args:
        neuron: the neuron model (:class:`~minisnn.neuron.LIFParams`, :class:`~minisnn.synaptic.SynapticParams`).
        surrogate: the spike function, e.g. ``surrogate.fast_sigmoid(slope=25)`` (any callable Tensor → Tensor
            works with ``fused=False``: gradient checks pass ``surrogate.smooth``).
        output: "spikes" → ``(T, *shape)``; "rate" → ``(*shape)``; "membrane" → ``(T, *shape)`` V after each step.
        num_steps: None (the default): the input is a time series ``(T, *shape)``. An int T: the input is a constant
            current ``(*shape)`` held for T steps (computed once, its gradient summed over the steps).
        noise_std: intensity σ of the noise current in training mode (0 = none): white noise σ/√dt per step,
            or with ``noise_tau`` an Ornstein–Uhlenbeck current of std σ and correlation time ``noise_tau`` ms.
        detach_reset: treat the spike in the reset as a constant (no gradient through the reset; snnTorch's
            behaviour, SpikingJelly's option of the same name).
        fused: run the time loop as one op with hand-written BPTT (needs a :class:`~minisnn.surrogate.Surrogate`);
            False builds the unrolled graph (the reference).
        rng: Generator or seed for the noise.
    """

    neuron_type: type = LIFParams

    def __init__(
        self,
        neuron: LIFParams | None = None,
        surrogate: Surrogate | Callable[[Tensor], Tensor] | None = None,
        output: str = "spikes",
        num_steps: int | None = None,
        noise_std: float = 0.0,
        noise_tau: float | None = None,
        detach_reset: bool = False,
        fused: bool = True,
        rng: np.random.Generator | int | None = None,
    ):
        owner = type(self).__name__
        self.neuron = self.default_neuron() if neuron is None else neuron
        if not isinstance(self.neuron, self.neuron_type):
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
        self.state: Any = None  # the final state of the last forward (ndarrays), for inspection

    def default_neuron(self) -> LIFParams:
        return DEFAULT_NEURON

    @property
    def noise_std(self) -> float:
        return 0.0 if self.noise is None else self.noise.std

    @property
    def uses_fused(self) -> bool:
        return self.fused and isinstance(self.surrogate, Surrogate)

    def _currents(self, current: Tensor) -> tuple[list[Tensor], bool]:
        owner = type(self).__name__
        if self.num_steps is not None:
            return [current] * self.num_steps, True
        if current.ndim < 1:
            raise ValueError(f"{owner}: a time-series current needs shape (T, ...), got shape {current.shape}")
        return [current[t] for t in range(current.shape[0])], False

    def forward(self, current: Tensor) -> Tensor:
        current = F.as_tensor(current, "current")
        check_current(current, type(self).__name__)
        noise = self.noise if self.training else None
        if self.uses_fused:
            from minisnn.nn.lif_fused import spiking_fused

            constant = self.num_steps is not None
            mode = {"spikes": "spikes", "rate": "rate", "membrane": "v_trace"}[self.output]
            result, state = spiking_fused(
                current, self.neuron, self.surrogate.derivative, self.num_steps or 0, constant, mode,
                noise=noise, rng=self.rng, detach_reset=self.detach_reset,
            )  # fmt: skip
            self.state = state
            return result
        steps, _ = self._currents(current)
        out = unroll(steps, self.neuron, TensorOps(self.surrogate, self.detach_reset), noise=noise, rng=self.rng)
        self.state = type(out.state)(**{k: getattr(v, "data", v) for k, v in out.state._asdict().items()})
        if self.output == "spikes":
            return out.spikes
        if self.output == "rate":
            return out.spikes.mean(axis=0)
        return out.v_trace

    def run(self, current: Tensor, state: Any = None) -> SpikingOutput:
        """Everything about one run (unrolled graph): spikes, final V, counters, V trace, final state.

        ``state`` continues a previous run (``run(...).state``, Tensors keep their graph) or starts at rest.
        """
        current = F.as_tensor(current, "current")
        check_current(current, type(self).__name__)
        steps, _ = self._currents(current)
        out = unroll(
            steps, self.neuron, TensorOps(self.surrogate, self.detach_reset), state=state,
            noise=self.noise if self.training else None, rng=self.rng,
        )  # fmt: skip
        self.state = type(out.state)(**{k: getattr(v, "data", v) for k, v in out.state._asdict().items()})
        return out

    def extra_repr(self) -> str:
        p = self.neuron
        parts = [f"tau={p.tau:g} ms"]
        if isinstance(p, SynapticParams):
            parts.append(f"tau_syn={p.tau_syn:g} ms")
        parts += [f"dt={p.dt:g} ms", f"v_th={p.v_th:g}", f"reset={p.reset!r}"]
        if p.ref_steps:
            parts.append(f"t_ref={p.t_ref:g} ms ({p.refractory})")
        parts.append(f"output={self.output!r}")
        if self.num_steps is not None:
            parts.append(f"num_steps={self.num_steps}")
        if self.noise is not None:
            parts.append(f"noise={self.noise}")
        return ", ".join(parts)


class LIF(Spiking):
    """Leaky integrate-and-fire neurons, C dV/dt = I − V/R (:class:`~minisnn.neuron.LIFParams`; default
    :data:`~minisnn.nn.lif.DEFAULT_NEURON`), on time-major input. All arguments as :class:`Spiking`."""


class Synaptic(Spiking):
    """Current-based LIF neurons, τ_syn dI_s/dt = −I_s + I, C dV/dt = I_s − V/R
    (:class:`~minisnn.synaptic.SynapticParams`; default τ_m = 5 ms, τ_syn = 5 ms, dt = 1 ms). All arguments
    as :class:`Spiking`."""

    neuron_type = SynapticParams

    def default_neuron(self) -> LIFParams:
        return SynapticParams(R=1.0, C=5.0, dt=1.0, tau_syn=5.0)
