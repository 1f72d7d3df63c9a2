r"""Area resampling: shrink (or stretch) an image by averaging the source pixels each output pixel covers.

Treat the source image as piecewise constant (pixel ``k`` fills ``[k, k+1)``). Output pixel ``i`` of a side of
length ``t`` taken from a side of length ``S`` covers the source interval :math:`[i S/t, (i+1) S/t)`, and its
value is the mean of the image over that footprint:

.. math:: y_{c,i,j} = \frac{t_h t_w}{S_h S_w} \sum_{k,l} o^h_{ik}\, o^w_{jl}\, x_{c,k,l},
   \qquad o_{ik} = \big|[k, k+1) \cap [i S/t, (i+1) S/t)\big|

(:math:`o` the overlap lengths). Shrinking by an integer factor ``f`` is the mean of each ``f x f`` block, so
the result does not alias: fine texture becomes finer, not moiré. This is the resampling of the crops'
*scale* augmentation (:class:`~minisnn.data.CropSampler`'s ``scale_range``).

* :func:`area_resize` — the fast form, :math:`y_c = A_h\, x_c\, A_w^\top` with the two small weight matrices;
* :func:`area_resize_naive` — the same sum written out pixel by pixel (the test oracle).
"""

from __future__ import annotations

import numpy as np

__all__ = ["area_resize", "area_resize_naive", "area_weights"]


def _check(image: np.ndarray, size: tuple[int, int], fn: str) -> tuple[np.ndarray, int, int]:
    x = np.asarray(image)
    if x.ndim != 3:
        raise ValueError(f"{fn}: image must have shape (C, H, W), got {x.shape}")
    try:
        th, tw = (int(size), int(size)) if np.isscalar(size) else (int(size[0]), int(size[1]))
    except (TypeError, ValueError, IndexError) as err:
        raise ValueError(f"{fn}: size must be an int or (h, w), got {size!r}") from err
    if th < 1 or tw < 1:
        raise ValueError(f"{fn}: size must be positive, got {size!r}")
    return x, th, tw


def _overlap(k: int, i: int, source: int, target: int) -> float:
    """Length of [k, k+1) ∩ [i·source/target, (i+1)·source/target)."""
    lo, hi = i * source / target, (i + 1) * source / target
    return max(0.0, min(k + 1, hi) - max(k, lo))


def area_weights(source: int, target: int) -> np.ndarray:
    """The ``(target, source)`` matrix :math:`A_{ik} = o_{ik}\\, t / S`; every row sums to 1."""
    edges = np.arange(target + 1) * (source / target)  # output pixel i covers [edges[i], edges[i+1])
    k = np.arange(source)
    overlap = np.minimum(k[None, :] + 1, edges[1:, None]) - np.maximum(k[None, :], edges[:-1, None])
    return np.clip(overlap, 0.0, None) * (target / source)


def area_resize(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize ``(C, H, W)`` to ``(C, h, w)`` by area averaging (module docstring); float32 out.

    Args:
        image: ``(C, H, W)``.
        size: ``h`` (square) or ``(h, w)``.
    """
    x, th, tw = _check(image, size, "area_resize")
    rows, cols_t = area_weights(x.shape[1], th), np.ascontiguousarray(area_weights(x.shape[2], tw).T)
    return (rows @ x.astype(np.float64) @ cols_t).astype(np.float32)  # (th, H) @ (C, H, W) @ (W, tw)


def area_resize_naive(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """:func:`area_resize` written as the sum over source pixels (slow; the oracle for the fast form)."""
    x, th, tw = _check(image, size, "area_resize_naive")
    c, sh, sw = x.shape
    out = np.zeros((c, th, tw), dtype=np.float64)
    area = (sh / th) * (sw / tw)
    for i in range(th):
        for j in range(tw):
            for k in range(sh):
                for l_ in range(sw):
                    weight = _overlap(k, i, sh, th) * _overlap(l_, j, sw, tw)
                    if weight > 0:
                        out[:, i, j] += weight * x[:, k, l_]
            out[:, i, j] /= area
    return out.astype(np.float32)
