"""Solution to the exercise of Tutorial 00: read the digit from the output neurons' spike counts.

Run on its own: ``python tutorials/solutions/00_count_readout.py`` (it asserts that the notebook's check passes).

Rule: count each output neuron's spikes over the T steps; the neuron with the most spikes names the digit (neuron k
is the digit k); a tie -- or a digit with no output spike at all -- goes to the lowest class index.
"""

import sys
from pathlib import Path

import numpy as np


def predict_digits(spikes):
    counts = np.asarray(spikes).sum(axis=0)  # (T, N, 10) -> (N, 10): each output neuron's spikes over the T steps
    return counts.argmax(axis=1)  # (N,): the busiest neuron of each digit; argmax takes the lowest index on a tie


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_count_readout

    assert check_count_readout(predict_digits)
