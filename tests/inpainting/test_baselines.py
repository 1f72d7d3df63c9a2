"""Tests for minisnn.inpainting.baselines: contracts, PDE residuals, exactness, and scikit-image agreement."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from skimage.restoration import inpaint_biharmonic

from minisnn.inpainting.baselines import (
    BASELINES,
    biharmonic_fill,
    grid_laplacian,
    harmonic_fill,
    mean_fill,
    pde_fill,
)

Fill = Callable[[np.ndarray, np.ndarray], np.ndarray]
ALL_FILLS = pytest.mark.parametrize("fill", list(BASELINES.values()), ids=list(BASELINES))


def _make_mask(rng: np.random.Generator, h: int, w: int, kind: str, margin: int = 0) -> np.ndarray:
    """A (1, H, W) bool mask with at least one hole and one known pixel; holes keep ``margin`` off the border."""
    mask = np.zeros((h, w), dtype=bool)
    inner = (slice(margin, h - margin), slice(margin, w - margin))
    ih, iw = mask[inner].shape
    if kind == "box":
        y0, x0 = rng.integers(0, ih), rng.integers(0, iw)
        y1, x1 = rng.integers(y0 + 1, ih + 1), rng.integers(x0 + 1, iw + 1)
        mask[inner][y0:y1, x0:x1] = True
    elif kind == "random":
        mask[inner] = rng.random((ih, iw)) < rng.uniform(0.1, 0.9)
    elif kind == "stripes":  # thin structures and border-touching lines
        mask[inner][:, rng.integers(0, iw) :: 3] = True
    else:
        raise AssertionError(kind)
    mask[inner][rng.integers(0, ih), rng.integers(0, iw)] = True
    if mask.all():
        mask[0, 0] = False
    return mask[None]


@st.composite
def images_and_masks(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 12, margin: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A (3, H, W) float64 image in [0, 1] and a (1, H, W) mask with a non-empty hole and known pixels."""
    h = draw(st.integers(max(min_size, 2 * margin + 1), max_size))
    w = draw(st.integers(max(min_size, 2 * margin + 1), max_size))
    if h * w == 1:
        w = 2
    kind = draw(st.sampled_from(["box", "random", "stripes"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = rng.random((3, h, w))
    return image, _make_mask(rng, h, w, kind, margin)


def _skimage_biharmonic(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """scikit-image reference on our layout: (C, H, W) image, (1, H, W) mask."""
    out = inpaint_biharmonic(np.moveaxis(image, 0, -1), mask[0], channel_axis=-1)
    return np.moveaxis(out, -1, 0)


# ------------------------------------------------------------------------------------- shared contract
@ALL_FILLS
@given(images_and_masks())
def test_known_pixels_unchanged_shape_and_dtype_kept(fill: Fill, data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    for dtype in (np.float64, np.float32):
        img = image.astype(dtype)
        out = fill(img, mask)
        assert out.shape == img.shape and out.dtype == dtype
        known = np.broadcast_to(~mask, img.shape)
        assert np.array_equal(out[known], img[known])  # bit for bit
        assert np.isfinite(out).all()
        assert out is not img


@ALL_FILLS
@given(images_and_masks())
def test_hole_input_values_are_never_read(fill: Fill, data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    garbage = np.where(mask, np.nan, image)
    np.testing.assert_array_equal(fill(garbage, mask), fill(image, mask))


@ALL_FILLS
def test_batch_equals_per_image_and_no_hole_is_identity(fill: Fill) -> None:
    rng = np.random.default_rng(0)
    images = rng.random((4, 3, 10, 9))
    masks = np.stack([_make_mask(rng, 10, 9, k) for k in ("box", "random", "box", "stripes")])
    masks[2] = masks[0]  # a repeated mask reuses the factorisation: results must not mix up images
    masks[3] = False  # no hole at all
    out = fill(images, masks.astype(np.float32))
    for i in range(4):
        np.testing.assert_array_equal(out[i], fill(images[i], masks[i]))
    np.testing.assert_array_equal(out[3], images[3])


@ALL_FILLS
@given(images_and_masks(), st.floats(0.0, 1.0))
def test_constant_image_is_filled_with_the_constant(
    fill: Fill, data: tuple[np.ndarray, np.ndarray], value: float
) -> None:
    image, mask = data
    const = np.full_like(image, value)
    np.testing.assert_allclose(fill(np.where(mask, 0.0, const), mask), const, rtol=0, atol=1e-12)


def test_registry() -> None:
    assert BASELINES == {"mean": mean_fill, "harmonic": harmonic_fill, "biharmonic": biharmonic_fill, "pde": pde_fill}


def test_pde_fill_is_the_mean_of_harmonic_and_biharmonic_and_keeps_known_pixels() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((2, 3, 20, 24))
    mask = np.zeros((2, 1, 20, 24))
    mask[:, :, 5:14, 6:17] = 1
    filled = pde_fill(image, mask)
    np.testing.assert_allclose(filled, 0.5 * (harmonic_fill(image, mask) + biharmonic_fill(image, mask)))
    known = np.broadcast_to(mask == 0, image.shape)
    np.testing.assert_array_equal(filled[known], image[known])


# ------------------------------------------------------------------------------------------- bad input
@ALL_FILLS
def test_bad_input_raises(fill: Fill) -> None:
    image = np.zeros((2, 3, 8, 8))
    mask = np.zeros((2, 1, 8, 8))
    mask[:, :, 2:4, 2:4] = 1
    with pytest.raises(ValueError, match=r"\(2, 1, 8, 8\).*\(2, 3, 8, 8\).*\(2, 1, 8, 7\)"):
        fill(image, mask[..., :7])
    with pytest.raises(ValueError, match=r"\(1, 8, 8\).*\(3, 8, 8\).*\(2, 1, 8, 8\)"):
        fill(image[0], mask)
    with pytest.raises(ValueError, match="binary"):
        fill(image, mask * 0.5)
    with pytest.raises(TypeError, match="image.*uint8"):
        fill((image * 255).astype(np.uint8), mask)
    with pytest.raises(ValueError, match=r"image must have shape"):
        fill(image[0, 0], mask[0, 0])
    with pytest.raises(ValueError, match=r"mask\[1\].*every pixel"):
        fill(image, np.concatenate([mask[:1], np.ones_like(mask[:1])]))
    bad = image.copy()
    bad[0, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"image\[0\].*non-finite"):
        fill(bad, mask)


# ------------------------------------------------------------------------------------------------ mean
@given(images_and_masks())
def test_mean_fill_uses_the_per_channel_known_mean(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    out = mean_fill(image, mask)
    known = ~mask[0]
    for c in range(3):
        np.testing.assert_allclose(out[c][mask[0]], image[c][known].mean(), rtol=1e-12)


# -------------------------------------------------------------------------------------------- harmonic
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_grid_laplacian_is_ndimage_laplace_reflect(h: int, w: int, seed: int) -> None:
    u = np.random.default_rng(seed).random((h, w))
    lap = grid_laplacian(h, w)
    assert lap.shape == (h * w, h * w)
    np.testing.assert_allclose((lap @ u.ravel()).reshape(h, w), ndimage.laplace(u, mode="reflect"), atol=1e-14)


@given(images_and_masks(max_size=20))
def test_harmonic_fill_solves_laplace_on_the_hole(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    out = harmonic_fill(image, mask)
    for c in range(3):
        residual = ndimage.laplace(out[c], mode="reflect")[mask[0]]
        np.testing.assert_allclose(residual, 0.0, atol=1e-10)


@given(images_and_masks(max_size=20))
def test_harmonic_fill_obeys_the_maximum_principle(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    out = harmonic_fill(image, mask)
    hole = mask[0]
    cross = ndimage.generate_binary_structure(2, 1)
    ring = ndimage.binary_dilation(hole, structure=cross) & ~hole  # known 4-neighbours of the hole
    for c in range(3):
        lo, hi = image[c][ring].min(), image[c][ring].max()
        assert out[c][hole].min() >= lo - 1e-12
        assert out[c][hole].max() <= hi + 1e-12


@given(images_and_masks(min_size=3, max_size=20, margin=1), st.floats(-1, 1), st.floats(-1, 1))
def test_harmonic_fill_reproduces_a_linear_ramp(data: tuple[np.ndarray, np.ndarray], a: float, b: float) -> None:
    """Away from the border (where the reflective boundary bends it) a ramp is discretely harmonic."""
    image, mask = data
    _, h, w = image.shape
    yy, xx = np.mgrid[0:h, 0:w] / 20.0
    ramp = np.stack([0.5 + 0.2 * (a * yy + b * xx), 0.5 + 0.2 * yy, 0.5 - 0.2 * xx])
    out = harmonic_fill(np.where(mask, 0.0, ramp), mask)
    np.testing.assert_allclose(out, ramp, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------ biharmonic
@given(images_and_masks())
def test_biharmonic_fill_matches_scikit_image(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    np.testing.assert_allclose(biharmonic_fill(image, mask), _skimage_biharmonic(image, mask), rtol=0, atol=1e-9)


@pytest.mark.parametrize("kind", ["box", "random", "stripes"])
def test_biharmonic_fill_matches_scikit_image_on_64x64_crops(kind: str) -> None:
    rng = np.random.default_rng(1)
    smooth = ndimage.gaussian_filter(rng.random((3, 64, 64)), sigma=(0, 4, 4))
    image = np.clip((smooth - smooth.min()) / np.ptp(smooth) + 0.05 * rng.standard_normal(smooth.shape), 0, 1)
    mask = _make_mask(rng, 64, 64, kind)
    if kind == "box":
        mask[0, 8:40, 20:52] = True
    np.testing.assert_allclose(biharmonic_fill(image, mask), _skimage_biharmonic(image, mask), rtol=0, atol=1e-9)


def test_biharmonic_fill_float32_matches_scikit_image_at_float32_precision() -> None:
    rng = np.random.default_rng(2)
    image = rng.random((3, 24, 24)).astype(np.float32)
    mask = _make_mask(rng, 24, 24, "random")
    out = biharmonic_fill(image, mask)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _skimage_biharmonic(image, mask), rtol=0, atol=1e-4)


@given(images_and_masks(max_size=16))
def test_unclipped_biharmonic_fill_solves_the_biharmonic_equation(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    out = biharmonic_fill(image, mask, clip=False)
    for c in range(3):
        residual = ndimage.laplace(ndimage.laplace(out[c], mode="reflect"), mode="reflect")[mask[0]]
        np.testing.assert_allclose(residual, 0.0, atol=1e-9)


@given(images_and_masks(min_size=5, max_size=16, margin=2), st.integers(0, 2**32 - 1))
def test_unclipped_biharmonic_fill_reproduces_cubics(data: tuple[np.ndarray, np.ndarray], seed: int) -> None:
    """Second differences of a cubic are linear, so Δ²u = 0 holds exactly two pixels away from the border."""
    image, mask = data
    _, h, w = image.shape
    y, x = np.mgrid[0:h, 0:w] / 16.0
    coef = np.random.default_rng(seed).uniform(-1, 1, size=(3, 10))
    monomials = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y, x**3, x * x * y, x * y * y, y**3])
    cubic = np.einsum("ck,khw->chw", coef, monomials)
    out = biharmonic_fill(np.where(mask, 0.0, cubic), mask, clip=False)
    np.testing.assert_allclose(out, cubic, rtol=0, atol=1e-9)


@settings(max_examples=10)
@given(images_and_masks(max_size=16))
def test_biharmonic_clip_keeps_values_in_the_known_range(data: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = data
    out = biharmonic_fill(image, mask)
    raw = biharmonic_fill(image, mask, clip=False)
    known = image[:, ~mask[0]]
    lo, hi = known.min(axis=1)[:, None, None], known.max(axis=1)[:, None, None]
    assert ((out >= lo) & (out <= hi)).all()
    np.testing.assert_array_equal(out, np.clip(raw, lo, hi))
