"""Every primitive op, gradient-checked with hypothesis-generated shapes and values (float64, full Jacobians)."""

import numpy as np
import pytest
from helpers import arrays, away_from, distinct, leaf, shapes
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import Tensor, gradcheck
from minisnn import functional as F


@st.composite
def broadcast_pair(draw, low=-2.0, high=2.0):
    """Two float64 arrays whose shapes broadcast together (size-1 dims and missing leading dims included)."""
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
    a_shape, b_shape = pair.input_shapes
    return draw(arrays(a_shape, low, high)), draw(arrays(b_shape, low, high))


# ------------------------------------------------------------------------------------------------ binary ops
@given(broadcast_pair())
def test_add(pair):
    a, b = pair
    assert gradcheck(lambda x, y: x + y, [leaf(a), leaf(b)])


@given(broadcast_pair())
def test_sub(pair):
    a, b = pair
    assert gradcheck(lambda x, y: x - y, [leaf(a), leaf(b)])


@given(broadcast_pair())
def test_mul(pair):
    a, b = pair
    assert gradcheck(lambda x, y: x * y, [leaf(a), leaf(b)])


@given(broadcast_pair())
def test_div(pair):
    a, b = pair
    b = np.where(np.abs(b) < 0.5, 0.5 + np.abs(b), b)  # keep the denominator away from 0
    assert gradcheck(lambda x, y: x / y, [leaf(a), leaf(b)])


@given(arrays(shapes()), st.floats(-2, 2))
def test_binary_ops_with_python_scalars_on_either_side(a, c):
    functions = [
        lambda x: x + c, lambda x: c + x, lambda x: x - c, lambda x: c - x,
        lambda x: x * c, lambda x: c * x, lambda x: x / 2.5,
    ]  # fmt: skip
    for fn in functions:
        assert gradcheck(fn, [leaf(a)])
        np.testing.assert_allclose(fn(Tensor(a)).data, fn(a))
    denominator = np.where(np.abs(a) < 0.5, 1.0, a)
    assert gradcheck(lambda x: 3.0 / x, [leaf(denominator)])


# ------------------------------------------------------------------------------------------------- unary ops
@given(arrays(shapes()))
def test_neg(a):
    assert gradcheck(lambda x: -x, [leaf(a)])


@given(arrays(shapes(), 0.2, 2.0), st.sampled_from([2, 3, 0.5, -1.0, 1.7]))
def test_pow(a, exponent):
    assert gradcheck(lambda x: x**exponent, [leaf(a)])


@given(arrays(shapes()))
def test_exp(a):
    assert gradcheck(lambda x: x.exp(), [leaf(a)])


@given(arrays(shapes(), 0.1, 3.0))
def test_log(a):
    assert gradcheck(lambda x: x.log(), [leaf(a)])


@given(arrays(shapes()))
def test_relu(a):
    away_from(a, 0.0)
    assert gradcheck(F.relu, [leaf(a)])


@given(arrays(shapes(), -6, 6))
def test_sigmoid(a):
    assert gradcheck(F.sigmoid, [leaf(a)])
    np.testing.assert_allclose(F.sigmoid(Tensor(a)).data, 1 / (1 + np.exp(-a)), rtol=1e-12)


@given(arrays(shapes()), st.floats(-1.5, 0), st.floats(0, 1.5))
def test_clip(a, low, high):
    away_from(a, [low, high])
    assert gradcheck(lambda x: x.clip(low, high), [leaf(a)])
    assert gradcheck(lambda x: F.clip(x, None, high), [leaf(a)])


@given(broadcast_pair(), st.data())
def test_where(pair, data):
    a, b = pair
    shape = np.broadcast_shapes(a.shape, b.shape)
    condition = data.draw(hnp.arrays(bool, shape))
    assert gradcheck(lambda x, y: F.where(condition, x, y), [leaf(a), leaf(b)])
    np.testing.assert_array_equal(F.where(condition, Tensor(a), Tensor(b)).data, np.where(condition, a, b))


# ------------------------------------------------------------------------------------------------ reductions
@st.composite
def array_and_axis(draw, min_dims=1):
    a = draw(arrays(shapes(min_dims=min_dims)))
    if a.ndim == 0:
        return a, None, draw(st.booleans())
    axis = draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1), st.just(tuple(range(a.ndim))[:2])))
    return a, axis, draw(st.booleans())


@given(array_and_axis(min_dims=0))
def test_sum(case):
    a, axis, keepdims = case
    assert gradcheck(lambda x: x.sum(axis=axis, keepdims=keepdims), [leaf(a)])
    np.testing.assert_allclose(Tensor(a).sum(axis=axis, keepdims=keepdims).data, a.sum(axis=axis, keepdims=keepdims))


@given(array_and_axis())
def test_mean(case):
    a, axis, keepdims = case
    assert gradcheck(lambda x: x.mean(axis=axis, keepdims=keepdims), [leaf(a)])
    np.testing.assert_allclose(Tensor(a).mean(axis=axis, keepdims=keepdims).data, a.mean(axis=axis, keepdims=keepdims))


@given(array_and_axis())
def test_max(case):
    a, axis, keepdims = case
    if isinstance(axis, tuple):
        axis = axis[0]
    distinct(a)  # no ties: the max is differentiable
    assert gradcheck(lambda x: x.max(axis=axis, keepdims=keepdims), [leaf(a)])
    np.testing.assert_array_equal(Tensor(a).max(axis=axis, keepdims=keepdims).data, a.max(axis=axis, keepdims=keepdims))


def test_max_splits_gradient_equally_among_ties():
    x = leaf(np.array([1.0, 3.0, 3.0, 2.0]))
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0, 0.5, 0.5, 0])


# -------------------------------------------------------------------------------------------- shape movement
@given(arrays(shapes(min_dims=1)), st.data())
def test_reshape(a, data):
    size = a.size
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = data.draw(st.sampled_from(divisors))
    assert gradcheck(lambda x: x.reshape(first, -1) * np.arange(size).reshape(first, -1), [leaf(a)])


@given(arrays(shapes(min_dims=1)), st.data())
def test_transpose(a, data):
    axes = tuple(data.draw(st.permutations(range(a.ndim))))
    weights = np.arange(a.size, dtype=np.float64).reshape(np.transpose(a, axes).shape)
    assert gradcheck(lambda x: x.transpose(axes) * weights, [leaf(a)])
    assert gradcheck(lambda x: x.T * weights.T.reshape(x.T.shape), [leaf(a)]) if a.ndim else True
    np.testing.assert_array_equal(Tensor(a).permute(axes).data, np.transpose(a, axes))


@st.composite
def matmul_pair(draw):
    m, k, n = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    kind = draw(st.sampled_from(["matrix", "vector-left", "vector-right"]))
    a_shape = (k,) if kind == "vector-left" else (*batch.input_shapes[0], m, k)
    b_shape = (k,) if kind == "vector-right" else (*batch.input_shapes[1], k, n)
    return draw(arrays(a_shape)), draw(arrays(b_shape))


@given(matmul_pair())
def test_matmul(pair):
    a, b = pair
    assert gradcheck(lambda x, y: x @ y, [leaf(a), leaf(b)])
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)


@st.composite
def array_and_slice(draw):
    a = draw(arrays(shapes(min_dims=1)))
    index = []
    for n in a.shape:
        start = draw(st.integers(-n, n - 1))
        stop = draw(st.one_of(st.none(), st.integers(-n, n)))
        step = draw(st.sampled_from([1, 2, -1]))
        index.append(draw(st.sampled_from([slice(start, stop, step), start])))
    return a, tuple(index)


@given(array_and_slice())
def test_getitem_basic_slicing(case):
    a, index = case
    if a[index].size == 0:
        return
    assert gradcheck(lambda x: x[index], [leaf(a)])
    np.testing.assert_array_equal(Tensor(a)[index].data, a[index])


def test_getitem_with_repeated_integer_index_accumulates():
    x = leaf(np.array([1.0, 2.0, 3.0]))
    x[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [2, 0, 1])


@given(st.data())
def test_concatenate_and_stack(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    axis = data.draw(st.integers(0, len(shape) - 1))
    count = data.draw(st.integers(1, 3))
    parts = []
    for _ in range(count):
        part_shape = list(shape)
        part_shape[axis] = data.draw(st.integers(1, 3))
        parts.append(data.draw(arrays(tuple(part_shape))))
    assert gradcheck(lambda *xs: F.concatenate(xs, axis=axis), [leaf(p) for p in parts])
    same = [data.draw(arrays(shape)) for _ in range(count)]
    new_axis = data.draw(st.integers(0, len(shape)))
    assert gradcheck(lambda *xs: F.stack(xs, axis=new_axis), [leaf(p) for p in same])
    np.testing.assert_array_equal(F.stack([Tensor(s) for s in same], axis=new_axis).data, np.stack(same, new_axis))


@given(arrays(shapes(min_dims=1, max_dims=3)), st.data())
def test_pad(a, data):
    pad_width = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in range(a.ndim)]
    value = data.draw(st.floats(-1, 1))
    out = F.pad(Tensor(a), pad_width, value)
    np.testing.assert_array_equal(out.data, np.pad(a, pad_width, constant_values=value))
    assert gradcheck(lambda x: F.pad(x, pad_width, value) * np.arange(out.size).reshape(out.shape), [leaf(a)])


# --------------------------------------------------------------------------------------------------- errors
def test_matmul_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not match"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) into \(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)


def test_integer_arrays_are_rejected_where_floats_are_needed():
    with pytest.raises(TypeError, match="x must hold floating-point"):
        F.relu(np.arange(3))
    with pytest.raises(TypeError, match="dtype int64"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="object"):
        Tensor(np.array([1, "a"], dtype=object))
