"""A linear read-out: softmax regression trained on fixed features with minisnn's own Linear, cross-entropy and Adam.

Features are standardised with the training set's mean and standard deviation (a feature constant on the training
set is only centred); logits = standardised features · Wᵀ + b; full-batch Adam on the mean cross-entropy with L2
weight decay. The same read-out serves the STDP features and the raw pixels, so that they are compared fairly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.nn import Linear
from minisnn.optim import Adam
from minisnn.tensor import Tensor


class LinearReadout:
    """A trained read-out: ``predict(features)`` → classes (B,), ``logits(features)`` → (B, K)."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, layer: Linear):
        self.mean, self.scale, self.layer = mean, scale, layer

    def logits(self, features: Any) -> np.ndarray:
        """(B, K) logits of features (B, F), standardised with the training set's mean and scale."""
        x = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
        if x.shape[1] != self.mean.size:
            raise ValueError(f"features must have {self.mean.size} columns, got {x.shape[1]}")
        return self.layer(Tensor((x - self.mean) / self.scale)).data

    def predict(self, features: Any) -> np.ndarray:
        """(B,) the class with the largest logit."""
        return self.logits(features).argmax(axis=1)

    def accuracy(self, features: Any, labels: Any) -> float:
        """The share of ``labels`` (B,) that :meth:`predict` gets right."""
        return float(np.mean(self.predict(features) == np.asarray(labels)))


def fit_readout(
    features: Any,
    labels: Any,
    num_classes: int = 10,
    steps: int = 300,
    lr: float = 0.05,
    weight_decay: float = 1e-3,
    rng: np.random.Generator | int | None = 0,
) -> LinearReadout:
    """Softmax regression on ``features`` (B, F) with integer ``labels`` (B,) in [0, num_classes)."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels)
    if x.ndim < 2 or y.shape != (len(x),):
        raise ValueError(f"features (B, F) and labels (B,) must match, got {x.shape} and {y.shape}")
    x = x.reshape(len(x), -1)
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must be ints in [0, {num_classes}), got {y.dtype} in [{y.min()}, {y.max()}]")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int ≥ 1, got {steps!r}")
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    scale = np.where(std > 1e-12, std, 1.0)
    inputs = Tensor((x - mean) / scale)
    layer = Linear(x.shape[1], num_classes, rng=rng, dtype=np.float64)
    optimiser = Adam(layer.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = F.cross_entropy(layer(inputs), y)
        loss.backward()
        optimiser.step()
    return LinearReadout(mean, scale, layer)
