"""The two mechanisms that make Diehl & Cook's excitatory neurons learn *different* features:

* **Lateral inhibition as winner-take-all** (:func:`winner_take_all`): of the neurons whose potential reached their
  threshold in a step, at most k fire -- those furthest above it (ties to the lower index); the caller then silences
  the layer. Diehl & Cook (2015) wire an inhibitory population (each excitatory neuron excites one inhibitory neuron,
  which inhibits all the others); with strong inhibition its effect is this hard WTA, which we simulate directly:
  no inhibitory dynamics to tune, one ``argmax`` per step.
* **Adaptive thresholds** (homeostasis): each neuron's threshold is v_th + θ, and θ jumps by θ₊ at each of its spikes
  and decays with τ_θ (much longer than an image)::

      θ ← a_θ·θ + θ₊·s,   a_θ = exp(-dt/τ_θ)     ⇒   θ(t) = θ(0)·e^{-t/τ_θ} + θ₊ Σ_{t_k ≤ t} e^{-(t - t_k)/τ_θ}

  (:func:`threshold_closed_form`), so a neuron that wins often gets harder to excite and the others get their turn.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int ≥ 1 (the most winners per step), got {k!r}")
    return int(k)


def winner_take_all(margin: Any, k: int = 1) -> np.ndarray:
    """Spikes (…, N) of 0/1: the at most k largest entries of ``margin`` (…, N) (= V - threshold) that are ≥ 0, along
    the last axis; ties go to the lower index. Vectorised over the leading axes (a batch of images)."""
    margin = np.asarray(margin, dtype=np.float64)
    k = _k(k)
    if margin.ndim < 1:
        raise ValueError(f"margin must have the neurons on its last axis, shape (..., N), got a scalar {margin!r}")
    spikes = np.zeros(margin.shape)
    if k == 1:
        best = np.argmax(margin, axis=-1)[..., None]  # argmax: the first of equal maxima
        np.put_along_axis(spikes, best, 1.0, axis=-1)
    else:
        order = np.argsort(-margin, axis=-1, kind="stable")[..., : min(k, margin.shape[-1])]
        np.put_along_axis(spikes, order, 1.0, axis=-1)
    return spikes * (margin >= 0)


def winner_take_all_loop(margin: Any, k: int = 1) -> np.ndarray:
    """The test oracle of :func:`winner_take_all` for one step of one layer, margin (N,): repeatedly pick the largest
    margin ≥ 0 not yet picked (the lowest index among equals)."""
    margin = [float(m) for m in np.asarray(margin, dtype=np.float64).ravel()]
    spikes = np.zeros(len(margin))
    for _ in range(_k(k)):
        best = -1
        for i, m in enumerate(margin):
            if m >= 0 and spikes[i] == 0 and (best < 0 or m > margin[best]):
                best = i
        if best < 0:
            break
        spikes[best] = 1.0
    return spikes


def threshold_decay(dt: float, tau_theta: float) -> float:
    """a_θ = exp(-dt/τ_θ)."""
    for name, value in (("dt", dt), ("tau_theta", tau_theta)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0 [ms], got {value!r}")
    return math.exp(-dt / tau_theta)


def update_threshold(theta: np.ndarray, spikes: np.ndarray, theta_plus: float, decay: float) -> np.ndarray:
    """One step, in place and returned: θ ← decay·θ + θ₊·s."""
    theta *= decay
    theta += theta_plus * spikes
    return theta


def threshold_closed_form(
    spike_times: Any, t: Any, theta_plus: float, tau_theta: float, theta0: float = 0.0
) -> np.ndarray:
    """θ(t) = θ(0)e^{-t/τ_θ} + θ₊ Σ_{t_k ≤ t} e^{-(t - t_k)/τ_θ} for one neuron spiking at ``spike_times`` [ms]."""
    times = np.asarray(spike_times, dtype=np.float64).ravel()
    t = np.asarray(t, dtype=np.float64)
    lag = t[..., None] - times
    jumps = np.where(lag >= 0, np.exp(-np.clip(lag, 0, None) / tau_theta), 0.0).sum(-1)
    return theta0 * np.exp(-t / tau_theta) + theta_plus * jumps
