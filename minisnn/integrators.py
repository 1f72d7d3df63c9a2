"""Four ways to integrate the sub-threshold LIF equation, and how fast each converges.

The ODE (no threshold, constant current I, time in ms)::

    dV/dt = f(V) = (I - V/R) / C,        exact solution  V(t) = R I + (v0 - R I) exp(-t/tau),  tau = R C

One step of size dt = h*tau maps V_n - R I to g(h) (V_n - R I), where the amplification factor g is

    euler  1 - h                              (global error O(dt))
    rk2    1 - h + h^2/2                      (Heun's method, O(dt^2))
    rk4    1 - h + h^2/2 - h^3/6 + h^4/24     (classic Runge-Kutta, O(dt^4))
    exact  exp(-h)                            (exponential integrator: exact for constant I)

i.e. each method keeps the Taylor series of exp(-h) up to its order. :func:`convergence_order` measures the
order by fitting log(error) against log(dt).
"""

import dataclasses
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.lif import LIFParams, euler_step, exact_step
from minisnn.neurons.lif_theory import v_constant_current

Stepper = Callable[[np.ndarray, np.ndarray, LIFParams], np.ndarray]


def derivative(v: np.ndarray, current: np.ndarray, params: LIFParams) -> np.ndarray:
    """Right-hand side of the sub-threshold ODE, f(V) = (I - V/R) / C  [V per ms]."""
    return (current - v / params.R) / params.C


def heun_step(v: np.ndarray, current: np.ndarray, params: LIFParams) -> np.ndarray:
    """Heun's method (RK2): k1 = f(V), k2 = f(V + dt k1), V_next = V + dt/2 (k1 + k2)."""
    dt = params.dt
    k1 = derivative(v, current, params)
    k2 = derivative(v + dt * k1, current, params)
    return v + dt / 2 * (k1 + k2)


def rk4_step(v: np.ndarray, current: np.ndarray, params: LIFParams) -> np.ndarray:
    """Classic RK4: k1 = f(V), k2 = f(V + dt/2 k1), k3 = f(V + dt/2 k2), k4 = f(V + dt k3),
    V_next = V + dt/6 (k1 + 2 k2 + 2 k3 + k4)."""
    dt = params.dt
    k1 = derivative(v, current, params)
    k2 = derivative(v + dt / 2 * k1, current, params)
    k3 = derivative(v + dt / 2 * k2, current, params)
    k4 = derivative(v + dt * k3, current, params)
    return v + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


STEPPERS: dict[str, Stepper] = {"euler": euler_step, "exact": exact_step, "rk2": heun_step, "rk4": rk4_step}

# Default step sizes, as fractions h = dt/tau: small enough to be in the asymptotic regime, and for RK4
# large enough that the error (about h^4/120 per unit time) stays far above float64 round-off.
DEFAULT_H = {
    "euler": 2.0 ** -np.arange(5, 12),  # h = 1/32 ... 1/2048
    "exact": 2.0 ** -np.arange(5, 12),
    "rk2": 2.0 ** -np.arange(4, 10),  # h = 1/16 ... 1/512
    "rk4": 2.0 ** -np.arange(3, 8),  # h = 1/8 ... 1/128: errors ~1e-6 ... 1e-11 relative
}


def integrate(
    current: ArrayLike, params: LIFParams, t_end: float, method: str = "euler", v0: ArrayLike = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the sub-threshold ODE with constant ``current`` from V(0) = v0 to ``t_end`` [ms].

    Step size ``params.dt``; ``t_end`` must be a whole number N of steps. ``current`` and ``v0`` may be arrays
    (they broadcast to a shape S). Returns ``(t, v)``: t has shape (N+1,), t[k] = k*dt; v has shape ``(N+1, *S)``
    with v[0] = v0. The threshold is ignored.
    """
    if method not in STEPPERS:
        raise ValueError(f"integrate: method must be one of {tuple(STEPPERS)}, got method={method!r}")
    n_steps = round(t_end / params.dt)
    if n_steps < 1 or abs(n_steps * params.dt - t_end) > 1e-9 * max(1.0, t_end):
        raise ValueError(f"integrate: t_end must be a positive multiple of dt={params.dt}, got t_end={t_end!r}")
    step = STEPPERS[method]
    i, v = np.broadcast_arrays(np.asarray(current, dtype=np.float64), np.asarray(v0, dtype=np.float64))
    vs = [v]
    for _ in range(n_steps):
        v = step(v, i, params)
        vs.append(v)
    return np.arange(n_steps + 1) * params.dt, np.stack(vs)


def convergence_order(
    method: str,
    params: LIFParams,
    current: float,
    t_end: float | None = None,
    dts: ArrayLike | None = None,
    v0: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Global error at ``t_end`` versus step size, and the fitted order of ``method``.

    For each dt, error = ``|V_N - V(t_end)|`` with V_N from :func:`integrate` and V(t_end) from the closed form
    R I + (v0 - R I) exp(-t_end/tau) (the error at t_end, not the maximum over the grid). The fitted order
    is the least-squares slope of log(error) against log(dt) (nan if any error is exactly 0).
    Defaults: t_end = tau; dts = tau * ``DEFAULT_H[method]`` (powers of 2, so t_end is a whole number of
    steps). For "exact" the errors are round-off (~1e-15) and the "order" means nothing.
    Returns ``(dts, errors, fitted_order)``; dts and errors have shape (K,).
    """
    if method not in STEPPERS:
        raise ValueError(f"convergence_order: method must be one of {tuple(STEPPERS)}, got method={method!r}")
    t_end = params.tau if t_end is None else float(t_end)
    dts = params.tau * DEFAULT_H[method] if dts is None else np.asarray(dts, dtype=np.float64)
    truth = v_constant_current(t_end, current, params, v0)
    errors = np.empty(len(dts))
    for k, dt in enumerate(dts):
        _, v = integrate(current, dataclasses.replace(params, dt=float(dt)), t_end, method, v0)
        errors[k] = abs(v[-1] - truth)
    if np.any(errors == 0):
        return dts, errors, float("nan")
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    return dts, errors, float(slope)
