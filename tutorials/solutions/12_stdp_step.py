"""Solution to the exercise of Tutorial 12: one step of pair-based STDP with all-to-all traces.

Run on its own: ``python tutorials/solutions/12_stdp_step.py`` (it asserts that the notebook's check passes).

The order is the whole exercise: (1) decay both traces, so that a spike k steps ago has decayed k times; (2) change the
weights from what the traces hold -- at each post spike every synapse onto that neuron gains A₊·x_pre, at each pre spike
every synapse from that input loses A₋·x_post; (3) only then add this step's spikes, so that two spikes in the same
step do not pair (W(0) = 0). w is (n_pre, n_post): the outer products put inputs on rows, neurons on columns.
"""

import sys
from pathlib import Path

import numpy as np


def stdp_step(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre = x_pre * decay_plus
    x_post = x_post * decay_minus
    w = w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post)
    return w, x_pre + pre, x_post + post


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_stdp_step

    assert check_stdp_step(stdp_step)
