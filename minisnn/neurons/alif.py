"""The adaptive LIF neuron (ALIF; Bellec et al. 2018, "Long short-term memory and learning-to-learn in networks of
spiking neurons"): a LIF whose threshold rises with every spike and relaxes back -- spike-frequency adaptation, and a
memory that outlasts the membrane's (Neuronal Dynamics, ch. 6).

Equations (time in ms; V, v_th and b in units of the threshold, I in units of V/R)::

    C dV/dt = I - V/R                           the LIF membrane, tau = R C      (explicit Euler or the exact step)
    theta(t) = v_th + b a(t)                    the threshold in force
    a <- a exp(-dt/tau_a) + S                   each spike raises a by 1; a decays with tau_a   (exact per step)

One step (:meth:`ALIFParams.step`), in this order: u = decay·V + gain·(I + ξ); θ = v_th + b·a (a from the step
before); spike S = H(u - θ); reset relative to the threshold in force ("subtract", the default: V = u - S(θ - v_reset);
"zero": V = v_reset); a <- a·ρ + S with ρ = exp(-dt/tau_a). Refractoriness as the LIF's.

Closed form (:func:`adapted_isi`): under a constant current the neuron settles into periodic firing with interval T.
Just after each spike the adaptation holds every earlier spike's decayed jump, a⁺ = 1 + e^{-T/τ_a} + e^{-2T/τ_a} + …
= 1/(1 - e^{-T/τ_a}), so the threshold an interval later is v_th + b·e^{-T/τ_a}/(1 - e^{-T/τ_a}), and the membrane,
restarting from v_reset after t_ref, must reach it exactly then::

    R I + (v_reset - R I) e^{-(T - t_ref)/τ} = v_th + b e^{-T/τ_a} / (1 - e^{-T/τ_a})

-- one self-consistent equation for T (exact in continuous time: the left side rises with T, the right side falls,
so it has one root above rheobase, found by bisection). Before it settles the intervals lengthen from the LIF's
(a = 0) towards T: spike-frequency adaptation. The tests check both against simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.base import NUMPY_OPS, ArrayOps, check_positive, filled, fire_and_reset, register
from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import time_to_first_spike as lif_time_to_first_spike


class ALIFState(NamedTuple):
    """State of adaptive LIF neurons: ``v`` membrane potential, ``a`` adaptation (spikes, decayed), ``refractory``
    int32 counters."""

    v: Any
    a: Any
    refractory: np.ndarray


@register
@dataclass(frozen=True)
class ALIFParams(LIFParams):
    """An adaptive LIF neuron (module docstring): the :class:`~minisnn.neurons.lif.LIFParams` fields, and

    ``b`` [units of V, >= 0] how much one unit of adaptation raises the threshold; ``tau_a`` [ms] how fast the
    adaptation decays (Bellec et al. use hundreds of ms to seconds: a memory longer than the membrane's).
    ``reset`` defaults to "subtract" (the threshold in force is subtracted), as in Bellec et al.; b = 0 is the LIF.
    Derived: ``rho = exp(-dt/tau_a)``. Learnable in a layer: ``decay`` and ``v_th``. Runs unrolled (its threshold
    moves: no fused op).
    """

    reset: str = "subtract"
    b: float = 1.0
    tau_a: float = 200.0

    state_type: ClassVar[type] = ALIFState

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive(self, ("tau_a",))
        self._check_ratio("tau_a", self.tau_a)
        if not (math.isfinite(self.b) and self.b >= 0):
            raise ValueError(f"{type(self).__name__}: b must be >= 0 and finite, got b={self.b!r}")

    @property
    def rho(self) -> float:
        """Decay of the adaptation per step, exp(-dt/tau_a)."""
        return math.exp(-self.dt / self.tau_a)

    def initial_state(
        self, shape: tuple[int, ...], dtype: Any = np.float64, v0: ArrayLike = 0.0, a0: ArrayLike = 0.0
    ) -> ALIFState:
        """At rest: V = ``v0``, a = ``a0`` (broadcast to ``shape``), no neuron refractory."""
        return ALIFState(v=filled(shape, v0, dtype), a=filled(shape, a0, dtype), refractory=np.zeros(shape, np.int32))

    def step(
        self, state: ALIFState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None
    ) -> tuple[Any, ALIFState]:
        """One step, in the order of the module docstring. Returns (spikes, new state)."""
        drive = current if noise is None else current + noise
        u = state.v * self.decay + drive * self.gain
        threshold = self.v_th + state.a * self.b
        spikes, v, refractory = fire_and_reset(self, u, state.v, state.refractory, ops, threshold)
        a = state.a * self.rho + spikes
        return spikes, ALIFState(v, a, refractory)

    def membrane_neuron(self) -> LIFParams:
        """The plain LIF neuron of this neuron's membrane (no adaptation: b = 0)."""
        return LIFParams(**{f.name: getattr(self, f.name) for f in fields(LIFParams)})

    def summary(self) -> str:
        head, rest = super().summary().split(", ", 1)
        return f"{head}, b={self.b:g}, tau_a={self.tau_a:g} ms, {rest}"


def threshold_after(t: ArrayLike, isi: float, params: ALIFParams) -> np.ndarray:
    """θ(t) = v_th + b·a⁺·e^{-t/τ_a}, t [ms] after a spike, in periodic firing with interval ``isi``
    (a⁺ = 1/(1 - e^{-isi/τ_a}), the adaptation just after a spike)."""
    decay = math.exp(-isi / params.tau_a)
    return params.v_th + params.b / (1.0 - decay) * np.exp(-np.asarray(t, np.float64) / params.tau_a)


def adapted_isi(current: ArrayLike, params: ALIFParams, iterations: int = 200) -> np.ndarray:
    """The steady-state inter-spike interval [ms] under a constant current (module docstring: the root T of
    R I + (v_reset - R I) e^{-(T - t_ref)/τ} = v_th + b e^{-T/τ_a}/(1 - e^{-T/τ_a}), by bisection). inf at or
    below the rheobase v_th/R. Continuous time; vectorised over ``current``."""
    current = np.asarray(current, dtype=np.float64)
    ri = params.R * current
    fires = ri > params.v_th
    drive = np.where(fires, ri, params.v_th + 1.0)  # a placeholder that fires, masked below

    def excess(t: np.ndarray) -> np.ndarray:  # V(T) - θ(T): negative before the crossing
        charge = np.maximum(t - params.t_ref, 0.0)
        v = drive + (params.v_reset - drive) * np.exp(-charge / params.tau)
        with np.errstate(over="ignore", divide="ignore"):
            adaptation = params.b / np.expm1(t / params.tau_a)  # b e^{-T/τa}/(1 - e^{-T/τa})
        return v - params.v_th - adaptation

    lo = np.full(drive.shape, params.t_ref)  # V is still at v_reset < v_th there: below the threshold
    hi = np.full(drive.shape, params.t_ref + params.tau + params.tau_a)
    for _ in range(200):
        short = excess(hi) < 0
        if not short.any():
            break
        hi = np.where(short, hi * 2, hi)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = excess(mid) < 0
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        if np.all(hi - lo <= 1e-13 * hi):
            break
    return np.where(fires, hi, np.inf)[()]


def adapted_rate(current: ArrayLike, params: ALIFParams) -> np.ndarray:
    """The adapted f-I curve [Hz]: 1000/:func:`adapted_isi`, 0 at or below the rheobase."""
    with np.errstate(divide="ignore"):
        return (1000.0 / adapted_isi(current, params))[()]


def time_to_first_spike(current: ArrayLike, params: ALIFParams, v0: float = 0.0) -> np.ndarray:
    """Time [ms] to the first spike from V = ``v0`` with no adaptation yet (a = 0): the LIF's,
    τ ln((R I - v0)/(R I - v_th)); the intervals after it lengthen towards :func:`adapted_isi`."""
    return lif_time_to_first_spike(current, params.membrane_neuron(), v0)
