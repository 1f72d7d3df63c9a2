"""Solution to tutorial 08's exercise: the hole-weighted MSE with F.mse_loss's weight argument.

L = Σ m·(ŷ − y)² / (3·Σ m)  =  mean over all N·3·H·W elements of w·(ŷ − y)²  with  w = m / mean(m)

Run on its own: ``python tutorials/solutions/08_hole_loss.py`` (it asserts that the notebook's check passes).
"""

import sys
from pathlib import Path

from minisnn import functional as F


def hole_loss(pred, images, masks):
    weight = masks / masks.mean()  # broadcasts over the 3 channels; mean(w·e) = Σ m·e / (3·Σ m)
    return F.mse_loss(pred, images, weight=weight)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_hole_loss

    assert check_hole_loss(hole_loss)
