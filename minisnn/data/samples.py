"""Offline sample photographs from scikit-image, for tutorials and the ``--data samples`` option.

Ten images ship inside scikit-image (no download): seven natural/scientific photographs and three
grey textures (replicated to 3 channels). The split is fixed **by image**, so no validation crop ever
comes from a training photograph, and both halves mix photographs and textures:

=========  ====================================================================================
split      images
=========  ====================================================================================
``train``  astronaut, coffee, rocket, hubble_deep_field, retina (photos); brick, grass (textures)
``val``    chelsea, immunohistochemistry (photos); gravel (texture)
=========  ====================================================================================

scikit-image is an optional dependency (``pip install "minisnn[tutorials]"``); it is imported only
when a sample photo is first loaded. Loaded photos are cached in memory (they are small: ~25 MB
as float32 for all ten).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence

import numpy as np

from .sources import ImageSource, check_max_images, check_split

__all__ = ["SAMPLE_TRAIN", "SAMPLE_VAL", "SAMPLE_PHOTOS", "SamplePhotos", "sample_photos"]

SAMPLE_TRAIN: tuple[str, ...] = (
    "astronaut",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "retina",
    "brick",
    "grass",
)
SAMPLE_VAL: tuple[str, ...] = ("chelsea", "immunohistochemistry", "gravel")
SAMPLE_PHOTOS: tuple[str, ...] = SAMPLE_TRAIN + SAMPLE_VAL


_SKIMAGE_MISSING = (
    "the sample photos come from scikit-image, which is not installed: "
    'pip install "minisnn[tutorials]"  (or: pip install scikit-image)'
)


def _skimage_data():
    try:
        import skimage.data as skdata
    except ImportError as err:
        raise ImportError(_SKIMAGE_MISSING) from err
    return skdata


@functools.cache
def _load_photo(name: str) -> np.ndarray:
    """Load one scikit-image photo as a read-only float32 (3, H, W) array in [0, 1] (cached)."""
    raw = np.asarray(getattr(_skimage_data(), name)())
    if raw.dtype != np.uint8:
        raise TypeError(f"sample photo {name!r}: expected uint8 pixels, got {raw.dtype}")
    img = raw.astype(np.float32) / np.float32(255.0)
    if img.ndim == 2:
        chw = np.broadcast_to(img, (3, *img.shape))
    elif img.ndim == 3 and img.shape[2] in (3, 4):
        chw = img[:, :, :3].transpose(2, 0, 1)
    else:
        raise ValueError(f"sample photo {name!r}: unexpected shape {raw.shape}")
    out = np.ascontiguousarray(chw, dtype=np.float32)
    out.flags.writeable = False
    return out


class SamplePhotos(ImageSource):
    """scikit-image photographs by name, decoded on first access and cached.

    Arrays returned by :meth:`load` are shared and **read-only**; copy before modifying.
    """

    def __init__(self, names: Sequence[str]) -> None:
        unknown = [n for n in names if n not in SAMPLE_PHOTOS]
        if unknown:
            raise ValueError(f"unknown sample photo(s) {unknown}; available: {', '.join(SAMPLE_PHOTOS)}")
        if not names:
            raise ValueError("SamplePhotos: names must not be empty")
        self._names = tuple(names)

    def __len__(self) -> int:
        return len(self._names)

    def name(self, i: int) -> str:
        return self._names[self._index(i)]

    def load(self, i: int) -> np.ndarray:
        return _load_photo(self.name(i))

    def __repr__(self) -> str:
        return f"SamplePhotos({list(self._names)})"


def sample_photos(split: str = "train", max_images: int | None = None) -> SamplePhotos:
    """scikit-image's bundled photographs as an :class:`ImageSource` (works offline).

    Args:
        split: ``"train"`` (7 images), ``"val"`` (3 images) or ``"all"`` (10); see the module docstring.
        max_images: keep the first ``max_images`` of the split.

    Returns:
        a :class:`SamplePhotos`; each image is float32 ``(3, H, W)`` in ``[0, 1]`` (sizes 300x451 to
        1411x1411). scikit-image is imported only on first load.

    Raises:
        ImportError: scikit-image is not installed (the message gives the install command).
    """
    if importlib.util.find_spec("skimage") is None:
        raise ImportError(_SKIMAGE_MISSING)
    check_split(split, ("train", "val", "all"))
    max_images = check_max_images(max_images)
    names = {"train": SAMPLE_TRAIN, "val": SAMPLE_VAL, "all": SAMPLE_PHOTOS}[split]
    return SamplePhotos(names[:max_images])
