"""The bundled 8×8 handwritten digits (scikit-learn's copy of the UCI "optdigits" test set): 1,797 images of
the digits 0–9 by 43 writers, 16 grey levels, shipped inside scikit-learn (no download, works offline).

:func:`digits` returns a fixed, stratified, seeded train/test split: for each class separately the images are
shuffled with ``seed`` and the first ``round(test_fraction · n_class)`` go to the test split, so both splits have
the same class proportions and the same seed always gives the same split (the default seed 0 is *the* split the
tutorials, the benchmarks and the command line report on). Images are float32 in [0, 1], shape (N, 1, 8, 8),
or (N, 1, 16, 16) with ``size=16`` (bilinear upsampling, for convolutional models); labels are int64 (N,).

Needs scikit-learn (the ``tutorials`` and ``test`` extras), imported on first use.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

SPLITS = ("train", "test", "all")
NUM_CLASSES = 10


class Digits(NamedTuple):
    """Images (N, 1, s, s) float32 in [0, 1] and labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.labels)


def _load() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "minisnn.data.digits needs scikit-learn (it ships the digits): pip install 'minisnn[tutorials]'"
        ) from error
    bunch = load_digits()
    images = (np.asarray(bunch.images, dtype=np.float32) / 16.0)[:, None]  # 0..16 grey levels -> [0, 1]
    return images, np.asarray(bunch.target, dtype=np.int64)


def split_indices(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: (train indices, test indices), each sorted."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        rng.shuffle(members)
        k = int(round(test_fraction * len(members)))
        test.append(members[:k])
        train.append(members[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def upsample(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (N, C, h, w) images to (N, C, size, size), pixel centres aligned (like
    ``align_corners=False``); values stay in the input's range."""
    n, c, h, w = images.shape

    def weights(src: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(size) + 0.5) * src / size - 0.5, 0, src - 1)
        low = np.floor(pos).astype(int)
        high = np.minimum(low + 1, src - 1)
        return low, high, (pos - low).astype(np.float32)

    y0, y1, fy = weights(h)
    x0, x1, fx = weights(w)
    rows = images[:, :, y0] * (1 - fy)[:, None] + images[:, :, y1] * fy[:, None]  # (N, C, size, w)
    return (rows[..., x0] * (1 - fx) + rows[..., x1] * fx).astype(np.float32)


def digits(split: str = "train", size: int = 8, test_fraction: float = 0.25, seed: int = 0) -> Digits:
    """The digits, ``split`` "train" (1,347 images by default), "test" (450) or "all" (1,797).

    Args:
        size: 8 (the original) or any larger side, by bilinear upsampling (16 for the convolutional model).
        test_fraction: the share of every class that goes to the test split.
        seed: the split's seed (0: the split every number in minisnn refers to).
    """
    if split not in SPLITS:
        raise ValueError(f"digits: split must be one of {SPLITS}, got split={split!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"digits: size must be an int >= 8, got size={size!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"digits: test_fraction must be in (0, 1), got test_fraction={test_fraction!r}")
    images, labels = _load()
    if split != "all":
        train, test = split_indices(labels, test_fraction, seed)
        keep = train if split == "train" else test
        images, labels = images[keep], labels[keep]
    if size != 8:
        images = upsample(images, int(size))
    return Digits(np.ascontiguousarray(images), labels)
