"""The integrate-and-fire (IF) neuron without leak: the neuron of ANN→SNN conversion (:mod:`minisnn.conversion`).

The model is a capacitor with a threshold (time in ms; V in units of the threshold)::

    C dV/dt = I            (no leak: the LIF of :mod:`~minisnn.neurons.lif` with R → ∞)

One step (:meth:`IFParams.step`) is exact for a current held over the step: u = V + gain·(I + ξ), gain = dt/C,
then the shared threshold and reset (:func:`~minisnn.neurons.base.fire_and_reset`; no refractoriness). With
``reset="subtract"`` (the default) a spike removes exactly one threshold of charge and keeps the rest.

**Why it is a quantised ReLU.** Under a constant input z = gain·I per step, started at V₀ = ``v_init`` with
0 ≤ V₀ < θ and 0 ≤ z ≤ θ (θ = v_th − v_reset, v_reset = 0), the potential after n steps and N_n spikes is
V_n = V₀ + n·z − N_n·θ, and it stays in [0, θ): each step adds at most θ, each crossing removes θ. Hence

    N_T = floor((V₀ + T·z) / θ),        rate r = N_T / T,        0 ≤ z/θ − r < 1/T   (V₀ = 0)

(with V₀ = θ/2 the floor becomes rounding, ``|z/θ − r| ≤ 1/(2T)``). Below zero it never fires (r = 0 = ReLU);
above θ it fires every step (r = 1, the maximum rate). So r = clip(floor(T·z/θ)/T, 0, 1): **a ReLU quantised to
multiples of 1/T and clipped at 1** (Rueckauer et al. 2017, "Conversion of continuous-valued deep networks to
efficient event-driven networks for image classification", Front. Neurosci. 11:682). Reset to zero
instead throws the charge above θ away at each spike, so the rate falls below z/θ by an amount that does not shrink
with T; a leak (the LIF) loses charge between spikes and gives no spike at all below its rheobase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.base import (
    NUMPY_OPS,
    ArrayOps,
    LinearForm,
    NeuronModel,
    check_choice,
    check_fields,
    check_positive,
    filled,
    fire_and_reset,
    register,
)

RESET_MODES = ("subtract", "zero", "none")


class IFState(NamedTuple):
    """State of a population of IF neurons: ``v`` the membrane potential (ndarray or Tensor, any shape)."""

    v: Any


@register
@dataclass(frozen=True)
class IFParams(NeuronModel):
    """An integrate-and-fire neuron without leak, C dV/dt = I (module docstring).

    Fields: ``dt`` time step [ms]; ``C`` capacitance (``gain`` = dt/C: one step of current I adds gain·I to V);
    ``v_th`` threshold (``math.inf``: a non-spiking integrator, the read-out of a converted network); ``v_reset``
    the reset potential; ``reset`` "subtract" (V ← V − (v_th − v_reset), the default: the charge above the
    threshold is kept), "zero" (V ← v_reset) or "none"; ``v_init`` the potential every run starts from (0, or v_th/2
    to round the rate instead of flooring it). No refractoriness (``ref_steps`` is 0): one spike per step at most.

    Raises TypeError for a field that is not a real number and ValueError for a non-positive or non-finite dt or C,
    a non-finite v_reset or v_init, a NaN or −inf v_th, v_reset >= v_th, or an unknown reset.
    """

    dt: float = 1.0
    C: float = 1.0
    v_th: float = 1.0
    v_reset: float = 0.0
    reset: str = "subtract"
    v_init: float = 0.0

    state_type: ClassVar[type] = IFState
    refractory: ClassVar[str] = "clamp"  # read by the shared code; an IF neuron is never refractory
    ref_steps: ClassVar[int] = 0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_fields(self)
        check_positive(self, ("dt", "C"))
        for name in ("v_reset", "v_init"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{owner}: {name} must be finite, got {name}={getattr(self, name)!r}")
        if math.isnan(self.v_th) or self.v_th == -math.inf:
            raise ValueError(f"{owner}: v_th must be a number or +inf (no spikes), got v_th={self.v_th!r}")
        if self.v_reset >= self.v_th:
            raise ValueError(f"{owner}: v_reset must be < v_th, got v_reset={self.v_reset!r}, v_th={self.v_th!r}")
        check_choice(self, "reset", RESET_MODES)

    @property
    def gain(self) -> float:
        """dt/C: the potential one step of unit current adds."""
        return self.dt / self.C

    @property
    def decay(self) -> float:
        """1: no leak."""
        return 1.0

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64) -> IFState:
        """V = ``v_init`` everywhere."""
        return IFState(v=filled(shape, self.v_init, dtype))

    def step(self, state: IFState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None) -> tuple[Any, IFState]:
        """One time step: u = V + gain·(I + ξ), then :func:`~minisnn.neurons.base.fire_and_reset` (spike
        S = H(u − v_th), reset). Returns (spikes, new state); on ndarrays S is a boolean array."""
        drive = current if noise is None else current + noise
        u = state.v + drive * self.gain
        spikes, v, _ = fire_and_reset(self, u, state.v, None, ops)
        return spikes, IFState(v)

    def linear_form(self) -> LinearForm:
        """Linear below threshold: u = 1·V + gain·I (the fused op runs it)."""
        return LinearForm(1.0, 0.0, self.gain, 0.0, 0.0)

    def summary(self) -> str:
        parts = [f"IF (no leak), dt={self.dt:g} ms", f"v_th={self.v_th:g}", f"reset={self.reset!r}"]
        if self.gain != 1.0:
            parts.append(f"gain={self.gain:g}")
        if self.v_init != 0.0:
            parts.append(f"v_init={self.v_init:g}")
        return ", ".join(parts)


def if_rate(z: ArrayLike, num_steps: int, v_th: float = 1.0, v_init: float = 0.0) -> np.ndarray:
    """The closed form of the module docstring: spikes per step of IF neurons with reset by subtraction (v_reset = 0)
    under a constant input ``z`` per step (gain·I), after ``num_steps`` = T steps from V₀ = ``v_init``::

        r = clip(floor((V₀ + T·z) / θ), 0, T) / T          (0 ≤ V₀ < θ = v_th)

    -- a ReLU of z/θ quantised down to multiples of 1/T (rounded, for V₀ = θ/2) and clipped at 1. Any shape; float64.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
        raise ValueError(f"if_rate: num_steps must be an int >= 1, got num_steps={num_steps!r}")
    if not (math.isfinite(v_th) and v_th > 0):
        raise ValueError(f"if_rate: v_th must be positive and finite, got v_th={v_th!r}")
    if not 0 <= v_init < v_th:
        raise ValueError(f"if_rate: v_init must lie in [0, v_th), got v_init={v_init!r}, v_th={v_th!r}")
    z = np.asarray(z, dtype=np.float64)
    return np.clip(np.floor((v_init + num_steps * z) / v_th), 0, num_steps) / num_steps
