"""Primitive differentiable operations, each a :class:`~minisnn.tensor.Function` with forward and backward.

Notation: ``x``, ``a``, ``b`` are the input arrays, ``y`` the output, ``g`` = dL/dy the upstream gradient.
Every ``backward`` returns dL/d(input) = g · dy/d(input), one entry per input, in input order.

Binary operations broadcast like NumPy. Broadcasting copies a value to many output positions, so in
backward the gradients of all those copies are summed back: that is :func:`unbroadcast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minisnn.tensor import Function, Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of ``np.broadcast_to(x, grad.shape)``.

    Leading axes that broadcasting added are summed away; axes where ``shape`` has size 1 are summed with
    ``keepdims``. Example: shape (3, 1) broadcast to (2, 3, 4) → sum over axis 0, then over axis 2 (kept).
    """
    if grad.shape == shape:
        return grad
    grad = np.asarray(grad)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    size_one_axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if size_one_axes:
        grad = grad.sum(axis=size_one_axes, keepdims=True)
    return np.asarray(grad)


# ----------------------------------------------------------------------------------------------- arithmetic
class Add(Function):
    """y = a + b;  dL/da = g, dL/db = g (each unbroadcast)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        sa, sb = self.shapes
        return (
            unbroadcast(grad, sa) if self.needs_input_grad[0] else None,
            unbroadcast(grad, sb) if self.needs_input_grad[1] else None,
        )


class Sub(Function):
    """y = a − b;  dL/da = g, dL/db = −g."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        sa, sb = self.shapes
        return (
            unbroadcast(grad, sa) if self.needs_input_grad[0] else None,
            unbroadcast(-grad, sb) if self.needs_input_grad[1] else None,
        )


class Mul(Function):
    """y = a · b;  dL/da = g · b, dL/db = g · a."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        return (
            unbroadcast(grad * b, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(grad * a, b.shape) if self.needs_input_grad[1] else None,
        )


class Div(Function):
    """y = a / b;  dL/da = g / b, dL/db = −g · a / b²."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save_for_backward(a, b)
        return a / b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        return (
            unbroadcast(grad / b, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(-grad * a / (b * b), b.shape) if self.needs_input_grad[1] else None,
        )


class Neg(Function):
    """y = −x;  dL/dx = −g."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return -grad


class Pow(Function):
    """y = x^p for a constant scalar p;  dL/dx = g · p · x^(p−1)."""

    def forward(self, x: np.ndarray, exponent: float) -> np.ndarray:
        if not np.isscalar(exponent):
            raise TypeError(f"pow: exponent must be a Python/NumPy scalar, got {type(exponent).__name__}")
        self.save_for_backward(x)
        self.exponent = exponent
        return x**exponent

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * self.exponent * x ** (self.exponent - 1)


class Exp(Function):
    """y = eˣ;  dL/dx = g · y."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x;  dL/dx = g / x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad / x


class Cast(Function):
    """y = x converted to another floating dtype;  dL/dx = g converted back."""

    def forward(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.astype(self.input_dtype)


# --------------------------------------------------------------------------------------------- activations
class ReLU(Function):
    """y = max(x, 0);  dL/dx = g · [x > 0]  (the subgradient 0 is used at x = 0)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        positive = x > 0
        self.save_for_backward(positive)
        return x * positive

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (positive,) = self.saved_tensors
        return grad * positive


class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e⁻ˣ), computed as (1 + tanh(x/2)) / 2 (no overflow);  dL/dx = g · y (1 − y)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = 0.5 * (np.tanh(0.5 * x) + 1.0)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad * y * (1.0 - y)


class Clip(Function):
    """y = min(max(x, low), high);  dL/dx = g where low ≤ x ≤ high, else 0 (as in PyTorch's clamp)."""

    def forward(self, x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        self.save_for_backward(inside)
        return np.clip(x, low, high)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (inside,) = self.saved_tensors
        return grad * inside


class Where(Function):
    """y = a where ``condition`` else b (``condition`` is a constant boolean array, not differentiated).

    dL/da = g · condition, dL/db = g · (1 − condition), each unbroadcast.
    """

    def forward(self, a: np.ndarray, b: np.ndarray, condition: np.ndarray) -> np.ndarray:
        condition = np.asarray(condition, dtype=bool)
        self.save_for_backward(condition)
        self.shapes = (a.shape, b.shape)
        return np.where(condition, a, b)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (condition,) = self.saved_tensors
        sa, sb = self.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (
            unbroadcast(np.where(condition, grad, zero), sa) if self.needs_input_grad[0] else None,
            unbroadcast(np.where(condition, zero, grad), sb) if self.needs_input_grad[1] else None,
        )


# -------------------------------------------------------------------------------------------- reductions
def _normalise_axis(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalised = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        normalised.append(int(a) % max(ndim, 1))
    return tuple(sorted(normalised))


def _expand_reduced(grad: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...]) -> np.ndarray:
    """Put the reduced axes back (size 1) and broadcast ``grad`` to the input ``shape``."""
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return np.broadcast_to(grad.reshape(kept_shape), shape)


class Sum(Function):
    """y = Σ_axis x;  dL/dx = g broadcast back over the summed axes."""

    def forward(self, x: np.ndarray, axis: int | Sequence[int] | None, keepdims: bool) -> np.ndarray:
        self.shape = x.shape
        self.axes = _normalise_axis(axis, x.ndim)
        return np.asarray(x.sum(axis=self.axes, keepdims=keepdims))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return _expand_reduced(grad, self.shape, self.axes)


class Mean(Function):
    """y = (1/n) Σ_axis x with n the number of summed elements;  dL/dx = g / n broadcast back."""

    def forward(self, x: np.ndarray, axis: int | Sequence[int] | None, keepdims: bool) -> np.ndarray:
        self.shape = x.shape
        self.axes = _normalise_axis(axis, x.ndim)
        self.count = int(np.prod([x.shape[a] for a in self.axes])) if x.ndim else 1
        return np.asarray(x.mean(axis=self.axes, keepdims=keepdims))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return _expand_reduced(grad / self.count, self.shape, self.axes)


class Max(Function):
    """y = max_axis x;  dL/dx = g shared equally among the positions that attain the maximum."""

    def forward(self, x: np.ndarray, axis: int | None, keepdims: bool) -> np.ndarray:
        self.shape = x.shape
        self.axes = _normalise_axis(axis, x.ndim)
        y = x.max(axis=self.axes, keepdims=True)
        is_max = x == y
        self.save_for_backward(is_max / is_max.sum(axis=self.axes, keepdims=True, dtype=x.dtype))
        return np.asarray(y if keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes]))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (share,) = self.saved_tensors
        return _expand_reduced(grad, self.shape, self.axes) * share


# ---------------------------------------------------------------------------------------- shape movement
class Reshape(Function):
    """y = x viewed with a new shape (same elements, C order);  dL/dx = g reshaped back."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {tuple(shape)}") from None

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.input_shape)


class Transpose(Function):
    """y = x with axes permuted (reversed when ``axes`` is None);  dL/dx = g with the inverse permutation."""

    def forward(self, x: np.ndarray, axes: Sequence[int] | None) -> np.ndarray:
        if axes is not None and sorted(int(a) % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of {x.ndim} axes")
        self.axes = axes
        return x.transpose(axes)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self.axes is None:
            return grad.transpose()
        return grad.transpose(np.argsort([int(a) % grad.ndim for a in self.axes]))


class GetItem(Function):
    """y = x[index];  dL/dx = zeros with g added at the indexed positions (repeats accumulate)."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.input_shape = x.shape
        self.index = index.data if isinstance(index, Tensor) else index
        return np.asarray(x[self.index])

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = np.zeros(self.input_shape, dtype=grad.dtype)
        parts = self.index if isinstance(self.index, tuple) else (self.index,)
        if any(isinstance(p, (list, np.ndarray)) for p in parts):
            np.add.at(out, self.index, grad)  # advanced indexing may repeat positions
        else:
            out[self.index] = grad  # basic slicing: each position at most once
        return out


class Concatenate(Function):
    """y = concatenate([x₁, x₂, …], axis);  dL/dxᵢ = the slice of g that came from xᵢ."""

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        self.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, self.splits, axis=self.axis))


class Stack(Function):
    """y = stack([x₁, x₂, …], axis) (a new axis);  dL/dxᵢ = g indexed at i along that axis."""

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, self.axis, 0))


class Pad(Function):
    """y = x padded with a constant;  dL/dx = the centre of g (the padding gets no gradient).

    ``pad_width`` is NumPy's: one ``(before, after)`` pair per axis.
    """

    def forward(self, x: np.ndarray, pad_width: Sequence[tuple[int, int]], value: float) -> np.ndarray:
        pad_width = tuple((int(b), int(a)) for b, a in pad_width)
        if len(pad_width) != x.ndim or any(b < 0 or a < 0 for b, a in pad_width):
            raise ValueError(
                f"pad: pad_width needs one non-negative (before, after) pair per axis ({x.ndim}), got {pad_width}"
            )
        self.centre = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, x.shape, strict=True))
        return np.pad(x, pad_width, mode="constant", constant_values=value)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad[self.centre]


# ---------------------------------------------------------------------------------------- linear algebra
class MatMul(Function):
    """y = a @ b (with NumPy's batch broadcasting; 1-D operands as in NumPy).

    dL/da = g @ bᵀ, dL/db = aᵀ @ g (transposes over the last two axes), batch axes unbroadcast.
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul: both operands need at least one dimension; use * for scalars")
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} do not match: the last axis of the first ({k_a}) must "
                f"equal the {'second-to-last' if b.ndim > 1 else 'only'} axis of the second ({k_b})"
            )
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a  # (…, m, k)
        b2 = b[:, None] if b.ndim == 1 else b  # (…, k, n)
        g2 = grad
        if a.ndim == 1:
            g2 = g2[..., None, :]
        if b.ndim == 1:
            g2 = g2[..., None]
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return grad_a, grad_b
