"""Teaching plots (matplotlib, imported only when a function here is called).

Every function draws into ``ax`` (or a new figure when ``ax`` is None) and returns the Axes (or the Figure
for multi-panel plots), with labelled axes and units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minisnn.neurons.lif import LIFParams
from minisnn.neurons.lif_theory import firing_rate
from minisnn.neurons.simulate import LIFResult, simulate_lif


def _plt() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError('minisnn.plot needs matplotlib: pip install "minisnn[tutorials]"') from error
    return plt


def _axes(ax: Any) -> Any:
    return _plt().subplots(figsize=(6, 3.5))[1] if ax is None else ax


def membrane_trace(result: LIFResult, ax: Any = None, current: Any = None, title: str | None = None) -> Any:
    """V(t) of a single neuron with the threshold, the reset level and spike markers.

    ``result`` is a 1-D :func:`~minisnn.neuron.simulate_lif` result. With ``current`` (same length), the input
    current is drawn on a twin axis.
    """
    ax = _axes(ax)
    p = result.params
    ax.plot(result.t, result.v, color="C0", label="V (after reset)")
    ax.axhline(p.v_th, color="C3", linestyle="--", linewidth=1, label=f"threshold v_th = {p.v_th:g}")
    ax.axhline(p.v_reset, color="0.5", linestyle=":", linewidth=1, label=f"reset v_reset = {p.v_reset:g}")
    times = np.asarray(result.spike_times)
    if times.size:
        ax.plot(times, np.full(times.shape, p.v_th * 1.08), "v", color="C3", markersize=5, label="spike")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("membrane potential V [a.u.]")
    if current is not None:
        twin = ax.twinx()
        twin.step(result.t, np.asarray(current), where="pre", color="C2", alpha=0.5)
        twin.set_ylabel("input current I [a.u.]", color="C2")
    ax.set_title(title or f"LIF neuron: τ = {p.tau:g} ms, dt = {p.dt:g} ms, reset = {p.reset!r}")
    ax.legend(loc="best", fontsize="small")
    return ax


def raster(spikes: Any, dt_ms: float = 1.0, ax: Any = None, max_neurons: int = 200, title: str | None = None) -> Any:
    """Raster plot of a spike train ``(T, *neurons)``: a dot per spike, neuron index against time."""
    ax = _axes(ax)
    s = np.asarray(getattr(spikes, "data", spikes))
    s = s.reshape(s.shape[0], -1)[:, :max_neurons]
    steps, neurons = np.nonzero(s)
    ax.scatter((steps + 1) * dt_ms, neurons, marker="|", s=30, color="k")
    ax.set_xlim(0, (s.shape[0] + 1) * dt_ms)
    ax.set_ylim(-0.5, s.shape[1] - 0.5)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("neuron index")
    ax.set_title(title or f"spike raster ({s.shape[1]} neurons, {s.shape[0]} steps of {dt_ms:g} ms)")
    return ax


def fi_curve(params: LIFParams, currents: Sequence[float], duration_ms: float = 1000.0, ax: Any = None) -> Any:
    """f–I curve: the closed form :func:`~minisnn.neuron.firing_rate`,
    f = 1000 / (t_ref + τ·ln((RI − v_reset)/(RI − v_th))) Hz (0 below the rheobase), against simulated rates
    (dots, the params' method and dt over ``duration_ms``). With a refractory period it marks both ceilings: the
    continuous 1000/t_ref and the grid's 1000/((ref_steps + 1)·dt) (:attr:`~minisnn.neuron.LIFParams.max_rate_hz`)."""
    ax = _axes(ax)
    currents = np.asarray(currents, dtype=np.float64)
    fine = np.linspace(currents.min(), currents.max(), 400)
    ax.plot(fine, firing_rate(fine, params), color="C0", label="closed form")
    steps = int(round(duration_ms / params.dt))
    simulated = simulate_lif(np.repeat(currents[:, None], steps, axis=1), params).rate_hz
    label = f"simulated ({params.method}, dt = {params.dt:g} ms)"
    ax.plot(currents, simulated, "o", color="C1", markersize=4, label=label)
    ax.axvline(params.rheobase, color="0.5", linestyle=":", label=f"rheobase v_th/R = {params.rheobase:g}")
    if params.t_ref > 0:  # the continuous ceiling, and the lower one a simulation on the grid can reach
        ax.axhline(1000 / params.t_ref, color="C3", linestyle="--", linewidth=1, label="1000/t_ref (continuous bound)")
        ax.axhline(params.max_rate_hz, color="C3", linestyle=":", linewidth=1,
                   label=f"1000/((ref_steps+1)·dt) = {params.max_rate_hz:g} Hz (bound on the grid)")  # fmt: skip
    ax.set_xlabel("input current I [a.u.]")
    ax.set_ylabel("firing rate [Hz]")
    ax.set_title(f"f–I curve (τ = {params.tau:g} ms, t_ref = {params.t_ref:g} ms)")
    ax.legend(fontsize="small")
    return ax


def convergence(results: dict[str, tuple[np.ndarray, np.ndarray, float]], ax: Any = None) -> Any:
    """Global error against dt on log-log axes, one line per method, with the fitted order in the legend.

    ``results`` maps a method name to ``(dts, errors, order)`` from
    :func:`minisnn.integrators.convergence_order`.
    """
    ax = _axes(ax)
    for name, (dts, errors, order) in results.items():
        ax.loglog(dts, errors, "o-", label=f"{name}: order {order:.2f}")
    ax.set_xlabel("time step dt [ms]")
    ax.set_ylabel("|V_numerical − V_exact| at t_end [a.u.]")
    ax.set_title("global error against step size")
    ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    return ax


def surrogate_atlas(surrogates: Sequence[Any] | None = None, x_range: float = 1.5) -> Any:
    """All surrogates in one grid: the smooth step σ(x) each stands for and its derivative σ'(x)."""
    from minisnn import surrogate as sg

    plt = _plt()
    surrogates = list(surrogates) if surrogates is not None else [factory() for factory in sg.SURROGATES.values()]
    columns = min(3, len(surrogates))
    rows = int(np.ceil(len(surrogates) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    x = np.linspace(-x_range, x_range, 1001)
    for ax, s in zip(axes.ravel(), surrogates, strict=False):
        ax.plot(x, (x >= 0).astype(float), color="0.6", linewidth=1, label="Heaviside H(x) (forward)")
        ax.plot(x, s.primitive(x), color="C0", label="σ(x) (smooth step)")
        ax.plot(x, s.derivative(x), color="C3", label="σ'(x) (backward)")
        ax.set_title(f"{s.name}({s.parameter:g})")
        ax.set_xlabel("x = V − v_th [a.u.]")
        ax.set_ylabel("σ(x), σ'(x) [a.u.]")
    axes.ravel()[0].legend(fontsize="x-small")
    for ax in axes.ravel()[len(surrogates) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
