"""Mask generators: binary float32 (1, H, W), hole fractions in range, seeded, geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn.data import (
    BOX_HOLE_RANGE,
    FREEFORM_HOLE_RANGE,
    box_mask,
    freeform_mask,
    hole_fraction,
    make_mask,
    make_masks,
    mixed_mask,
)

sizes = st.integers(16, 96)
seeds = st.integers(0, 2**32 - 1)


def assert_valid(mask, h, w):
    assert mask.shape == (1, h, w) and mask.dtype == np.float32
    assert set(np.unique(mask)) <= {0.0, 1.0}


def bounding_box(mask):
    rows, cols = np.nonzero(mask[0])
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@given(h=sizes, w=sizes, seed=seeds, kind=st.sampled_from(["box", "freeform", "mixed"]))
def test_default_masks_valid_and_in_range(h, w, seed, kind):
    m = make_mask(kind, h, w, seed)
    assert_valid(m, h, w)
    lo, hi = {"box": BOX_HOLE_RANGE, "freeform": FREEFORM_HOLE_RANGE, "mixed": (0.05, 0.5)}[kind]
    assert lo <= hole_fraction(m) <= hi
    np.testing.assert_array_equal(m, make_mask(kind, h, w, seed))  # same seed, same mask


@given(h=sizes, w=sizes, seed=seeds, lo=st.floats(0.05, 0.45), width=st.floats(0.05, 0.3))
def test_box_hole_range_and_rectangle(h, w, seed, lo, width):
    m = box_mask(h, w, seed, hole_range=(lo, lo + width))
    assert_valid(m, h, w)
    assert lo <= hole_fraction(m) <= lo + width
    t, b, left, r = bounding_box(m)
    assert m.sum() == (b - t) * (r - left)  # one solid rectangle


@given(h=sizes, w=sizes, seed=seeds)
def test_box_centered(h, w, seed):
    m = box_mask(h, w, seed, centered=True)
    t, b, left, r = bounding_box(m)
    assert t == (h - (b - t)) // 2 and left == (w - (r - left)) // 2


@given(h=sizes, dw=st.integers(-4, 4), seed=seeds, lo=st.floats(0.02, 0.15))
def test_freeform_custom_range(h, dw, seed, lo):
    # near-square: on very elongated crops the brushes (scaled by min(H, W)) are thin and holes small
    w = h + dw
    m = freeform_mask(h, w, seed, hole_range=(lo, lo + 0.2))
    assert_valid(m, h, w)
    assert lo <= hole_fraction(m) <= lo + 0.2


def test_seeds_give_different_masks():
    for kind in ("box", "freeform", "mixed"):
        masks = {make_mask(kind, 32, 32, s).tobytes() for s in range(10)}
        assert len(masks) > 5
    gen = np.random.default_rng(0)
    assert not np.array_equal(box_mask(32, 32, gen), box_mask(32, 32, gen))  # a Generator advances


def test_freeform_width_scales_with_crop_size():
    def mean_fraction(size, **kw):
        return np.mean([hole_fraction(freeform_mask(size, size, s, hole_range=None, **kw)) for s in range(60)])

    f64, f256 = mean_fraction(64), mean_fraction(256)
    assert abs(f64 - f256) / f256 < 0.25  # same look at every size
    assert mean_fraction(64, reference_size=64) > 2 * f64  # unscaled 12-40 px brushes swamp a 64x64 crop
    thin = freeform_mask(64, 64, 0, hole_range=None, min_width=1, max_width=1.01, reference_size=64)
    assert hole_fraction(thin) < 0.1


def test_freeform_flips_make_strokes_symmetric():
    total = sum(freeform_mask(48, 48, s, hole_range=None)[0] for s in range(150))
    left, right = total[:, :24].sum(), total[:, 24:].sum()
    top, bottom = total[:24].sum(), total[24:].sum()
    assert 0.8 < left / right < 1.25 and 0.8 < top / bottom < 1.25


def test_mixed_mask_chooses_both_kinds():
    def is_box(m):
        t, b, left, r = bounding_box(m)
        return m.sum() == (b - t) * (r - left)

    kinds = [is_box(mixed_mask(40, 40, s)) for s in range(40)]
    assert 10 < sum(kinds) < 30
    assert all(is_box(mixed_mask(40, 40, s, p_box=1.0)) for s in range(5))
    assert 0.3 <= hole_fraction(mixed_mask(40, 40, 0, p_box=1.0, hole_range=(0.3, 0.35))) <= 0.35


def test_impossible_ranges_and_bad_arguments():
    with pytest.raises(ValueError, match=r"4x4.*hole_range"):
        box_mask(4, 4, 0, hole_range=(0.01, 0.02))
    with pytest.raises(ValueError, match="hole_range"):
        freeform_mask(32, 32, 0, hole_range=(0.99, 1.0), max_attempts=5)
    with pytest.raises(ValueError, match="0 <= lo <= hi <= 1"):
        box_mask(8, 8, 0, hole_range=(0.5, 0.2))
    with pytest.raises(ValueError, match="'box', 'freeform', 'mixed'; got 'circle'"):
        make_mask("circle", 8, 8)
    with pytest.raises(ValueError, match="mask size h"):
        box_mask(0, 8)
    with pytest.raises(ValueError, match="p_box"):
        mixed_mask(8, 8, p_box=1.5)


def test_make_masks_batch():
    batch = make_masks("freeform", 5, 24, 40, rng=3)
    assert batch.shape == (5, 1, 24, 40) and batch.dtype == np.float32
    np.testing.assert_array_equal(batch, make_masks("freeform", 5, 24, 40, rng=3))
    assert len({m.tobytes() for m in batch}) == 5
