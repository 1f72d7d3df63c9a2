"""The seed paper's Table 1 -- every row -- and the spiking layer we read from it (time in ms).

The seed paper: Sanaullah, Koravuna, Rückert and Jungeblut, "A Spike-based Convolutional Neural Network for Image
Inpainting" (2024, arXiv:2407.08861). Its equations describe a plain LIF neuron, C dV/dt = I - V/R with threshold and
reset; its Table 1 lists the parameters below, and its text adds noise of "std 0.1" to the convolution's output. Not
every row fits that equation, and some have no unit or an impossible one, so a spiking layer built "from Table 1" is a
reading. Here are the paper's words and ours side by side:

=====================  ===================  =====================================  ================================
row                    the paper's text     our reading (:func:`table1`)           alternatives
=====================  ===================  =====================================  ================================
Threshold              1                    ``v_th = 1`` (V in units of it)        --
Reset potential        0                    ``v_reset = 0``, ``reset = "zero"``    reset by subtraction
Refractory period      (ms) 1               ``t_ref = 1`` ms, one step, clamped    frozen (Brian2's "unless
                                                                                   refractory")
Membrane time          (ms) 40              ``tau_m = R C = 40`` ms                --
constant
Membrane capacitance   (ms) 80              ``C = 80`` (a capacitance cannot be    a typo for another time
                                            in ms: we take the number), so         constant (then R is unknown)
                                            ``R = tau_m / C = 0.5``
Post-synaptic current  (ms) 60              a current-based synapse,               unused: the paper's equations
time constant                               ``tau_syn = 60`` (``SynapticParams``)  have no synaptic current
                                                                                   (``LIFParams.paper()``)
Noise                  (ms) 10              the correlation time of an             the noise's std in other units;
                                            Ornstein-Uhlenbeck current,            or unused (the text's noise has
                                            ``tau = 10`` (``OUNoise``)             no time constant)
(text) noise           "std 0.1", added to  ``noise="ou"`` (default): σ = 0.1 of   ``noise="paper"``: σ = 0.1 added
                       the convolution      that OU *current*, after the input     once to the convolution's
                       output               map                                    output, before the input map
Firing rate range      (Hz) 100-200         the band the input map puts the layer  the steady-state band (these
                                            into, over a 100-step window from      currents fire at 198-380 Hz
                                            rest (:func:`band_mapping`)            once the synapse has settled)
=====================  ===================  =====================================  ================================

The time step is not given: dt = 1 ms (so t_ref is one step). The number of time steps is not given either: a
100-200 Hz neuron fires every 5-10 ms, so resolving the band needs T ≈ 100 steps (10-20 spikes, rate resolution
10 Hz); with T = 8 a 100 Hz neuron cannot even fire once (its first spike comes at >= 9 ms).

**The input map.** A convolution's output x is not a current in the band: freshly initialised it is a small number
around 0, and the neuron needs I >= v_th/R = 2 to fire at all. The plain LIF of the first rows fires at 100-200 Hz
in steady state for I ≈ 9.9-21.0 (:func:`minisnn.neuron.current_for_rate`); with the 60 ms synapse and a 100 ms
window from rest (the synaptic current still charging) the layer needs I ≈ 20.7-50.1. :func:`band_mapping` returns
the fixed affine map I = offset + scale·x (scale ≈ 29.3) that sends x = 0 to the current whose mean rate over the
window is 100 Hz and x = 1 to the one that gives 200 Hz; ``SNNConv2d(input_scale=scale, input_offset=offset)``
applies it. Alternatives, not used: the steady-state f-I curve (the first 100 ms of a 60 ms synapse have not
settled), a learned threshold, or a normalisation of the currents.

**Where the noise goes matters.** Our reading's OU current (σ = 0.1 after the map) moves V by about 0.022 θ
(:func:`minisnn.noise.stationary_variance`) and changes about 4 % of the neurons' spike counts in a 100-step window
by a spike; the paper's placement (σ = 0.1 on the convolution's output, multiplied by the map's scale of 29.3 into a
current of std 2.9) changes about 61 % of them (tests/test_paper.py measures both).

Our plain reading, kept and named as such: :meth:`minisnn.neurons.lif.LIFParams.paper` -- the plain LIF neuron
of the equations and the first five rows, no synapse, no noise, T = 8 (the reduced network's neuron is different
again, see ``SCNN.reduced``).
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


NOISE_READINGS = ("ou", "paper")


@dataclass(frozen=True)
class Table1:
    """The Table 1 spiking layer: neuron, noise, T, and the input mapping into the firing-rate band.

    ``noise`` is the noise current of our reading (an OU current, None in the paper's placement); ``conv_noise_std``
    the paper's placement: Gaussian noise added once to the convolution's output, before the input map (0 in ours).
    """

    neuron: SynapticParams
    noise: OUNoise | None
    num_steps: int
    rate_range_hz: tuple[float, float]
    input_scale: float
    input_offset: float
    conv_noise_std: float = 0.0

    def snnconv2d_kwargs(self) -> dict[str, object]:
        """Keyword arguments that make an :class:`~minisnn.nn.SNNConv2d` this layer."""
        return {
            "neuron": self.neuron,
            "num_steps": self.num_steps,
            "noise_std": 0.0 if self.noise is None else self.noise.std,
            "noise_tau": None if self.noise is None else self.noise.tau,
            "input_scale": self.input_scale,
            "input_offset": self.input_offset,
            "conv_noise_std": self.conv_noise_std,
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


def table1(dt: float = 1.0, num_steps: int = NUM_STEPS, noise: str = "ou") -> Table1:
    """The Table 1 layer with every row used (see the module docstring), for time step ``dt`` [ms].

    ``noise``: "ou" (our reading, the default: an Ornstein-Uhlenbeck current, σ = 0.1, τ = 10 ms, after the input map)
    or "paper" (the paper's placement: σ = 0.1 added once to the convolution's output, before the input map, no
    noise current). The two differ by the input map's scale (about 29): the module docstring gives their effect."""
    if noise not in NOISE_READINGS:
        raise ValueError(f"table1: noise must be one of {NOISE_READINGS}, got noise={noise!r}")
    neuron = SynapticParams(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero", tau_syn=60.0)
    band = TABLE1["firing_rate_range_hz"]
    assert isinstance(band, tuple)
    scale, offset = band_mapping(neuron, num_steps, band)
    std = float(TABLE1["noise_std"])  # type: ignore[arg-type]
    return Table1(
        neuron=neuron,
        noise=OUNoise(std=std, tau=float(TABLE1["noise_ms"])) if noise == "ou" else None,  # type: ignore[arg-type]
        num_steps=num_steps,
        rate_range_hz=band,
        input_scale=scale,
        input_offset=offset,
        conv_noise_std=std if noise == "paper" else 0.0,
    )
