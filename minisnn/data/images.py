"""Reading and writing images as float32 CHW arrays in [0, 1].

Every image in minisnn is a ``(3, H, W)`` float32 array with values in ``[0, 1]`` (a batch is
``(N, 3, H, W)``). :func:`read_image` turns whatever Pillow can open into that form:

=====================  =======================================================================
Pillow mode            conversion
=====================  =======================================================================
``RGB``                ``/ 255``
``L``, ``1``, ``LA``   grey ``/ 255`` (alpha dropped), replicated to 3 channels
``I;16*``, ``I``       16-bit grey (16-bit PNGs open as one of these): ``/ 65535``, replicated
``F``                  float grey, clipped to ``[0, 1]``, replicated
``RGBA``, ``PA``       alpha channel **dropped** (no compositing: the stored colour is kept)
``P``                  palette looked up to RGB (palette transparency ignored)
``CMYK``, ``YCbCr`` …  converted to RGB by Pillow
=====================  =======================================================================

16-bit *colour* PNGs and TIFFs are reduced to 8 bits per channel by Pillow itself (it has no 48-bit
RGB mode); 16-bit *grey* PNGs and TIFFs keep their full precision. A multi-page TIFF (a stack, as
microscopes write) is read as its **first page**; :func:`image_size` reports that page's size. JPEG
EXIF orientation is applied, and :func:`image_size` reports the size after that rotation, so both
always agree.

**Size limit.** An image whose header claims more than ``minisnn.data.MAX_IMAGE_PIXELS`` pixels
(default 64 000 000, i.e. 64 MP: ~770 MB as float32, and a peak of ~1.2 GB while an RGB one is decoded;
``None`` for no limit of ours) is refused with
:class:`ImageTooLargeError` *before* its pixels are decoded — a 262 KB PNG can claim 10000×9000 pixels
and would cost GBs. Pillow's own decompression-bomb check (``PIL.Image.MAX_IMAGE_PIXELS``, an error
above twice that) is reported the same way instead of aborting. :class:`ImageTooLargeError` is a
:class:`CorruptImageError`, so the crop samplers skip such images with a warning, like unreadable ones.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["CorruptImageError", "ImageTooLargeError", "read_image", "image_size", "to_uint8", "save_image"]

PathLike = str | os.PathLike

_EXIF_ORIENTATION = 0x0112
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}  # orientations that swap width and height
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


class CorruptImageError(ValueError):
    """An image file exists but cannot be decoded (truncated, not an image, unsupported)."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path, self.reason = str(path), reason
        super().__init__(f"cannot read image file {self.path!r}: {reason}")

    def __reduce__(self):  # picklable (e.g. across worker processes) despite the two-argument constructor
        return (type(self), (self.path, self.reason))


class ImageTooLargeError(CorruptImageError):
    """An image whose header claims more pixels than ``minisnn.data.MAX_IMAGE_PIXELS``: never decoded."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(path, reason)
        self.args = (f"image file {self.path!r} is too large: {reason}",)


def _max_pixels() -> int | None:
    from minisnn import data  # read at each call, so that setting minisnn.data.MAX_IMAGE_PIXELS takes effect

    return data.MAX_IMAGE_PIXELS


def _open(p: Path) -> Image.Image:
    """``Image.open`` (header only), with Pillow's decompression-bomb check reported as ImageTooLargeError and
    our own limit, ``minisnn.data.MAX_IMAGE_PIXELS``, checked on the claimed size."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides (below)
        try:
            img = Image.open(p)
        except Image.DecompressionBombError as err:
            raise ImageTooLargeError(
                p, f"{err} (Pillow refuses images above 2 × PIL.Image.MAX_IMAGE_PIXELS; minisnn skips those above "
                f"minisnn.data.MAX_IMAGE_PIXELS = {_max_pixels()})",
            ) from err  # fmt: skip
    limit = _max_pixels()
    w, h = img.size
    if limit is not None and w * h > limit:
        img.close()
        raise ImageTooLargeError(
            p, f"its header claims {h}x{w} ({w * h} pixels), more than minisnn.data.MAX_IMAGE_PIXELS = {limit}; "
            "not decoded (raise the limit to read it)",
        )  # fmt: skip
    return img


def _check_exists(path: PathLike, fn: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{fn}: path={str(p)!r} is not an existing file")
    return p


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright); 5-8 mean the stored image is rotated by 90 degrees."""
    try:
        value = img.getexif().get(_EXIF_ORIENTATION, 1)
        return int(value) if value in range(1, 9) else 1
    except Exception:  # a broken EXIF block must not make an otherwise fine image unreadable
        return 1


def _to_chw(img: Image.Image) -> np.ndarray:
    """Convert a loaded Pillow image to a float32 (3, H, W) array in [0, 1].

    Written plane by plane into the one output array, so that decoding a 64-MP RGB image peaks at the output
    (~770 MB) plus Pillow's copy and one uint8 view (~0.45 GB), not at three float copies."""
    mode = img.mode
    h, w = img.size[1], img.size[0]
    out = np.empty((3, h, w), dtype=np.float32)
    if mode in _SIXTEEN_BIT_MODES:
        np.divide(np.asarray(img), np.float32(65535.0), out=out[0], dtype=np.float32)
        np.clip(out[0], 0.0, 1.0, out=out[0])
    elif mode == "F":
        np.clip(np.asarray(img, dtype=np.float32), 0.0, 1.0, out=out[0])
    elif mode in {"L", "1", "LA", "La"}:
        np.divide(np.asarray(img.convert("L")), np.float32(255.0), out=out[0], dtype=np.float32)
    else:  # RGB, RGBA (alpha dropped), P/PA (palette lookup), CMYK, YCbCr, LAB, HSV, RGBX, RGBa, ...
        rgb = np.asarray(img if mode == "RGB" else img.convert("RGB"))  # (H, W, 3) uint8
        for c in range(3):
            np.divide(rgb[..., c], np.float32(255.0), out=out[c], dtype=np.float32)
        return out
    out[1] = out[0]  # grey: the same plane three times
    out[2] = out[0]
    return out


def read_image(path: PathLike) -> np.ndarray:
    """Decode an image file into a float32 array of shape ``(3, H, W)`` with values in ``[0, 1]``.

    Args:
        path: any file Pillow can open (PNG, JPEG, BMP, WebP, TIFF, ...).

    Returns:
        ``(3, H, W)`` float32; grey images are replicated to three channels, alpha is dropped.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CorruptImageError: the file exists but cannot be decoded (a ``ValueError`` subclass).
        ImageTooLargeError: it claims more than ``minisnn.data.MAX_IMAGE_PIXELS`` pixels (a CorruptImageError).
    """
    p = _check_exists(path, "read_image")
    try:
        with _open(p) as img:
            img.load()
            if _orientation(img) != 1:
                img = ImageOps.exif_transpose(img)
            return _to_chw(img)
    except ImageTooLargeError:
        raise
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError) as err:
        raise CorruptImageError(p, f"{type(err).__name__}: {err}") from err


def image_size(path: PathLike) -> tuple[int, int]:
    """Return ``(H, W)`` of an image without decoding its pixels (only the header is read).

    The size is the one :func:`read_image` will return (EXIF rotation taken into account).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CorruptImageError: the header cannot be parsed.
        ImageTooLargeError: it claims more than ``minisnn.data.MAX_IMAGE_PIXELS`` pixels (a CorruptImageError).
    """
    p = _check_exists(path, "image_size")
    try:
        with _open(p) as img:
            w, h = img.size
            if _orientation(img) in _ROTATED_ORIENTATIONS:
                w, h = h, w
    except ImageTooLargeError:
        raise
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError) as err:
        raise CorruptImageError(p, f"{type(err).__name__}: {err}") from err
    return int(h), int(w)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a float image in ``[0, 1]`` to uint8 for display or saving.

    Args:
        image: ``(3, H, W)`` or ``(1, H, W)`` (channels first) or ``(H, W)``; values are clipped to
            ``[0, 1]`` and rounded: ``round(255 * clip(x, 0, 1))``.

    Returns:
        ``(H, W, 3)`` uint8 for colour input, ``(H, W)`` uint8 for grey input (channels last, as
        Pillow and matplotlib expect).
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[0] == 3:
        a = a.transpose(1, 2, 0)
    elif a.ndim != 2:
        raise ValueError(f"to_uint8: image must have shape (3, H, W), (1, H, W) or (H, W), got {a.shape}")
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(f"to_uint8: image must be a real numeric array, got dtype {a.dtype}")
    a = np.nan_to_num(a.astype(np.float64), nan=0.0)
    return np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)


def save_image(path: PathLike, image: np.ndarray) -> Path:
    """Save a ``(3, H, W)``/``(1, H, W)``/``(H, W)`` float image in ``[0, 1]`` as an 8-bit file.

    The format follows the file extension (``.png`` recommended: lossless). Parent folders are created.
    Returns the path written.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_uint8(image)).save(p)
    return p
