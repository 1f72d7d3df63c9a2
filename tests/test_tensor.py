"""The backward engine: accumulation, detach, no_grad, deep graphs, dtype rules, error messages."""

import numpy as np
import pytest

from minisnn import Tensor, no_grad
from minisnn import functional as F


def test_scalar_backward_needs_no_grad_argument():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_non_scalar_backward_without_grad_is_a_clear_error():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"single-element output.*shape \(3,\)"):
        (x * 2).backward()


def test_backward_on_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor(np.ones(3)) * 2).sum().backward()


def test_backward_grad_shape_is_checked():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"grad must have shape \(3,\), got \(2,\)"):
        (x * 2).backward(np.ones(2))


def test_gradients_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    y.backward()  # the graph is kept: a second backward accumulates again
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 3 + 3 + 2 * np.array([1.0, -2.0]))


def test_a_tensor_used_twice_gets_both_gradients():
    x = Tensor(np.array([2.0]), requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0])


def test_only_leaves_keep_grad_unless_retained():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    hidden = x * 2
    kept = (x * 3).retain_grad()
    (hidden.sum() + (kept * kept).sum()).backward()
    assert hidden.grad is None
    np.testing.assert_array_equal(kept.grad, 2 * kept.data)


def test_detach_blocks_the_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x.detach()).sum()  # d/dx of x·c with c = x held constant is c
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])
    assert not x.detach().requires_grad
    assert np.shares_memory(x.detach().data, x.data)


def test_no_grad_records_no_graph_and_restores_afterwards():
    x = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf
    assert (x * 2).requires_grad


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(20_000):  # like an LIF layer unrolled over thousands of steps
        y = y * 0.9999 + 0.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.9999**20_000], rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_with_scalars_and_arrays(dtype):
    x = Tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    mask64 = np.ones((2, 3))  # float64 constant
    int_mask = np.ones((1, 3), dtype=np.int64)
    y = ((x * 2.5 + 1) / 3 - mask64) * int_mask
    y = F.sigmoid(F.relu(y.exp().log())).mean(axis=0)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_python_lists_default_to_float32_and_ints_are_converted():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.arange(3)).dtype == np.float32
    assert Tensor(np.arange(3.0)).dtype == np.float64


def test_ndarray_on_the_left_of_an_operator_still_builds_a_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_item_and_repr():
    t = Tensor(np.array([[2.5]]), requires_grad=True)
    assert t.item() == 2.5
    assert "requires_grad=True" in repr(t)
    with pytest.raises(ValueError, match="exactly one element"):
        Tensor(np.ones(2)).item()
