"""Solution to the exercise of Tutorial 10: the factor by which conversion multiplies a layer's weights.

Run on its own: ``python tutorials/solutions/10_weight_factor.py`` (it asserts that the notebook's check passes).

Each ReLU layer's scale λ is the given percentile of its non-zero activations (Rueckauer et al. 2017's robust
normalisation; the zeros say nothing about the scale). The layer between two ReLU layers receives rates that were
divided by λ_previous and must deliver currents divided by λ_this, so its weights are multiplied by
λ_previous / λ_this (its bias only by 1 / λ_this).
"""

import sys
from pathlib import Path

import numpy as np


def weight_factor(previous, this, percentile=99.9):
    def scale(activations):
        activations = np.asarray(activations, dtype=np.float64)
        return np.percentile(activations[activations > 0], percentile)

    return float(scale(previous) / scale(this))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_weight_factor

    assert check_weight_factor(weight_factor)
