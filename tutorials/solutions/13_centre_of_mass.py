"""Solution to the exercise of Tutorial 13: the centre-of-mass (population-vector) decoder.

Run on its own: ``python tutorials/solutions/13_centre_of_mass.py`` (it asserts that the notebook's check passes).

Count each neuron's spikes over the T steps, n_j; the estimate is the average of the preferred values c_j weighted by
the counts, x̂ = Σ_j n_j c_j / Σ_j n_j. A population that fired no spike says nothing about x: answer the middle of
the range.
"""

import sys
from pathlib import Path

import numpy as np


def decode(spikes, centres):
    counts = np.asarray(spikes, dtype=np.float64).sum(axis=0)  # (N, M)
    centres = np.asarray(centres, dtype=np.float64)
    total = counts.sum(axis=1)  # (N,)
    middle = (centres[0] + centres[-1]) / 2
    return np.where(total > 0, counts @ centres / np.maximum(total, 1), middle)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_centre_of_mass

    assert check_centre_of_mass(decode)
