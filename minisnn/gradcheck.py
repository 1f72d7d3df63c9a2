"""Numerical gradient checking: compare backward() with central finite differences.

For a function y = f(x₁, …, x_k) and every input xᵢ that requires grad, the Jacobian Jᵢ = ∂y/∂xᵢ has one
row per output element and one column per input element.

* **numerical**: column m of Jᵢ ≈ (f(xᵢ + ε·e_m) − f(xᵢ − ε·e_m)) / (2ε)  — error O(ε²);
* **analytic**: row r of Jᵢ is what ``backward`` puts in ``xᵢ.grad`` when the upstream gradient is the
  one-hot vector e_r (one backward call per output element). For large outputs we instead compare
  projections vᵀJᵢ for a few random vectors v (one backward each), which catches any wrong entry with
  probability 1.

Both must agree elementwise within ``atol + rtol·|numerical|``. Like ``torch.autograd.gradcheck``, we also
check that a zero upstream gradient gives zero gradients and that ``f`` did not modify its inputs. Use
float64 inputs: in float32 the finite differences themselves are too inaccurate to judge anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from minisnn.tensor import Tensor, no_grad


class GradcheckError(AssertionError):
    """Raised when the analytic and numerical gradients disagree (or another gradcheck condition fails)."""


def _evaluate(fn: Callable[..., Tensor], inputs: Sequence[Tensor]) -> np.ndarray:
    with no_grad():
        out = fn(*inputs)
    return np.array(out.data if isinstance(out, Tensor) else out, dtype=np.float64).ravel()


def numerical_jacobian(
    fn: Callable[..., Tensor], inputs: Sequence[Tensor], index: int, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference Jacobian of ``fn(*inputs)`` w.r.t. ``inputs[index]``: (out.size, input.size)."""
    x = inputs[index].data  # perturbed in place (and restored), so any memory layout works
    columns = []
    for element in np.ndindex(x.shape):
        original = x[element]
        x[element] = original + eps
        plus = _evaluate(fn, inputs)
        x[element] = original - eps
        minus = _evaluate(fn, inputs)
        x[element] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((_evaluate(fn, inputs).size, 0))


def _backward_rows(
    out: Tensor, inputs: Sequence[Tensor], checked: Sequence[int], upstream: np.ndarray
) -> list[np.ndarray]:
    """For each upstream vector u (rows of ``upstream``), the gradients uᵀJᵢ of every checked input."""
    rows: list[list[np.ndarray]] = [[] for _ in checked]
    for u in upstream:
        for i in checked:
            inputs[i].grad = None
        out.backward(u.reshape(out.shape).astype(out.dtype))
        for slot, i in enumerate(checked):
            grad = inputs[i].grad
            rows[slot].append(np.zeros(inputs[i].size) if grad is None else np.array(grad, np.float64).ravel())
    return [np.stack(r) if r else np.zeros((0, inputs[i].size)) for r, i in zip(rows, checked, strict=True)]


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor | np.ndarray],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    max_full_outputs: int = 256,
    num_projections: int = 8,
    seed: int = 0,
) -> bool:
    """Check ``backward`` of ``fn`` against central finite differences, for every input requiring grad.

    Args:
        fn: maps the inputs (positionally) to a Tensor. Must be deterministic.
        inputs: Tensors (those with ``requires_grad=True`` are checked; they must be float64 leaves) or
            ndarrays (treated as constants).
        eps: finite-difference step.
        atol, rtol: pass when ``|analytic − numerical| ≤ atol + rtol·|numerical|`` for every element.
        max_full_outputs: up to this many output elements, the full Jacobian is compared (one backward per
            output element); above it, ``num_projections`` random projections vᵀJ are compared.
        seed: for the random projection vectors.

    Returns:
        True. On any failure raises :class:`GradcheckError` naming the input, the worst element and both values.
    """
    tensors = [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in inputs]
    checked = [i for i, t in enumerate(tensors) if t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if tensors[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {tensors[i].dtype}; use float64 (finite differences in "
                "lower precision are too coarse to check anything)"
            )
        if not tensors[i].is_leaf:
            raise ValueError(f"gradcheck: input {i} must be a leaf tensor (created by you, not by an operation)")
    originals = [t.data.copy() for t in tensors]
    saved_grads = [t.grad for t in tensors]

    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    for i, (t, original) in enumerate(zip(tensors, originals, strict=True)):
        if not np.array_equal(t.data, original, equal_nan=True):
            t.data[...] = original
            raise GradcheckError(f"gradcheck: fn modified input {i} in place")
    if not out.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
    n_out = out.size

    numerical = [numerical_jacobian(fn, tensors, i, eps) for i in checked]
    if n_out <= max_full_outputs:
        upstream = np.eye(n_out)
        described = "Jacobian"
    else:
        upstream = np.random.default_rng(seed).standard_normal((num_projections, n_out))
        described = f"random projection vᵀJ ({num_projections} vectors)"
    analytic = _backward_rows(out, tensors, checked, upstream)

    try:
        for slot, i in enumerate(checked):
            expected = upstream @ numerical[slot]  # (rows, input.size)
            got = analytic[slot]
            error = np.abs(got - expected) - (atol + rtol * np.abs(expected))
            if error.size and (np.max(error) > 0 or not np.all(np.isfinite(got))):
                worst = np.unravel_index(np.nanargmax(np.where(np.isfinite(got), error, np.inf)), error.shape)
                row, column = int(worst[0]), int(worst[1])
                element = np.unravel_index(column, tensors[i].shape)
                if n_out <= max_full_outputs:
                    where = f"output element {tuple(int(e) for e in np.unravel_index(row, out.shape))}"
                else:
                    where = f"projection {row}"
                raise GradcheckError(
                    f"gradcheck failed for input {i} (shape {tensors[i].shape}) in the {described}: at {where}, "
                    f"input element {tuple(int(e) for e in element)}: numerical {expected[row, column]:.8g}, "
                    f"analytic {got[row, column]:.8g} (atol={atol}, rtol={rtol}, eps={eps})"
                )

        zero_grads = _backward_rows(out, tensors, checked, np.zeros((1, n_out)))
        for slot, i in enumerate(checked):
            if np.any(zero_grads[slot] != 0):
                raise GradcheckError(f"gradcheck: a zero upstream gradient gave a non-zero gradient for input {i}")

    finally:
        for t, grad in zip(tensors, saved_grads, strict=True):
            t.grad = grad
    return True
