"""Solution to the exercise of Tutorial 11: the two-channel delta encoder (ON and OFF events, as an event camera).

Run on its own: ``python tutorials/solutions/11_delta_on_off.py`` (it asserts that the notebook's check passes).

The change of every pixel since the previous frame, d[t] = x[t] − x[t − 1], with a dark frame (zeros) before the
first (snnTorch's ``spikegen.delta`` with ``padding=False``): an ON event where d ≥ threshold, an OFF event where
d ≤ −threshold, each a 0/1 spike in its own channel.
"""

import sys
from pathlib import Path

import numpy as np


def delta_on_off(frames, threshold):
    previous = np.concatenate([np.zeros_like(frames[:1]), frames[:-1]])  # frame t − 1; zeros before the first
    change = frames - previous
    return np.concatenate([change >= threshold, change <= -threshold], axis=2).astype(np.float32)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_delta_on_off

    assert check_delta_on_off(delta_on_off)
