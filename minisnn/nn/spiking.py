"""``SNNConv2d``: a convolution whose output current drives LIF neurons.

The neurons follow :mod:`minisnn.nn.lif` (the dynamics, step by step, on Tensors); by default the time loop
runs as one fused op (:mod:`minisnn.nn.lif_fused`, BPTT written by hand), which computes the same numbers
faster. ``fused=False`` uses the unrolled reference instead.

Like every Module, a new layer is in training mode, so the Gaussian noise is ON until you call ``.eval()``.
The noise is added to the *current*: its effect on V per step is (dt/C)·noise_std, so the same noise_std
moves a C = 80 neuron (the paper's) 16 times less than a C = 5 one (the default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.neuron import LIFParams
from minisnn.nn.layers import Conv2d
from minisnn.nn.lif import DEFAULT_NEURON, LIF, check_current
from minisnn.nn.lif_fused import OUTPUT_MODES, lif_fused
from minisnn.nn.module import Module
from minisnn.surrogate import Surrogate
from minisnn.tensor import Tensor

__all__ = ["DEFAULT_NEURON", "OUTPUT_MODES", "SNNConv2d"]


class SNNConv2d(Module):
    """A convolution whose output current drives LIF neurons (one neuron per output pixel and channel).

    current I = conv2d(x, weight) + bias  →  LIF over ``num_steps`` steps (noise in training only)  →  output.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, bias: as :class:`Conv2d`.
        num_steps: T, time steps per forward for a constant (N, C, H, W) input.
        neuron: the LIF parameters (default :data:`DEFAULT_NEURON`; the paper's: ``LIFParams.paper()``).
        noise_std: std of Gaussian noise on the current, per step, training mode only (paper: 0.1).
        surrogate: spike function with surrogate gradient (default fast sigmoid, slope 25).
        output: "rate" → (N, O, H', W') spikes per step averaged over T (in [0, 1]);
            "spikes" → (T, N, O, H', W');  "membrane" → (N, O, H', W') V after the last step.
        detach_reset: no gradient through the reset.
        fused: run the time loop as one op (needs a :class:`~minisnn.surrogate.Surrogate`); False uses the
            unrolled reference :func:`~minisnn.nn.lif.lif_unroll` (any spike callable, e.g. ``surrogate.smooth``).
        rng: Generator or seed for the weights and the noise.

    Input: (N, C, H, W), a constant current for T = ``num_steps`` steps (computed by one convolution), or
    (T, N, C, H, W), a time series such as an encoded spike train (all T convolutions in one batched call).

    The spikes of the last forward pass are kept in ``last_spikes`` (T, N, O, H', W') while the attribute
    ``record_spikes`` is True (the default); set it to False to save their memory when output="rate" and no
    statistics are needed (``SCNN`` does so in training mode).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        bias: bool = True,
        num_steps: int = 8,
        neuron: LIFParams | None = None,
        noise_std: float = 0.1,
        surrogate: Surrogate | Callable[[Tensor], Tensor] | None = None,
        output: str = "rate",
        detach_reset: bool = False,
        fused: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
    ):
        if output not in OUTPUT_MODES:
            raise ValueError(f"SNNConv2d: output must be one of {OUTPUT_MODES}, got {output!r}")
        rng = np.random.default_rng(rng)
        self.conv = Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng=rng, dtype=dtype
        )
        self.lif = LIF(neuron, surrogate, num_steps, noise_std, detach_reset, rng=rng)
        self.output = output
        self.fused = bool(fused) and isinstance(self.lif.surrogate, Surrogate)
        self.record_spikes = True
        self.last_spikes: np.ndarray | None = None  # (T, N, O, H', W') of the last forward, for statistics

    @property
    def num_steps(self) -> int:
        return self.lif.num_steps

    @property
    def neuron(self) -> LIFParams:
        return self.lif.params

    def forward(self, x: Tensor) -> Tensor:
        x = F.as_tensor(x, "x")
        if x.ndim == 5:  # a time series: all T convolutions as one batched call
            t, n = x.shape[:2]
            flat = x.reshape(t * n, *x.shape[2:])
            self.conv.check_input(flat)
            current = self.conv(flat)
            current = current.reshape(t, n, *current.shape[1:])
            constant = False
        elif x.ndim == 4:
            current, constant = self.conv(x), True
        else:
            raise ValueError(
                f"SNNConv2d: expected input (N, {self.conv.in_channels}, H, W) or a spike train "
                f"(T, N, {self.conv.in_channels}, H, W), got shape {x.shape}"
            )
        check_current(current, "SNNConv2d")
        if self.fused:
            return self._forward_fused(current, constant)
        result = self.lif(current, constant=constant)
        self.last_spikes = result.spikes.data
        if self.output == "spikes":
            return result.spikes
        if self.output == "membrane":
            return result.v
        return result.spikes.mean(axis=0)

    def _forward_fused(self, current: Tensor, constant: bool) -> Tensor:
        lif = self.lif
        # the fused op returns one output: the spikes when they are wanted or recorded, else the rate directly
        output = self.output
        if output == "rate" and self.record_spikes:
            output = "spikes"
        result = lif_fused(
            current, lif.params, lif.surrogate.derivative, lif.num_steps, constant, output,
            noise_std=lif.noise_std if self.training else 0.0, rng=lif.rng, detach_reset=lif.detach_reset,
        )  # fmt: skip
        if output != "spikes":
            self.last_spikes = None
            return result
        self.last_spikes = result.data
        return result if self.output == "spikes" else result.mean(axis=0)

    def extra_repr(self) -> str:
        lif = self.lif
        return f"{self.conv.extra_repr()}, {lif.extra_repr()}, noise_std={lif.noise_std:g}, output={self.output!r}"
