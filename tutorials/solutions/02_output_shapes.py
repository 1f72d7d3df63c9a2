"""Solution to exercise A of tutorial 02: output shapes of convolution layers on a 64×64 input.

    H' = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1      (per axis)

Run it on its own (``python tutorials/solutions/02_output_shapes.py``) or from the notebook
(``%run solutions/02_output_shapes.py``); it checks itself against minisnn and prints "correct ✔".
"""

import sys
from pathlib import Path

import numpy as np

from minisnn import Tensor
from minisnn import functional as F
from minisnn.conv import conv_output_size

shape_layers = [  # (kernel, stride, padding, dilation), each as an (h, w) pair; input 64×64
    ((3, 3), (1, 1), (0, 0), (1, 1)),
    ((3, 3), (2, 2), (1, 1), (1, 1)),
    ((5, 5), (1, 1), (2, 2), (1, 1)),
    ((3, 3), (1, 1), (2, 2), (2, 2)),
    ((3, 7), (2, 1), (0, 3), (1, 1)),
    ((4, 4), (4, 4), (0, 0), (1, 1)),
    ((3, 3), (3, 3), (1, 1), (2, 2)),
]

# Worked on paper, axis by axis:
predicted_shapes = [
    (62, 62),  # (64 − 2 − 1)/1 + 1 = 62: a 3×3 kernel without padding loses one pixel on each side
    (32, 32),  # ⌊(64 + 2 − 2 − 1)/2⌋ + 1 = ⌊63/2⌋ + 1 = 32: stride 2 halves
    (64, 64),  # (64 + 4 − 4 − 1) + 1 = 64: "same" padding p = (k − 1)/2
    (64, 64),  # (64 + 4 − 2·2 − 1) + 1 = 64: "same" padding for dilation 2 is p = d(k − 1)/2 = 2
    (31, 64),  # H: ⌊(64 − 2 − 1)/2⌋ + 1 = 31;  W: (64 + 6 − 6 − 1) + 1 = 64
    (16, 16),  # ⌊(64 − 3 − 1)/4⌋ + 1 = 16: non-overlapping 4×4 patches
    (21, 21),  # ⌊(64 + 2 − 2·2 − 1)/3⌋ + 1 = ⌊61/3⌋ + 1 = 21
]


def output_shape(size, kernel, stride, padding, dilation):
    """(H', W') for a square input of side ``size``, by the formula."""
    return tuple((size + 2 * p - d * (k - 1) - 1) // s + 1 for k, s, p, d in zip(kernel, stride, padding, dilation))


if __name__ == "__main__":
    for (k, s, p, d), guess in zip(shape_layers, predicted_shapes, strict=True):
        by_formula = output_shape(64, k, s, p, d)
        by_library = tuple(conv_output_size(64, k[a], s[a], p[a], d[a]) for a in (0, 1))
        actual = F.conv2d(
            Tensor(np.zeros((1, 1, 64, 64))), Tensor(np.zeros((1, 1) + k)), stride=s, padding=p, dilation=d
        ).shape[2:]
        assert guess == by_formula == by_library == tuple(actual), (k, s, p, d, guess, by_formula, by_library, actual)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import SHAPE_LAYERS, check_shapes  # noqa: E402  (tutorials/checks.py, the check the notebook runs)

    assert SHAPE_LAYERS == shape_layers
    assert check_shapes(predicted_shapes)
    print(f"02_output_shapes: correct ✔  (all {len(shape_layers)} shapes match conv_output_size and F.conv2d)")
