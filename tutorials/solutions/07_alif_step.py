"""Solution to tutorial 07's exercise: one step of the adaptive LIF neuron (ALIF) on NumPy arrays.

Run on its own: ``python tutorials/solutions/07_alif_step.py`` (it asserts that the notebook's check passes).

For an ``ALIFParams`` neuron with reset "subtract", no refractoriness (t_ref = 0) and explicit Euler, in the order of
``ALIFParams.step``: integrate, the threshold in force from the adaptation of the step before, spike, reset relative
to that threshold, then the adaptation decays by ρ and each spike adds one.
"""

import sys
from pathlib import Path

import numpy as np


def alif_step(v, a, current, params):
    u = params.decay * v + params.gain * current  # integrate: u = decay·V + gain·I
    threshold = params.v_th + params.b * a  # θ = v_th + b·a, with a from the step before
    spikes = u >= threshold  # S = H(u - θ)
    v_new = np.where(spikes, u - (threshold - params.v_reset), u)  # reset by subtracting θ - v_reset
    a_new = a * params.rho + spikes  # a decays by ρ = exp(-dt/tau_a), each spike adds one
    return spikes, v_new, a_new


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_alif_step

    assert check_alif_step(alif_step)
