"""conv2d: gradcheck over generated geometries, forward vs the loop reference and scipy.signal.correlate."""

import numpy as np
import pytest
import scipy.signal
from helpers import leaf
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck
from minisnn import functional as F
from minisnn.conv import col2im, conv2d_reference, conv_output_size, im2col, shifted_gemm_applies


@st.composite
def conv_case(draw, max_side=7, min_channels=1):
    n, o = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    c = draw(st.integers(min_channels, min_channels + 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    min_h = max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0])
    min_w = max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1])
    h, w = draw(st.integers(min_h, max(min_h, max_side))), draw(st.integers(min_w, max(min_w, max_side)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c, kh, kw))
    bias = rng.standard_normal(o) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation)


@given(conv_case(), st.sampled_from(["im2col", "shifted"]))
def test_conv2d_gradcheck(case, algorithm):
    x, weight, bias, geometry = case
    if algorithm == "shifted":
        geometry = {**geometry, "stride": (1, 1), "algorithm": "shifted"}
    inputs = [leaf(x), leaf(weight)] + ([leaf(bias)] if bias is not None else [])
    assert gradcheck(lambda *t: F.conv2d(*t, **geometry), inputs)


@given(conv_case(max_side=5, min_channels=22))
def test_conv2d_gradcheck_wide_layers_take_the_shifted_path(case):
    x, weight, bias, geometry = case
    geometry = {**geometry, "stride": (1, 1)}
    _, c, kh, kw = weight.shape
    assert shifted_gemm_applies(weight.shape, (1, 1)) == (kh * kw > 1 and kw * c >= 64)
    inputs = [leaf(x), leaf(weight)] + ([leaf(bias)] if bias is not None else [])
    assert gradcheck(lambda *t: F.conv2d(*t, **geometry), inputs, max_full_outputs=64)


@given(conv_case(max_side=9), st.sampled_from(["auto", "im2col", "shifted"]))
def test_conv2d_matches_the_loop_reference(case, algorithm):
    x, weight, bias, geometry = case
    if algorithm == "shifted":
        geometry = {**geometry, "stride": (1, 1)}
    fast = F.conv2d(Tensor(x), Tensor(weight), None if bias is None else Tensor(bias), **geometry, algorithm=algorithm)
    slow = conv2d_reference(x, weight, bias, **geometry)
    np.testing.assert_allclose(fast.data, slow, rtol=1e-10, atol=1e-12)


@given(conv_case(max_side=8, min_channels=7))
def test_both_algorithms_agree_in_float32_forward_and_backward(case):
    x, weight, _, geometry = case
    geometry = {**geometry, "stride": (1, 1)}
    results = []
    for algorithm in ("im2col", "shifted"):
        xt, wt = Tensor(x.astype(np.float32), requires_grad=True), Tensor(weight.astype(np.float32), requires_grad=True)
        y = F.conv2d(xt, wt, **geometry, algorithm=algorithm)
        y.backward(np.cos(np.arange(y.size)).reshape(y.shape).astype(np.float32))
        results.append((y.data, xt.grad, wt.grad))
        assert y.dtype == xt.grad.dtype == wt.grad.dtype == np.float32
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@given(conv_case(max_side=9))
def test_conv2d_matches_scipy_correlate(case):
    x, weight, _, geometry = case
    (sh, sw), (ph, pw), (dh, dw) = geometry["stride"], geometry["padding"], geometry["dilation"]
    o, c, kh, kw = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dilated = np.zeros((o, c, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    dilated[:, :, ::dh, ::dw] = weight  # dilation = a kernel with holes
    expected = np.stack(
        [
            np.stack([scipy.signal.correlate(padded[i], dilated[j], mode="valid")[0, ::sh, ::sw] for j in range(o)])
            for i in range(x.shape[0])
        ]
    )
    np.testing.assert_allclose(F.conv2d(Tensor(x), Tensor(weight), **geometry).data, expected, atol=1e-10)


@given(conv_case())
def test_col2im_is_the_adjoint_of_im2col(case):
    # <im2col(x), y> == <x, col2im(y)> for all x, y: the defining property of the backward pass
    x, weight, _, geometry = case
    (ph, pw), kernel = geometry["padding"], weight.shape[2:]
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = im2col(x, kernel, geometry["stride"], geometry["dilation"])
    y = np.random.default_rng(0).standard_normal(cols.shape)
    back = col2im(y, x.shape, kernel, geometry["stride"], geometry["dilation"])
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=1e-10)


def test_float32_in_float32_out_and_close_to_float64():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 9, 9)), rng.standard_normal((5, 4, 3, 3)), rng.standard_normal(5)
    y32 = F.conv2d(Tensor(x.astype(np.float32)), Tensor(w.astype(np.float32)), Tensor(b.astype(np.float32)), padding=1)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.data, F.conv2d(Tensor(x), Tensor(w), Tensor(b), padding=1).data, atol=1e-4)


def test_output_size_formula():
    assert conv_output_size(64, 3, 1, 1, 1) == 64
    assert conv_output_size(64, 3, 1, 2, 2) == 64
    assert conv_output_size(7, 3, 2, 0, 1) == 3


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "message"),
    [
        ((3, 8, 8), (2, 3, 3, 3), {}, r"x must be 4-D \(N, C, H, W\), got shape \(3, 8, 8\)"),
        ((1, 4, 8, 8), (2, 3, 3, 3), {}, r"x has 4 channels .* weight expects 3"),
        ((1, 3, 2, 2), (2, 3, 3, 3), {}, "smaller than the dilated kernel"),
        ((1, 3, 8, 8), (2, 3, 3, 3), {"stride": 0}, r"stride must be an int ≥ 1"),
        ((1, 3, 8, 8), (2, 3, 3, 3), {"padding": -1}, r"padding must be an int ≥ 0"),
        ((1, 3, 8, 8), (2, 3, 3, 3), {"stride": 2, "algorithm": "shifted"}, r"shifted-GEMM algorithm needs stride 1"),
        ((1, 3, 8, 8), (2, 3, 3, 3), {"algorithm": "fft"}, r"algorithm must be one of"),
    ],
)
def test_conv2d_bad_input_errors(x_shape, w_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.conv2d(Tensor(np.ones(x_shape)), Tensor(np.ones(w_shape)), **kwargs)


@pytest.mark.parametrize("algorithm", ["auto", "im2col", "shifted"])
def test_an_empty_batch_gives_an_empty_output_and_zero_gradients(algorithm):
    """N = 0 works as in PyTorch: output (0, O, H', W'), dL/dx empty, dL/dw and dL/db zero."""
    from minisnn import nn

    layer = nn.Conv2d(24, 24, 3, padding=1, rng=0)
    x = Tensor(np.zeros((0, 24, 8, 8), np.float32), requires_grad=True)
    out = F.conv2d(x, layer.weight, layer.bias, padding=1, algorithm=algorithm)
    assert out.shape == (0, 24, 8, 8) and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.shape == x.shape
    np.testing.assert_array_equal(layer.weight.grad, 0)
    np.testing.assert_array_equal(layer.bias.grad, 0)
    assert layer(Tensor(np.zeros((0, 24, 8, 8), np.float32))).shape == (0, 24, 8, 8)
    rng = np.random.default_rng(0)
    empty, weight = leaf(rng.standard_normal((0, 2, 5, 5))), leaf(rng.standard_normal((3, 2, 3, 3)))
    assert gradcheck(lambda a, b: F.conv2d(a, b, algorithm=algorithm), [empty, weight])


def _blas_compatible(a: np.ndarray) -> bool:
    """NumPy < 2 hands a 2-D matmul operand to BLAS only if one stride is the itemsize and the other at least a
    row (or column) of it; otherwise it runs its own loop, ~10x slower (NumPy 2 copies such operands first)."""
    if a.ndim != 2:
        return False
    (s0, s1), (d0, d1), size = a.strides, a.shape, a.itemsize
    return (s1 == size and s0 % size == 0 and s0 >= d1 * size) or (s0 == size and s1 % size == 0 and s1 >= d0 * size)


@pytest.mark.parametrize("algorithm", ["im2col", "shifted"])
def test_every_gemm_gets_blas_compatible_operands(algorithm, monkeypatch):
    """The NumPy 1.26 performance cliff (issue 12): a strided weight tap made matmul skip BLAS."""
    calls = []
    real_matmul = np.matmul

    def spy(a, b, *args, **kwargs):
        calls.append([_blas_compatible(m) for m in (a, b, kwargs.get("out", a))])
        return real_matmul(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "matmul", spy)
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal((2, 8, 6, 6)).astype(np.float32))
    w = leaf(rng.standard_normal((4, 8, 3, 3)).astype(np.float32))
    F.conv2d(x, w, padding=1, algorithm=algorithm).sum().backward()
    assert len(calls) >= (3 if algorithm == "im2col" else 9)  # every GEMM goes through np.matmul
    assert all(all(flags) for flags in calls), calls


@pytest.mark.parametrize("shape", [(0, 3, 3, 3), (2, 3, 0, 3), (2, 3, 3, 0)])
def test_a_weight_with_an_empty_axis_is_refused_by_name(shape):
    """Issue 21, row 27: not NumPy's 'cannot reshape array of size 0'."""
    from minisnn import functional as F

    x = np.zeros((1, 3, 5, 5), np.float32)
    with pytest.raises(ValueError, match=r"conv2d: weight must have at least one output channel, input channel"):
        F.conv2d(x, np.zeros(shape, np.float32))
