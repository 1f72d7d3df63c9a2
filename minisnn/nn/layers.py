"""Ordinary (non-spiking) layers: Conv2d, ReLU, Sigmoid, Sequential."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.conv import as_pair
from minisnn.nn import init
from minisnn.nn.module import Module, Parameter
from minisnn.tensor import Tensor


class Conv2d(Module):
    """2-D convolution layer: y = conv2d(x, weight) + bias, on NCHW input.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation: as in PyTorch (C, O, kh, kw below).
        bias: learn a per-output-channel bias.
        rng: Generator or seed for the initialisation (PyTorch's default: Kaiming-uniform with a = √5,
            i.e. weights and bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = C·kh·kw).
        dtype: float32 (training) or float64 (gradient checks).

    Shapes: input (N, C, H, W) → output (N, O, H', W'); weight (O, C, kh, kw); bias (O,).
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
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
    ):
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Conv2d: {name} must be a positive int, got {value!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1, owner="Conv2d")
        self.stride = as_pair(stride, "stride", 1, owner="Conv2d")
        self.padding = as_pair(padding, "padding", 0, owner="Conv2d")
        self.dilation = as_pair(dilation, "dilation", 1, owner="Conv2d")
        rng = np.random.default_rng(rng)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(init.kaiming_uniform(shape, fan_in, rng=rng, dtype=dtype))
        self.bias = Parameter(init.uniform_bias(self.out_channels, fan_in, rng=rng, dtype=dtype)) if bias else None

    def check_input(self, x: Tensor) -> None:
        """Clear errors for the two usual mistakes: a 3-D image instead of a batch, wrong channel count."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            hint = " (a single image? add a batch axis: x[None])" if x.ndim == 3 else ""
            raise ValueError(
                f"{self!r}: expected input of shape (N, {self.in_channels}, H, W), got {tuple(x.shape)}{hint}"
            )

    def forward(self, x: Tensor) -> Tensor:
        x = F.as_tensor(x, "x")
        self.check_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"]
        if self.stride != (1, 1):
            parts.append(f"stride={self.stride}")
        if self.padding != (0, 0):
            parts.append(f"padding={self.padding}")
        if self.dilation != (1, 1):
            parts.append(f"dilation={self.dilation}")
        if self.bias is None:
            parts.append("bias=False")
        return ", ".join(parts)


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class Sigmoid(Module):
    """y = 1 / (1 + e⁻ˣ)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``. Parameters named ``"0.weight"`` …"""

    def __init__(self, *modules: Module):
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {index} must be a Module, got {type(module).__name__}")
            setattr(self, str(index), module)

    def __len__(self) -> int:
        return sum(1 for _ in self.named_children())

    def __getitem__(self, index: int) -> Module:
        return [module for _, module in self.named_children()][index]

    def __iter__(self) -> Iterator[Module]:
        return iter([module for _, module in self.named_children()])

    def forward(self, x: Tensor) -> Tensor:
        for module in self:
            x = module(x)
        return x
