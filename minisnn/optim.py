"""Optimisers: SGD (with momentum) and Adam, following PyTorch's update rules exactly.

Both update ``p.data`` in place from ``p.grad``; parameters whose ``grad`` is None are skipped (as in PyTorch).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minisnn.nn.module import Parameter


class Optimizer:
    """Shared plumbing: the parameter list, ``zero_grad``, and state dicts."""

    def __init__(self, params: Iterable[Parameter], lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: params is empty (did you pass model.parameters()?)")
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: lr must be > 0, got {lr}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to None."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError

    def _hyperparameters(self) -> dict[str, Any]:
        raise NotImplementedError

    def _buffers(self) -> dict[str, list[np.ndarray | None]]:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters, the step count and per-parameter buffers (lists in parameter order)."""
        return {
            "type": type(self).__name__,
            **self._hyperparameters(),
            **{k: [None if b is None else b.copy() for b in v] for k, v in self._buffers().items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (from the same kind of optimiser, same parameters)."""
        if state.get("type") != type(self).__name__:
            raise ValueError(f"load_state_dict: state is from {state.get('type')!r}, not {type(self).__name__}")
        buffers = self._buffers()
        for name, values in buffers.items():
            given = state.get(name)
            if given is None or len(given) != len(self.params):
                raise ValueError(
                    f"load_state_dict: {name!r} must have one entry per parameter ({len(self.params)}), got "
                    f"{None if given is None else len(given)}"
                )
            for i, (p, value) in enumerate(zip(self.params, given, strict=True)):
                if value is not None and np.shape(value) != p.shape:
                    raise ValueError(f"load_state_dict: {name}[{i}] has shape {np.shape(value)}, expected {p.shape}")
                values[i] = None if value is None else np.array(value, dtype=p.dtype)
        for key in self._hyperparameters():
            if key in state:
                value = state[key]
                setattr(self, key, tuple(value) if isinstance(value, list) else value)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (PyTorch's form, dampening 0):

    g ← ∇p + λ·p;    b ← μ·b + g (b = g at the first step);    p ← p − lr·b   (b = g when μ = 0)
    """

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        if momentum < 0:
            raise ValueError(f"SGD: momentum must be ≥ 0, got {momentum}")
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.momentum_buffer: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                buf = self.momentum_buffer[i]
                buf = g.copy() if buf is None else self.momentum * buf + g
                self.momentum_buffer[i] = buf
                g = buf
            p.data -= (self.lr * g).astype(p.dtype, copy=False)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}

    def _buffers(self) -> dict[str, list[np.ndarray | None]]:
        return {"momentum_buffer": self.momentum_buffer}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) exactly as ``torch.optim.Adam`` computes it (L2 weight decay, not AdamW):

    g ← ∇p + λ·p
    m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
    p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.step_count = 0
        self.exp_avg: list[np.ndarray | None] = [None] * len(self.params)
        self.exp_avg_sq: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        self.step_count += 1
        beta1, beta2 = self.betas
        t = self.step_count
        bias_correction1 = 1 - beta1**t
        bias_correction2_sqrt = math.sqrt(1 - beta2**t)  # a Python float: keeps float32 float32
        step_size = self.lr / bias_correction1
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.exp_avg[i] is None:
                self.exp_avg[i] = np.zeros_like(p.data)
                self.exp_avg_sq[i] = np.zeros_like(p.data)
            m, v = self.exp_avg[i], self.exp_avg_sq[i]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v) / bias_correction2_sqrt + self.eps
            p.data -= (step_size * m / denom).astype(p.dtype, copy=False)

    def _hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "step_count": self.step_count,
        }

    def _buffers(self) -> dict[str, list[np.ndarray | None]]:
        return {"exp_avg": self.exp_avg, "exp_avg_sq": self.exp_avg_sq}
