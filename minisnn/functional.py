"""User-facing functions on Tensors (import as ``F``): activations, linear layers, convolution, pooling, losses,
a metric, array plumbing.

Each function validates its arguments (clear errors naming the argument, the expected and the given value)
and then calls the primitive :class:`~minisnn.tensor.Function` that does the work.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from minisnn import ops
from minisnn.conv import Conv2dFunction, as_pair, conv_output_size
from minisnn.linear import Linear
from minisnn.pool import AvgPool2d, MaxPool2d, pool_geometry, pool_output_shape
from minisnn.softmax import REDUCTIONS, CrossEntropy, LogSoftmax, Softmax, class_labels
from minisnn.tensor import Tensor

__all__ = [
    "accuracy",
    "as_tensor",
    "avg_pool2d",
    "clip",
    "concatenate",
    "conv2d",
    "cross_entropy",
    "dropout",
    "exp",
    "flatten",
    "linear",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "max_pool2d",
    "mean",
    "mse_loss",
    "pad",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
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


def _softmax_axis(x: Tensor, axis: int, owner: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{owner}: x must have at least one axis, got a 0-d tensor")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"{owner}: axis must be an int in [{-x.ndim}, {x.ndim}) for x of shape {x.shape}, got {axis!r}"
        )
    return int(axis) % x.ndim


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """e^{x_k} / Σ_j e^{x_j} along ``axis`` (computed with the maximum subtracted: no overflow)."""
    x = as_tensor(x, "x")
    return Softmax.apply(x, axis=_softmax_axis(x, axis, "softmax"))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along ``axis``: log-probabilities, stable for logits of any size (:mod:`minisnn.softmax`)."""
    x = as_tensor(x, "x")
    return LogSoftmax.apply(x, axis=_softmax_axis(x, axis, "log_softmax"))


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


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim`` … ``end_dim`` (inclusive, negative counts from the end) into one, as
    ``torch.flatten``: (N, C, H, W) with start_dim=1 → (N, C·H·W). A 0-d tensor becomes shape (1,)."""
    x = as_tensor(x, "x")
    ndim = builtins.max(x.ndim, 1)
    for name, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
        if not isinstance(dim, (int, np.integer)) or not -ndim <= dim < ndim:
            raise ValueError(
                f"flatten: {name} must be an int in [{-ndim}, {ndim}) for x of shape {x.shape}, got {dim!r}"
            )
    start, end = int(start_dim) % ndim, int(end_dim) % ndim
    if start > end:
        raise ValueError(
            f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim}) for x of shape {x.shape}"
        )
    shape = x.shape or (1,)
    return x.reshape((*shape[:start], int(np.prod(shape[start : end + 1])), *shape[end + 1 :]))


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


# ---------------------------------------------------------------------------------------- linear layers
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b over the last axis of x (PyTorch's layout), see :mod:`minisnn.linear`.

    Args:
        x: (…, F_in) — any number of leading axes, e.g. (N, F_in) or time-major (T, N, F_in).
        weight: (F_out, F_in).
        bias: (F_out,) or None.
    Returns:
        (…, F_out).
    """
    x = as_tensor(x, "x")
    weight = as_tensor(weight, "weight")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: x must have shape (..., {weight.shape[1]}) (the in_features of weight {weight.shape}), "
            f"got {x.shape}"
        )
    inputs = [x, weight]
    if bias is not None:
        bias = as_tensor(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        inputs.append(bias)
    return Linear.apply(*inputs)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: np.random.Generator | int | None = None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest by 1/(1 − p)
    (so the expected value is unchanged); identity when ``training`` is False or p = 0.

    Args:
        p: the drop probability, in [0, 1).
        rng: Generator or seed that draws the mask (pass the same Generator to get a fresh mask each call).
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p < 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1), got {p!r}")
    x = as_tensor(x, "x")
    if not training or p == 0:
        return x
    keep = np.random.default_rng(rng).random(x.shape) >= p
    return x * (keep / (1.0 - p))


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
            kw·C ≥ 64 and more than one tap, im2col otherwise: :func:`minisnn.conv.shifted_gemm_applies`); the
            same numbers either way, up to float rounding.
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
    if 0 in weight.shape:
        raise ValueError(
            f"conv2d: weight must have at least one output channel, input channel and kernel tap, got shape "
            f"{weight.shape}"
        )
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


# ---------------------------------------------------------------------------------------------- pooling
def _pool(function: type, owner: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any) -> Tensor:
    x = as_tensor(x, "x")
    if x.ndim != 4:
        raise ValueError(f"{owner}: x must be 4-D (N, C, H, W), got shape {x.shape}")
    kernel, stride, padding = pool_geometry(kernel_size, stride, padding, owner)
    if builtins.min(pool_output_shape(x.shape, kernel, stride, padding)) < 1:
        raise ValueError(
            f"{owner}: the window (kernel_size={kernel}) is larger than the padded input: x has spatial size "
            f"{x.shape[2:]} and padding={padding}"
        )
    return function.apply(x, kernel=kernel, stride=stride, padding=padding)


def avg_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """Mean of each kh×kw window on NCHW; padded zeros count in the mean (PyTorch's ``count_include_pad=True``).

    x (N, C, H, W) → (N, C, H', W'), H' = ⌊(H + 2·ph − kh) / sh⌋ + 1. ``stride`` defaults to the kernel size;
    padding may be at most half the kernel. See :mod:`minisnn.pool`.
    """
    return _pool(AvgPool2d, "avg_pool2d", x, kernel_size, stride, padding)


def max_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """Maximum of each kh×kw window on NCHW (−inf padding); the gradient goes to each window's first maximum.

    x (N, C, H, W) → (N, C, H', W'), H' = ⌊(H + 2·ph − kh) / sh⌋ + 1. ``stride`` defaults to the kernel size;
    padding may be at most half the kernel. See :mod:`minisnn.pool`.
    """
    return _pool(MaxPool2d, "max_pool2d", x, kernel_size, stride, padding)


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


def cross_entropy(logits: Tensor, labels: Any, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy against integer class labels, PyTorch's ``F.cross_entropy`` (see :mod:`minisnn.softmax`).

        ℓ = −Σ_k t_k · log_softmax(logits)_k,    t = (1 − ε)·onehot(label) + ε/K    (ε = label_smoothing)

    Args:
        logits: (N, K), or (N, K, d1, …) with the classes on axis 1, or a single sample (K,).
        labels: integer ndarray or list of class indices in [0, K), shape (N,) / (N, d1, …) / (); not
            differentiated.
        reduction: "mean" (÷ N·d1·…), "sum" or "none" (returns shape (N, d1, …)).
        label_smoothing: ε in [0, 1].
    Returns:
        The loss, a 0-d Tensor unless reduction is "none". Finite for logits as large as ±1e4.
    """
    logits = as_tensor(logits, "logits")
    labels = class_labels("cross_entropy", logits.shape, labels)
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.integer, np.floating)):
        raise TypeError(f"cross_entropy: label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return CrossEntropy.apply(logits, labels=labels, reduction=reduction, label_smoothing=float(label_smoothing))


# ----------------------------------------------------------------------------------------------- metrics
def accuracy(logits: Tensor | np.ndarray, labels: Any) -> float:
    """The fraction of samples whose largest logit (first one on ties) is at the label. A metric, not a loss:
    not differentiable; returns a Python float (nan for an empty batch).

    Args:
        logits: (N, K) or (N, K, d1, …) (classes on axis 1, as in :func:`cross_entropy`), or (K,); a Tensor
            or an ndarray.
        labels: integer class indices in [0, K), shape (N,) / (N, d1, …) / ().
    """
    scores = np.asarray(logits.data if isinstance(logits, Tensor) else logits)
    labels = class_labels("accuracy", scores.shape, labels)
    if labels.size == 0:
        return float("nan")
    predicted = scores.argmax(axis=1 if scores.ndim >= 2 else 0)
    return float(np.mean(predicted == labels))
