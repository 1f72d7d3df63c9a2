"""The leaky integrate-and-fire (LIF) neuron: its parameters and THE step (closed forms: :mod:`.lif_theory`).

The model is an RC circuit driven by a current I(t) (time in ms throughout)::

    C dV/dt = I - V/R          equivalently   tau dV/dt = -V + R I,   tau = R C   [ms]

with a threshold: when V >= v_th the neuron emits a spike, V is reset and the neuron may stay refractory for
``t_ref`` ms. R and C are in arbitrary but consistent units (R*C must come out in ms); V is in units of the
threshold and I in units of V/R.

One step (:meth:`LIFParams.step`): integrate u = decay·V + gain·(I + ξ) -- explicit Euler (decay = 1 - dt/tau,
gain = dt/C) or the exact exponential step for a current held over the step (decay = exp(-dt/tau),
gain = R(1 - exp(-dt/tau))) -- then the shared threshold, reset and refractoriness
(:func:`~minisnn.neurons.base.fire_and_reset`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, TypeVar

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

RESET_MODES = ("zero", "subtract", "none")
REFRACTORY_MODES = ("clamp", "freeze")
METHODS = ("euler", "exact")
State = TypeVar("State")  # an ndarray, a float, or an autodiff Tensor: anything with * and + by a float


class LIFState(NamedTuple):
    """State of a population of LIF neurons.

    v: membrane potential, any shape (ndarray or Tensor).  refractory: int32 ndarray of the same shape, the
    number of steps each neuron is still refractory for.
    """

    v: Any
    refractory: np.ndarray


@register
@dataclass(frozen=True)
class LIFParams(NeuronModel):
    """A LIF neuron with time step ``dt`` (all times in ms), and how it is stepped.

    Fields: ``R`` membrane resistance, ``C`` membrane capacitance, ``dt`` time step [ms], ``v_th`` threshold
    (``math.inf`` makes a non-spiking leaky integrator, e.g. for read-out layers), ``v_reset`` reset
    potential, ``t_ref`` refractory period [ms], ``reset`` one of ``"zero"`` (V <- v_reset), ``"subtract"``
    (V <- V - (v_th - v_reset)) or ``"none"`` (V unchanged); ``refractory`` what V does while refractory:
    ``"clamp"`` (held at v_reset, Gerstner's absolute refractoriness; the default) or ``"freeze"`` (kept at
    its value after the reset, not integrated: Brian2's ``(unless refractory)``); ``method`` the integrator of
    one step, ``"euler"`` (explicit Euler, the default) or ``"exact"`` (exponential, exact for a current held
    constant over the step).

    With reset "zero" the two refractory modes give the same spikes and potentials (the forward pass); their
    gradients differ (a clamped neuron passes no gradient back through its held steps, a frozen one does).
    With "subtract" or "none" the forward passes differ too: clamping throws the overshoot above threshold away
    (so subtract and none then spike exactly like zero), freezing keeps it (subtract carries the overshoot over
    the refractory period; none fires again right after it).

    Derived: ``tau = R*C`` [ms], ``beta_euler = 1 - dt/tau``, ``beta_exact = exp(-dt/tau)``,
    ``rheobase = v_th/R``, ``input_gain = dt/C``, ``exact_gain = R(1 - exp(-dt/tau))``,
    ``ref_steps = ceil(t_ref/dt - 1e-9)``; ``decay`` and ``gain`` are the pair of the chosen ``method``.
    Learnable in a layer (``nn.LIF(..., learn=...)``): ``decay`` and ``v_th``.

    Raises TypeError for a field that is not a real number (a string, a bool) and ValueError for
    non-positive or non-finite R, C or dt, a non-finite v_reset or t_ref, a v_th that is NaN, t_ref < 0,
    an unknown reset/refractory/method, v_reset >= v_th, or dt/tau too small or too large to represent.
    Warns (RuntimeWarning) when dt >= tau with Euler (it overshoots: beta_euler <= 0) and, more strongly,
    when dt >= 2*tau (Euler unstable: ``|beta_euler| >= 1``).
    """

    R: float
    C: float
    dt: float
    v_th: float = 1.0
    v_reset: float = 0.0
    t_ref: float = 0.0
    reset: str = "zero"
    refractory: str = "clamp"
    method: str = "euler"

    learnable: ClassVar[tuple[str, ...]] = ("decay", "v_th")
    state_type: ClassVar[type] = LIFState

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_fields(self)
        check_positive(self, ("R", "C", "dt"))
        for name in ("v_reset", "t_ref"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{owner}: {name} must be finite, got {name}={value!r}")
        if math.isnan(self.v_th) or self.v_th == -math.inf:
            raise ValueError(f"{owner}: v_th must be a number or +inf (no spikes), got v_th={self.v_th!r}")
        if self.t_ref < 0:
            raise ValueError(f"{owner}: t_ref must be >= 0 ms, got t_ref={self.t_ref!r}")
        if not math.isfinite(self.t_ref / self.dt) or self.t_ref / self.dt > 1e9:
            raise ValueError(f"{owner}: t_ref/dt must be at most 1e9 steps, got t_ref={self.t_ref!r}, dt={self.dt!r}")
        for name, allowed in (("reset", RESET_MODES), ("refractory", REFRACTORY_MODES), ("method", METHODS)):
            check_choice(self, name, allowed)
        if self.v_reset >= self.v_th:
            raise ValueError(f"{owner}: v_reset must be < v_th, got v_reset={self.v_reset!r}, v_th={self.v_th!r}")
        self._check_ratio("tau", self.tau)
        if self.method == "euler":
            self._warn_euler("tau", self.tau, "beta_euler", self.beta_euler)

    # -------------------------------------------------------------------------------- validation helpers
    def _check_positive(self, names: tuple[str, ...]) -> None:
        check_positive(self, names)

    def _check_ratio(self, name: str, tau: float) -> None:
        ratio = self.dt / tau if tau > 0 else math.inf
        if not (math.isfinite(ratio) and 1e-12 < ratio < 1e12):
            raise ValueError(
                f"{type(self).__name__}: dt/{name} must lie in (1e-12, 1e12), got dt={self.dt!r}, {name}={tau!r}"
            )

    def _warn_euler(self, name: str, tau: float, beta_name: str, beta: float) -> None:
        owner = type(self).__name__
        if self.dt >= 2 * tau:
            warnings.warn(
                f"{owner}: dt={self.dt} >= 2*{name}={2 * tau}: explicit Euler is unstable "
                f"({beta_name} = 1 - dt/{name} = {beta:.4g}, |{beta_name}| >= 1); use a smaller dt "
                "or method='exact'",
                RuntimeWarning,
                stacklevel=4,
            )
        elif self.dt >= tau:
            warnings.warn(
                f"{owner}: dt={self.dt} >= {name}={tau}: explicit Euler no longer decays smoothly "
                f"({beta_name} = 1 - dt/{name} = {beta:.4g} <= 0: at dt = {name} it jumps to the steady "
                "state in one step, beyond it overshoots and oscillates); use a smaller dt or method='exact'",
                RuntimeWarning,
                stacklevel=4,
            )

    # ------------------------------------------------------------------------------------ derived values
    @property
    def tau(self) -> float:
        """Membrane time constant tau = R*C [ms]."""
        return self.R * self.C

    @property
    def beta_euler(self) -> float:
        """Euler decay factor per step, beta = 1 - dt/tau (snnTorch's ``beta``)."""
        return 1.0 - self.dt / self.tau

    @property
    def beta_exact(self) -> float:
        """Exact decay factor per step, exp(-dt/tau)."""
        return math.exp(-self.dt / self.tau)

    @property
    def rheobase(self) -> float:
        """Smallest constant current that eventually reaches threshold from rest: v_th / R."""
        return self.v_th / self.R

    @property
    def input_gain(self) -> float:
        """Euler gain on the current, dt/C: one step of current I raises V by I*dt/C."""
        return self.dt / self.C

    @property
    def exact_gain(self) -> float:
        """Exact-step gain on the current, R*(1 - exp(-dt/tau)), computed as -R*expm1(-dt/tau)."""
        return -self.R * math.expm1(-self.dt / self.tau)

    @property
    def decay(self) -> float:
        """V's decay factor per step for this ``method``: beta_euler or beta_exact."""
        return self.beta_euler if self.method == "euler" else self.beta_exact

    @property
    def gain(self) -> float:
        """The gain of a membrane current held over one step for this ``method``: input_gain or exact_gain."""
        return self.input_gain if self.method == "euler" else self.exact_gain

    @property
    def ref_steps(self) -> int:
        """Refractory period in whole steps, ceil(t_ref/dt - 1e-9) (the 1e-9 absorbs 2.1/0.3 = 7.000...01)."""
        return math.ceil(self.t_ref / self.dt - 1e-9)

    @property
    def max_rate_hz(self) -> float:
        """The highest rate a simulation can reach: one spike every ref_steps + 1 steps, 1000/((ref_steps+1) dt).

        In continuous time the f-I curve tends to 1000/t_ref; on a grid a spike needs at least one integration
        step after the ref_steps held ones (for the paper's neuron, dt = t_ref = 1 ms: 500 Hz, not 1000 Hz). This
        is minisnn's convention (a neuron is held for ref_steps steps *after* its spike step); Brian2 counts the
        refractory period from the spike's own step, so the same dt = t_ref = 1 ms allows 1000 Hz there.
        """
        return 1000.0 / ((self.ref_steps + 1) * self.dt)

    # ------------------------------------------------------------------------------------- the dynamics
    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64, v0: ArrayLike = 0.0) -> LIFState:
        """State at rest: V = ``v0`` (broadcast to ``shape``), no neuron refractory."""
        return LIFState(v=filled(shape, v0, dtype), refractory=np.zeros(shape, np.int32))

    def step(self, state: LIFState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None) -> tuple[Any, LIFState]:
        """One time step of C dV/dt = I + ξ - V/R with threshold, reset and refractoriness.

        In this order (the only place it is written):

        1. integrate: u = decay·V + gain·(I + ξ)  (Euler: decay = 1 - dt/tau, gain = dt/C; exact: exp(-dt/tau),
           R(1 - exp(-dt/tau))), ξ an optional noise current (:mod:`minisnn.noise`);
        2. :func:`~minisnn.neurons.base.fire_and_reset`: refractory neurons are clamped or frozen, spike
           S = H(u - v_th) (none while refractory), reset, refractory counters.

        Args:
            state: :class:`LIFState` (V and the refractory counters).
            current: I for this step, broadcastable to V.
            ops: the array operations (default NumPy; the autodiff layer passes Tensor ones).
            noise: ξ for this step, or None.

        Returns:
            (spikes S, new state). On ndarrays S is a boolean array.
        """
        drive = current if noise is None else current + noise
        u = state.v * self.decay + drive * self.gain
        spikes, v, refractory = fire_and_reset(self, u, state.v, state.refractory, ops)
        return spikes, LIFState(v, refractory)

    def linear_form(self) -> LinearForm:
        """Linear below threshold: u = decay·V + gain·I (no second state)."""
        return LinearForm(self.decay, 0.0, self.gain, 0.0, 0.0)

    # ------------------------------------------------------------------------------------------- presets
    @classmethod
    def paper(cls, dt: float = 1.0) -> LIFParams:
        """Our reading of the seed paper's Table 1 as a plain LIF neuron (no synaptic current, no noise) -- the
        neuron its equations describe (:mod:`minisnn.paper` sets the paper's words beside each mapping).

        Table 1 -> field: threshold 1 -> v_th=1; reset potential 0 -> v_reset=0, reset="zero"; refractory
        period 1 ms -> t_ref=1.0; "membrane capacitance (ms) 80" -> C=80 (the table's unit "ms" cannot be a
        capacitance's; we take the number); membrane time constant 40 ms -> R = tau/C = 40/80 = 0.5. The table
        gives no time step: we choose dt = 1 ms (so ref_steps = 1).
        """
        return cls(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero")

    def summary(self) -> str:
        parts = [f"tau={self.tau:g} ms", f"dt={self.dt:g} ms", f"v_th={self.v_th:g}", f"reset={self.reset!r}"]
        if self.ref_steps:
            parts.append(f"t_ref={self.t_ref:g} ms ({self.refractory})")
        return ", ".join(parts)


def euler_step(v: State, current: Any, params: LIFParams) -> State:
    """One explicit Euler step of C dV/dt = I - V/R (no threshold).

    V[n+1] = beta * V[n] + (dt/C) * I[n], with beta = 1 - dt/tau; this is V[n] + (dt/C)(I[n] - V[n]/R).
    Uses only ``*`` and ``+`` with Python floats, so it works on ndarrays (any broadcastable shapes)
    and on autodiff Tensors alike.
    """
    return v * params.beta_euler + current * params.input_gain


def exact_step(v: State, current: Any, params: LIFParams) -> State:
    """One exact step for a current held constant over the step (exponential integrator).

    V[n+1] = V[n] * exp(-dt/tau) + R * I[n] * (1 - exp(-dt/tau)); the gain R(1 - exp(-dt/tau)) is
    computed with expm1 for accuracy. Same operator-only style as :func:`euler_step`.
    """
    return v * params.beta_exact + current * params.exact_gain
