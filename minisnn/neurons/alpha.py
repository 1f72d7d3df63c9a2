"""The alpha-synapse neuron: a LIF fed through a second-order synaptic current whose response to a pulse is the
alpha function, rising and falling with one time constant tau_syn.

Equations (time in ms; two equal first-order filters in a row, then the LIF membrane)::

    tau_syn dh/dt   = -h + I            the rising stage
    tau_syn dI_s/dt = -I_s + h          the synaptic current
    C dV/dt         = I_s - V/R         the membrane, tau_m = R C

with the LIF threshold, reset and refractoriness (:func:`~minisnn.neurons.base.fire_and_reset`). A pulse of charge q
(I = q δ(t)) gives the post-synaptic current (PSC)

    I_s(t) = (q/tau_syn)(t/tau_syn) e^{-t/tau_syn} = q/(e tau_syn) · (t/tau_syn) e^{1 - t/tau_syn},

the alpha function: no jump at t = 0 (it rises from zero with slope q/tau_syn²), peak q/(e tau_syn) at
t = tau_syn, total charge q (:func:`psc_kernel`;
the potential it causes: :func:`psp_kernel`). A constant current settles at I_s = h = I, V = R I: the same
steady state, rheobase and settled f-I curve as the LIF's; the synapse shapes *when* a spike comes, not the mean.

One step (:meth:`AlphaParams.step`), ``method="euler"``: explicit Euler for all three equations from the values at the
start of the step (an input reaches h in its step, I_s one step later and V the step after)::

    u    = decay V + (dt/C)(I_s + ξ)              decay = 1 - dt/tau_m
    I_s' = alpha I_s + (dt/tau_syn) h             alpha = 1 - dt/tau_syn
    h'   = alpha h + (dt/tau_syn) I

``method="exact"``: the exact solution over the step for I held constant (the 3×3 linear system's matrix exponential,
:func:`exact_coefficients`).

**Not snnTorch's ``Alpha``.** snnTorch's ``Alpha(alpha, beta)`` has no leaky membrane of its own: its "membrane" is
τ_α·(syn_exc + syn_inh), two exponential traces of the input with opposite signs -- a *difference of exponentials*
filter of the input (kernel τ_α(αᵏ - βᵏ), τ_α = ln α/(ln β - ln α) + 1, needing α > β). Below threshold that is
exactly the potential of minisnn's :class:`~minisnn.neurons.synaptic.SynapticParams` neuron with Euler steps
(α = 1 - dt/τ_syn, β = 1 - dt/τ_m: the same powers), times a gain: V = (dt/C)(dt/τ_syn)/((α - β)τ_α) · mem
(:func:`minisnn.translate.translate_synaptic`, entry ``"snntorch_alpha"``; the tests hold them equal). Its resets
differ: one step late, and "zero" clears both traces. This model instead puts the alpha function on the *current*,
as Brian2 users write it and NEST's ``iaf_psc_alpha`` does; its PSP is a third-order kernel (:func:`psp_kernel`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.base import NUMPY_OPS, ArrayOps, filled, fire_and_reset, register
from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import firing_rate
from minisnn.neurons.synaptic import check_synapse


class AlphaState(NamedTuple):
    """State of alpha-synapse neurons: ``h`` the rising stage, ``i_syn`` the synaptic current, ``v`` the membrane
    potential, ``refractory`` int32 counters."""

    h: Any
    i_syn: Any
    v: Any
    refractory: np.ndarray


class AlphaCoefficients(NamedTuple):
    """One step of the linear sub-threshold system, x' = Φ x + Γ I with x = (h, I_s, V) (noise: ``gain`` into V)."""

    phi: np.ndarray  # (3, 3)
    gamma: np.ndarray  # (3,)


@register
@dataclass(frozen=True)
class AlphaParams(LIFParams):
    """A LIF neuron fed through an alpha-shaped synaptic current with time constant ``tau_syn`` [ms] (module docstring).

    All :class:`~minisnn.neurons.lif.LIFParams` fields keep their meaning; ``tau_syn`` > 0 is new (pass it by keyword).
    Derived: ``alpha_euler = 1 - dt/tau_syn``. Learnable in a layer: ``decay`` and ``v_th``. Runs unrolled.
    """

    tau_syn: float = 5.0

    state_type: ClassVar[type] = AlphaState

    def __post_init__(self) -> None:
        super().__post_init__()
        check_synapse(self)

    @property
    def alpha_euler(self) -> float:
        """Euler decay factor of h and I_s per step, 1 - dt/tau_syn."""
        return 1.0 - self.dt / self.tau_syn

    def coefficients(self) -> AlphaCoefficients:
        """Φ and Γ of this ``method``'s step for x = (h, I_s, V): Euler (module docstring) or exact."""
        if self.method == "exact":
            return exact_coefficients(self)
        a, k = self.alpha_euler, self.dt / self.tau_syn
        phi = np.array([[a, 0.0, 0.0], [k, a, 0.0], [0.0, self.input_gain, self.beta_euler]])
        return AlphaCoefficients(phi, np.array([k, 0.0, 0.0]))

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64, v0: ArrayLike = 0.0) -> AlphaState:
        """At rest: h = I_s = 0, V = ``v0``, no neuron refractory."""
        zeros = filled(shape, 0.0, dtype)
        return AlphaState(h=zeros, i_syn=zeros.copy(), v=filled(shape, v0, dtype), refractory=np.zeros(shape, np.int32))

    def step(
        self, state: AlphaState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None
    ) -> tuple[Any, AlphaState]:
        """One step (module docstring), all from the values at the start of the step; noise ξ enters the membrane.
        Returns (spikes, new state)."""
        (phi, gamma), h, i_syn = self.coefficients(), state.h, state.i_syn
        u = state.v * self.decay + i_syn * phi[2, 1]
        if phi[2, 0] != 0.0:  # (the exact step: h reaches V within the step; Euler: not yet)
            u = u + h * phi[2, 0]
        if gamma[2] != 0.0:
            u = u + current * gamma[2]
        if noise is not None:
            u = u + noise * self.gain
        new_i = i_syn * phi[1, 1] + h * phi[1, 0]
        if gamma[1] != 0.0:
            new_i = new_i + current * gamma[1]
        new_h = h * phi[0, 0] + current * gamma[0]
        spikes, v, refractory = fire_and_reset(self, u, state.v, state.refractory, ops)
        return spikes, AlphaState(new_h, new_i, v, refractory)

    def membrane_neuron(self) -> LIFParams:
        """The plain LIF neuron of this neuron's membrane (every field but ``tau_syn``)."""
        return LIFParams(**{f.name: getattr(self, f.name) for f in fields(LIFParams)})

    def summary(self) -> str:
        head, rest = super().summary().split(", ", 1)
        return f"{head}, alpha tau_syn={self.tau_syn:g} ms, {rest}"


def expm(matrix: np.ndarray) -> np.ndarray:
    """The matrix exponential of a small square matrix: scaling and squaring of a Taylor series (exact to float64
    rounding for the well-scaled matrices of one neuron step; defective matrices, from equal time constants, are
    fine)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norm = np.abs(matrix).sum(axis=1).max()
    squarings = max(0, int(math.ceil(math.log2(norm / 0.25))) if norm > 0.25 else 0)
    scaled = matrix / 2.0**squarings
    result, term = np.eye(len(matrix)), np.eye(len(matrix))
    for k in range(1, 30):
        term = term @ scaled / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


def exact_coefficients(params: AlphaParams) -> AlphaCoefficients:
    """Φ = e^{A dt} and Γ = ∫₀^dt e^{A s} ds · B for d(h, I_s, V)/dt = A (h, I_s, V) + B I, A's rows
    (-1/τ_s, 0, 0), (1/τ_s, -1/τ_s, 0), (0, 1/C, -1/τ_m), B = (1/τ_s, 0, 0): the exact step for I held constant,
    from the exponential of the 4×4 augmented matrix [[A, B], [0, 0]]."""
    phi, gamma = _exact(params.tau_syn, params.C, params.tau, params.dt)
    return AlphaCoefficients(phi.copy(), gamma.copy())


@functools.lru_cache(maxsize=64)
def _exact(tau_s: float, c: float, tau_m: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
    augmented = np.zeros((4, 4))
    augmented[:3, :3] = [[-1 / tau_s, 0.0, 0.0], [1 / tau_s, -1 / tau_s, 0.0], [0.0, 1 / c, -1 / tau_m]]
    augmented[0, 3] = 1 / tau_s
    step = expm(augmented * dt)
    return step[:3, :3], step[:3, 3]


# ------------------------------------------------------------------------------------------------- closed forms
def psc_kernel(t: ArrayLike, params: AlphaParams, charge: float = 1.0) -> np.ndarray:
    """The post-synaptic current after a pulse of ``charge`` q at t = 0: (q/τ_s)(t/τ_s) e^{-t/τ_s} for t >= 0 (0
    before); peak q/(e τ_s) at t = τ_s, integral q."""
    t = np.asarray(t, dtype=np.float64)
    tp = np.maximum(t, 0.0) / params.tau_syn
    return np.where(t >= 0, charge / params.tau_syn * tp * np.exp(-tp), 0.0)[()]


def psp_kernel(t: ArrayLike, params: AlphaParams, charge: float = 1.0) -> np.ndarray:
    """The potential after a pulse of ``charge`` q at t = 0, from rest, no threshold (C dV/dt = I_s - V/R)::

        V(t) = q/(C τ_s² k²) · (e^{-t/τ_m} - e^{-t/τ_s}(1 + k t)),   k = 1/τ_s - 1/τ_m

    and its limit q t²/(2 C τ_s²) e^{-t/τ_m} as k -> 0 (τ_s = τ_m), used (as a series) where ``|k t| < 1e-3``."""
    t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
    tau_s, tau_m = params.tau_syn, params.tau
    k = 1.0 / tau_s - 1.0 / tau_m
    x = k * t
    small = np.abs(x) < 1e-3
    series = 0.5 - x / 3 + x * x / 8  # (1 - e^{-x}(1 + x))/x² near 0
    safe_k = k if k != 0 else 1.0
    direct = (np.exp(-t / tau_m) - np.exp(-t / tau_s) * (1 + x)) / safe_k**2
    body = np.where(small, t * t * np.exp(-t / tau_m) * series, direct)
    return np.where(np.asarray(t) >= 0, charge / (params.C * tau_s**2) * body, 0.0)[()]


def steady_state_firing_rate(current: ArrayLike, params: AlphaParams) -> np.ndarray:
    """f-I curve [Hz] once the synapse has settled (I_s = h = I): the LIF's, 1000/(t_ref + τ_m ln((RI - v_reset)/(RI -
    v_th))) -- the alpha synapse filters, it does not change the mean."""
    return firing_rate(current, params.membrane_neuron())
