"""avg_pool2d / max_pool2d: gradchecks, the loop references, ties, PyTorch, errors."""

import numpy as np
import pytest
from helpers import arrays, distinct, leaf
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck
from minisnn import functional as F
from minisnn.pool import avg_pool2d_reference, max_pool2d_reference

POOLS = {"avg": (F.avg_pool2d, avg_pool2d_reference), "max": (F.max_pool2d, max_pool2d_reference)}


@st.composite
def pool_case(draw, max_side=7, low=-2.0, high=2.0):
    """x (N, C, H, W) float64 (any layout) and a geometry valid for PyTorch: padding ≤ kernel/2."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), max_side))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), max_side))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    x = draw(arrays(shape, low, high))
    return x, dict(kernel_size=(kh, kw), stride=stride, padding=padding)


@given(pool_case(max_side=5), st.sampled_from(["avg", "max"]))
def test_pool_gradcheck(case, kind):
    x, geometry = case
    if kind == "max":
        distinct(x)  # no ties: the max is differentiable, no argmax flips within ±eps
    fn = POOLS[kind][0]
    assert gradcheck(lambda t: fn(t, **geometry), [leaf(x)])


@given(pool_case(max_side=9), st.sampled_from(["avg", "max"]))
def test_pool_matches_the_loop_reference(case, kind):
    x, geometry = case
    fast, reference = POOLS[kind]
    np.testing.assert_allclose(fast(Tensor(x), **geometry).data, reference(x, **geometry), rtol=1e-12, atol=1e-14)


def test_defaults_stride_is_the_kernel_and_float32_is_kept():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), 2).data, [[[[5, 7], [13, 15]]]])
    np.testing.assert_array_equal(F.avg_pool2d(Tensor(x), 2).data, [[[[2.5, 4.5], [10.5, 12.5]]]])
    for fn in (F.max_pool2d, F.avg_pool2d):
        t = Tensor(x, requires_grad=True)
        y = fn(t, 2)
        y.sum().backward()
        assert y.dtype == t.grad.dtype == np.float32


def test_avg_pool_counts_padded_zeros():
    x = np.ones((1, 1, 2, 2))
    y = F.avg_pool2d(Tensor(x), 2, stride=1, padding=1).data  # corner windows see one pixel and three zeros
    np.testing.assert_allclose(y[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


def test_max_pool_tie_sends_the_gradient_to_the_first_maximum_only():
    x = leaf(np.zeros((1, 1, 4, 4)))  # every window is a tie
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1.0  # the top-left (first, row-major) element of each 2×2 window
    np.testing.assert_array_equal(x.grad[0, 0], expected)

    x = leaf(np.ones((1, 1, 3, 3)))  # overlapping windows, stride 1
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])

    x = leaf(np.array([[[[0.0, 2.0, 1.0], [2.0, 2.0, 0.0]]]]))  # a tie between (0, 1), (1, 0) and (1, 1)
    F.max_pool2d(x, (2, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 1, 0], [0, 0, 0]])


def test_max_pool_of_minus_infinity_never_sends_the_gradient_to_the_padding():
    x = leaf(np.full((1, 1, 3, 3), -np.inf))
    y = F.max_pool2d(x, 2, stride=1, padding=1)
    y.sum().backward()
    assert np.all(np.isneginf(y.data))
    assert x.grad.sum() == y.size  # every window's gradient landed on a real pixel: its first one
    np.testing.assert_array_equal(x.grad[0, 0], [[4, 2, 2], [2, 1, 1], [2, 1, 1]])


@given(pool_case(max_side=8, low=0.0, high=2.0), st.sampled_from(["avg", "max"]), st.booleans())
def test_pool_equals_pytorch_forward_and_backward(case, kind, ties):
    torch = pytest.importorskip("torch")
    x, geometry = case
    if ties:
        x = np.round(x)  # values in {0, 1, 2}: many tied windows
    ours_fn = POOLS[kind][0]
    theirs_fn = {"avg": torch.nn.functional.avg_pool2d, "max": torch.nn.functional.max_pool2d}[kind]
    ours, theirs = leaf(x), torch.tensor(x, requires_grad=True)
    y = ours_fn(ours, **geometry)
    y_torch = theirs_fn(theirs, geometry["kernel_size"], geometry["stride"], geometry["padding"])
    g = np.cos(np.arange(y.size)).reshape(y.shape) + 1.5
    y.backward(g)
    y_torch.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, y_torch.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("fn", [F.avg_pool2d, F.max_pool2d])
@pytest.mark.parametrize(
    ("shape", "kwargs", "message"),
    [
        ((3, 8, 8), {"kernel_size": 2}, r"x must be 4-D \(N, C, H, W\), got shape \(3, 8, 8\)"),
        ((1, 1, 2, 2), {"kernel_size": 3}, r"window \(kernel_size=\(3, 3\)\) is larger .*size \(2, 2\)"),
        ((1, 1, 8, 8), {"kernel_size": 0}, r"kernel_size must be an int ≥ 1 or a pair of them, got 0"),
        ((1, 1, 8, 8), {"kernel_size": 2, "stride": 0}, r"stride must be an int ≥ 1 or a pair of them, got 0"),
        ((1, 1, 8, 8), {"kernel_size": 2, "padding": -1}, r"padding must be an int ≥ 0 or a pair of them, got -1"),
        ((1, 1, 8, 8), {"kernel_size": 3, "padding": 2}, r"padding must be at most half the kernel size"),
        ((1, 1, 8, 8), {"kernel_size": (2, 2, 2)}, r"kernel_size must be an int ≥ 1 or a pair of them"),
    ],
)
def test_pool_errors(fn, shape, kwargs, message):
    with pytest.raises(ValueError, match=f"{fn.__name__}: .*{message}"):
        fn(Tensor(np.ones(shape)), **kwargs)
