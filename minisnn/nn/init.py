"""Weight initialisation. Every function takes ``rng: numpy.random.Generator | int | None``."""

from __future__ import annotations

import math

import numpy as np


def kaiming_uniform(
    shape: tuple[int, ...],
    fan_in: int,
    a: float = math.sqrt(5),
    rng: np.random.Generator | int | None = None,
    dtype: type = np.float32,
) -> np.ndarray:
    """U(−bound, bound) with bound = gain·√(3 / fan_in), gain = √(2 / (1 + a²)).

    PyTorch's default for Conv2d/Linear weights uses a = √5, which gives bound = 1/√fan_in.
    """
    gain = math.sqrt(2.0 / (1.0 + a * a))
    bound = gain * math.sqrt(3.0 / fan_in)
    return np.random.default_rng(rng).uniform(-bound, bound, size=shape).astype(dtype)


def uniform_bias(
    size: int, fan_in: int, rng: np.random.Generator | int | None = None, dtype: type = np.float32
) -> np.ndarray:
    """U(−1/√fan_in, 1/√fan_in): PyTorch's default bias initialisation."""
    bound = 1.0 / math.sqrt(fan_in)
    return np.random.default_rng(rng).uniform(-bound, bound, size=(size,)).astype(dtype)
