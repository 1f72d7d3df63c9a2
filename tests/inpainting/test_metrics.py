"""Tests for minisnn.inpainting.metrics: scale, hole-only semantics, PSNR/MSE relations, SSIM vs scikit-image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage
from skimage.metrics import structural_similarity

from minisnn.inpainting.metrics import (
    gaussian_window,
    hole_fraction,
    inpainting_metrics,
    l1,
    mse,
    psnr,
    ssim,
)


def _skimage_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Reference SSIM of one (C, H, W) pair, Wang et al. settings."""
    return structural_similarity(
        a,
        b,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=1,
        channel_axis=0,
    )


def _image_pair(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A (target, pred) pair in [0, 1] of the given kind."""
    if kind == "noise":
        return rng.random(shape), rng.random(shape)
    if kind == "natural":  # smooth image + noise, and a noisier/blurred version of it
        smooth = ndimage.gaussian_filter(rng.random(shape), sigma=(0,) * (len(shape) - 2) + (3, 3))
        smooth = (smooth - smooth.min()) / max(np.ptp(smooth), 1e-12)
        target = np.clip(smooth + 0.05 * rng.standard_normal(shape), 0, 1)
        pred = np.clip(target + rng.uniform(0.0, 0.3) * rng.standard_normal(shape), 0, 1)
        return target, pred
    if kind == "constant":  # zero variance in target: only C1/C2 keep SSIM finite
        return np.full(shape, rng.random()), np.clip(rng.random() + 0.01 * rng.random(shape), 0, 1)
    raise AssertionError(kind)


@st.composite
def image_pairs(draw: st.DrawFn, min_size: int = 11, max_size: int = 26) -> tuple[np.ndarray, np.ndarray]:
    h = draw(st.integers(min_size, max_size))
    w = draw(st.integers(min_size, max_size))
    n = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["noise", "natural", "constant"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return _image_pair(rng, (n, 3, h, w), kind)


@st.composite
def masked_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(target, pred, mask) with a batch of 1–3 images of 4–16 pixels a side and non-empty holes."""
    h = draw(st.integers(4, 16))
    w = draw(st.integers(4, 16))
    n = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    target, pred = rng.random((n, 3, h, w)), rng.random((n, 3, h, w))
    mask = rng.random((n, 1, h, w)) < draw(st.floats(0.05, 0.95))
    mask[:, 0, 0, 0] = True  # every image has a hole
    return target, pred, mask


# ------------------------------------------------------------------------------------------------ scale
def test_scale_is_zero_to_one_known_values() -> None:
    target = np.zeros((3, 8, 8))
    pred = np.ones((3, 8, 8))
    assert mse(pred, target) == 1.0  # the largest possible error on the [0, 1] scale
    assert psnr(pred, target) == 0.0  # 10 log10(1 / 1)
    assert l1(pred, target) == 1.0
    pred = target + 0.1
    assert mse(pred, target) == pytest.approx(0.01, rel=1e-12)
    assert psnr(pred, target) == pytest.approx(20.0, rel=1e-12)


def test_target_outside_unit_interval_is_rejected() -> None:
    target = np.full((3, 12, 12), 200.0)  # a 0-255 image
    with pytest.raises(ValueError, match=r"target.*\[0, 1\]"):
        mse(target / 255, target)
    with pytest.raises(ValueError, match="target"):
        ssim(target / 255, np.full((3, 12, 12), np.nan))


def test_pred_is_not_range_checked_and_overshoot_is_penalised() -> None:
    target = np.full((3, 4, 4), 1.0)
    assert mse(target + 0.5, target) == pytest.approx(0.25)


# -------------------------------------------------------------------------------------------- MSE / L1
@given(masked_pairs())
def test_mse_and_l1_match_direct_formulas(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    target, pred, mask = data
    diff = pred - target
    per_full = (diff**2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(mse(pred, target, reduction="none"), per_full, rtol=1e-12)
    assert mse(pred, target) == pytest.approx(per_full.mean(), rel=1e-12)
    hole = np.broadcast_to(mask, pred.shape)
    per_hole = np.array([(diff[i][hole[i]] ** 2).mean() for i in range(len(pred))])
    np.testing.assert_allclose(mse(pred, target, mask, reduction="none"), per_hole, rtol=1e-12)
    assert mse(pred, target, mask) == pytest.approx(per_hole.mean(), rel=1e-12)
    per_l1 = np.abs(diff).mean(axis=(1, 2, 3))
    assert l1(pred, target) == pytest.approx(per_l1.mean(), rel=1e-12)
    per_l1_hole = np.array([np.abs(diff[i][hole[i]]).mean() for i in range(len(pred))])
    np.testing.assert_allclose(l1(pred, target, mask, reduction="none"), per_l1_hole, rtol=1e-12)


@given(masked_pairs(), st.integers(0, 2**32 - 1))
def test_hole_metrics_ignore_known_pixels(data: tuple[np.ndarray, np.ndarray, np.ndarray], seed: int) -> None:
    target, pred, mask = data
    rng = np.random.default_rng(seed)
    changed = np.where(mask, pred, rng.random(pred.shape))  # new values at known pixels only
    assert mse(changed, target, mask) == mse(pred, target, mask)
    assert psnr(changed, target, mask) == psnr(pred, target, mask)
    assert l1(changed, target, mask) == l1(pred, target, mask)
    if not mask.all():  # the full-image metric does see the change
        assert mse(changed, target) != mse(pred, target)


def test_single_image_equals_batch_of_one() -> None:
    rng = np.random.default_rng(0)
    target, pred = _image_pair(rng, (1, 3, 16, 16), "natural")
    mask = rng.random((1, 1, 16, 16)) < 0.3
    for fn in (mse, l1, psnr):
        assert fn(pred[0], target[0], mask[0]) == fn(pred, target, mask)
        assert fn(pred[0], target[0]) == fn(pred, target)
    assert ssim(pred[0], target[0]) == ssim(pred, target)
    assert mse(pred[0], target[0], reduction="none").shape == (1,)


def test_float32_inputs_are_measured_in_float64() -> None:
    rng = np.random.default_rng(1)
    target, pred = rng.random((2, 3, 12, 12)), rng.random((2, 3, 12, 12))
    t32, p32 = target.astype(np.float32), pred.astype(np.float32)
    ref = ((p32.astype(np.float64) - t32.astype(np.float64)) ** 2).mean()
    assert mse(p32, t32) == pytest.approx(ref, rel=1e-12)
    assert isinstance(mse(p32, t32), float)


# -------------------------------------------------------------------------------------------------- PSNR
@given(masked_pairs())
def test_psnr_is_ten_log10_of_inverse_mse_per_image(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    target, pred, mask = data
    for m in (None, mask):
        per_mse = mse(pred, target, m, reduction="none")
        per_psnr = psnr(pred, target, m, reduction="none")
        np.testing.assert_allclose(per_psnr, 10 * np.log10(1.0 / per_mse), rtol=1e-12)
        # batch value: mean of per-image PSNRs, which Jensen puts above the PSNR of the mean MSE
        assert psnr(pred, target, m) == pytest.approx(per_psnr.mean(), rel=1e-12)
        assert psnr(pred, target, m) >= 10 * math.log10(1.0 / mse(pred, target, m)) - 1e-9
    # data_range enters as 20 log10(R)
    assert psnr(pred, target, data_range=2.0) == pytest.approx(psnr(pred, target) + 20 * math.log10(2), rel=1e-12)


def test_psnr_of_a_perfect_reconstruction_is_inf() -> None:
    rng = np.random.default_rng(2)
    target = rng.random((2, 3, 8, 8))
    assert psnr(target, target) == math.inf
    pred = target.copy()
    pred[1] = np.clip(pred[1] + 0.1, 0, 1)
    per = psnr(pred, target, reduction="none")
    assert per[0] == math.inf and np.isfinite(per[1])
    assert psnr(pred, target) == math.inf
    mask = np.zeros((2, 1, 8, 8), dtype=bool)
    mask[:, :, 2:4, 2:4] = True
    pred = np.where(mask, target, 0.5)  # hole exact, known pixels wrong
    assert psnr(pred, target, mask) == math.inf
    assert np.isfinite(psnr(pred, target))


def test_empty_hole_gives_nan_and_is_skipped_by_the_batch_mean() -> None:
    rng = np.random.default_rng(3)
    target, pred = rng.random((3, 3, 8, 8)), rng.random((3, 3, 8, 8))
    mask = np.zeros((3, 1, 8, 8))
    mask[0, :, :4] = 1
    mask[2, :, 4:] = 1
    per = mse(pred, target, mask, reduction="none")
    assert np.isnan(per[1]) and np.isfinite(per[[0, 2]]).all()
    assert mse(pred, target, mask) == pytest.approx(per[[0, 2]].mean())
    assert psnr(pred, target, mask) == pytest.approx(psnr(pred, target, mask, reduction="none")[[0, 2]].mean())
    assert math.isnan(mse(pred, target, np.zeros_like(mask)))
    assert math.isnan(psnr(pred, target, np.zeros_like(mask)))


def test_nan_in_prediction_propagates_instead_of_being_skipped() -> None:
    rng = np.random.default_rng(4)
    target, pred = rng.random((2, 3, 8, 8)), rng.random((2, 3, 8, 8))
    mask = np.ones((2, 1, 8, 8))
    pred[1, 0, 0, 0] = np.nan
    assert math.isnan(mse(pred, target, mask))
    assert math.isnan(psnr(pred, target))


# -------------------------------------------------------------------------------------------------- SSIM
def test_gaussian_window_is_the_11_tap_wang_window() -> None:
    g = gaussian_window()
    assert g.shape == (11,)
    assert g.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(g, g[::-1])
    delta = np.zeros(21)
    delta[10] = 1.0
    ref = ndimage.gaussian_filter1d(delta, sigma=1.5, truncate=3.5)[5:16]
    np.testing.assert_allclose(g, ref, atol=1e-15)


@given(image_pairs())
def test_ssim_matches_scikit_image(pair: tuple[np.ndarray, np.ndarray]) -> None:
    target, pred = pair
    per = ssim(pred, target, reduction="none")
    ref = np.array([_skimage_ssim(pred[i], target[i]) for i in range(len(pred))])
    np.testing.assert_allclose(per, ref, rtol=0, atol=1e-9)
    assert ssim(pred, target) == pytest.approx(ref.mean(), abs=1e-9)


def test_ssim_matches_scikit_image_for_float32_at_float32_precision() -> None:
    rng = np.random.default_rng(5)
    target, pred = _image_pair(rng, (1, 3, 32, 40), "natural")
    t32, p32 = target.astype(np.float32), pred.astype(np.float32)
    assert ssim(p32, t32) == pytest.approx(_skimage_ssim(p32[0], t32[0]), abs=1e-5)


@given(image_pairs(max_size=16))
def test_ssim_properties(pair: tuple[np.ndarray, np.ndarray]) -> None:
    target, pred = pair
    assert np.allclose(ssim(target, target, reduction="none"), 1.0, atol=1e-12)
    assert ssim(pred, target) == pytest.approx(ssim(target, pred), abs=1e-12)
    assert ssim(pred, target) <= 1.0 + 1e-12


def test_ssim_is_the_mean_over_the_cropped_valid_region() -> None:
    """Independent S-map (gaussian_filter, zero padding): after cropping 5 pixels the border mode is moot."""
    rng = np.random.default_rng(6)
    target, pred = _image_pair(rng, (1, 3, 23, 17), "natural")
    x, y = pred[0], target[0]

    def blur(a: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(a, sigma=(0, 1.5, 1.5), truncate=3.5, mode="constant")

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    s_map = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    assert ssim(pred, target) == pytest.approx(s_map[:, 5:-5, 5:-5].mean(), abs=1e-12)
    assert ssim(pred, target) != pytest.approx(s_map.mean(), abs=1e-6)  # the uncropped mean differs


def test_ssim_needs_11x11() -> None:
    x = np.zeros((3, 10, 16))
    with pytest.raises(ValueError, match=r"11x11.*\(3, 10, 16\)"):
        ssim(x, x)


# --------------------------------------------------------------------------------------- hole fraction
def test_hole_fraction() -> None:
    mask = np.zeros((2, 1, 4, 5), dtype=bool)
    mask[0, 0, :2] = True  # 10 of 20
    mask[1, 0, 0, 0] = True  # 1 of 20
    np.testing.assert_allclose(hole_fraction(mask, reduction="none"), [0.5, 0.05])
    assert hole_fraction(mask) == pytest.approx(0.275)
    assert hole_fraction(mask[0]) == 0.5
    with pytest.raises(ValueError, match="binary"):
        hole_fraction(np.full((1, 4, 4), 0.5))
    with pytest.raises(ValueError, match=r"mask.*\(4, 4\)"):
        hole_fraction(np.zeros((4, 4)))


# ------------------------------------------------------------------------------------ inpainting_metrics
def test_inpainting_metrics_keys_and_values() -> None:
    rng = np.random.default_rng(7)
    target, pred = _image_pair(rng, (2, 3, 16, 16), "natural")
    pred = pred.astype(np.float32)
    mask = (rng.random((2, 1, 16, 16)) < 0.25).astype(np.float32)
    out = inpainting_metrics(pred, target, mask)
    assert list(out) == ["hole_mse", "hole_psnr", "full_mse", "full_psnr", "l1", "ssim"]
    assert all(type(v) is float for v in out.values())
    assert out["hole_mse"] == mse(pred, target, mask)
    assert out["hole_psnr"] == psnr(pred, target, mask)
    assert out["full_mse"] == mse(pred, target)
    assert out["full_psnr"] == psnr(pred, target)
    assert out["l1"] == l1(pred, target)
    assert out["ssim"] == ssim(pred, target)
    with pytest.raises(ValueError, match="mask"):
        inpainting_metrics(pred, target, mask[:, :, :8])


# ------------------------------------------------------------------------------------------- bad input
def test_bad_inputs_raise_with_names_and_shapes() -> None:
    x = np.zeros((2, 3, 8, 8))
    with pytest.raises(TypeError, match="pred.*uint8"):
        mse(x.astype(np.uint8), x)
    with pytest.raises(TypeError, match="target.*int64"):
        mse(x, x.astype(np.int64))
    with pytest.raises(ValueError, match=r"pred \(2, 3, 8, 8\) and target \(2, 3, 8, 9\)"):
        mse(x, np.zeros((2, 3, 8, 9)))
    with pytest.raises(ValueError, match=r"pred \(3, 8, 8\) and target \(1, 3, 8, 8\)"):
        mse(x[0], x[:1])
    with pytest.raises(ValueError, match=r"pred must have shape .*got shape \(8, 8\)"):
        mse(x[0, 0], x[0, 0])
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 1, 8, 8\).*got mask shape \(2, 3, 8, 8\)"):
        mse(x, x, np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"mask must have shape \(1, 8, 8\)"):
        mse(x[0], x[0], np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="binary.*2"):
        mse(x, x, np.full((2, 1, 8, 8), 2))
    with pytest.raises(ValueError, match="reduction"):
        mse(x, x, reduction="sum")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="data_range"):
        psnr(x, x, data_range=0.0)
