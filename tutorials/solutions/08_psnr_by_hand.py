"""Solution to tutorial 08's exercise: hole PSNR by hand, checked against minisnn.inpainting.metrics.psnr."""

import numpy as np

from minisnn.data import sample_photos, validation_set
from minisnn.inpainting import harmonic_fill, metrics


def hole_psnr(filled: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """filled, truth (3, H, W) in [0, 1]; mask (1, H, W), 1 = hole."""
    hole = np.broadcast_to(mask > 0, truth.shape)  # the hole, in all three channels
    mse = np.mean((filled[hole] - truth[hole]) ** 2)
    return 10 * np.log10(1.0 / mse)


if __name__ == "__main__":
    data = validation_set(sample_photos("val"), 64, 1, mask="box", seed=1)
    filled = harmonic_fill(data.inputs[0, :3], data.masks[0])
    mine = hole_psnr(filled, data.images[0], data.masks[0])
    assert abs(mine - metrics.psnr(filled, data.images[0], data.masks[0])) < 1e-6
    print(f"correct ✔ {mine:.3f} dB")
