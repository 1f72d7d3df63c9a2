"""A recurrent spiking layer: each step's current gets the layer's own spikes of the step before, through weights.

    Iₙ ← Iₙ + W·sₙ₋₁ + b      (all-to-all: W (F, F), b (F,), as ``nn.Linear(F, F)``)
    Iₙ ← Iₙ + V ⊙ sₙ₋₁        (one-to-one: V (F,), each neuron fed back its own spikes)

then the neuron model's step (any model), s₀ = 0. Backpropagation through time runs through the membrane and through
the recurrence (the spikes are not detached on the way back). This is snnTorch's ``RLeaky(all_to_all=True,
linear_features=F)`` (``all_to_all=False`` with ``V``) -- with ``reset_delay=False``: here a neuron is reset in the
step it fires; snnTorch's default ``reset_delay=True`` resets it one step later -- and, for a synaptic neuron, its
``RSynaptic``. The tests hold it equal to snnTorch (same weights, same input, float64) when snnTorch is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minisnn.nn.layers import Linear
from minisnn.nn.module import Parameter
from minisnn.nn.spiking import Spiking
from minisnn.surrogate import Surrogate
from minisnn.tensor import Tensor


class RecurrentSpiking(Spiking):
    """Spiking neurons of any model with recurrent connections from their own spikes (module docstring).

    Args:
        neuron: the neuron model (default :data:`~minisnn.nn.spiking.DEFAULT_NEURON`).
        features: F, the number of neurons (the input's last axis).
        all_to_all: True: a full F×F weight matrix and a bias (``recurrent``, an :class:`~minisnn.nn.Linear`,
            PyTorch's initialisation); False: one weight per neuron (``recurrent_weight``, starting at
            ``one_to_one_init``).
        bias: the all-to-all connection's bias.
        rng: Generator or seed for the weights and the noise. Other arguments as :class:`Spiking`.

    Input: a time series (T, N, F), or a current (N, F) held ``num_steps`` steps. Always unrolled (the fused op has
    no recurrence).
    """

    def __init__(
        self,
        neuron: Any = None,
        features: int | None = None,
        all_to_all: bool = True,
        bias: bool = True,
        surrogate: Surrogate | Callable[[Tensor], Tensor] | None = None,
        output: str = "spikes",
        num_steps: int | None = None,
        noise_std: float = 0.0,
        noise_tau: float | None = None,
        detach_reset: bool = False,
        rng: np.random.Generator | int | None = None,
        learn: Sequence[str] = (),
        learn_shape: tuple[int, ...] = (),
        dtype: Any = np.float32,
        one_to_one_init: float = 1.0,
    ):
        if isinstance(features, bool) or not isinstance(features, (int, np.integer)) or features < 1:
            raise ValueError(f"RecurrentSpiking: features must be a positive int, got features={features!r}")
        rng = np.random.default_rng(rng)
        super().__init__(neuron, surrogate, output, num_steps, noise_std, noise_tau, detach_reset, False, rng,
                         learn, learn_shape, dtype)  # fmt: skip
        self.features, self.all_to_all = int(features), bool(all_to_all)
        if self.all_to_all:
            self.recurrent = Linear(self.features, self.features, bias=bias, rng=rng, dtype=dtype)
        else:
            self.recurrent_weight = Parameter(np.full(self.features, float(one_to_one_init), dtype))

    def feedback(self) -> Callable[[Tensor], Tensor]:
        if self.all_to_all:
            return self.recurrent
        weight = self.recurrent_weight
        return lambda spikes: spikes * weight

    def forward(self, current: Tensor, constant: bool | None = None) -> Tensor:
        shape = getattr(current, "shape", np.shape(current))
        if len(shape) < 1 or shape[-1] != self.features:
            raise ValueError(f"RecurrentSpiking: expected input (..., {self.features}), got shape {tuple(shape)}")
        return super().forward(current, constant)

    def extra_repr(self) -> str:
        kind = "all_to_all" if self.all_to_all else "one_to_one"
        return f"features={self.features}, {kind}, " + super().extra_repr()
