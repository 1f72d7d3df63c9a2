"""Ordinary (non-spiking) layers: Linear, Conv2d, pooling, Flatten, Dropout, ReLU, Sigmoid, Sequential."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn.conv import as_pair
from minisnn.nn import init
from minisnn.nn.module import Module, Parameter
from minisnn.pool import pool_geometry
from minisnn.tensor import Tensor


class Linear(Module):
    """Fully connected layer: y = x Wᵀ + b over the last axis of x.

    Args:
        in_features, out_features: the sizes F_in and F_out, as in PyTorch.
        bias: learn a per-output bias.
        rng: Generator or seed for the initialisation (PyTorch's default: Kaiming-uniform with a = √5,
            i.e. weight and bias ~ U(−1/√F_in, 1/√F_in)).
        dtype: float32 (training) or float64 (gradient checks).

    Shapes: input (…, F_in) — e.g. (N, F_in) or time-major (T, N, F_in) — → output (…, F_out);
    weight (F_out, F_in); bias (F_out,).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float32,
    ):
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = np.random.default_rng(rng)
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(init.kaiming_uniform(shape, self.in_features, rng=rng, dtype=dtype))
        self.bias = (
            Parameter(init.uniform_bias(self.out_features, self.in_features, rng=rng, dtype=dtype)) if bias else None
        )

    def forward(self, x: Tensor) -> Tensor:
        x = F.as_tensor(x, "x")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expected input of shape (..., {self.in_features}), got {tuple(x.shape)}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


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


class _Pool2d(Module):
    """Shared by AvgPool2d and MaxPool2d: validated geometry, the call and the repr."""

    owner = ""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ):
        self.kernel_size, self.stride, self.padding = pool_geometry(kernel_size, stride, padding, type(self).__name__)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_Pool2d):
    """Mean over kh×kw windows, NCHW: (N, C, H, W) → (N, C, H', W'); see :func:`minisnn.functional.avg_pool2d`.

    Args:
        kernel_size, stride, padding: an int or an (h, w) pair; stride defaults to the kernel size, padding is at
            most half the kernel.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool2d):
    """Maximum over kh×kw windows, NCHW: (N, C, H, W) → (N, C, H', W'); see :func:`minisnn.functional.max_pool2d`.

    Args:
        kernel_size, stride, padding: an int or an (h, w) pair; stride defaults to the kernel size, padding is at
            most half the kernel.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class Flatten(Module):
    """Merge axes ``start_dim`` … ``end_dim`` into one, as ``torch.nn.Flatten``: (N, C, H, W) → (N, C·H·W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Flatten: {name} must be an int, got {value!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout: in train mode zero each element with probability p and scale the rest by 1/(1 − p);
    identity in eval mode (and for p = 0). See :func:`minisnn.functional.dropout`.

    Args:
        p: drop probability in [0, 1).
        rng: Generator or seed; the layer keeps one Generator, so each call draws a new mask and two layers
            built with the same seed draw the same sequence of masks.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


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


class TimeDistributed(Module):
    """Apply a per-sample layer at every time step of a time-major input, by folding T into the batch::

        (T, N, *shape) → reshape (T·N, *shape) → module → (T·N, *out) → reshape (T, N, *out)

    One batched call instead of T (like SpikingJelly's ``SeqToANNContainer`` and Keras's ``TimeDistributed``).
    Use it for layers that expect a batch axis first -- ``Conv2d``, pooling, ``Flatten`` -- in a spiking
    network on (T, N, C, H, W); ``Linear`` needs no wrapper (it works on any leading axes)::

        nn.Sequential(nn.TimeDistributed(nn.Conv2d(1, 8, 3, padding=1)), nn.LIF(),
                      nn.TimeDistributed(nn.AvgPool2d(2)), nn.TimeDistributed(nn.Flatten()), nn.Linear(8 * 8 * 8, 10))
    """

    def __init__(self, module: Module):
        if not isinstance(module, Module):
            raise TypeError(f"TimeDistributed: module must be a Module, got {type(module).__name__}")
        self.module = module

    def forward(self, x: Tensor) -> Tensor:
        x = F.as_tensor(x, "x")
        if x.ndim < 2:
            name = type(self.module).__name__
            raise ValueError(f"TimeDistributed({name}): expected (T, N, ...), got shape {x.shape}")
        t, n = x.shape[:2]
        out = self.module(x.reshape(t * n, *x.shape[2:]))
        return out.reshape(t, n, *out.shape[1:])
