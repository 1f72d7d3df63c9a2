"""Solution to the exercise of Tutorial 6: decode the class from the time of the first output spike.

Run on its own: ``python tutorials/solutions/06_first_spike.py`` (it asserts that the notebook's check passes).

Rule: the class whose output neuron fires first wins; if several fire first at the same step, the one with more
spikes; if still tied -- or if no output neuron fires at all -- the lowest class index.
"""

import sys
from pathlib import Path

import numpy as np


def first_spike_class(spikes):
    spikes = np.asarray(spikes)
    steps = spikes.shape[0]
    fired = spikes.any(axis=0)  # (N, K): did the neuron fire at all?
    first = np.where(fired, spikes.argmax(axis=0), steps)  # argmax finds the first 1; never fired -> T
    score = first * (steps + 1) - spikes.sum(axis=0)  # earliest first; among equals, most spikes
    return score.argmin(axis=1)  # argmin takes the lowest index among exact ties


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_first_spike

    assert check_first_spike(first_spike_class)
