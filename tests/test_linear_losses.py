"""F.linear, F.softmax / F.log_softmax, F.cross_entropy, F.accuracy: gradchecks, references, PyTorch, errors."""

import numpy as np
import pytest
from helpers import arrays, leaf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import Tensor, gradcheck
from minisnn import functional as F
from minisnn.linear import linear_reference

REDUCTIONS = ["mean", "sum", "none"]


# -------------------------------------------------------------------------------------------------- linear
@st.composite
def linear_case(draw):
    leading = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    f_in, f_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(arrays((*leading, f_in)))
    weight = draw(arrays((f_out, f_in)))
    bias = draw(arrays((f_out,))) if draw(st.booleans()) else None
    return x, weight, bias


@given(linear_case())
def test_linear_gradcheck(case):
    x, weight, bias = case
    inputs = [leaf(x), leaf(weight)] + ([] if bias is None else [leaf(bias)])
    assert gradcheck(lambda *t: F.linear(*t), inputs)


@given(linear_case())
def test_linear_matches_the_loop_reference(case):
    x, weight, bias = case
    y = F.linear(Tensor(x), Tensor(weight), None if bias is None else Tensor(bias))
    assert y.shape == (*x.shape[:-1], weight.shape[0])
    np.testing.assert_allclose(y.data, linear_reference(x, weight, bias), rtol=1e-12, atol=1e-12)


def test_linear_keeps_float32():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    w = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    b = Tensor(np.ones(4, np.float32), requires_grad=True)
    y = F.linear(x, w, b)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


@pytest.mark.parametrize("leading", [(), (5,), (4, 3), (2, 3, 2)])
def test_linear_equals_pytorch(leading):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(leading))
    x, w, b = rng.standard_normal((*leading, 6)), rng.standard_normal((3, 6)), rng.standard_normal(3)
    g = rng.standard_normal((*leading, 3))
    ours = [leaf(x), leaf(w), leaf(b)]
    F.linear(*ours).backward(g)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = torch.nn.functional.linear(*theirs)
    y.backward(torch.tensor(g))
    np.testing.assert_allclose(F.linear(*ours).data, y.detach().numpy(), rtol=0, atol=1e-10)
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "message"),
    [
        ((2, 5), (3, 4), None, r"x must have shape \(\.\.\., 4\) .*weight \(3, 4\).*got \(2, 5\)"),
        ((), (3, 4), None, r"x must have shape \(\.\.\., 4\).*got \(\)"),
        ((2, 4), (3, 4, 1), None, r"weight must be 2-D .*got shape \(3, 4, 1\)"),
        ((2, 4), (3, 4), (4,), r"bias must have shape \(3,\), got \(4,\)"),
    ],
)
def test_linear_errors(x_shape, w_shape, b_shape, message):
    bias = None if b_shape is None else np.ones(b_shape)
    with pytest.raises(ValueError, match=message):
        F.linear(np.ones(x_shape), np.ones(w_shape), bias)


# ---------------------------------------------------------------------------------------- (log-)softmax
@st.composite
def array_and_axis(draw, low=-2.0, high=2.0):
    x = draw(arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), low, high))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@given(array_and_axis())
def test_log_softmax_gradcheck_and_value(case):
    x, axis = case
    assert gradcheck(lambda t: F.log_softmax(t, axis), [leaf(x)])
    expected = x - np.log(np.exp(x).sum(axis=axis, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis).data, expected, rtol=1e-12, atol=1e-12)


@given(array_and_axis())
def test_softmax_gradcheck_and_value(case):
    x, axis = case
    assert gradcheck(lambda t: F.softmax(t, axis), [leaf(x)])
    y = F.softmax(Tensor(x), axis).data
    np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(y, np.exp(F.log_softmax(Tensor(x), axis).data), rtol=1e-12)


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4]])
    for fn in (F.softmax, F.log_softmax):
        t = leaf(x)
        y = fn(t)
        y.backward(np.ones_like(x))
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad))
    np.testing.assert_allclose(F.softmax(Tensor(x)).data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    np.testing.assert_allclose(F.log_softmax(Tensor(x)).data[0], [0.0, -2e4, -1e4])


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_log_softmax_and_softmax_equal_pytorch(axis):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((4, 5, 3)) * 3, rng.standard_normal((4, 5, 3))
    for ours_fn, theirs_fn in ((F.log_softmax, torch.log_softmax), (F.softmax, torch.softmax)):
        ours, theirs = leaf(x), torch.tensor(x, requires_grad=True)
        y, yt = ours_fn(ours, axis), theirs_fn(theirs, axis)
        y.backward(g)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-10)


def test_softmax_errors():
    with pytest.raises(ValueError, match=r"log_softmax: axis must be an int in \[-2, 2\) .*got 2"):
        F.log_softmax(Tensor(np.ones((2, 3))), axis=2)
    with pytest.raises(ValueError, match="softmax: x must have at least one axis"):
        F.softmax(Tensor(np.ones(())))
    with pytest.raises(TypeError, match="x must hold floating-point"):
        F.softmax(np.arange(3))


# ---------------------------------------------------------------------------------------------- cross-entropy
@st.composite
def classification_case(draw, max_extra_dims=2):
    """logits (N, K, d1, …) or (K,) as float64 (any layout) and matching integer labels."""
    k = draw(st.integers(1, 4))
    if draw(st.integers(0, 5)) == 0:  # a single sample: logits (K,), labels ()
        batch_shape, logits_shape = (), (k,)
    else:
        n = draw(st.integers(1, 3))
        extra = draw(hnp.array_shapes(min_dims=0, max_dims=max_extra_dims, min_side=1, max_side=3))
        batch_shape, logits_shape = (n, *extra), (n, k, *extra)
    logits = draw(arrays(logits_shape, -3.0, 3.0))
    dtype = draw(st.sampled_from([np.int64, np.int32, np.uint8]))
    labels = draw(hnp.arrays(dtype, batch_shape, elements=st.integers(0, k - 1)))
    return logits, labels


def cross_entropy_numpy(logits, labels, reduction, eps):
    """The definition with the classes moved to the last axis: −Σ_k t_k log p_k, t = (1 − ε)·onehot + ε/K."""
    z = np.moveaxis(logits, 1, -1) if logits.ndim >= 2 else logits
    k = z.shape[-1]
    log_p = z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) - z.max(-1, keepdims=True)
    target = (1 - eps) * np.eye(k)[labels] + eps / k
    loss = -(target * log_p).sum(-1)
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


@given(classification_case(), st.sampled_from(REDUCTIONS), st.sampled_from([0.0, 0.1, 1.0]))
def test_cross_entropy_gradcheck_and_value(case, reduction, eps):
    logits, labels = case
    assert gradcheck(lambda z: F.cross_entropy(z, labels, reduction, eps), [leaf(logits)])
    loss = F.cross_entropy(Tensor(logits), labels, reduction, eps)
    np.testing.assert_allclose(loss.data, cross_entropy_numpy(logits, labels, reduction, eps), rtol=1e-12, atol=1e-12)


@given(classification_case(max_extra_dims=0), st.sampled_from(REDUCTIONS))
def test_cross_entropy_equals_nll_of_log_softmax(case, reduction):
    logits, labels = case
    if logits.ndim != 2:
        return
    composed = -F.log_softmax(Tensor(logits), axis=1).data[np.arange(len(labels)), labels]
    composed = {"mean": composed.mean(), "sum": composed.sum(), "none": composed}[reduction]
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), labels, reduction).data, composed, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize(("logits_shape", "labels_shape"), [((6, 5), (6,)), ((2, 4, 3, 3), (2, 3, 3)), ((5,), ())])
def test_cross_entropy_equals_pytorch(reduction, eps, logits_shape, labels_shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    logits = rng.standard_normal(logits_shape) * 4
    k = logits_shape[1] if len(logits_shape) > 1 else logits_shape[0]
    labels = rng.integers(0, k, size=labels_shape)
    ours = leaf(logits)
    loss = F.cross_entropy(ours, labels, reduction, eps)
    g = rng.standard_normal(loss.shape)
    loss.backward(g)
    theirs = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(theirs, torch.tensor(labels), reduction=reduction, label_smoothing=eps)
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(loss.data, expected.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_cross_entropy_is_finite_for_logits_of_1e4(dtype, eps):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    labels = np.array([1, 2, 0])
    z = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(z, labels, label_smoothing=eps)
    loss.backward()
    assert loss.dtype == z.grad.dtype == dtype
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad))
    # row 0: −log p_1 = 2e4; row 1: ln 3; row 2: ln 2 (plus the smoothing terms)
    expected = (1 - eps) * (2e4 + np.log(3) + np.log(2)) + eps * (1e4 + np.log(3) + (2e4 + 3 * np.log(2)) / 3)
    np.testing.assert_allclose(loss.item(), expected / 3, rtol=1e-6)
    np.testing.assert_allclose(z.grad.sum(axis=1), 0, atol=1e-6)  # Σ_k (p − t) = 0 in every row


def test_cross_entropy_with_1e4_logits_equals_pytorch():
    torch = pytest.importorskip("torch")
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    labels = np.array([1, 2, 0])
    ours, theirs = leaf(logits), torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(ours, labels, label_smoothing=0.1)
    loss.backward()
    expected = torch.nn.functional.cross_entropy(theirs, torch.tensor(labels), label_smoothing=0.1)
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-10)


def test_cross_entropy_accepts_label_lists_and_does_not_differentiate_them():
    logits = leaf(np.array([[2.0, 0.0], [0.0, 3.0]]))
    loss = F.cross_entropy(logits, [0, 1])
    assert len(loss._ctx.parents) == 1  # only the logits are an input of the graph
    np.testing.assert_allclose(loss.item(), F.cross_entropy(logits, np.array([0, 1])).item())


def test_cross_entropy_of_an_empty_batch_is_nan_with_mean_and_zero_with_sum():
    logits = Tensor(np.zeros((0, 3)))
    assert np.isnan(F.cross_entropy(logits, []).item())
    assert F.cross_entropy(logits, [], reduction="sum").item() == 0.0


@pytest.mark.parametrize(
    ("labels", "kwargs", "error", "message"),
    [
        (np.array([0.0, 1.0]), {}, TypeError, r"labels must hold integers .*got dtype float64"),
        (np.array([True, False]), {}, TypeError, r"labels must hold integers .*got dtype bool"),
        (Tensor(np.array([0.0, 1.0])), {}, TypeError, r"labels must be an integer ndarray or list .*got a Tensor"),
        (np.array([0, 1, 2]), {}, ValueError, r"labels must have shape \(2,\) for logits .*\(2, 3\).*got \(3,\)"),
        (np.array([[0], [1]]), {}, ValueError, r"labels must have shape \(2,\) .*got \(2, 1\)"),
        (np.array([0, 3]), {}, ValueError, r"labels must be class indices in \[0, 3\) .*got 3"),
        (np.array([-1, 0]), {}, ValueError, r"labels must be class indices in \[0, 3\) .*got -1"),
        ([0, 1], {"label_smoothing": 1.5}, ValueError, r"label_smoothing must be in \[0, 1\], got 1.5"),
        ([0, 1], {"label_smoothing": -0.1}, ValueError, r"label_smoothing must be in \[0, 1\], got -0.1"),
        ([0, 1], {"label_smoothing": "0.1"}, TypeError, r"label_smoothing must be a number .*got '0.1'"),
        ([0, 1], {"reduction": "avg"}, ValueError, r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ],
)
def test_cross_entropy_errors(labels, kwargs, error, message):
    with pytest.raises(error, match="cross_entropy: " + message):
        F.cross_entropy(Tensor(np.zeros((2, 3))), labels, **kwargs)


def test_cross_entropy_rejects_integer_logits():
    with pytest.raises(TypeError, match="logits must hold floating-point"):
        F.cross_entropy(np.zeros((2, 3), dtype=np.int64), [0, 1])


# ---------------------------------------------------------------------------------------------- accuracy
def test_accuracy():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7]])
    assert F.accuracy(logits, [1, 0, 0, 0]) == 0.75  # the tie in row 2 goes to the first class
    assert F.accuracy(Tensor(logits), np.array([1, 0, 1, 1])) == 0.75
    assert isinstance(F.accuracy(logits, [1, 0, 0, 1]), float)
    spatial = np.zeros((2, 3, 4, 4))
    spatial[:, 2] = 1.0  # class 2 everywhere
    labels = np.full((2, 4, 4), 2)
    labels[0, 0, :2] = 0
    assert F.accuracy(spatial, labels) == 30 / 32
    assert F.accuracy(np.array([0.0, 2.0, 1.0]), 1) == 1.0
    assert np.isnan(F.accuracy(np.zeros((0, 3)), []))


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"accuracy: labels must have shape \(4,\)"):
        F.accuracy(np.zeros((4, 3)), [0, 1])
    with pytest.raises(ValueError, match=r"accuracy: labels must be class indices in \[0, 3\)"):
        F.accuracy(np.zeros((2, 3)), [0, 5])
    with pytest.raises(TypeError, match="accuracy: labels must hold integers"):
        F.accuracy(np.zeros((2, 3)), [0.0, 1.0])
