"""User-facing functions on Tensors (import as ``F``): activations, convolution, losses, array plumbing.

Each function validates its arguments (clear errors naming the argument, the expected and the given value)
and then calls the primitive :class:`~minisnn.tensor.Function` that does the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minisnn import ops
from minisnn.conv import Conv2dFunction, as_pair, conv_output_size
from minisnn.tensor import Tensor

__all__ = [
    "as_tensor",
    "clip",
    "concatenate",
    "conv2d",
    "exp",
    "log",
    "matmul",
    "max",
    "mean",
    "mse_loss",
    "pad",
    "relu",
    "reshape",
    "sigmoid",
    "stack",
    "sum",
    "transpose",
    "where",
]


def as_tensor(value: Any, name: str = "input") -> Tensor:
    """``value`` as a Tensor; ndarrays must be floating point (integer data is rejected, naming ``name``)."""
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} must hold floating-point numbers (float32 or float64), got dtype {array.dtype}; "
            f"convert it, e.g. {name}.astype(np.float32)"
        )
    return Tensor(array)


# ------------------------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return ops.ReLU.apply(as_tensor(x, "x"))


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ), elementwise."""
    return ops.Sigmoid.apply(as_tensor(x, "x"))


def exp(x: Tensor) -> Tensor:
    """eˣ, elementwise."""
    return ops.Exp.apply(as_tensor(x, "x"))


def log(x: Tensor) -> Tensor:
    """Natural logarithm, elementwise."""
    return ops.Log.apply(as_tensor(x, "x"))


def clip(x: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """min(max(x, low), high); the gradient passes only where low ≤ x ≤ high."""
    return ops.Clip.apply(as_tensor(x, "x"), low=low, high=high)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` (a boolean array, not differentiated) is true, else ``b``; broadcasts."""
    condition = condition.data if isinstance(condition, Tensor) else condition
    return ops.Where.apply(a, b, condition=np.asarray(condition, dtype=bool))


# -------------------------------------------------------------------------------------------- reductions
def sum(x: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x, "x").sum(axis=axis, keepdims=keepdims)


def mean(x: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    return as_tensor(x, "x").mean(axis=axis, keepdims=keepdims)


def max(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x, "x").max(axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------------------- shape movement
def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    return as_tensor(x, "x").reshape(tuple(shape))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    return ops.Transpose.apply(as_tensor(x, "x"), axes=axes)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b with NumPy's broadcasting of batch axes."""
    return ops.MatMul.apply(as_tensor(a, "a"), as_tensor(b, "b"))


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if len(tensors) == 0:
        raise ValueError("concatenate: tensors must be a non-empty sequence")
    return ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    if len(tensors) == 0:
        raise ValueError("stack: tensors must be a non-empty sequence")
    shapes = {tuple(np.shape(t.data if isinstance(t, Tensor) else t)) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return ops.Stack.apply(*tensors, axis=axis)


def pad(x: Tensor, pad_width: Sequence[tuple[int, int]], value: float = 0.0) -> Tensor:
    """Constant padding; ``pad_width`` is NumPy's (one (before, after) pair per axis)."""
    return ops.Pad.apply(as_tensor(x, "x"), pad_width=pad_width, value=value)


# ------------------------------------------------------------------------------------------- convolution
def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    algorithm: str = "auto",
) -> Tensor:
    """2-D convolution (cross-correlation) on NCHW tensors, PyTorch's weight layout.

    Args:
        x: (N, C, H, W).
        weight: (O, C, kh, kw).
        bias: (O,) or None.
        stride, padding, dilation: an int or an (h, w) pair.
        algorithm: "im2col", "shifted" (stride 1 only) or "auto" (shifted GEMMs for stride-1 convolutions with
            C·kh·kw ≥ 64, im2col otherwise); the same numbers either way, up to float rounding.
    Returns:
        (N, O, H', W') with H' = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1 (likewise W').

    See :mod:`minisnn.conv` for both algorithms and :func:`minisnn.conv.conv2d_reference` for the definition
    as loops.
    """
    x = as_tensor(x, "x")
    weight = as_tensor(weight, "weight")
    if x.ndim != 4:
        raise ValueError(f"conv2d: x must be 4-D (N, C, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (O, C, kh, kw), got shape {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"conv2d: x has {x.shape[1]} channels (shape {x.shape}) but weight expects {weight.shape[1]} "
            f"(weight shape {weight.shape})"
        )
    stride = as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    dilation = as_pair(dilation, "dilation", 1)
    sizes = [conv_output_size(x.shape[2 + a], weight.shape[2 + a], stride[a], padding[a], dilation[a]) for a in (0, 1)]
    if min(sizes) < 1:
        raise ValueError(
            f"conv2d: the input's spatial size {x.shape[2:]} with padding {padding} is smaller than the "
            f"dilated kernel ({weight.shape[2]}x{weight.shape[3]}, dilation {dilation})"
        )
    inputs = [x, weight]
    if bias is not None:
        bias = as_tensor(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"conv2d: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        inputs.append(bias)
    return Conv2dFunction.apply(*inputs, stride=stride, padding=padding, dilation=dilation, algorithm=algorithm)


# ------------------------------------------------------------------------------------------------ losses
def mse_loss(pred: Tensor, target: Any, reduction: str = "mean", weight: Any = None) -> Tensor:
    """Mean squared error, optionally weighted per element.

        e = w · (pred − target)²        (w = 1 when ``weight`` is None)

    reduction "mean" → Σ e / (number of elements of pred), "sum" → Σ e, "none" → e (pred's shape).

    Args:
        pred: any shape.
        target: the same shape as pred (Tensor or ndarray; not broadcast, to catch shape mistakes).
        weight: broadcastable to pred's shape, e.g. a mask (N, 1, H, W) for pred (N, 3, H, W), to weight
            the hole more than the known pixels.
    """
    pred = as_tensor(pred, "pred")
    target = as_tensor(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"mse_loss: pred has shape {pred.shape} but target has shape {target.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    diff = pred - target
    squared = diff * diff
    if weight is not None:
        weight = as_tensor(weight, "weight")
        try:
            fits = np.broadcast_shapes(weight.shape, pred.shape) == pred.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"mse_loss: weight of shape {weight.shape} does not broadcast to pred's shape {pred.shape}"
            )
        squared = squared * weight
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    return squared
