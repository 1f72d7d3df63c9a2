"""Image-quality metrics for inpainting, all on the **[0, 1] intensity scale**.

Every metric takes images as float arrays in NCHW layout, ``(N, C, H, W)``, or a single image ``(C, H, W)``
(treated as a batch of one). Masks are ``(N, 1, H, W)`` or ``(1, H, W)`` with ``1`` = missing pixel (the
hole) and ``0`` = known pixel; bool, integer and float masks are accepted as long as every value is 0 or 1.

Scale. Ground-truth images (``target``) must lie in [0, 1]; a ``ValueError`` is raised otherwise (this
catches the classic mistake of passing 0–255 images). Predictions are *not* range-checked: a network's raw
output may overshoot [0, 1] and the metrics then penalise it honestly. PSNR and SSIM use ``data_range=1.0``
by default, i.e. the peak signal is 1.

Reductions. Each metric is first computed **per image**; ``reduction="none"`` returns those values as an
array of shape ``(N,)`` (float64) and ``reduction="mean"`` (the default) returns their mean over the batch as
a Python ``float``. In particular PSNR is *per-image PSNR averaged over the batch* (the habit of the
inpainting literature), not the PSNR of the batch-pooled MSE; by Jensen's inequality the former is never
smaller than the latter.

Holes. With a mask, MSE/PSNR/L1 are computed over the hole only: the mean over the hole pixels × channels of
each image. An image whose hole is empty has no hole error: its per-image value is ``nan``, and the batch
mean skips such images (it is the mean over the images that do have a hole). If no image of the batch has a
hole the mean is ``nan``. A ``nan`` caused by the data itself (e.g. a prediction containing NaN) is *not*
skipped and propagates to the mean.

Perfect reconstructions. PSNR of an image with MSE 0 is ``inf`` (no cap); the batch mean is then ``inf`` too.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import ndimage

__all__ = [
    "SSIM_K1",
    "SSIM_K2",
    "SSIM_RADIUS",
    "SSIM_SIGMA",
    "gaussian_window",
    "hole_fraction",
    "inpainting_metrics",
    "l1",
    "mse",
    "psnr",
    "ssim",
]

Reduction = Literal["mean", "none"]

#: SSIM constants of Wang et al. (2004): Gaussian window σ = 1.5 truncated to radius 5 (11 taps), K1, K2.
SSIM_SIGMA: float = 1.5
SSIM_RADIUS: int = 5
SSIM_K1: float = 0.01
SSIM_K2: float = 0.03


# --------------------------------------------------------------------------------------------------------
# Input validation (shared with minisnn.inpainting.baselines)
# --------------------------------------------------------------------------------------------------------
def _as_image_batch(x: np.ndarray, name: str) -> tuple[np.ndarray, bool]:
    """Return ``x`` as a 4-D ``(N, C, H, W)`` floating array and whether it was a single ``(C, H, W)`` image.

    Raises ``TypeError`` if ``x`` is not a floating-point array and ``ValueError`` if it is not 3-D or 4-D.
    """
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array with values in [0, 1], got dtype {arr.dtype}")
    if arr.ndim == 3:
        return arr[None], True
    if arr.ndim == 4:
        return arr, False
    raise ValueError(f"{name} must have shape (N, C, H, W) or (C, H, W), got shape {arr.shape}")


def _as_mask_batch(mask: np.ndarray, image_shape: tuple[int, ...], single: bool) -> np.ndarray:
    """Validate ``mask`` against a 4-D image shape ``(N, C, H, W)``; return it as bool ``(N, H, W)``.

    ``single`` says the image was given as ``(C, H, W)``, in which case the mask must be ``(1, H, W)``;
    otherwise it must be ``(N, 1, H, W)``. Every value must be 0 or 1 (``True``/``False`` allowed).
    """
    m = np.asarray(mask)
    n, _, h, w = image_shape
    expected = (1, h, w) if single else (n, 1, h, w)
    given_image = image_shape[1:] if single else image_shape
    if m.shape != expected:
        raise ValueError(
            f"mask must have shape {expected} to match image shape {tuple(given_image)}, got mask shape {m.shape}"
        )
    if m.dtype != np.bool_:
        if not (np.issubdtype(m.dtype, np.number)):
            raise TypeError(f"mask must be a bool or numeric array of 0s and 1s, got dtype {m.dtype}")
        bad = ~((m == 0) | (m == 1))
        if bad.any():
            values = np.unique(m[bad])[:5]
            raise ValueError(f"mask must be binary (0 = known, 1 = missing), got values {values.tolist()}")
    return m.reshape(n, h, w).astype(bool)


def _check_pair(pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate a prediction/target pair; return both as float64 ``(N, C, H, W)`` and the single flag."""
    p, single = _as_image_batch(pred, "pred")
    t, _ = _as_image_batch(target, "target")
    if p.shape != t.shape or np.ndim(pred) != np.ndim(target):
        raise ValueError(
            f"pred and target must have the same shape, got pred {np.shape(pred)} and target {np.shape(target)}"
        )
    if not np.all((t >= 0) & (t <= 1)):
        finite = t[np.isfinite(t)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (np.nan, np.nan)
        raise ValueError(
            "target must have values in [0, 1] (metrics are on the [0, 1] scale), "
            f"got finite min {lo}, max {hi}" + (" and non-finite values" if finite.size < t.size else "")
        )
    return p.astype(np.float64, copy=False), t.astype(np.float64, copy=False), single


def _reduce(values: np.ndarray, reduction: Reduction, valid: np.ndarray | None = None) -> float | np.ndarray:
    """Apply a batch reduction to per-image ``values`` of shape ``(N,)``.

    ``"none"`` returns the array; ``"mean"`` returns ``float(mean(values[valid]))`` (``nan`` if nothing is
    valid). ``valid`` marks images that have something to measure (a non-empty hole); ``None`` means all.
    """
    if reduction == "none":
        return values
    if reduction != "mean":
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    if valid is not None:
        values = values[valid]
    if values.size == 0:
        return float("nan")
    return float(np.mean(values))


def _masked_mean(err: np.ndarray, mask: np.ndarray | None, single: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-image mean of an elementwise error ``err`` (N, C, H, W), over all pixels or over the hole.

    Returns ``(values, valid)``: ``values`` (N,) float64 and ``valid`` (N,) bool marking images with a
    non-empty hole (``None`` when no mask is given). With a mask, image ``i`` gets
    ``sum_{c, (y, x) in hole_i} err[i, c, y, x] / (C * |hole_i|)``, ``nan`` for an empty hole.
    """
    if mask is None:
        return err.mean(axis=(1, 2, 3)), None
    m = _as_mask_batch(mask, err.shape, single)
    count = m.sum(axis=(1, 2)) * err.shape[1]
    total = np.where(m[:, None], err, 0.0).sum(axis=(1, 2, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return values, count > 0


# --------------------------------------------------------------------------------------------------------
# Pixel-wise metrics
# --------------------------------------------------------------------------------------------------------
def mse(
    pred: np.ndarray,
    target: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: Reduction = "mean",
) -> float | np.ndarray:
    """Mean squared error on the [0, 1] scale, over the full image or over the hole only.

    Args:
        pred: prediction, ``(N, C, H, W)`` or ``(C, H, W)``, float.
        target: ground truth of the same shape, float in [0, 1].
        mask: optional ``(N, 1, H, W)`` / ``(1, H, W)`` binary mask, 1 = hole; if given, only holes count.
        reduction: ``"mean"`` → float, mean over the batch of the per-image values; ``"none"`` → ``(N,)``.

    Per image ``i``:  full ``MSE_i = (1 / CHW) Σ_{c,y,x} (pred - target)²``;  hole
    ``MSE_i = (1 / (C |hole_i|)) Σ_{c, (y,x) ∈ hole_i} (pred - target)²`` (``nan`` if the hole is empty;
    such images are skipped by the batch mean, see the module docstring).
    """
    p, t, single = _check_pair(pred, target)
    values, valid = _masked_mean((p - t) ** 2, mask, single)
    return _reduce(values, reduction, valid)


def l1(
    pred: np.ndarray,
    target: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: Reduction = "mean",
) -> float | np.ndarray:
    """Mean absolute error on the [0, 1] scale, over the full image (default) or over the hole only.

    Same arguments, shapes and reductions as :func:`mse`, with ``|pred - target|`` in place of the square:
    ``L1_i = (1 / CHW) Σ_{c,y,x} |pred - target|``.
    """
    p, t, single = _check_pair(pred, target)
    values, valid = _masked_mean(np.abs(p - t), mask, single)
    return _reduce(values, reduction, valid)


def psnr(
    pred: np.ndarray,
    target: np.ndarray,
    mask: np.ndarray | None = None,
    data_range: float = 1.0,
    reduction: Reduction = "mean",
) -> float | np.ndarray:
    """Peak signal-to-noise ratio in dB, per image and then averaged over the batch.

    ``PSNR_i = 10 · log10(data_range² / MSE_i)`` with ``MSE_i`` the per-image (full or hole) MSE of
    :func:`mse`; images are on the [0, 1] scale so ``data_range = 1`` (the peak value). ``MSE_i = 0`` gives
    ``PSNR_i = inf`` (not capped; a batch containing a perfect image then has mean ``inf``). An empty hole
    gives ``nan`` and is skipped by the batch mean. ``reduction="mean"`` is the *mean of per-image PSNRs*,
    which is ≥ ``10 log10(data_range² / mean_i MSE_i)`` (Jensen).
    """
    if not (np.isfinite(data_range) and data_range > 0):
        raise ValueError(f"data_range must be a positive finite number, got {data_range!r}")
    p, t, single = _check_pair(pred, target)
    err, valid = _masked_mean((p - t) ** 2, mask, single)
    with np.errstate(divide="ignore"):
        values = 10.0 * np.log10(float(data_range) ** 2 / err)
    return _reduce(values, reduction, valid)


def hole_fraction(mask: np.ndarray, reduction: Reduction = "mean") -> float | np.ndarray:
    """Fraction of missing pixels: ``|hole_i| / (H W)`` per image, in [0, 1].

    Args:
        mask: ``(N, 1, H, W)`` or ``(1, H, W)`` binary mask, 1 = hole.
        reduction: ``"mean"`` → float (mean over the batch), ``"none"`` → ``(N,)``.
    """
    m = np.asarray(mask)
    if m.ndim == 3:
        m4 = _as_mask_batch(m, (1, 1, *m.shape[1:]), single=True)
    elif m.ndim == 4:
        m4 = _as_mask_batch(m, (m.shape[0], 1, *m.shape[2:]), single=False)
    else:
        raise ValueError(f"mask must have shape (N, 1, H, W) or (1, H, W), got shape {m.shape}")
    values = m4.mean(axis=(1, 2), dtype=np.float64) if m4[0].size else np.full(m4.shape[0], np.nan)
    return _reduce(values, reduction)


# --------------------------------------------------------------------------------------------------------
# SSIM
# --------------------------------------------------------------------------------------------------------
def gaussian_window(sigma: float = SSIM_SIGMA, radius: int = SSIM_RADIUS) -> np.ndarray:
    """Normalised 1-D Gaussian weights ``g[k] ∝ exp(-k² / 2σ²)``, ``k = -radius … radius``; ``(2r+1,)``.

    With the defaults (σ = 1.5, radius 5) this is the 11-tap window of Wang et al. (2004), identical to the
    kernel ``scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5)`` uses.
    """
    k = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (k / sigma) ** 2)
    return g / g.sum()


def _gaussian_blur(x: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable Gaussian filtering of ``x`` (..., H, W) along the last two axes (reflective border)."""
    y = ndimage.correlate1d(x, window, axis=-1, mode="reflect")
    return ndimage.correlate1d(y, window, axis=-2, mode="reflect")


def ssim(
    pred: np.ndarray,
    target: np.ndarray,
    data_range: float = 1.0,
    reduction: Reduction = "mean",
) -> float | np.ndarray:
    """Structural similarity (Wang et al. 2004) on the [0, 1] scale, per image then averaged over the batch.

    Args:
        pred, target: ``(N, C, H, W)`` or ``(C, H, W)`` float images with ``H, W ≥ 11``; target in [0, 1].
        data_range: the dynamic range ``R`` (1 for [0, 1] images).
        reduction: ``"mean"`` → float, ``"none"`` → ``(N,)`` per-image SSIM.

    With ``w`` the 11×11 Gaussian window (σ = 1.5, separable, see :func:`gaussian_window`) and ``*``
    filtering, per channel: ``μx = w*x``, ``μy = w*y``, ``σx² = w*x² − μx²``, ``σy² = w*y² − μy²``,
    ``σxy = w*(xy) − μx μy`` (population, i.e. weighted, moments — no N/(N−1) correction) and
    ``S = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))`` with ``C1 = (K1 R)²``,
    ``C2 = (K2 R)²``, ``K1 = 0.01``, ``K2 = 0.03``. The SSIM of a channel is the mean of ``S`` over the valid
    region, i.e. after cropping 5 pixels (the window radius) at every border, where the window lies fully
    inside the image; the SSIM of an image is the mean over its channels. This reproduces
    ``skimage.metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=R, channel_axis=0)``.
    """
    if not (np.isfinite(data_range) and data_range > 0):
        raise ValueError(f"data_range must be a positive finite number, got {data_range!r}")
    p, t, single = _check_pair(pred, target)
    size = 2 * SSIM_RADIUS + 1
    if p.shape[2] < size or p.shape[3] < size:
        given = p.shape[1:] if single else p.shape
        raise ValueError(
            f"ssim needs images of at least {size}x{size} pixels (the Gaussian window), got pred shape {given}"
        )
    window = gaussian_window()
    mu_x = _gaussian_blur(p, window)
    mu_y = _gaussian_blur(t, window)
    var_x = _gaussian_blur(p * p, window) - mu_x * mu_x
    var_y = _gaussian_blur(t * t, window) - mu_y * mu_y
    cov_xy = _gaussian_blur(p * t, window) - mu_x * mu_y
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    s_map = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    r = SSIM_RADIUS
    valid_region = s_map[:, :, r : s_map.shape[2] - r, r : s_map.shape[3] - r]
    values = valid_region.mean(axis=(1, 2, 3))
    return _reduce(values, reduction)


# --------------------------------------------------------------------------------------------------------
# Everything the CLI reports
# --------------------------------------------------------------------------------------------------------
def inpainting_metrics(pred: np.ndarray, target: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """The metrics written to ``metrics.json``: batch means (Python floats) on the [0, 1] scale.

    Args:
        pred, target: ``(N, C, H, W)`` or ``(C, H, W)`` float images (target in [0, 1], ``H, W ≥ 11``).
        mask: ``(N, 1, H, W)`` or ``(1, H, W)`` binary mask, 1 = hole.

    Returns exactly these keys (each the mean over the batch of per-image values):

    - ``hole_mse``: :func:`mse` over the hole pixels (images without a hole skipped);
    - ``hole_psnr``: :func:`psnr` of the hole MSE, dB (``inf`` if some image's hole is reproduced exactly);
    - ``full_mse``: :func:`mse` over the whole image;
    - ``full_psnr``: :func:`psnr` over the whole image, dB;
    - ``l1``: :func:`l1` mean absolute error over the whole image;
    - ``ssim``: :func:`ssim` over the whole image (Wang et al. 2004, 11×11 Gaussian window).

    The hole fraction is reported separately by :func:`hole_fraction`.
    """
    p, t, single = _check_pair(pred, target)
    _as_mask_batch(mask, p.shape, single)
    return {
        "hole_mse": float(mse(pred, target, mask)),
        "hole_psnr": float(psnr(pred, target, mask)),
        "full_mse": float(mse(pred, target)),
        "full_psnr": float(psnr(pred, target)),
        "l1": float(l1(pred, target)),
        "ssim": float(ssim(pred, target)),
    }
