"""``SNNConv2d``: a convolution whose output current drives spiking neurons -- a ``Conv2d`` followed by ``Spiking``.

The neurons are a :class:`~minisnn.nn.Spiking` layer (any neuron model: LIF by default), the one time loop: for a
model that declares it, its steps run as one fused op (:mod:`minisnn.nn.lif_fused`, BPTT written by hand) which
computes the same numbers as the unrolled reference (``fused=False``) faster.

Like every Module, a new layer is in training mode, so the noise is ON until you call ``.eval()``.
The noise is a current: white noise of intensity σ = ``noise_std`` moves V by σ·√dt/C per step (its
standard deviation), so the same σ moves a C = 80 neuron (the paper's) 16 times less than a C = 5 one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.nn.layers import Conv2d
from minisnn.nn.module import Module
from minisnn.nn.spiking import DEFAULT_NEURON, OUTPUTS, Spiking, check_current
from minisnn.surrogate import Surrogate
from minisnn.tensor import Tensor

__all__ = ["DEFAULT_NEURON", "OUTPUT_MODES", "SNNConv2d"]

OUTPUT_MODES = OUTPUTS  # the one vocabulary: "spikes", "rate", "membrane" (the V trace)


class SNNConv2d(Module):
    """A convolution whose output current drives spiking neurons (one per output pixel and channel).

    current I = input_offset + input_scale·(conv2d(x, weight) + bias)  →  ``neurons`` (a :class:`Spiking` layer)
    over ``num_steps`` steps (noise in training only)  →  output.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, bias: as :class:`Conv2d`.
        num_steps: T, time steps per forward for a constant (N, C, H, W) input.
        neuron: the neuron model (default :data:`~minisnn.nn.spiking.DEFAULT_NEURON`; any model of
            :mod:`minisnn.neurons`, e.g. the paper's Table 1 neuron ``minisnn.paper.table1().neuron``).
        noise_std: intensity σ of the noise current in training mode: white noise, σ/√dt per step; with
            ``noise_tau`` [ms] an Ornstein–Uhlenbeck current of std σ and that correlation time.
        surrogate: spike function with surrogate gradient (default fast sigmoid, slope 25).
        output: "rate" → (N, O, H', W') spikes per step averaged over T (in [0, 1]);
            "spikes" → (T, N, O, H', W');  "membrane" → (T, N, O, H', W') V after each step.
        input_scale, input_offset: a fixed (not learned) affine map of the convolution's output to the
            neurons' current, to put the layer into a chosen operating range (default 1 and 0: I = conv).
        conv_noise_std: Gaussian noise of this standard deviation added to the convolution's output in training
            mode, once per forward (one draw held over the T steps of a constant input), *before* the input map --
            where the seed paper puts its "std 0.1" noise (:mod:`minisnn.paper`); 0 (default) for none. Unlike
            ``noise_std`` it does not respect dt: it is a perturbation of the input, not a noise current.
        detach_reset: no gradient through the reset.
        fused: allow the fused op where the model declares it (needs a :class:`~minisnn.surrogate.Surrogate`);
            False always runs the unrolled reference (any spike callable, e.g. ``surrogate.smooth``).
        rng: Generator or seed for the weights and the noise.

    Input: (N, C, H, W), a constant current for T = ``num_steps`` steps (computed by one convolution), or
    (T, N, C, H, W), a time series such as an encoded spike train (all T convolutions in one batched call).
    Spikes, rates and states are read with :func:`minisnn.nn.record` (the neurons record themselves).
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
        neuron: Any = None,
        noise_std: float = 0.1,
        surrogate: Surrogate | Callable[[Tensor], Tensor] | None = None,
        output: str = "rate",
        detach_reset: bool = False,
        fused: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
        noise_tau: float | None = None,
        input_scale: float = 1.0,
        input_offset: float = 0.0,
        conv_noise_std: float = 0.0,
    ):
        if output not in OUTPUT_MODES:
            raise ValueError(f"SNNConv2d: output must be one of {OUTPUT_MODES}, got {output!r}")
        for name, value in (("input_scale", input_scale), ("input_offset", input_offset),
                            ("conv_noise_std", conv_noise_std)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
                raise ValueError(f"SNNConv2d: {name} must be a finite number, got {name}={value!r}")
        if conv_noise_std < 0:
            raise ValueError(f"SNNConv2d: conv_noise_std must be >= 0, got conv_noise_std={conv_noise_std!r}")
        rng = np.random.default_rng(rng)
        self.conv = Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng=rng, dtype=dtype
        )
        self.neurons = Spiking(neuron, surrogate, output, num_steps, noise_std, noise_tau, detach_reset, fused, rng=rng)
        self.input_scale, self.input_offset = float(input_scale), float(input_offset)
        self.conv_noise_std = float(conv_noise_std)

    @property
    def num_steps(self) -> int:
        return self.neurons.num_steps or 0

    @property
    def neuron(self) -> Any:
        return self.neurons.neuron

    @property
    def output(self) -> str:
        """What the layer passes on (:data:`OUTPUT_MODES`); setting it sets the neurons'."""
        return self.neurons.output

    @output.setter
    def output(self, value: str) -> None:
        if value not in OUTPUT_MODES:
            raise ValueError(f"SNNConv2d: output must be one of {OUTPUT_MODES}, got {value!r}")
        self.neurons.output = value

    @property
    def fused(self) -> bool:
        """Whether the neurons run as the fused op (:attr:`Spiking.uses_fused`)."""
        return self.neurons.uses_fused

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
        if self.conv_noise_std > 0 and self.training:  # the paper's noise: on the convolution's output, once
            draw = self.neurons.rng.standard_normal(current.shape).astype(current.dtype, copy=False)
            current = current + draw * current.dtype.type(self.conv_noise_std)
        if self.input_scale != 1.0:
            current = current * self.input_scale
        if self.input_offset != 0.0:
            current = current + self.input_offset
        check_current(current, "SNNConv2d")
        return self.neurons(current, constant=constant)

    def extra_repr(self) -> str:
        parts = [self.conv.extra_repr(), self.neurons.extra_repr()]
        if self.input_scale != 1.0 or self.input_offset != 0.0:
            parts.append(f"current = {self.input_offset:g} + {self.input_scale:g}·conv")
        if self.conv_noise_std:
            parts.append(f"conv output noise std {self.conv_noise_std:g}")
        return ", ".join(parts)
