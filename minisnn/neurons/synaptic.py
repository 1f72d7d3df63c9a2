"""The current-based LIF neuron ("synaptic" neuron): an exponential synaptic current drives the membrane.

Two coupled RC circuits (time in ms)::

    tau_syn dI_s/dt = -I_s + I            the synaptic (post-synaptic) current, time constant tau_syn
    C dV/dt         = I_s - V/R           the membrane, tau_m = R C, as in :class:`~minisnn.neurons.lif.LIFParams`

with the LIF threshold, reset and refractoriness (:func:`~minisnn.neurons.base.fire_and_reset`). An input pulse of
charge q (I = q δ(t)) makes the post-synaptic current (PSC) jump by q/tau_syn and decay with tau_syn, and the
potential (PSP) rise and fall as a difference of two exponentials; a step of current charges V with an S-shaped
onset instead of the LIF's immediate rise. Refractoriness acts on V only: I_s keeps integrating its input.

One step (:meth:`SynapticParams.step`), ``method="euler"`` (explicit Euler for both equations, each from the
values at the start of the step)::

    u     = beta V + (dt/C)(I_s + ξ)                beta  = 1 - dt/tau_m
    I_s' = alpha I_s + (dt/tau_syn) I               alpha = 1 - dt/tau_syn

so an input at step n reaches V at step n+1 (Norse's order; snnTorch's ``Synaptic`` feeds the updated current
into V: the same dynamics with its input one step earlier, see :mod:`minisnn.translate`). ``method="exact"``
solves both equations exactly for I held constant over the step (:func:`exact_coefficients`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.base import NUMPY_OPS, ArrayOps, LinearForm, check_positive, filled, fire_and_reset, register
from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import firing_rate


def check_synapse(model: LIFParams) -> None:
    """A model's ``tau_syn``: positive and finite, dt/tau_syn representable, and the Euler warnings of
    :class:`~minisnn.neurons.lif.LIFParams` (dt >= tau_syn) for ``alpha_euler`` = 1 - dt/tau_syn."""
    check_positive(model, ("tau_syn",))
    model._check_ratio("tau_syn", model.tau_syn)
    if model.method == "euler":
        model._warn_euler("tau_syn", model.tau_syn, "alpha_euler", 1.0 - model.dt / model.tau_syn)


class SynapticState(NamedTuple):
    """State of a population of synaptic neurons: ``i_syn`` the synaptic current, ``v`` the membrane potential
    (ndarrays or Tensors, any shape) and ``refractory`` (int32 counters, as :class:`~minisnn.neurons.lif.LIFState`)."""

    i_syn: Any
    v: Any
    refractory: np.ndarray


@register
@dataclass(frozen=True)
class SynapticParams(LIFParams):
    """A LIF neuron fed through an exponential synaptic current with time constant ``tau_syn`` [ms].

    All :class:`~minisnn.neurons.lif.LIFParams` fields (R, C, dt, v_th, v_reset, t_ref, reset, refractory, method)
    keep their meaning; ``tau_syn`` > 0 is new (pass it by keyword: ``SynapticParams(R=1, C=5, dt=1,
    tau_syn=10)``). Derived: ``alpha_euler = 1 - dt/tau_syn``, ``alpha_exact = exp(-dt/tau_syn)``.
    Warns like LIFParams when dt >= tau_syn with Euler.
    """

    tau_syn: float = 5.0

    state_type: ClassVar[type] = SynapticState

    def __post_init__(self) -> None:
        super().__post_init__()
        check_synapse(self)

    @property
    def alpha_euler(self) -> float:
        """Euler decay factor of I_s per step, 1 - dt/tau_syn (snnTorch's ``alpha``)."""
        return 1.0 - self.dt / self.tau_syn

    @property
    def alpha_exact(self) -> float:
        """Exact decay factor of I_s per step, exp(-dt/tau_syn)."""
        return math.exp(-self.dt / self.tau_syn)

    def coefficients(self) -> tuple[float, float, float, float, float]:
        """(beta, p, q, alpha, b) of this ``method``'s step, which is linear below threshold:

            u    = beta·V + p·I_s + q·I          (+ gain·ξ for a noise current ξ)
            I_s' = alpha·I_s + b·I

        Euler: (1 - dt/tau_m, dt/C, 0, 1 - dt/tau_syn, dt/tau_syn); exact: :func:`exact_coefficients`.
        """
        if self.method == "euler":
            return self.beta_euler, self.input_gain, 0.0, self.alpha_euler, self.dt / self.tau_syn
        return exact_coefficients(self)

    def linear_form(self) -> LinearForm:
        """Linear below threshold: :meth:`coefficients`, with the synaptic current as the second state."""
        return LinearForm(*self.coefficients())

    def initial_state(
        self, shape: tuple[int, ...], dtype: Any = np.float64, v0: ArrayLike = 0.0, i0: ArrayLike = 0.0
    ) -> SynapticState:
        """State with V = ``v0`` and I_s = ``i0`` (broadcast to ``shape``), no neuron refractory."""
        return SynapticState(i_syn=filled(shape, i0, dtype), v=filled(shape, v0, dtype),
                             refractory=np.zeros(shape, np.int32))  # fmt: skip

    def step(
        self, state: SynapticState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None
    ) -> tuple[Any, SynapticState]:
        """One time step (see the module docstring); the noise current ξ enters the membrane, not the synapse.

        1. integrate, from the values at the start of the step: u = decay·V + p·I_s + q·I (+ gain·ξ),
           I_s' = alpha·I_s + b·I (:meth:`coefficients`; decay is their beta);
        2. :func:`~minisnn.neurons.base.fire_and_reset` on u (threshold, refractoriness, reset, counters).

        Returns (spikes, new state), like :meth:`LIFParams.step`.
        """
        _, p, q, alpha, b = self.coefficients()
        u = state.v * self.decay + state.i_syn * p
        if q != 0.0:
            u = u + current * q
        if noise is not None:
            u = u + noise * self.gain
        i_syn = state.i_syn * alpha + current * b
        spikes, v, refractory = fire_and_reset(self, u, state.v, state.refractory, ops)
        return spikes, SynapticState(i_syn, v, refractory)

    def membrane_neuron(self) -> LIFParams:
        """The plain LIF neuron of this neuron's membrane (every field but ``tau_syn``): the same neuron without
        its synapse."""
        return LIFParams(**{f.name: getattr(self, f.name) for f in fields(LIFParams)})

    def summary(self) -> str:
        head, rest = super().summary().split(", ", 1)
        return f"{head}, tau_syn={self.tau_syn:g} ms, {rest}"

    @classmethod
    def paper(cls, dt: float = 1.0) -> SynapticParams:  # type: ignore[override]
        """The seed paper's Table 1 neuron with its 60 ms post-synaptic current (see :mod:`minisnn.paper`)."""
        return cls(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero", tau_syn=60.0)


def _exprel(x: np.ndarray) -> np.ndarray:
    """expm1(x)/x, with its limit 1 at x = 0 (stable for tiny x)."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2, np.expm1(safe) / safe)


def _two_exp(t: ArrayLike, tau_m: float, tau_syn: float) -> np.ndarray:
    """K(t) = tau_s/(tau_s - tau_m)·(exp(-t/tau_s) - exp(-t/tau_m)), and its limit (t/tau)·exp(-t/tau) at
    tau_s = tau_m. Where x = t (tau_s - tau_m)/(tau_m tau_s) is small (|x| < 1) the difference cancels, so we use
    the equal form exp(-t/tau_m)·(t/tau_m)·expm1(x)/x there, and the direct form elsewhere (no overflow)."""
    t = np.asarray(t, dtype=np.float64)
    x = t * (tau_syn - tau_m) / (tau_m * tau_syn)
    near = np.abs(x) < 1.0
    series = np.exp(-t / tau_m) * (t / tau_m) * _exprel(np.where(near, x, 0.0))
    if tau_syn == tau_m:
        return series
    direct = tau_syn / (tau_syn - tau_m) * (np.exp(-t / tau_syn) - np.exp(-t / tau_m))
    return np.where(near, series, direct)


def exact_coefficients(params: SynapticParams) -> tuple[float, float, float, float, float]:
    """(beta, p, q, alpha, b) of the exact step for I constant over the step (see :func:`v_step_response`):

        I_s(dt) = I + (I_s - I)·a_s,                              a_s = exp(-dt/tau_syn)
        V(dt)   = R I + (V - R I)·a_m + R (I_s - I)·K,            a_m = exp(-dt/tau_m),
        K = tau_s/(tau_s - tau_m)·(a_s - a_m)   (its limit (dt/tau)·exp(-dt/tau) when tau_s = tau_m)

    so beta = a_m, p = R K, q = R(1 - a_m) - R K, alpha = a_s, b = 1 - a_s.
    """
    r = params.R
    k = float(_two_exp(params.dt, params.tau, params.tau_syn))
    a_m = params.beta_exact
    a_s = params.alpha_exact
    return a_m, r * k, -r * math.expm1(-params.dt / params.tau) - r * k, a_s, -math.expm1(-params.dt / params.tau_syn)


# ------------------------------------------------------------------------------------------ closed forms
def psc_kernel(t: ArrayLike, params: SynapticParams, charge: float = 1.0) -> np.ndarray:
    """Post-synaptic current after an input pulse of ``charge`` q at t = 0: I_s(t) = (q/tau_syn)·exp(-t/tau_syn)
    for t >= 0 (0 before). Its integral over t is q."""
    t = np.asarray(t, dtype=np.float64)
    return np.where(t >= 0, charge / params.tau_syn * np.exp(-np.maximum(t, 0) / params.tau_syn), 0.0)[()]


def psp_kernel(t: ArrayLike, params: SynapticParams, charge: float = 1.0) -> np.ndarray:
    """Post-synaptic potential after a pulse of ``charge`` q at t = 0, from rest, no threshold:

        V(t) = q R/(tau_syn - tau_m)·(exp(-t/tau_syn) - exp(-t/tau_m))     (q R t/tau²·exp(-t/tau) if equal)

    for t >= 0 (0 before); it peaks at t* = tau_m tau_syn ln(tau_syn/tau_m)/(tau_syn - tau_m).
    """
    t = np.asarray(t, dtype=np.float64)
    tp = np.maximum(t, 0.0)
    return np.where(t >= 0, charge * params.R / params.tau_syn * _two_exp(tp, params.tau, params.tau_syn), 0.0)[()]


def v_step_response(
    t: ArrayLike, current: ArrayLike, params: SynapticParams, v0: ArrayLike = 0.0, i0: ArrayLike = 0.0
) -> np.ndarray:
    """V(t) below threshold for a constant input current I switched on at t = 0, from V = v0, I_s = i0:

        V(t) = R I + (v0 - R I)·exp(-t/tau_m) + R (i0 - I)·tau_s/(tau_s - tau_m)·(exp(-t/tau_s) - exp(-t/tau_m))

    (the last factor has the limit (t/tau)·exp(-t/tau) at tau_s = tau_m). From rest (v0 = i0 = 0) it rises
    with zero slope at t = 0 -- the synaptic current must charge first -- towards R I.
    """
    t = np.asarray(t, dtype=np.float64)
    ri = params.R * np.asarray(current, dtype=np.float64)
    tau_m = params.tau
    return (
        ri
        + (np.asarray(v0, np.float64) - ri) * np.exp(-t / tau_m)
        + (
            params.R
            * (np.asarray(i0, np.float64) - np.asarray(current, np.float64))
            * _two_exp(t, tau_m, params.tau_syn)
        )
    )


def i_step_response(t: ArrayLike, current: ArrayLike, params: SynapticParams, i0: ArrayLike = 0.0) -> np.ndarray:
    """I_s(t) = I + (i0 - I)·exp(-t/tau_syn) for a constant input I switched on at t = 0."""
    t = np.asarray(t, dtype=np.float64)
    current = np.asarray(current, dtype=np.float64)
    return current + (np.asarray(i0, np.float64) - current) * np.exp(-t / params.tau_syn)


def time_to_first_spike(
    current: ArrayLike, params: SynapticParams, v0: float = 0.0, i0: float = 0.0, iterations: int = 200
) -> np.ndarray:
    """Time [ms] at which :func:`v_step_response` first reaches v_th, found by bisection (vectorised).

    For v0 < v_th, i0 <= I and R I > v_th the response crosses the threshold exactly once (it may dip first
    when v0 > 0, then rises monotonically to R I), so bisection on [0, t_hi] with t_hi doubled until V(t_hi)
    >= v_th finds it to float64 precision. inf where R I <= v_th. Vectorised over ``current``.
    """
    if not v0 < params.v_th:
        raise ValueError(f"time_to_first_spike: v0 must be < v_th={params.v_th}, got v0={v0!r}")
    current = np.asarray(current, dtype=np.float64)
    if np.any(i0 > current):
        raise ValueError("time_to_first_spike: i0 must be <= the current (the response is then single-crossing)")
    reaches = params.R * current > params.v_th
    drive = np.where(reaches, current, 2.0 * params.v_th / params.R)  # placeholder that fires, masked below
    hi = np.full(drive.shape, params.tau + params.tau_syn)
    for _ in range(200):
        below = v_step_response(hi, drive, params, v0, i0) < params.v_th
        if not below.any():
            break
        hi = np.where(below, 2 * hi, hi)
    lo = np.zeros(drive.shape)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = v_step_response(mid, drive, params, v0, i0) < params.v_th
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        if np.all(hi - lo <= 1e-15 * np.maximum(hi, 1e-300)):
            break
    return np.where(reaches, hi, np.inf)[()]


def steady_state_firing_rate(current: ArrayLike, params: SynapticParams) -> np.ndarray:
    """f-I curve [Hz] for a constant input after I_s has settled (I_s = I): identical to the LIF's,
    1000/(t_ref + tau_m ln((R I - v_reset)/(R I - v_th))) -- the synapse filters, it does not change the mean.
    (The transient before I_s settles, about 3·tau_syn, fires later: :func:`time_to_first_spike` with i0 = 0.)"""
    return firing_rate(current, params.membrane_neuron())
