"""Spike encoders: turn intensities x ∈ [0, 1] (e.g. pixel values) into spike trains ``(T, *x.shape)``.

* :func:`rate` — Bernoulli rate coding: at every step a neuron fires with probability p = f(x)·dt, where the
  rate f(x) = f_min + x·(f_max − f_min) Hz (the seed paper uses 100–200 Hz). The spike count over T steps is
  Binomial(T, p), so the mean rate over the train estimates f(x) with std √(p(1 − p)/T)·1000/dt Hz.
* :func:`direct` — direct current injection: the analog intensities themselves, the same at every step
  (x repeated T times; the first layer's neurons turn them into spikes).
* :func:`latency` — time-to-first-spike coding: brighter fires earlier, one spike per neuron at most.
  "linear": step = round((1 − x)·(T − 1)); "rc": the time an RC neuron charged by x takes to reach the
  threshold, t = τ·ln(x / (x − threshold)) steps (the LIF time to first spike of :mod:`minisnn.neuron` with
  R = 1, C = τ); intensities at or below ``threshold`` never fire.
* :func:`delta` — delta modulation: a spike where a signal x[t] (already time-major, ``(T, …)``, e.g. video
  frames) changed by at least ``threshold`` since the previous step; :func:`delta_on_off` gives the ON and OFF
  events in two channels, as an event camera (DVS) reports them. :func:`delta_loop` is its loop reference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import time_to_first_spike


def _intensities(x: Any) -> np.ndarray:
    array = np.asarray(getattr(x, "data", x))
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"x must be floating-point intensities in [0, 1], got dtype {array.dtype}")
    if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 1 or np.isnan(array).any()):
        raise ValueError(f"x must lie in [0, 1] (got min {np.nanmin(array):g}, max {np.nanmax(array):g}, or NaN)")
    return array


def _num_steps(num_steps: int) -> int:
    if not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
        raise ValueError(f"num_steps must be an int ≥ 1, got {num_steps!r}")
    return int(num_steps)


def rate(
    x: Any,
    num_steps: int,
    rng: np.random.Generator | int | None = None,
    f_min: float = 0.0,
    f_max: float | None = None,
    dt: float = 1.0,
) -> np.ndarray:
    """Bernoulli rate code: spikes[t] ~ Bernoulli(p), p = (f_min + x·(f_max − f_min)) · dt / 1000.

    Args:
        x: intensities in [0, 1], any shape.
        num_steps: T.
        rng: Generator or seed.
        f_min, f_max: rates [Hz] for x = 0 and x = 1; ``f_max=None`` means 1000/dt (then p = x when f_min = 0).
        dt: step [ms].
    Returns:
        ``(T, *x.shape)`` array of 0/1 in x's dtype.
    """
    x = _intensities(x)
    num_steps = _num_steps(num_steps)
    if not dt > 0:
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    f_max = 1000.0 / dt if f_max is None else float(f_max)
    if not 0 <= f_min <= f_max:
        raise ValueError(f"need 0 ≤ f_min ≤ f_max, got f_min={f_min!r}, f_max={f_max!r}")
    if f_max * dt / 1000.0 > 1 + 1e-12:
        raise ValueError(
            f"f_max={f_max:g} Hz with dt={dt:g} ms gives a spike probability {f_max * dt / 1000:g} > 1 per step; "
            f"use f_max ≤ {1000 / dt:g} Hz or a smaller dt"
        )
    p = (f_min + x * (f_max - f_min)) * dt / 1000.0
    draws = np.random.default_rng(rng).random((num_steps, *x.shape))
    return (draws < p).astype(x.dtype)


def latency(x: Any, num_steps: int, method: str = "linear", tau: float = 1.0, threshold: float = 0.01) -> np.ndarray:
    """Time-to-first-spike code: one spike per neuron, earlier for larger x (see the module docstring).

    Args:
        x: intensities in [0, 1], any shape.
        num_steps: T.
        method: "linear" (step = round((1 − x)(T − 1))) or "rc" (step = round(τ·ln(x/(x − threshold)))).
        tau: RC time constant in steps (method "rc").
        threshold: intensities ≤ threshold never fire.
    Returns:
        ``(T, *x.shape)`` array of 0/1 in x's dtype.
    """
    x = _intensities(x)
    num_steps = _num_steps(num_steps)
    if method == "linear":
        step = np.rint((1.0 - x) * (num_steps - 1))
    elif method == "rc":
        if not tau > 0:
            raise ValueError(f"tau must be > 0 steps, got {tau!r}")
        neuron = LIFParams(R=1.0, C=tau, dt=1.0, v_th=threshold)  # τ·ln(RI/(RI − v_th)) with I = x
        step = np.rint(time_to_first_spike(x, neuron))
    else:
        raise ValueError(f"method must be 'linear' or 'rc', got {method!r}")
    fires = (x > threshold) & (step < num_steps)
    spikes = np.zeros((num_steps, *x.shape), dtype=x.dtype)
    index = np.nonzero(fires)
    spikes[(step[index].astype(np.int64), *index)] = 1
    return spikes


def direct(x: Any, num_steps: int) -> np.ndarray:
    """Direct (analog) coding: x repeated at every step, ``(T, *x.shape)`` in x's dtype -- a constant input current.

    Not a spike train: the first spiking layer encodes it. A read-only broadcast view, so it costs no memory.
    """
    x = _intensities(x)
    num_steps = _num_steps(num_steps)
    return np.broadcast_to(x, (num_steps, *x.shape))


def _signal(x: Any, threshold: float) -> np.ndarray:
    array = np.asarray(getattr(x, "data", x))
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"x must be a floating-point signal (T, ...), got dtype {array.dtype}")
    if array.ndim < 1 or array.shape[0] < 1:
        raise ValueError(f"x must be time-major (T, ...) with T >= 1, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("x must be finite (got inf or NaN)")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating, np.integer)):
        raise TypeError(f"threshold must be a number > 0, got {threshold!r}")
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be finite and > 0, got {threshold!r}")
    return array


def _previous(x: np.ndarray, padding: bool) -> np.ndarray:
    """x[t − 1] for every t: the step before the first is 0 (``padding=False``) or x[0] itself (``padding=True``)."""
    first = x[:1] if padding else np.zeros_like(x[:1])
    return np.concatenate([first, x[:-1]])


def delta(x: Any, threshold: float = 0.1, padding: bool = False, off_spike: bool = False) -> np.ndarray:
    """Delta modulation with snnTorch's ``spikegen.delta`` semantics (snnTorch 1.0), in one signed channel.

    With d[t] = x[t] − x[t − 1] (the change since the *previous* step, not since the first):

        out[t] = +1 where d[t] ≥ threshold (ON);  −1 where d[t] ≤ −threshold (OFF, only with ``off_spike``);  0 else.

    The comparisons include equality (≥, ≤), as snnTorch's do. The first step has no predecessor: ``padding=False``
    (snnTorch's default) compares x[0] with zeros, so everything already at least ``threshold`` bright spikes at
    t = 0; ``padding=True`` compares x[0] with itself, so step 0 is silent. ``off_spike`` defaults to False, as in
    snnTorch (then decreases are ignored). At most one event per element and step, however large the change
    (a real DVS pixel can fire several).

    Args:
        x: a time-major floating signal ``(T, ...)``, any values (intensities, log intensities).
        threshold: the change that triggers an event, > 0.
        padding: what step 0 is compared with (above).
        off_spike: also emit −1 for decreases.
    Returns:
        ``(T, ...)`` in x's dtype, values in {0, 1} (or {−1, 0, 1} with ``off_spike``).
    """
    x = _signal(x, threshold)
    change = x - _previous(x, padding)
    out = (change >= threshold).astype(x.dtype)
    if off_spike:
        out -= (change <= -threshold).astype(x.dtype)
    return out


def delta_on_off(x: Any, threshold: float = 0.1, padding: bool = False, axis: int = 2) -> np.ndarray:
    """Delta modulation with the ON and OFF events in two channels, as an event camera reports polarity.

    The same events as ``delta(x, threshold, padding, off_spike=True)``, split by sign and stacked on ``axis``:
    ``cat([delta == +1, delta == −1], axis)``, both 0/1. For video frames ``(T, N, 1, H, W)`` (the default
    ``axis=2``, the channel axis) this gives ``(T, N, 2, H, W)``: channel 0 ON (brighter by ≥ threshold since the
    previous step), channel 1 OFF (darker by ≥ threshold). snnTorch keeps both in one channel as ±1; two
    channels keep every value a spike (0/1), which a convolution can weigh separately.

    Args:
        x: a time-major floating signal ``(T, ...)`` with ``axis`` among its axes.
        threshold, padding: as in :func:`delta`.
        axis: the axis the two polarities are concatenated on (its length doubles).
    Returns:
        ``(T, ...)`` 0/1 in x's dtype, ``shape[axis]`` doubled: ON channels first, then OFF.
    """
    x = _signal(x, threshold)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be an int in [{-x.ndim}, {x.ndim - 1}] for x of shape {x.shape}, got {axis!r}")
    if axis % x.ndim == 0:
        raise ValueError("axis must not be 0, the time axis")
    change = x - _previous(x, padding)
    return np.concatenate([change >= threshold, change <= -threshold], axis=axis).astype(x.dtype)


def delta_loop(x: Any, threshold: float = 0.1, padding: bool = False, off_spike: bool = False) -> np.ndarray:
    """The loop reference of :func:`delta` (the test oracle): one element, one step at a time."""
    x = _signal(x, threshold)
    flat = x.reshape(x.shape[0], -1)
    out = np.zeros_like(flat)
    for i in range(flat.shape[1]):
        previous = flat[0, i] if padding else 0.0
        for t in range(flat.shape[0]):
            change = flat[t, i] - previous
            if change >= threshold:
                out[t, i] = 1
            elif off_spike and change <= -threshold:
                out[t, i] = -1
            previous = flat[t, i]
    return out.reshape(x.shape)
