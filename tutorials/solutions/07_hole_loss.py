"""Solution to tutorial 07's exercise: the hole-weighted MSE with F.mse_loss's weight argument.

L = Σ m·(ŷ − y)² / (3·Σ m)  =  mean over all N·3·H·W elements of w·(ŷ − y)²  with  w = m / mean(m)
"""

import numpy as np

from minisnn import Tensor
from minisnn import functional as F
from minisnn.inpainting.train import compute_loss


def hole_loss(pred, images, masks):
    weight = masks / masks.mean()  # broadcasts over the 3 channels
    return F.mse_loss(pred, images, weight=weight)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    images = rng.random((4, 3, 16, 16)).astype(np.float32)
    masks = np.zeros((4, 1, 16, 16), np.float32)
    masks[:, :, 3:9, 4:12] = 1
    pred = Tensor(rng.random((4, 3, 16, 16)).astype(np.float32), requires_grad=True)
    by_hand = float(((pred.data - images) ** 2 * masks).sum() / (3 * masks.sum()))
    mine = hole_loss(pred, images, masks)
    assert abs(mine.item() - by_hand) < 1e-6
    assert abs(mine.item() - compute_loss("hole_weighted", pred, images, masks).item()) < 1e-6
    mine.backward()
    assert np.all(pred.grad[np.broadcast_to(masks == 0, pred.shape)] == 0)  # known pixels get no gradient
    print("correct ✔", mine.item())
