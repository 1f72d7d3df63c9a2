"""Optimisers: SGD (with momentum) and Adam, following PyTorch's update rules exactly.

Both update ``p.data`` in place from ``p.grad``; parameters whose ``grad`` is None are skipped (as in PyTorch).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minisnn.nn.module import Parameter


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _number(owner: str, name: str, value: Any, positive: bool = False) -> float:
    """A finite real number ≥ 0 (> 0 with ``positive``) as a float; TypeError/ValueError naming ``name``."""
    expected = f"{'>' if positive else '≥'} 0 and finite"
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be a real number {expected}, got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return float(value)


def _betas(owner: str, value: Any) -> tuple[float, float]:
    expected = "a pair of numbers in [0, 1)"
    pair = list(value) if isinstance(value, (tuple, list, np.ndarray)) else None
    if pair is None or not all(_is_real(b) for b in pair):
        raise TypeError(f"{owner}: betas must be {expected}, got {value!r} ({type(value).__name__})")
    if len(pair) != 2 or not all(0 <= b < 1 for b in pair):  # NaN fails the comparison
        raise ValueError(f"{owner}: betas must be {expected}, got {value!r}")
    return float(pair[0]), float(pair[1])


def _step_count(owner: str, value: Any) -> int:
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0):
        raise ValueError(f"{owner}: step_count must be an int ≥ 0, got {value!r}")
    return int(value)


class Optimizer:
    """Shared plumbing: the parameter list, ``zero_grad``, and state dicts.

    Hyper-parameters are checked when given and when loaded (:meth:`load_state_dict`): ``lr`` a finite number
    > 0; ``momentum``, ``weight_decay``, ``eps`` finite numbers ≥ 0; Adam's ``betas`` a pair in [0, 1). A wrong
    type is a TypeError, a value out of range a ValueError, both naming the argument.
    """

    def __init__(self, params: Iterable[Parameter], lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: params is empty (did you pass model.parameters()?)")
        seen: dict[int, int] = {}
        for k, p in enumerate(self.params):
            if id(p) in seen:  # it would be updated twice per step
                raise ValueError(
                    f"{type(self).__name__}: params holds the same parameter twice (entries {seen[id(p)]} and {k}, "
                    f"shape {p.shape}); pass each parameter once (model.parameters() does)"
                )
            seen[id(p)] = k
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0, checked whenever it is set (a schedule sets it every step)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = self._check("lr", value)

    def _check(self, name: str, value: Any) -> Any:
        """Validate hyper-parameter ``name`` (see the class docstring); returns it as a float/tuple/int."""
        owner = type(self).__name__
        if name == "betas":
            return _betas(owner, value)
        if name == "step_count":
            return _step_count(owner, value)
        return _number(owner, name, value, positive=name == "lr")

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
        restored: dict[str, list[np.ndarray | None]] = {}
        for name in buffers:
            given = state.get(name)
            if given is None or len(given) != len(self.params):
                raise ValueError(
                    f"load_state_dict: {name!r} must have one entry per parameter ({len(self.params)}), got "
                    f"{None if given is None else len(given)}"
                )
            restored[name] = []
            for i, (p, value) in enumerate(zip(self.params, given, strict=True)):
                if value is not None and np.shape(value) != p.shape:
                    raise ValueError(f"load_state_dict: {name}[{i}] has shape {np.shape(value)}, expected {p.shape}")
                array = None if value is None else np.array(value, dtype=p.dtype)
                if array is not None and not np.all(np.isfinite(array)):
                    # an inf second moment freezes its weight for good; a NaN spreads: a diverged run's state
                    raise ValueError(f"load_state_dict: {name}[{i}] holds NaN or inf (the state of a diverged run?)")
                restored[name].append(array)
        checked = {key: self._check(key, state[key]) for key in self._hyperparameters() if key in state}
        for name, values in restored.items():  # all checked first: a bad state changes nothing
            buffers[name][:] = values
        for key, value in checked.items():
            setattr(self, key, value)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (PyTorch's form, dampening 0):

    g ← ∇p + λ·p;    b ← μ·b + g (b = g at the first step);    p ← p − lr·b   (b = g when μ = 0)
    """

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = self._check("momentum", momentum)
        self.weight_decay = self._check("weight_decay", weight_decay)
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
        self.betas = self._check("betas", betas)
        self.eps = self._check("eps", eps)
        self.weight_decay = self._check("weight_decay", weight_decay)
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
