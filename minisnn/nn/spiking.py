"""``SNNConv2d``: a convolution whose output current drives spiking neurons.

The neurons are a :class:`~minisnn.nn.lif.Spiking` layer (any neuron model: LIF by default, or a synaptic
neuron); by default their time loop runs as one fused op (:mod:`minisnn.nn.lif_fused`, BPTT written by hand),
which computes the same numbers as the unrolled reference (``fused=False``) faster.

Like every Module, a new layer is in training mode, so the noise is ON until you call ``.eval()``.
The noise is a current: white noise of intensity σ = ``noise_std`` moves V by σ·√dt/C per step (its
standard deviation), so the same σ moves a C = 80 neuron (the paper's) 16 times less than a C = 5 one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.neuron import LIFParams
from minisnn.nn.layers import Conv2d
from minisnn.nn.lif import DEFAULT_NEURON, Spiking, TensorOps, check_current, unroll
from minisnn.nn.lif_fused import spiking_fused
from minisnn.nn.module import Module
from minisnn.surrogate import Surrogate
from minisnn.tensor import Tensor

__all__ = ["DEFAULT_NEURON", "OUTPUT_MODES", "SNNConv2d"]

OUTPUT_MODES = ("rate", "spikes", "membrane")


class SNNConv2d(Module):
    """A convolution whose output current drives spiking neurons (one per output pixel and channel).

    current I = input_offset + input_scale·(conv2d(x, weight) + bias)  →  neurons over ``num_steps`` steps
    (noise in training only)  →  output.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, bias: as :class:`Conv2d`.
        num_steps: T, time steps per forward for a constant (N, C, H, W) input.
        neuron: the neuron model (default :data:`~minisnn.nn.lif.DEFAULT_NEURON`; ``LIFParams``,
            ``SynapticParams``, e.g. the paper's Table 1 neuron ``minisnn.paper.table1().neuron``).
        noise_std: intensity σ of the noise current in training mode: white noise, σ/√dt per step (the paper's
            text: 0.1); with ``noise_tau`` [ms] an Ornstein–Uhlenbeck current of std σ and that correlation time.
        surrogate: spike function with surrogate gradient (default fast sigmoid, slope 25).
        output: "rate" → (N, O, H', W') spikes per step averaged over T (in [0, 1]);
            "spikes" → (T, N, O, H', W');  "membrane" → (N, O, H', W') V after the last step.
        input_scale, input_offset: a fixed (not learned) affine map of the convolution's output to the
            neurons' current, to put the layer into a chosen operating range (default 1 and 0: I = conv).
        detach_reset: no gradient through the reset.
        fused: run the time loop as one op (needs a :class:`~minisnn.surrogate.Surrogate`); False uses the
            unrolled reference :func:`~minisnn.nn.lif.unroll` (any spike callable, e.g. ``surrogate.smooth``).
        rng: Generator or seed for the weights and the noise.

    Input: (N, C, H, W), a constant current for T = ``num_steps`` steps (computed by one convolution), or
    (T, N, C, H, W), a time series such as an encoded spike train (all T convolutions in one batched call).

    The spikes of the last forward pass are kept in ``last_spikes`` (T, N, O, H', W') while the attribute
    ``record_spikes`` is True (the default); set it to False to save their memory when output="rate" and no
    statistics are needed (``SCNN`` does so in training mode). With output="rate", ``last_rate`` holds the
    rate Tensor of the last forward, still in the graph, for an activity regulariser
    (:func:`minisnn.regularise.rate_floor_penalty`).
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
        noise_tau: float | None = None,
        input_scale: float = 1.0,
        input_offset: float = 0.0,
    ):
        if output not in OUTPUT_MODES:
            raise ValueError(f"SNNConv2d: output must be one of {OUTPUT_MODES}, got {output!r}")
        for name, value in (("input_scale", input_scale), ("input_offset", input_offset)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
                raise ValueError(f"SNNConv2d: {name} must be a finite number, got {name}={value!r}")
        rng = np.random.default_rng(rng)
        self.conv = Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng=rng, dtype=dtype
        )
        self.neurons = Spiking(
            neuron, surrogate, "spikes", num_steps, noise_std, noise_tau, detach_reset, fused, rng=rng
        )
        self.output = output
        self.input_scale, self.input_offset = float(input_scale), float(input_offset)
        self.record_spikes = True
        self.last_spikes: np.ndarray | None = None  # (T, N, O, H', W') of the last forward, for statistics
        # the rate Tensor (N, O, H', W') of the last forward when output="rate", in the graph (for a regulariser
        # such as minisnn.regularise.rate_floor_penalty); whoever reads it sets it back to None
        self.last_rate: Tensor | None = None

    @property
    def num_steps(self) -> int:
        return self.neurons.num_steps or 0

    @property
    def neuron(self) -> LIFParams:
        return self.neurons.neuron

    @property
    def fused(self) -> bool:
        return self.neurons.uses_fused

    def forward(self, x: Tensor) -> Tensor:
        x = F.as_tensor(x, "x")
        self.last_rate = None
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
        if self.input_scale != 1.0:
            current = current * self.input_scale
        if self.input_offset != 0.0:
            current = current + self.input_offset
        check_current(current, "SNNConv2d")
        neurons = self.neurons
        noise = neurons.noise if self.training else None
        if self.fused:
            # the fused op returns one output: the spikes when they are wanted or recorded, else the rate directly
            mode = {"rate": "spikes" if self.record_spikes else "rate", "spikes": "spikes", "membrane": "v_final"}
            result, state = spiking_fused(
                current, neurons.neuron, neurons.surrogate.derivative, self.num_steps, constant, mode[self.output],
                noise=noise, rng=neurons.rng, detach_reset=neurons.detach_reset,
            )  # fmt: skip
            neurons.state = state
            self.last_spikes = result.data if mode[self.output] == "spikes" else None
            if self.output == "rate" and self.record_spikes:
                result = result.mean(axis=0)
            self.last_rate = result if self.output == "rate" else None
            return result
        steps = [current] * self.num_steps if constant else [current[i] for i in range(current.shape[0])]
        out = unroll(steps, neurons.neuron, TensorOps(neurons.surrogate, neurons.detach_reset), noise=noise,
                     rng=neurons.rng)  # fmt: skip
        self.last_spikes = out.spikes.data
        if self.output == "spikes":
            return out.spikes
        if self.output == "membrane":
            return out.v
        self.last_rate = out.spikes.mean(axis=0)
        return self.last_rate

    def extra_repr(self) -> str:
        neurons = self.neurons
        parts = [self.conv.extra_repr(), neurons.extra_repr().replace("output='spikes'", f"output={self.output!r}")]
        if self.input_scale != 1.0 or self.input_offset != 0.0:
            parts.append(f"current = {self.input_offset:g} + {self.input_scale:g}·conv")
        return ", ".join(parts)
