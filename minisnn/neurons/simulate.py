"""Simulating any neuron model in plain NumPy: :func:`simulate` runs the model's own ``step`` over a current."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from minisnn.neurons.base import filled
from minisnn.neurons.lif import METHODS, LIFParams


@dataclass
class SimulationResult:
    """Output of :func:`simulate` / :func:`simulate_lif`.

    ``v``: membrane potential after each step (after reset), shape of the input current; ``spikes``: 0/1 float,
    same shape; ``spike_times``: spike times [ms] -- a 1-D array for 1-D input, else a list with one array per
    batch row; ``rate_hz``: spike count / (T*dt) * 1000 (float for 1-D input, else shape (B,));
    ``t``: time of each step [ms], t[n] = (n+1)*dt, shape (T,); ``params``: the neuron used;
    ``traces``: every other state variable of the model after each step, by name (``i_syn`` of a synaptic neuron,
    ``a`` of an adaptive one, ``u`` of Izhikevich's), also readable as attributes: ``result.i_syn``.
    """

    v: np.ndarray
    spikes: np.ndarray
    spike_times: np.ndarray | list[np.ndarray]
    rate_hz: float | np.ndarray
    t: np.ndarray
    params: Any
    traces: dict[str, np.ndarray] = field(default_factory=dict)

    def __getattr__(self, name: str) -> np.ndarray:
        traces = self.__dict__.get("traces", {})
        if name in traces:
            return traces[name]
        raise AttributeError(
            f"{type(self).__name__} has no attribute {name!r}; this model's state traces are {sorted(traces)}"
        )


LIFResult = SimulationResult  # the name of the LIF tutorials


def simulate(
    current: ArrayLike,
    params: Any,
    v0: ArrayLike | None = None,
    noise: Any = None,
    rng: np.random.Generator | int | None = None,
) -> SimulationResult:
    """Simulate neurons of any model (``params.step``) driven by ``current`` (one value per step), (T,) or (B, T).

    ``v0`` is the initial potential (default: the model's resting state): a scalar, or shape (B,) for batched
    input. ``noise`` is a noise process from :mod:`minisnn.noise` (e.g. ``WhiteNoise(0.5)``) sampled with ``rng``,
    or None. Step n ends at time t = (n+1)*dt [ms]. Every floating-point state variable besides V is recorded in
    ``traces``. Raises ValueError for a wrong ndim, an empty time axis, non-finite current or v0, or a v0 that does
    not match the batch.
    """
    i = np.asarray(current, dtype=np.float64)
    if i.ndim not in (1, 2) or i.shape[-1] == 0:
        raise ValueError(f"simulate: current must have shape (T,) or (B, T) with T >= 1, got shape {i.shape}")
    if not np.all(np.isfinite(i)):
        raise ValueError("simulate: current contains NaN or inf")
    batch = i.reshape(-1, i.shape[-1])  # (B, T)
    n_batch, n_steps = batch.shape
    state = params.initial_state((n_batch,), np.float64)
    if v0 is not None:
        v_init = np.asarray(v0, dtype=np.float64)
        if v_init.ndim > 1 or (v_init.ndim == 1 and (i.ndim == 1 or v_init.shape[0] != n_batch)):
            raise ValueError(f"simulate: v0 must be a scalar or shape ({n_batch},), got shape {v_init.shape}")
        if not np.all(np.isfinite(v_init)):
            raise ValueError("simulate: v0 contains NaN or inf")
        state = state._replace(v=filled((n_batch,), v_init, np.float64))

    rng = np.random.default_rng(rng)
    noise_state = None if noise is None else noise.initial_state(rng, (n_batch,), np.float64, params.dt)
    names = [k for k, x in state._asdict().items() if k != "v" and np.asarray(x).dtype.kind == "f"]
    vs = np.empty((n_batch, n_steps))
    spikes = np.zeros((n_batch, n_steps))
    traces = {k: np.empty((n_batch, n_steps)) for k in names}
    for n in range(n_steps):
        xi = None
        if noise is not None:
            noise_state, xi = noise.sample(noise_state, rng, params.dt)
        s, state = params.step(state, batch[:, n], noise=xi)
        vs[:, n] = state.v
        spikes[:, n] = s
        for k in names:
            traces[k][:, n] = getattr(state, k)

    t = (np.arange(n_steps) + 1) * params.dt
    times = [t[row > 0] for row in spikes]
    rate = spikes.sum(axis=1) / (n_steps * params.dt) * 1000.0
    if i.ndim == 1:
        return SimulationResult(
            vs[0], spikes[0], times[0], float(rate[0]), t, params, {k: x[0] for k, x in traces.items()}
        )
    return SimulationResult(vs, spikes, times, rate, t, params, traces)


def simulate_lif(
    current: ArrayLike, params: LIFParams, v0: ArrayLike = 0.0, method: str | None = None
) -> SimulationResult:
    """:func:`simulate` without noise; ``method`` ("euler" or "exact"), when given, overrides ``params.method``.

    Per step, in the order of :meth:`LIFParams.step`: integrate, hold refractory neurons, spike where
    V >= v_th, reset, start the refractory period.
    """
    if method is not None:
        if method not in METHODS:
            raise ValueError(f"simulate_lif: method must be one of {METHODS}, got method={method!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the caller's params already warned, if at all
            params = replace(params, method=method)
    return simulate(current, params, v0)
