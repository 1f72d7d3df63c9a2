"""Activity regularisers: keep a spiking layer from switching itself off.

Trained on inpainting, the reduced SC-NN's spiking layer goes 95 % silent (MODEL_CARD.md): a neuron whose
membrane stays far below threshold gets almost no surrogate gradient, so nothing brings it back. A *rate floor*
adds a loss that pushes every channel's mean firing rate up to a chosen minimum, and is zero above it
(a lower-bound activity regulariser in the spirit of Zenke & Vogels 2021, *Neural Computation* 33:899):

    penalty(r) = (1/O) · Σ_c max(0, floor − r̄_c)²,    r̄_c = mean over (N, H, W) of r[:, c]

for firing rates r (N, O, H, W) in spikes per neuron per step (what ``SNNConv2d(output="rate")`` returns).
The gradient, −2·max(0, floor − r̄_c) / (O·N·H·W) for every neuron of channel c, flows back through the surrogate.
A channel at or above the floor costs nothing, so the regulariser does not dictate *what* the layer codes.
"""

from __future__ import annotations

import numpy as np

from minisnn import functional as F
from minisnn.tensor import Tensor

__all__ = ["rate_floor_penalty", "rate_floor_penalty_reference"]


def _check(rate_shape: tuple[int, ...], floor: float) -> None:
    if len(rate_shape) != 4:
        raise ValueError(f"rate_floor_penalty: rate must be (N, O, H, W) firing rates, got shape {rate_shape}")
    if isinstance(floor, bool) or not isinstance(floor, (int, float, np.number)) or not 0.0 <= floor <= 1.0:
        raise ValueError(f"rate_floor_penalty: floor must be a rate in [0, 1] spikes per step, got {floor!r}")


def rate_floor_penalty(rate: Tensor, floor: float) -> Tensor:
    """(1/O)·Σ_c max(0, floor − r̄_c)² for rates ``rate`` (N, O, H, W); a scalar Tensor (see the module docstring)."""
    rate = F.as_tensor(rate, "rate")
    _check(rate.shape, floor)
    channel_rate = F.mean(rate, axis=(0, 2, 3))  # (O,)
    deficit = F.relu(floor - channel_rate)
    return F.mean(deficit * deficit)


def rate_floor_penalty_reference(rate: np.ndarray, floor: float) -> float:
    """The same penalty with explicit loops (the test oracle)."""
    rate = np.asarray(rate, dtype=np.float64)
    _check(rate.shape, floor)
    n, channels, h, w = rate.shape
    total = 0.0
    for c in range(channels):
        mean = 0.0
        for i in range(n):
            for y in range(h):
                for x in range(w):
                    mean += rate[i, c, y, x]
        mean /= n * h * w
        total += max(0.0, floor - mean) ** 2
    return total / channels
