"""Exponential spike traces: the local memory that makes STDP computable online.

A trace x(t) jumps at each spike of its neuron and decays between spikes with time constant τ::

    dx/dt = -x/τ + Σ_k δ(t - t_k)      so      x(t) = Σ_{t_k ≤ t} exp(-(t - t_k)/τ)   ("all-to-all")

On a grid of step dt one step is ``x ← a·x`` (decay) then ``x ← x + s`` (the step's spikes s ∈ {0, 1}), with

* ``method="exact"``: a = exp(-dt/τ) -- the closed form sampled on the grid, no error at any dt;
* ``method="euler"``: a = 1 - dt/τ -- explicit Euler; after k steps a^k = exp(-k·dt/τ)(1 + O(dt)), an error of first
  order in dt at a fixed time lag (and a negative a, an oscillating trace, once dt > τ: refused).

Pairing: ``pairing="all"`` adds the spike (x ← x + s: every earlier spike still counts, all-to-all pairing);
``pairing="nearest"`` resets the trace to 1 at a spike (x ← 1: only the most recent spike counts, nearest-spike
pairing). Shapes: a trace has the shape of its population's spikes, e.g. (n,) or (B, n).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

TRACE_METHODS = ("exact", "euler")
PAIRINGS = ("all", "nearest")


def check_number(name: str, value: Any, positive: bool = False, unit: str = "") -> float:
    """``value`` as a float: TypeError unless a real number, ValueError unless finite and > 0 (``positive``) or ≥ 0,
    both naming ``name`` (and ``unit``, e.g. " [ms]")."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number{unit}, got {type(value).__name__}")
    if not math.isfinite(value) or (positive and value <= 0) or (not positive and value < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '≥ 0'}{unit}, got {value!r}")
    return float(value)


def _positive(name: str, value: Any) -> float:
    return check_number(name, value, positive=True, unit=" [ms]")


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return str(value)


def trace_decay(dt: float, tau: float, method: str = "exact") -> float:
    """The per-step factor a of ``x ← a·x``: exp(-dt/τ) ("exact") or 1 - dt/τ ("euler", needs dt ≤ τ)."""
    dt, tau = _positive("dt", dt), _positive("tau", tau)
    check_choice("method", method, TRACE_METHODS)
    if method == "exact":
        return math.exp(-dt / tau)
    if dt > tau:
        raise ValueError(f"method='euler' needs dt ≤ tau (else 1 - dt/tau < 0), got dt={dt:g}, tau={tau:g}")
    return 1.0 - dt / tau


def update_trace(trace: np.ndarray, spikes: np.ndarray, decay: float, pairing: str = "all") -> np.ndarray:
    """One step, in place and returned: x ← decay·x, then x ← x + s ("all") or x ← 1 where s = 1 ("nearest")."""
    check_choice("pairing", pairing, PAIRINGS)
    trace *= decay
    if pairing == "all":
        trace += spikes
    else:
        np.copyto(trace, 1.0, where=np.asarray(spikes) > 0)
    return trace


def run_trace(spikes: Any, dt: float, tau: float, method: str = "exact", pairing: str = "all") -> np.ndarray:
    """The trace after every step of a spike train ``spikes`` (T, ...) (0/1), starting from 0: (T, ...) float64."""
    spikes = np.asarray(spikes, dtype=np.float64)
    if spikes.ndim < 1:
        raise ValueError(f"spikes must have a time axis first, shape (T, ...), got a scalar {spikes!r}")
    decay = trace_decay(dt, tau, method)
    out = np.empty_like(spikes)
    x = np.zeros(spikes.shape[1:])
    for t in range(spikes.shape[0]):
        out[t] = update_trace(x, spikes[t], decay, pairing)
    return out


def trace_closed_form(spike_times: Any, t: Any, tau: float, pairing: str = "all") -> np.ndarray:
    """The continuous-time trace at times ``t`` [ms] of one neuron spiking at ``spike_times`` [ms]:
    Σ_{t_k ≤ t} exp(-(t - t_k)/τ) ("all"), exp(-(t - t_last)/τ) ("nearest"); 0 before the first spike."""
    tau = _positive("tau", tau)
    check_choice("pairing", pairing, PAIRINGS)
    times = np.sort(np.asarray(spike_times, dtype=np.float64).ravel())
    t = np.asarray(t, dtype=np.float64)
    lag = t[..., None] - times  # (..., K)
    kernel = np.where(lag >= 0, np.exp(-np.clip(lag, 0, None) / tau), 0.0)
    if pairing == "all":
        return kernel.sum(-1)
    last = np.where(lag >= 0, lag, np.inf).min(-1, initial=np.inf)
    return np.where(np.isfinite(last), np.exp(-np.where(np.isfinite(last), last, 0.0) / tau), 0.0)
