"""Noise currents that respect the time step, and the statistics they produce (time in ms).

A noise current ξ(t) enters the membrane equation, C dV/dt = I - V/R + ξ(t). Two processes:

* :class:`WhiteNoise` -- Gaussian white noise of intensity σ, ``⟨ξ(t)ξ(t')⟩ = σ² δ(t - t')``. The LIF membrane is
  then the stochastic differential equation (an Ornstein-Uhlenbeck process for V)

      C dV = (I - V/R) dt + σ dW,

  and its Euler-Maruyama discretisation adds σ√dt·ε/C to V per step, ε ~ N(0, 1): a current of σ/√dt·ε
  held over the step. The 1/√dt is what makes the result independent of dt (drawing N(0, σ²) per step
  instead would give Var(V) ∝ dt, vanishing as dt -> 0). σ is in current·√ms.
* :class:`OUNoise` -- coloured noise, itself an Ornstein-Uhlenbeck process with correlation time τ_n and
  stationary standard deviation σ (in current units): τ_n dξ = -ξ dt + σ √(2 τ_n) dW, sampled exactly:
  ξ' = ξ·exp(-dt/τ_n) + σ √(1 - exp(-2 dt/τ_n))·ε. It starts from its stationary distribution.

Each process has ``initial_state(rng, shape, dtype, dt)`` and ``sample(state, rng, dt) -> (state, ξ)``, the
ξ for one step, so the simulator, the autodiff layers and the fused op all draw the same numbers for a seed.

Statistics: the stationary variance of V below threshold (:func:`stationary_variance`, exact for the Euler
simulation and in continuous time), the coefficient of variation of inter-spike intervals
(:func:`isi_cv`) and the noisy f-I curve (:func:`siegert_rate`, the mean first-passage-time formula).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import firing_rate


def _noise_array(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """ε ~ N(0, 1) of ``shape`` drawn directly in float32 or float64 (the same stream everywhere)."""
    return rng.standard_normal(size=shape, dtype=np.float64 if np.dtype(dtype) == np.float64 else np.float32)


@dataclass(frozen=True)
class WhiteNoise:
    """Gaussian white current noise of intensity ``std`` = σ [current·√ms]: per step ξ = σ/√dt·ε.

    Below threshold and without input, a LIF neuron's V then has the stationary variance
    (σ/C)²·τ/2 in continuous time (:func:`stationary_variance`).
    """

    std: float

    def __post_init__(self) -> None:
        if isinstance(self.std, bool) or not isinstance(self.std, (int, float, np.number)):
            raise TypeError(f"WhiteNoise: std must be a real number, got {self.std!r}")
        if not (math.isfinite(self.std) and self.std >= 0):
            raise ValueError(f"WhiteNoise: std must be >= 0 and finite, got std={self.std!r}")
        object.__setattr__(self, "std", float(self.std))

    def initial_state(self, rng: np.random.Generator, shape: tuple[int, ...], dtype: Any, dt: float) -> dict:
        return {"shape": tuple(shape), "dtype": np.dtype(dtype)}

    def sample(self, state: dict, rng: np.random.Generator, dt: float) -> tuple[dict, np.ndarray]:
        xi = _noise_array(rng, state["shape"], state["dtype"])
        xi *= state["dtype"].type(self.std / math.sqrt(dt))
        return state, xi

    def step_std(self, dt: float) -> float:
        """Standard deviation of the current ξ drawn for one step of ``dt``: σ/√dt."""
        return self.std / math.sqrt(dt)


@dataclass(frozen=True)
class OUNoise:
    """Ornstein-Uhlenbeck current noise: stationary std ``std`` = σ [current], correlation time ``tau`` [ms].

    Exact update per step: ξ' = ξ·a + σ√(1 - a²)·ε, a = exp(-dt/τ_n); ξ(0) ~ N(0, σ²). Its autocorrelation
    is ``σ²·exp(-|t - t'|/τ_n)``, whatever dt is.
    """

    std: float
    tau: float

    def __post_init__(self) -> None:
        for name in ("std", "tau"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise TypeError(f"OUNoise: {name} must be a real number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not (math.isfinite(self.std) and self.std >= 0):
            raise ValueError(f"OUNoise: std must be >= 0 and finite, got std={self.std!r}")
        if not (math.isfinite(self.tau) and self.tau > 0):
            raise ValueError(f"OUNoise: tau must be positive and finite (ms), got tau={self.tau!r}")

    def initial_state(self, rng: np.random.Generator, shape: tuple[int, ...], dtype: Any, dt: float) -> dict:
        xi = _noise_array(rng, tuple(shape), dtype)
        xi *= np.dtype(dtype).type(self.std)
        return {"xi": xi}

    def sample(self, state: dict, rng: np.random.Generator, dt: float) -> tuple[dict, np.ndarray]:
        xi = state["xi"]
        a = math.exp(-dt / self.tau)
        fresh = _noise_array(rng, xi.shape, xi.dtype)
        fresh *= xi.dtype.type(self.std * math.sqrt(-math.expm1(-2 * dt / self.tau)))
        new = xi * xi.dtype.type(a)
        new += fresh
        return {"xi": new}, new


Noise = WhiteNoise | OUNoise


def make_noise(std: float, tau: float | None = None) -> Noise | None:
    """White noise of intensity ``std`` (tau None), OU noise with correlation time ``tau``, or None if std = 0."""
    if std == 0:
        return None
    return WhiteNoise(std) if tau is None else OUNoise(std, tau)


# ----------------------------------------------------------------------------------------- statistics
def stationary_variance(params: LIFParams, noise: Noise, discrete: bool = True) -> float:
    """Variance of V below threshold (no input, no threshold) driven by ``noise`` alone.

    Continuous time (``discrete=False``), with tau = R C::

        white: Var(V) = (σ/C)²·tau/2;     OU: Var(V) = (R σ)²·τ_n/(tau + τ_n).

    Discrete time (the Euler step V' = beta V + g ξ, g = dt/C, beta = 1 - dt/tau, which is what the
    simulation computes; for method="exact" beta and g are the exact step's)::

        white: Var(V) = g² (σ²/dt) / (1 - beta²);
        OU:    Var(V) = (g² σ² + 2 a beta g c) / (1 - beta²),  c = Cov(V, ξ) = g σ² / (1 - a beta), a = exp(-dt/τ_n).

    Both tend to the continuous values as dt -> 0. The noise enters the membrane directly, so a
    :class:`~minisnn.synaptic.SynapticParams` neuron has the same variance.
    """
    beta, g = params.decay, params.gain
    if isinstance(noise, WhiteNoise):
        if not discrete:
            return (noise.std / params.C) ** 2 * params.tau / 2
        return g * g * noise.std**2 / params.dt / (1 - beta * beta)
    if isinstance(noise, OUNoise):
        if not discrete:
            return (params.R * noise.std) ** 2 * noise.tau / (params.tau + noise.tau)
        a = math.exp(-params.dt / noise.tau)
        var_xi = noise.std**2
        c = g * var_xi / (1 - a * beta)
        return (g * g * var_xi + 2 * a * beta * g * c) / (1 - beta * beta)
    raise TypeError(f"stationary_variance: noise must be WhiteNoise or OUNoise, got {type(noise).__name__}")


def isi_cv(spike_times: np.ndarray | list[np.ndarray]) -> float:
    """Coefficient of variation std/mean of the inter-spike intervals (pooled over rows for a list of trains).

    0 for a perfectly regular neuron, 1 for a Poisson process. NaN when fewer than two intervals exist.
    """
    trains = spike_times if isinstance(spike_times, list) else [np.asarray(spike_times)]
    intervals = np.concatenate([np.diff(np.asarray(t, dtype=np.float64)) for t in trains] or [np.empty(0)])
    if intervals.size < 2:
        return math.nan
    return float(intervals.std() / intervals.mean())


def siegert_rate(current: float, params: LIFParams, noise: WhiteNoise) -> float:
    """Mean firing rate [Hz] of a LIF neuron with white current noise (continuous time), Siegert's formula:

        1/rate = t_ref + tau √π ∫_{y_r}^{y_θ} e^{u²} (1 + erf u) du,
        y = (x - R I)/σ_V,  σ_V = σ √tau / C   (so that Var(V) = σ_V²/2, the free membrane's variance)

    (Siegert 1951; Brunel 2000 eq. 21), with e^{u²}(1 + erf u) computed as erfcx(-u) to avoid overflow. Needs
    SciPy (imported on use). Reset "zero" to v_reset; a simulation approaches it as dt -> 0 (Euler-Maruyama
    overestimates the first-passage time by O(√dt): it misses crossings between grid points).
    """
    from scipy import integrate, special

    sigma_v = noise.std * math.sqrt(params.tau) / params.C
    if sigma_v == 0:
        return float(firing_rate(current, params))
    mu = params.R * current
    y_th = (params.v_th - mu) / sigma_v
    y_r = (params.v_reset - mu) / sigma_v
    value, _ = integrate.quad(lambda u: special.erfcx(-u), y_r, y_th, limit=200)
    return 1000.0 / (params.t_ref + params.tau * math.sqrt(math.pi) * value)
