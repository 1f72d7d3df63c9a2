"""Area resampling: the fast matrix form against the pixel-by-pixel sum, and what area averaging must keep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minisnn.data.resize import area_resize, area_resize_naive, area_weights

sides = st.integers(1, 11)


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 3), h=sides, w=sides, th=sides, tw=sides, seed=st.integers(0, 2**16))
def test_fast_form_equals_the_pixel_sum_and_keeps_the_mean(c, h, w, th, tw, seed):
    x = np.random.default_rng(seed).random((c, h, w)).astype(np.float32)
    fast = area_resize(x, (th, tw))
    assert fast.shape == (c, th, tw) and fast.dtype == np.float32
    np.testing.assert_allclose(fast, area_resize_naive(x, (th, tw)), atol=1e-6)
    # every output pixel averages an equal share of the source area, so the image mean is kept
    np.testing.assert_allclose(fast.mean(axis=(1, 2)), x.mean(axis=(1, 2)), atol=1e-6)
    assert fast.min() >= x.min() - 1e-6 and fast.max() <= x.max() + 1e-6  # averages stay in range


@given(source=st.integers(1, 40), target=st.integers(1, 40))
def test_weight_rows_sum_to_one_and_cover_the_footprint(source, target):
    a = area_weights(source, target)
    assert a.shape == (target, source) and a.min() >= 0
    np.testing.assert_allclose(a.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(a.sum(axis=0), target / source, atol=1e-12)  # each source pixel is used once


def test_shrinking_by_an_integer_factor_is_the_block_mean():
    x = np.random.default_rng(0).random((3, 12, 18)).astype(np.float32)
    np.testing.assert_allclose(area_resize(x, (4, 6)), x.reshape(3, 4, 3, 6, 3).mean(axis=(2, 4)), atol=1e-6)
    np.testing.assert_array_equal(area_resize(x, (12, 18)), x)  # same size: unchanged
    np.testing.assert_array_equal(area_resize(x[:, :6, :6], 3), area_resize(x[:, :6, :6], (3, 3)))


def test_a_fine_checkerboard_becomes_grey_not_moire():
    board = (np.indices((16, 16)).sum(axis=0) % 2).astype(np.float32)[None]
    np.testing.assert_allclose(area_resize(board, 8), 0.5, atol=1e-6)  # every 2x2 block holds two of each
    np.testing.assert_allclose(area_resize(board, 5), 0.5, atol=0.1)  # non-integer factor: still near grey


@pytest.mark.parametrize(
    ("image", "size", "message"),
    [
        (np.zeros((4, 4)), 2, r"image must have shape \(C, H, W\), got \(4, 4\)"),
        (np.zeros((1, 4, 4)), 0, "size must be positive, got 0"),
        (np.zeros((1, 4, 4)), "big", "size must be an int or"),
    ],
)
def test_bad_arguments_are_named(image, size, message):
    for fn in (area_resize, area_resize_naive):
        with pytest.raises(ValueError, match=message):
            fn(image, size)
