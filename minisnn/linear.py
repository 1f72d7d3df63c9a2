"""The affine map of a fully connected layer, y = x Wᵀ + b, as one :class:`~minisnn.tensor.Function`.

Shapes (PyTorch's layout): input x (…, F_in) with any number of leading axes — (N, F_in) for a batch,
(T, N, F_in) for a time-major spike train, or just (F_in,) —, weight W (F_out, F_in), bias b (F_out,),
output y (…, F_out):

    y[…, o] = b[o] + Σ_i x[…, i] · W[o, i]

**Backward.** With g = dL/dy (…, F_out), and the leading axes flattened into one of length M
(x2 = x as (M, F_in), g2 = g as (M, F_out)):

    dL/dx = g W                  (…, F_in)
    dL/dW = g2ᵀ x2 = Σ_m g[m]ᵀ x[m]   (F_out, F_in)   — summed over every leading axis
    dL/db = Σ_m g[m]             (F_out,)

Three GEMMs; the composite ``x @ weight.T + bias`` would give the same numbers through MatMul, Transpose and
Add (with a broadcast to undo), but one Function is easier to read and saves two graph nodes per layer.
:func:`linear_reference` is the definition as loops, for tests and teaching.
"""

from __future__ import annotations

import numpy as np

from minisnn.tensor import Function


class Linear(Function):
    """y = x Wᵀ + b over the last axis of x; see the module docstring for the shapes and the backward."""

    def forward(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
        self.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y = y + bias
        return y

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, weight = self.saved_tensors
        grad_x = grad_w = grad_b = None
        g2 = grad.reshape(-1, weight.shape[0])  # (M, F_out)
        if self.needs_input_grad[0]:
            grad_x = grad @ weight  # (…, F_in)
        if self.needs_input_grad[1]:
            grad_w = g2.T @ x.reshape(-1, weight.shape[1])  # (F_out, F_in)
        has_bias = len(self.needs_input_grad) > 2
        if has_bias and self.needs_input_grad[2]:
            grad_b = g2.sum(axis=0)
        return (grad_x, grad_w, grad_b) if has_bias else (grad_x, grad_w)


def linear_reference(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """y[…, o] = b[o] + Σ_i x[…, i] · W[o, i] with plain loops (slow; the test oracle)."""
    f_out, f_in = weight.shape
    rows = x.reshape(-1, f_in)
    y = np.zeros((rows.shape[0], f_out), dtype=np.result_type(x, weight))
    for m in range(rows.shape[0]):
        for o in range(f_out):
            total = 0.0 if bias is None else bias[o]
            for i in range(f_in):
                total += rows[m, i] * weight[o, i]
            y[m, o] = total
    return y.reshape(*x.shape[:-1], f_out)
