"""Closed forms of the LIF neuron (:class:`~minisnn.neurons.lif.LIFParams`) for a constant current, continuous time.

Each is checked against the simulation in the tests: the sub-threshold solution, the rheobase, the time to first
spike, the inter-spike interval, the f-I curve and its inverse. They describe the plain LIF only: a model with other
dynamics (a subclass that defines its own ``step``: synaptic, alpha, adaptive) is refused with a TypeError instead of
being given a wrong answer; each has its own closed forms in its module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.lif import LIFParams


def require_lif(params: Any, name: str) -> LIFParams:
    """``params`` if it steps like the plain LIF (a :class:`LIFParams` whose class keeps LIF's ``step``), else a
    TypeError naming the function and the model."""
    if not isinstance(params, LIFParams) or type(params).step is not LIFParams.step:
        kind = type(params).__name__
        raise TypeError(
            f"{name}: this is the closed form of the plain LIF neuron (LIFParams); {kind} has other dynamics "
            f"(see its own module, or pass its membrane: LIFParams(**its LIF fields))"
        )
    return params


def v_constant_current(t: ArrayLike, current: ArrayLike, params: LIFParams, v0: ArrayLike = 0.0) -> np.ndarray:
    """Sub-threshold solution for constant current: V(t) = R I + (v0 - R I) exp(-t/tau) (no threshold).

    ``t`` [ms], ``current`` and ``v0`` broadcast together; returns an array of the broadcast shape.
    """
    params = require_lif(params, "v_constant_current")
    ri = params.R * np.asarray(current, dtype=np.float64)
    return ri + (np.asarray(v0, dtype=np.float64) - ri) * np.exp(-np.asarray(t, dtype=np.float64) / params.tau)


def rheobase(params: LIFParams) -> float:
    """Rheobase current v_th / R: constant currents above it make the neuron fire, below it never."""
    return require_lif(params, "rheobase").rheobase


def time_to_first_spike(current: ArrayLike, params: LIFParams, v0: float = 0.0) -> np.ndarray:
    """Time [ms] for V(t) (constant current, from v0 < v_th) to reach v_th: tau ln((R I - v0)/(R I - v_th)).

    Computed as tau * log1p((v_th - v0)/(R I - v_th)), the same quantity, accurate for large currents.
    inf where R I <= v_th (the neuron never reaches threshold). Vectorised over ``current``.
    """
    params = require_lif(params, "time_to_first_spike")
    if not v0 < params.v_th:
        raise ValueError(f"time_to_first_spike: v0 must be < v_th={params.v_th}, got v0={v0!r}")
    ri = params.R * np.asarray(current, dtype=np.float64)
    above = ri > params.v_th
    gap = np.where(above, ri - params.v_th, 1.0)  # placeholder 1.0 where masked out below
    return np.where(above, params.tau * np.log1p((params.v_th - v0) / gap), np.inf)[()]


def isi(current: ArrayLike, params: LIFParams) -> np.ndarray:
    """Inter-spike interval [ms] for constant current: t_ref + tau ln((R I - v_reset)/(R I - v_th)).

    After each spike the neuron sits at v_reset for t_ref, then charges to threshold. inf below rheobase.
    This is continuous time; a simulation with step dt rounds each part up to whole steps.
    """
    params = require_lif(params, "isi")
    return params.t_ref + time_to_first_spike(current, params, v0=params.v_reset)


def firing_rate(current: ArrayLike, params: LIFParams) -> np.ndarray:
    """f-I curve [Hz]: 1000 / (t_ref + tau ln((R I - v_reset)/(R I - v_th))), and 0 where R I <= v_th.

    Vectorised over ``current``. Continuous time, reset to v_reset; "subtract" gives the same curve in
    continuous time (V is exactly v_th at the crossing). The rate tends to 1000/t_ref as I -> inf, never above;
    a simulation on a grid of step dt saturates lower, at :attr:`LIFParams.max_rate_hz`.
    Raises ValueError for reset="none" with ref_steps = 0 (V stays above threshold: no finite rate).
    """
    params = require_lif(params, "firing_rate")
    if params.reset == "none" and params.ref_steps == 0:
        raise ValueError("firing_rate: reset='none' with ref_steps=0 has no finite firing rate")
    with np.errstate(divide="ignore"):
        return (1000.0 / isi(current, params))[()]


def current_for_rate(rate_hz: ArrayLike, params: LIFParams) -> np.ndarray:
    """Inverse f-I curve: the constant current whose :func:`firing_rate` is ``rate_hz`` (0 < rate < 1000/t_ref).

    Solving 1000/rate = t_ref + tau ln((R I - v_reset)/(R I - v_th)) for I, with charge time
    T = 1000/rate - t_ref [ms]: I = (v_th + (v_th - v_reset) / (exp(T/tau) - 1)) / R (exp(T/tau) - 1 via expm1).
    """
    params = require_lif(params, "current_for_rate")
    f = np.asarray(rate_hz, dtype=np.float64)
    charge = 1000.0 / f - params.t_ref
    if np.any(f <= 0) or np.any(charge <= 0):
        top = 1000.0 / params.t_ref if params.t_ref > 0 else np.inf
        raise ValueError(f"current_for_rate: rate_hz must be in (0, {top}) Hz, got {rate_hz!r}")
    return ((params.v_th + (params.v_th - params.v_reset) / np.expm1(charge / params.tau)) / params.R)[()]
