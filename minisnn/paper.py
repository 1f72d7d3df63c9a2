"""The seed paper's Table 1 -- every row -- and the spiking layer it describes (time in ms).

Sanaullah et al. (2024), Table 1, and where each row goes in minisnn:

===========================================  =========  ===================================================
Table 1 row                                  value      minisnn
===========================================  =========  ===================================================
Threshold                                    1          ``v_th = 1``
Reset potential                              0          ``v_reset = 0``, ``reset = "zero"``
Refractory period (ms)                       1          ``t_ref = 1`` (one step at dt = 1 ms)
Membrane time constant (ms)                  40         ``tau_m = R C = 40``
Capacitance                                  80         ``C = 80``, hence ``R = tau_m / C = 0.5``
Post-synaptic current time constant (ms)     60         ``tau_syn = 60``: a current-based synapse,
                                                        :class:`~minisnn.synaptic.SynapticParams`
Noise (ms)                                   10         the noise's correlation time: an Ornstein-Uhlenbeck
                                                        current, :class:`~minisnn.noise.OUNoise`, ``tau = 10``
(text) noise                                 0.1        its standard deviation σ = 0.1 (current units)
Firing rate range (Hz)                       100-200    the operating range the input mapping puts the layer
                                                        into (:func:`band_mapping`)
===========================================  =========  ===================================================

Units we assume (the table gives none for C or the noise): V in units of the threshold; time in ms; C = 80 in
units such that currents are in C·θ/ms ... i.e. one step of current I moves V by I·dt/C; R = 0.5 follows. The
time step is not given: dt = 1 ms (so t_ref is one step). The number of time steps is not given either: a
100-200 Hz neuron fires every 5-10 ms, so resolving the band needs T ≈ 100 steps (10-20 spikes, rate
resolution 10 Hz); with T = 8 a 100 Hz neuron cannot even fire once (its first spike comes at >= 9 ms).

The input mapping. A convolution's output x is not a current in the band: freshly initialised it is a small
number around 0, and the neuron needs I >= v_th/R = 2 to fire at all (and about 10-21, see below, to fire at
100-200 Hz over 100 ms). :func:`band_mapping` returns the fixed affine map I = offset + scale·x that sends
x = 0 to the current whose mean rate over the T-step window (from rest, synaptic current starting at 0) is
100 Hz and x = 1 to the one that gives 200 Hz; ``SNNConv2d(input_scale=scale, input_offset=offset)`` applies
it. Alternatives, not used here: the steady-state f-I curve (assumes I_s has settled: the first 100 ms of a
60 ms synapse have not), a learned threshold, or a normalisation of the currents (batch norm).

Today's other reading, kept and named as such: :meth:`minisnn.neuron.LIFParams.paper` -- the plain LIF neuron of
the first five rows, no synapse, no noise correlation, T = 8 (the reduced network's neuron is different again,
see ``SCNN.reduced``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minisnn.neurons.simulate import simulate
from minisnn.neurons.synaptic import SynapticParams
from minisnn.noise import OUNoise

#: Table 1 as printed, with the noise's standard deviation from the text.
TABLE1: dict[str, float | tuple[float, float]] = {
    "threshold": 1.0,
    "reset_potential": 0.0,
    "refractory_period_ms": 1.0,
    "membrane_time_constant_ms": 40.0,
    "capacitance": 80.0,
    "noise_ms": 10.0,
    "noise_std": 0.1,
    "firing_rate_range_hz": (100.0, 200.0),
    "psc_time_constant_ms": 60.0,
}

#: Time steps per forward for the Table 1 layer at dt = 1 ms (see the module docstring).
NUM_STEPS = 100


@dataclass(frozen=True)
class Table1:
    """The Table 1 spiking layer: neuron, noise, T, and the input mapping into the firing-rate band."""

    neuron: SynapticParams
    noise: OUNoise
    num_steps: int
    rate_range_hz: tuple[float, float]
    input_scale: float
    input_offset: float

    def snnconv2d_kwargs(self) -> dict[str, object]:
        """Keyword arguments that make an :class:`~minisnn.nn.SNNConv2d` this layer."""
        return {
            "neuron": self.neuron,
            "num_steps": self.num_steps,
            "noise_std": self.noise.std,
            "noise_tau": self.noise.tau,
            "input_scale": self.input_scale,
            "input_offset": self.input_offset,
        }


def window_rate(current: np.ndarray, neuron: SynapticParams, num_steps: int) -> np.ndarray:
    """Mean firing rate [Hz] over ``num_steps`` steps from rest, for constant currents (no noise), simulated."""
    current = np.atleast_1d(np.asarray(current, dtype=np.float64))
    return np.atleast_1d(simulate(np.repeat(current[:, None], num_steps, axis=1), neuron).rate_hz)


def current_for_window_rate(rate_hz: float, neuron: SynapticParams, num_steps: int, tolerance: float = 1e-6) -> float:
    """The smallest constant current whose :func:`window_rate` reaches ``rate_hz``, by bisection.

    The window rate is a staircase in the current (a whole number of spikes in T steps), non-decreasing; we
    return the current at which it first reaches ``rate_hz`` (to ``tolerance``, relative).
    """
    top = neuron.max_rate_hz
    if not 0 < rate_hz < top:
        raise ValueError(f"current_for_window_rate: rate_hz must be in (0, {top}) Hz, got {rate_hz!r}")
    lo, hi = 0.0, neuron.rheobase
    while window_rate(hi, neuron, num_steps)[0] < rate_hz:
        lo, hi = hi, 2 * hi
        if hi > 1e12:
            raise ValueError(f"current_for_window_rate: {rate_hz} Hz is not reached in {num_steps} steps")
    while hi - lo > tolerance * hi:
        mid = 0.5 * (lo + hi)
        if window_rate(mid, neuron, num_steps)[0] >= rate_hz:
            hi = mid
        else:
            lo = mid
    return hi


def band_mapping(
    neuron: SynapticParams, num_steps: int, rate_range_hz: tuple[float, float] = (100.0, 200.0)
) -> tuple[float, float]:
    """(scale, offset) of the input map I = offset + scale·x that sends x = 0 and x = 1 to the currents whose
    window rates are the ends of ``rate_range_hz`` (see the module docstring)."""
    low = current_for_window_rate(rate_range_hz[0], neuron, num_steps)
    high = current_for_window_rate(rate_range_hz[1], neuron, num_steps)
    return high - low, low


def table1(dt: float = 1.0, num_steps: int = NUM_STEPS) -> Table1:
    """The Table 1 layer with every row used (see the module docstring), for time step ``dt`` [ms]."""
    neuron = SynapticParams(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero", tau_syn=60.0)
    band = TABLE1["firing_rate_range_hz"]
    assert isinstance(band, tuple)
    scale, offset = band_mapping(neuron, num_steps, band)
    return Table1(
        neuron=neuron,
        noise=OUNoise(std=float(TABLE1["noise_std"]), tau=float(TABLE1["noise_ms"])),  # type: ignore[arg-type]
        num_steps=num_steps,
        rate_range_hz=band,
        input_scale=scale,
        input_offset=offset,
    )
