"""Population coding: a value x carried by M neurons with Gaussian tuning curves, and three ways to read it back.

**Tuning.** Neuron j prefers the value c_j; the centres are evenly spaced over ``value_range`` = [a, b],
c_j = a + j·Δ with Δ = (b − a)/(M − 1), j = 0 … M − 1 (the first and the last neuron sit on the ends). Its rate is

    f_j(x) = f_min + (f_max − f_min)·exp(−(x − c_j)² / (2σ²))      [Hz]

with σ the tuning ``width`` (default σ = Δ: neighbours overlap at exp(−½) ≈ 0.61 of the peak). With a step of dt ms
the neuron fires in one step with probability p_j(x) = f_j(x)·dt/1000 (:func:`gaussian_tuning` returns these p).

**Encoding** (:func:`population_encode`): Bernoulli spikes, as :func:`minisnn.encoding.rate` draws them -- at every
one of T steps neuron j fires with probability p_j(x), independently. The count n_j over T steps is Binomial(T, p_j).

**Decoding** from the counts (:func:`decode_centre_of_mass`, :func:`decode_ml`):

* centre of mass (the population vector on a line): x̂ = Σ_j n_j c_j / Σ_j n_j -- no spike at all gives the middle
  of the range;
* maximum likelihood: x̂ = argmax over x in [a, b] of the log-likelihood of the counts,
  log L(x) = Σ_j n_j·log p_j(x) + (T − n_j)·log(1 − p_j(x)). For Poisson counts (small p) this is
  Σ_j n_j log f_j(x) − T·dt/1000·Σ_j f_j(x); with f_min = 0 and the centres dense enough that Σ_j f_j(x) is flat,
  log f_j = const − (x − c_j)²/(2σ²) and the maximum is the centre of mass: the two decoders differ where the
  population's summed rate is not flat (near the ends of the range) and where f_min > 0. Found on a grid of
  ``grid`` values over [a, b], refined by the parabola through the best grid point and its neighbours.

**The bound** (:func:`fisher_information`, :func:`cramer_rao_bound`): T independent Bernoulli steps carry the
Fisher information I(x) = T·Σ_j p_j'(x)² / (p_j(x)(1 − p_j(x))), p_j'(x) = −(x − c_j)/σ²·(p_j(x) − p_min)
(for small p: the Poisson I(x) = T·Σ_j p_j'(x)²/p_j(x)). An unbiased decoder's error variance is at least
1/I(x) (Cramér–Rao); the ML decoder reaches it as the counts grow, the centre of mass only where it is the ML
estimate (a flat summed rate): near the ends of the range, for narrow curves or with f_min > 0 it is biased, and a
bias does not shrink with more spikes.
Dense tiling with f_min = 0 and Poisson counts gives I(x) ≈ T·p_max·√(2π)/(σΔ): narrower curves carry more
information per spike -- as long as enough neurons still fire.

``x`` may have any shape S; rates are ``(*S, M)``, spikes time-major ``(T, *S, M)``, decoded values ``(*S,)``. Loops
beside the vectorised code (``*_loop``) are the test oracles.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _range(value_range: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be two numbers (low, high), got {value_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"value_range must be finite with low < high, got {value_range!r}")
    return low, high


def centres(num_neurons: int, value_range: Any = (-1.0, 1.0)) -> np.ndarray:
    """The preferred values c_j = a + j·(b − a)/(M − 1), j = 0 … M − 1: ``(M,)`` float64, ends included."""
    if isinstance(num_neurons, bool) or not isinstance(num_neurons, (int, np.integer)) or num_neurons < 2:
        raise ValueError(f"num_neurons must be an int >= 2 (a population spans a range), got {num_neurons!r}")
    low, high = _range(value_range)
    return np.linspace(low, high, int(num_neurons))


def default_width(num_neurons: int, value_range: Any = (-1.0, 1.0)) -> float:
    """σ = Δ = (b − a)/(M − 1), the spacing of the centres."""
    c = centres(num_neurons, value_range)
    return float(c[1] - c[0])


def _steps(num_steps: Any) -> int:
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
        raise ValueError(f"num_steps must be an int >= 1, got {num_steps!r}")
    return int(num_steps)


def _check_rates(f_min: float, f_max: float, dt: float) -> None:
    if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    if not (math.isfinite(f_min) and math.isfinite(f_max) and 0 <= f_min < f_max):
        raise ValueError(f"need 0 <= f_min < f_max (Hz), got f_min={f_min!r}, f_max={f_max!r}")
    if f_max * dt / 1000.0 > 1 + 1e-12:
        raise ValueError(f"f_max={f_max:g} Hz with dt={dt:g} ms gives a spike probability {f_max * dt / 1000:g} > 1 "
                         f"per step; use f_max <= {1000 / dt:g} Hz or a smaller dt")  # fmt: skip


def _width(width: Any) -> float:
    if (
        isinstance(width, bool)
        or not isinstance(width, (int, float, np.number))
        or not (math.isfinite(width) and width > 0)
    ):
        raise ValueError(f"width must be a number > 0 (σ, in the units of x), got {width!r}")
    return float(width)


def _values(x: Any) -> np.ndarray:
    array = np.asarray(getattr(x, "data", x))
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"x must be real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError("x must be finite (no NaN or inf)")
    return array


def gaussian_tuning(
    x: Any, centres: Any, width: float, f_max: float = 200.0, f_min: float = 0.0, dt: float = 1.0
) -> np.ndarray:
    """Spike probability per step p_j(x) = (f_min + (f_max − f_min)·exp(−(x − c_j)²/(2σ²)))·dt/1000.

    Args:
        x: values, any shape S (float).
        centres: the preferred values c_j, ``(M,)``.
        width: σ > 0, in the units of x.
        f_max, f_min: the rate [Hz] at the preferred value and far from it.
        dt: step [ms].
    Returns:
        ``(*S, M)`` float64, each in [f_min·dt/1000, f_max·dt/1000].
    """
    x, sigma = _values(x), _width(width)
    c = np.asarray(centres, dtype=np.float64)
    if c.ndim != 1 or c.size < 1:
        raise ValueError(f"centres must be a 1-D array of preferred values, got shape {c.shape}")
    _check_rates(f_min, f_max, dt)
    bump = np.exp(-((x[..., None] - c) ** 2) / (2.0 * sigma**2))
    return (f_min + (f_max - f_min) * bump) * dt / 1000.0


def gaussian_tuning_loop(
    x: Any, centres: Any, width: float, f_max: float = 200.0, f_min: float = 0.0, dt: float = 1.0
) -> np.ndarray:
    """:func:`gaussian_tuning` one value and one neuron at a time (the test oracle)."""
    x = np.asarray(x, dtype=np.float64)
    c = [float(v) for v in np.asarray(centres)]
    out = np.zeros((*x.shape, len(c)))
    for index in np.ndindex(x.shape):
        for j, cj in enumerate(c):
            out[(*index, j)] = (
                (f_min + (f_max - f_min) * math.exp(-((x[index] - cj) ** 2) / (2 * width**2))) * dt / 1000
            )
    return out


def population_encode(
    x: Any,
    num_neurons: int,
    num_steps: int,
    value_range: Any = (-1.0, 1.0),
    width: float | None = None,
    f_max: float = 200.0,
    f_min: float = 0.0,
    dt: float = 1.0,
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float32,
) -> np.ndarray:
    """Bernoulli spikes of a Gaussian population: spikes[t, …, j] ~ Bernoulli(p_j(x)), independent over t and j.

    Args:
        x: values in ``value_range`` (any shape S; values outside raise -- clip them first).
        num_neurons: M >= 2, centres evenly spaced over the range (:func:`centres`).
        num_steps: T >= 1.
        value_range: (a, b), a < b.
        width: σ; None = the spacing Δ (:func:`default_width`).
        f_max, f_min, dt: as in :func:`gaussian_tuning`.
        rng: Generator or seed.
        dtype: of the returned spikes.
    Returns:
        ``(T, *S, M)`` array of 0/1.
    """
    x = _values(x)
    c = centres(num_neurons, value_range)
    low, high = _range(value_range)
    if x.size and (x.min() < low or x.max() > high):
        raise ValueError(f"x must lie in value_range [{low:g}, {high:g}], got min {x.min():g}, max {x.max():g}")
    num_steps = _steps(num_steps)
    sigma = default_width(num_neurons, value_range) if width is None else _width(width)
    p = gaussian_tuning(x, c, sigma, f_max, f_min, dt)
    draws = np.random.default_rng(rng).random((num_steps, *p.shape))
    return (draws < p).astype(dtype)


def _counts(spikes: Any, num_neurons: int | None = None) -> tuple[np.ndarray, int]:
    s = np.asarray(getattr(spikes, "data", spikes))
    if s.ndim < 2:
        raise ValueError(f"spikes must be time-major (T, ..., M), got shape {s.shape}")
    if num_neurons is not None and s.shape[-1] != num_neurons:
        raise ValueError(f"spikes' last axis must be the {num_neurons} neurons, got shape {s.shape}")
    return s.sum(axis=0, dtype=np.float64), s.shape[0]


def decode_centre_of_mass(spikes: Any, centres: Any) -> np.ndarray:
    """x̂ = Σ_j n_j c_j / Σ_j n_j with n_j the spike counts over T; the middle of the centres where no neuron fired.

    Args:
        spikes: ``(T, *S, M)``.
        centres: ``(M,)``.
    Returns:
        ``(*S,)`` float64.
    """
    c = np.asarray(centres, dtype=np.float64)
    n, _ = _counts(spikes, c.size)
    total = n.sum(axis=-1)
    middle = 0.5 * (c[0] + c[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (n @ c) / np.where(total > 0, total, 1.0), middle)


def decode_centre_of_mass_loop(spikes: Any, centres: Any) -> np.ndarray:
    """:func:`decode_centre_of_mass` one sample at a time, summing spikes step by step (the test oracle)."""
    s = np.asarray(spikes, dtype=np.float64)
    c = [float(v) for v in np.asarray(centres)]
    out = np.zeros(s.shape[1:-1])
    for index in np.ndindex(out.shape):
        weighted = total = 0.0
        for t in range(s.shape[0]):
            for j, cj in enumerate(c):
                weighted += s[(t, *index, j)] * cj
                total += s[(t, *index, j)]
        out[index] = weighted / total if total > 0 else 0.5 * (c[0] + c[-1])
    return out


def _log_p(x: np.ndarray, c: np.ndarray, sigma: float, f_max: float, f_min: float, dt: float) -> np.ndarray:
    """log p_j(x), (K, M), computed without underflow far from the centres: log(a + b·e^{−u}) by logaddexp."""
    with np.errstate(divide="ignore"):
        a = np.log(f_min * dt / 1000.0)  # -inf for f_min = 0 (or a rate that underflows)
    b = math.log((f_max - f_min) * dt / 1000.0)
    return np.logaddexp(a, b - (x[:, None] - c) ** 2 / (2.0 * sigma**2))


def log_likelihood(
    spikes: Any,
    x: Any,
    value_range: Any = (-1.0, 1.0),
    width: float | None = None,
    f_max: float = 200.0,
    f_min: float = 0.0,
    dt: float = 1.0,
) -> np.ndarray:
    """log L(x) = Σ_j n_j log p_j(x) + (T − n_j) log(1 − p_j(x)) for every sample and every candidate x.

    Args:
        spikes: ``(T, *S, M)`` of a population with centres over ``value_range``.
        x: candidate values ``(K,)``.
    Returns:
        ``(*S, K)`` float64.
    """
    n, steps = _counts(spikes)
    num_neurons = n.shape[-1]
    c = centres(num_neurons, value_range)
    sigma = default_width(num_neurons, value_range) if width is None else _width(width)
    _check_rates(f_min, f_max, dt)
    grid = _values(x).reshape(-1)
    log_p = _log_p(grid, c, sigma, f_max, f_min, dt)  # (K, M)
    log_q = np.log1p(-np.exp(log_p))  # log(1 − p); p <= f_max·dt/1000 < 1 or exactly 1
    if f_max * dt / 1000.0 >= 1.0:
        log_q = np.where(np.isfinite(log_q), log_q, -1e300)
    return n @ log_p.T + (steps - n) @ log_q.T


def decode_ml(
    spikes: Any,
    value_range: Any = (-1.0, 1.0),
    width: float | None = None,
    f_max: float = 200.0,
    f_min: float = 0.0,
    dt: float = 1.0,
    grid: int = 2001,
) -> np.ndarray:
    """Maximum-likelihood x̂ in [a, b] (module docstring): the best of ``grid`` evenly spaced candidates, moved to the
    vertex of the parabola through it and its two neighbours (an interior best point only), clipped to the range.

    Args:
        spikes: ``(T, *S, M)``; the tuning parameters must be those that drew them.
    Returns:
        ``(*S,)`` float64.
    """
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 3:
        raise ValueError(f"grid must be an int >= 3 candidate values, got {grid!r}")
    low, high = _range(value_range)
    candidates = np.linspace(low, high, int(grid))
    ll = log_likelihood(spikes, candidates, value_range, width, f_max, f_min, dt)  # (*S, K)
    best = ll.argmax(axis=-1)
    inner = np.clip(best, 1, grid - 2)
    left = np.take_along_axis(ll, (inner - 1)[..., None], -1)[..., 0]
    mid = np.take_along_axis(ll, inner[..., None], -1)[..., 0]
    right = np.take_along_axis(ll, (inner + 1)[..., None], -1)[..., 0]
    curvature = left - 2 * mid + right
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(curvature < 0, 0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0), 0.0)
    shift = np.where(best == inner, np.clip(shift, -0.5, 0.5), 0.0)  # end points: no parabola
    step = (high - low) / (grid - 1)
    return np.clip(candidates[best] + shift * step, low, high)


def fisher_information(
    x: Any,
    num_neurons: int,
    num_steps: int,
    value_range: Any = (-1.0, 1.0),
    width: float | None = None,
    f_max: float = 200.0,
    f_min: float = 0.0,
    dt: float = 1.0,
    poisson: bool = False,
) -> np.ndarray:
    """I(x) = T·Σ_j p_j'(x)² / (p_j(x)(1 − p_j(x))) for Bernoulli steps; with ``poisson`` T·Σ_j p_j'(x)²/p_j(x).

    p_j'(x) = −(x − c_j)/σ²·(p_j(x) − f_min·dt/1000). Returns ``(*S,)`` float64 (in 1/units of x²).
    """
    c = centres(num_neurons, value_range)
    sigma = default_width(num_neurons, value_range) if width is None else _width(width)
    num_steps = _steps(num_steps)
    x = _values(x)
    p = gaussian_tuning(x, c, sigma, f_max, f_min, dt)
    slope = -(x[..., None] - c) / sigma**2 * (p - f_min * dt / 1000.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = slope**2 / (p if poisson else p * (1.0 - p))
    return num_steps * np.where(p > 0, np.nan_to_num(ratio, nan=0.0, posinf=0.0), 0.0).sum(axis=-1)


def cramer_rao_bound(x: Any, num_neurons: int, num_steps: int, **tuning: Any) -> np.ndarray:
    """The smallest error variance of an unbiased decoder, 1/I(x) (:func:`fisher_information`, same arguments);
    its square root is the bound on the RMSE. ``(*S,)`` float64 (inf where I = 0)."""
    info = fisher_information(x, num_neurons, num_steps, **tuning)
    with np.errstate(divide="ignore"):
        return 1.0 / info
