"""The autodiff core: ``Tensor``, ``Function`` and the backward engine.

A ``Tensor`` wraps a NumPy array (``.data``). When it is produced by a ``Function`` from inputs that require
gradients, it remembers that function (``._ctx``) and the function remembers its inputs (``ctx.parents``):
together they form the computational graph. ``backward()`` walks that graph in reverse topological order,
asking each function for the gradients of its inputs given the gradient of its output (the chain rule), and
accumulates them with ``+=``.

Conventions (as in PyTorch):

* only *leaf* tensors (created by the user, ``requires_grad=True``) keep ``.grad`` after ``backward``; call
  ``t.retain_grad()`` on an intermediate tensor to keep its gradient too;
* gradients accumulate across ``backward`` calls until you reset them (``t.grad = None`` or
  ``module.zero_grad()``);
* the graph is kept after ``backward`` (it is freed when the output tensor is), so calling ``backward`` twice
  simply accumulates twice.

The primitive functions live in :mod:`minisnn.ops`; this module only knows the machinery.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

ArrayLike = Any  # anything np.asarray accepts

_grad_enabled = True


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Context manager: inside it, operations record no graph (for evaluation and optimiser steps)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block."""
    return _grad_enabled


def _as_float_array(data: ArrayLike, dtype: Any, requires_grad: bool) -> np.ndarray:
    """Turn ``data`` into a floating-point ndarray, with clear errors for what cannot be one."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"Tensor: dtype must be a floating type (float32 or float64), got {dtype}")
    if isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, np.generic):
        array = np.asarray(data)
    else:
        # Python numbers and nested lists default to float32, as in PyTorch.
        array = np.asarray(data)
        if array.dtype.kind in "biuf" and dtype is None:
            dtype = np.dtype(np.float32)
    if array.dtype == object:
        raise TypeError("Tensor: data must be numeric, got an object array (ragged lists or mixed types?)")
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if np.issubdtype(array.dtype, np.floating):
        return array
    if array.dtype.kind in "biu":
        if requires_grad:
            raise TypeError(
                f"Tensor: only floating-point data can require gradients, got dtype {array.dtype}; "
                "convert first, e.g. data.astype(np.float32)"
            )
        return array.astype(np.float32)
    raise TypeError(f"Tensor: data must be real floating-point numbers, got dtype {array.dtype}")


class Tensor:
    """An n-dimensional array that records the operations applied to it, for reverse-mode autodiff.

    Args:
        data: array-like. Floating ndarrays keep their dtype; Python numbers and lists become float32;
            integer/bool arrays become float32 (they cannot require gradients).
        requires_grad: whether gradients with respect to this tensor are wanted.
        dtype: optional floating dtype to convert to.

    Attributes:
        data: the values, an ndarray.
        grad: after ``backward``, dL/d(this tensor) with the same shape as ``data`` (leaves only, unless
            :meth:`retain_grad` was called); ``None`` before.
    """

    __array_priority__ = 100.0  # make ``ndarray * Tensor`` call Tensor.__rmul__

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None):
        if isinstance(data, Tensor):
            data = data.data
        self.data: np.ndarray = _as_float_array(data, dtype, requires_grad)
        self.requires_grad: bool = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self._ctx: Function | None = None
        self._retain_grad = False
        self.name: str = ""

    # ------------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user (not by an operation that recorded a graph)."""
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={type(self._ctx).__name__}" if self._ctx is not None else ""
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Tensor({body}, dtype={self.dtype}{grad}{op})"

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (no copy)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item(): tensor must have exactly one element, has shape {self.shape}")
        return float(self.data.reshape(()))

    def detach(self) -> Tensor:
        """A new tensor sharing ``data`` but cut off from the graph (no gradient flows through it)."""
        return Tensor(self.data)

    def astype(self, dtype: Any) -> Tensor:
        """A copy converted to another floating dtype (differentiable)."""
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this (intermediate) tensor after ``backward``; returns self."""
        self._retain_grad = True
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # ---------------------------------------------------------------- backward
    def backward(self, grad: ArrayLike | None = None) -> None:
        """Accumulate d(self)/d(leaf) · grad into the ``.grad`` of every leaf that requires gradients.

        Args:
            grad: the upstream gradient dL/d(self), same shape as ``self``. May be omitted only when
                ``self`` holds a single element (then it is 1).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no graph; create the inputs with "
                "requires_grad=True (and do not compute it inside no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be omitted only for a single-element output, but the output has "
                    f"shape {self.shape}; pass grad=np.ones_like(...) or reduce it first (e.g. .sum())"
                )
            grad_array = np.ones_like(self.data)
        else:
            grad_array = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad_array.shape != self.shape:
                raise ValueError(f"backward(): grad must have shape {self.shape}, got {grad_array.shape}")

        order = _topological_order(self)
        grads: dict[int, np.ndarray] = {id(self): grad_array}
        for node in order:  # outputs before inputs
            node_grad = grads.pop(id(node), None)
            if node_grad is None:
                continue
            if node._ctx is None or node._retain_grad:
                node.grad = np.array(node_grad) if node.grad is None else np.asarray(node.grad + node_grad)
            if node._ctx is None:
                continue
            ctx = node._ctx
            input_grads = ctx.backward(node_grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if len(input_grads) != len(ctx.parents):
                raise RuntimeError(
                    f"{type(ctx).__name__}.backward returned {len(input_grads)} gradients for {len(ctx.parents)} inputs"
                )
            for parent, g in zip(ctx.parents, input_grads, strict=True):
                if g is None or not parent.requires_grad:
                    continue
                if g.shape != parent.shape:
                    raise RuntimeError(
                        f"{type(ctx).__name__}.backward returned a gradient of shape {g.shape} for an input "
                        f"of shape {parent.shape}"
                    )
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + g
                else:
                    grads[key] = g

    # ------------------------------------------------------ operators (see ops)
    def __add__(self, other: ArrayLike) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return ops.Div.apply(other, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pow__(self, exponent: float) -> Tensor:
        return ops.Pow.apply(self, exponent=exponent)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=index)

    # Comparisons give plain boolean arrays: they are not differentiable.
    def __lt__(self, other: ArrayLike) -> np.ndarray:
        return self.data < _data_of(other)

    def __le__(self, other: ArrayLike) -> np.ndarray:
        return self.data <= _data_of(other)

    def __gt__(self, other: ArrayLike) -> np.ndarray:
        return self.data > _data_of(other)

    def __ge__(self, other: ArrayLike) -> np.ndarray:
        return self.data >= _data_of(other)

    __hash__ = object.__hash__  # tensors are graph nodes, hashed by identity

    # ---------------------------------------------------------- method forms
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes (all of them reversed when none are given), like ``ndarray.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=axes if axes else None)

    permute = transpose

    @property
    def T(self) -> Tensor:  # noqa: N802 - mirrors numpy
        return self.transpose()

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return ops.Clip.apply(self, low=low, high=high)

    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)


def _data_of(value: ArrayLike) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes reachable from ``root`` through the graph, each before all of its inputs.

    Iterative depth-first search (an explicit stack instead of recursion), so graphs many thousands of nodes
    deep, such as an LIF layer unrolled over many time steps, do not hit Python's recursion limit.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            for parent in node._ctx.parents:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()  # post-order lists inputs first; reversed, every node precedes its inputs
    return order


class Function:
    """One differentiable operation: ``forward`` on ndarrays and ``backward`` side by side.

    Subclasses implement

    * ``forward(self, *arrays, **options) -> ndarray`` — compute the output, saving what backward needs
      with ``self.save_for_backward(...)`` (or as attributes);
    * ``backward(self, grad) -> ndarray | tuple[ndarray | None, ...]`` — given dL/d(output), return
      dL/d(input) for each array input (``None`` where ``self.needs_input_grad[i]`` is False).

    Call an operation with ``MyFunction.apply(*inputs, **options)``: inputs may be Tensors, ndarrays or Python
    numbers (the latter two are constants, converted to the dtype of the first Tensor input).
    """

    parents: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]
    saved_tensors: tuple[np.ndarray, ...]

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        self.saved_tensors = arrays

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray | tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: ArrayLike, **options: Any) -> Tensor:
        dtype = next((x.dtype for x in inputs if isinstance(x, Tensor)), None)
        tensors = tuple(x if isinstance(x, Tensor) else Tensor(_constant(x, dtype)) for x in inputs)
        ctx = cls()
        ctx.needs_input_grad = tuple(t.requires_grad for t in tensors)
        output = ctx.forward(*(t.data for t in tensors), **options)
        requires_grad = _grad_enabled and any(ctx.needs_input_grad)
        result = Tensor(output, requires_grad=requires_grad)
        if requires_grad:
            ctx.parents = tensors
            result._ctx = ctx
        return result


def _constant(value: ArrayLike, dtype: np.dtype | None) -> np.ndarray:
    """A non-Tensor operand as an ndarray in the dtype of the Tensor it meets (no silent float64 upcast)."""
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"expected a number, ndarray or Tensor, got {type(value).__name__}")
    if dtype is not None and array.dtype.kind in "biuf":
        return array.astype(dtype, copy=False)
    return array


from minisnn import ops  # noqa: E402  (ops builds on Function/Tensor above; imported last on purpose)


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
