"""Solution to tutorial 09's exercise: the hole PSNR of one crop by hand.

Run on its own: ``python tutorials/solutions/09_psnr_by_hand.py`` (it asserts that the notebook's check passes).
"""

import sys
from pathlib import Path

import numpy as np


def hole_psnr(filled: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """filled, truth (3, H, W) in [0, 1]; mask (1, H, W), 1 = hole."""
    hole = np.broadcast_to(mask > 0, truth.shape)  # the hole, in all three channels
    mse = np.mean((filled[hole] - truth[hole]) ** 2)
    return 10 * np.log10(1.0 / mse)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_psnr_by_hand

    from minisnn.data import sample_photos, validation_set
    from minisnn.inpainting import harmonic_fill

    data = validation_set(sample_photos("val"), 64, 1, mask="box", seed=1)
    filled = harmonic_fill(data.inputs[0, :3], data.masks[0])
    assert check_psnr_by_hand(hole_psnr(filled, data.images[0], data.masks[0]), filled, data.images[0], data.masks[0])
