"""Spike functions with surrogate gradients as ``torch.autograd.Function``: the same σ'(x) as
:mod:`minisnn.surrogate`, written with the same operations in the same order (so float64 gradients agree to rounding).

    forward:  S = H(x) = [x ≥ 0]          backward:  dL/dx = dL/dS · σ'(x)

=============  ==========================================  ==============================================
name           σ'(x)                                        σ(x) (the smooth step, ``smooth=True``)
=============  ==========================================  ==============================================
fast_sigmoid   1 / (1 + k|x|)²                              x / (1 + k|x|)
arctan         (α/2) / (1 + (παx/2)²)                       arctan(παx/2)/π + 1/2
sigmoid        k·s(kx)·(1 − s(kx)), s(z) = (1 + tanh(z/2))/2  s(kx)
triangle       max(0, 1 − |x|/w) / w                        1/2 + z − sign(z)·z²/2, z = clip(x/w, −1, 1)
rectangle      1/w where |x| < w/2, else 0                  clip(x/w + 1/2, 0, 1)
=============  ==========================================  ==============================================

This file imports only torch and the standard library: the exported modules run without minisnn.
"""

from __future__ import annotations

import math
from typing import Any

import torch

NAMES = ("fast_sigmoid", "arctan", "sigmoid", "triangle", "rectangle")


def _logistic(z: torch.Tensor) -> torch.Tensor:
    return 0.5 * (torch.tanh(0.5 * z) + 1.0)


class TorchSurrogate:
    """One surrogate by ``name`` and its shape ``parameter`` (slope k, α or width w): σ'(x) and σ(x) on tensors.

    Calling it applies the spike function H with σ' as its gradient (``smooth=False``) or the smooth step σ itself
    (``smooth=True``, minisnn's ``surrogate.smooth``: a stand-in for the spike in gradient checks).
    """

    def __init__(self, name: str, parameter: float, smooth: bool = False):
        if name not in NAMES:
            raise ValueError(f"TorchSurrogate: name must be one of {NAMES}, got {name!r}")
        if not (math.isfinite(parameter) and parameter > 0):
            raise ValueError(f"TorchSurrogate: parameter must be positive and finite, got {parameter!r}")
        self.name, self.parameter, self.smooth = name, float(parameter), bool(smooth)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """σ'(x), elementwise."""
        p = self.parameter
        if self.name == "fast_sigmoid":
            return 1.0 / (1.0 + p * x.abs()) ** 2
        if self.name == "arctan":
            return (p / 2) / (1.0 + (math.pi * p * x / 2) ** 2)
        if self.name == "sigmoid":
            s = _logistic(p * x)
            return p * s * (1.0 - s)
        if self.name == "triangle":
            return torch.clamp_min(1.0 - x.abs() / p, 0.0) / p
        return (x.abs() < p / 2).to(x.dtype) / p  # rectangle

    def primitive(self, x: torch.Tensor) -> torch.Tensor:
        """σ(x), the smooth step whose exact derivative is σ'."""
        p = self.parameter
        if self.name == "fast_sigmoid":
            return x / (1.0 + p * x.abs())
        if self.name == "arctan":
            return torch.arctan(math.pi * p * x / 2) / math.pi + 0.5
        if self.name == "sigmoid":
            return _logistic(p * x)
        if self.name == "triangle":
            z = torch.clamp(x / p, -1.0, 1.0)
            return 0.5 + z - torch.sign(z) * z * z / 2
        return torch.clamp(x / p + 0.5, 0.0, 1.0)  # rectangle

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (SmoothStep if self.smooth else SpikeFunction).apply(x, self)

    def __repr__(self) -> str:
        return f"{self.name}({self.parameter:g}{', smooth' if self.smooth else ''})"


class SpikeFunction(torch.autograd.Function):
    """S = [x ≥ 0] forward; dL/dx = dL/dS · σ'(x) backward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, surrogate: TorchSurrogate) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad * ctx.surrogate.derivative(x).to(grad.dtype), None


class SmoothStep(torch.autograd.Function):
    """y = σ(x) forward; dL/dx = dL/dy · σ'(x) backward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, surrogate: TorchSurrogate) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return surrogate.primitive(x).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad * ctx.surrogate.derivative(x).to(grad.dtype), None
