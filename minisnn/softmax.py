"""Softmax, log-softmax and the fused softmax cross-entropy loss, each a :class:`~minisnn.tensor.Function`.

Along one axis (the class axis) of x:

    softmax(x)_k     = e^{x_k} / Σ_j e^{x_j}
    log_softmax(x)_k = x_k − logsumexp(x),   logsumexp(x) = m + ln Σ_j e^{x_j − m},   m = max_j x_j

Subtracting the maximum m changes nothing mathematically but keeps every exponent ≤ 0, so nothing overflows
(logits of ±1e4 give finite values, where e^{1e4} would be inf).

**Backward**, with g the upstream gradient and p = softmax(x) (the Jacobian of softmax is diag(p) − p pᵀ):

    log_softmax:  dL/dx = g − p · Σ_k g_k
    softmax:      dL/dx = p · (g − Σ_k g_k p_k)

**Cross-entropy** of logits z (N, K, d1, …) against integer labels y (N, d1, …), class axis 1, with label
smoothing ε (PyTorch's definition: the target distribution is t = (1 − ε)·onehot(y) + ε/K):

    ℓ[n, …] = −Σ_k t_k · log_softmax(z[n, :, …])_k
            = (1 − ε) · (−log p_y) + ε · mean_k(−log p_k)

reduced by "mean" (÷ N·d1·…), "sum" or "none" (shape (N, d1, …)). Fused into one Function because its
gradient is so simple — since Σ_k t_k = 1,

    dL/dz = (p − t) · scale,   scale = g (per element for "none"), g (for "sum") or g / (N·d1·…) (for "mean")

— and because it needs only the saved log-probabilities. Labels are options, never differentiated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn.tensor import Function, Tensor

REDUCTIONS = ("mean", "sum", "none")


def class_labels(owner: str, logits_shape: tuple[int, ...], labels: Any) -> np.ndarray:
    """``labels`` checked against logits (N, K, d1, …) — integer class indices of shape (N, d1, …) in [0, K) —
    as an intp array. Raises TypeError/ValueError naming ``owner``, the expected and the given dtype, shape or
    value. Used by ``F.cross_entropy`` and ``F.accuracy``."""
    if isinstance(labels, Tensor):
        raise TypeError(
            f"{owner}: labels must be an integer ndarray or list (class indices), got a Tensor (dtype "
            f"{labels.dtype}); pass labels.data.astype(np.int64) if they are whole numbers"
        )
    array = np.asarray(labels)
    if array.size == 0 and not isinstance(labels, np.ndarray):
        array = array.astype(np.int64)  # [] is float64 to NumPy
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner}: labels must hold integers (class indices), got dtype {array.dtype}")
    if len(logits_shape) == 0:
        raise ValueError(f"{owner}: logits must have shape (K,), (N, K) or (N, K, d1, ...), got a 0-d tensor")
    class_axis = 1 if len(logits_shape) >= 2 else 0
    expected = logits_shape[:class_axis] + logits_shape[class_axis + 1 :]
    if array.shape != expected:
        raise ValueError(
            f"{owner}: labels must have shape {expected} for logits of shape {logits_shape} (classes on axis "
            f"{class_axis}), got {array.shape}"
        )
    classes = logits_shape[class_axis]
    outside = (array < 0) | (array >= classes)
    if outside.any():
        raise ValueError(
            f"{owner}: labels must be class indices in [0, {classes}) (logits have {classes} classes), got "
            f"{array[outside].ravel()[0]} ({int(outside.sum())} labels out of range)"
        )
    return array.astype(np.intp, copy=False)


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """x − logsumexp(x) along ``axis``, stable (the maximum is subtracted first); plain NumPy."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """y = x − logsumexp(x) along ``axis``;  dL/dx = g − softmax(x) · Σ_axis g."""

    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        y = log_softmax_array(x, axis)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return grad - np.exp(y) * grad.sum(axis=self.axis, keepdims=True)


class Softmax(Function):
    """y = e^{x − m} / Σ e^{x − m} along ``axis`` (m the maximum);  dL/dx = y · (g − Σ_axis g·y)."""

    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (y,) = self.saved_tensors
        return y * (grad - (grad * y).sum(axis=self.axis, keepdims=True))


class CrossEntropy(Function):
    """Softmax cross-entropy of logits against integer labels, with label smoothing; see the module docstring.

    Shapes: logits (N, K, d1, …) (class axis 1; a single sample (K,) has class axis 0), labels (N, d1, …)
    int → loss () for "mean"/"sum", (N, d1, …) for "none".
    """

    def forward(self, logits: np.ndarray, labels: np.ndarray, reduction: str, label_smoothing: float) -> np.ndarray:
        axis = 1 if logits.ndim >= 2 else 0
        index = np.expand_dims(labels, axis)  # (N, 1, d1, …): the label's position on the class axis
        log_p = log_softmax_array(logits, axis)
        loss = -np.take_along_axis(log_p, index, axis=axis).squeeze(axis)  # −log p_y, (N, d1, …)
        eps = label_smoothing
        if eps:
            loss = (1.0 - eps) * loss - eps * log_p.mean(axis=axis)
        self.save_for_backward(log_p, index)
        self.axis, self.reduction, self.eps = axis, reduction, eps
        self.count = max(loss.size, 1)
        if reduction == "mean":  # an empty batch gives nan, as in PyTorch
            return np.asarray(loss.sum() / loss.size if loss.size else np.nan, dtype=logits.dtype)
        if reduction == "sum":
            return np.asarray(loss.sum())
        return loss

    def backward(self, grad: np.ndarray) -> np.ndarray:
        log_p, index = self.saved_tensors
        k = log_p.shape[self.axis]
        diff = np.exp(log_p)  # p, then p − t with t = (1 − ε)·onehot + ε/K
        if self.eps:
            diff -= self.eps / k
        at_label = np.take_along_axis(diff, index, axis=self.axis)
        np.put_along_axis(diff, index, at_label - (1.0 - self.eps), axis=self.axis)
        if self.reduction == "none":
            return diff * np.expand_dims(grad, self.axis)
        scale = grad / self.count if self.reduction == "mean" else grad
        return diff * scale
