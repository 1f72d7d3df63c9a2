"""Plots draw what they claim, with labelled axes (Agg backend, no screen)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from minisnn import LIFParams, plot  # noqa: E402
from minisnn.integrators import convergence_order  # noqa: E402
from minisnn.neuron import firing_rate, simulate_lif  # noqa: E402


def labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_membrane_trace_draws_v_threshold_and_spikes():
    params = LIFParams(R=1, C=10, dt=0.5, t_ref=2.0)
    current = np.full(400, 1.5)
    result = simulate_lif(current, params)
    ax = plot.membrane_trace(result, current=current)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), result.v)
    spikes_line = [line for line in ax.lines if line.get_label() == "spike"][0]
    np.testing.assert_array_equal(spikes_line.get_xdata(), result.spike_times)
    assert labelled(ax) and "[ms]" in ax.get_xlabel()


def test_fi_curve_plots_closed_form_and_simulation():
    params = LIFParams(R=1, C=10, dt=0.1, t_ref=2.0)
    currents = np.linspace(0.5, 5, 8)
    ax = plot.fi_curve(params, currents, duration_ms=500)
    closed, simulated = ax.lines[0], ax.lines[1]
    np.testing.assert_allclose(closed.get_ydata(), firing_rate(closed.get_xdata(), params))
    assert simulated.get_ydata()[0] == 0  # below the rheobase
    assert labelled(ax) and "[Hz]" in ax.get_ylabel()


def test_convergence_raster_and_atlas():
    params = LIFParams(R=1, C=10, dt=1.0)
    results = {m: convergence_order(m, params, 2.0) for m in ("euler", "rk2")}
    ax = plot.convergence(results)
    assert ax.get_xscale() == "log" and "order 1.0" in ax.get_legend().get_texts()[0].get_text()
    spikes = np.zeros((10, 4))
    spikes[[1, 5], [0, 3]] = 1
    ax = plot.raster(spikes, dt_ms=2.0)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[4.0, 0], [12.0, 3]])
    fig = plot.surrogate_atlas()
    assert sum(1 for a in fig.axes if a.lines) == 5
