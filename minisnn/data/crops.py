"""Random and deterministic square (or rectangular) crops from an image source.

* :func:`random_crop` — one uniform random crop of one image.
* :class:`CropSampler` — an endless stream of crops: images are visited in a freshly shuffled order
  every epoch (each usable image once per epoch), one uniform crop position per visit. Images smaller
  than the crop are skipped (one warning per image) or reflect-padded (``pad_small=True``); unreadable
  files (corrupt, missing, or larger than ``minisnn.data.MAX_IMAGE_PIXELS``) are skipped with a warning
  and counted. Its position in the stream can be saved and restored
  exactly (:meth:`CropSampler.get_state` / :meth:`CropSampler.set_state`). With ``scale_range`` it also
  augments scale: each crop is cut as a larger window and shrunk to the crop size by area averaging
  (:func:`~minisnn.data.resize.area_resize`).
* :func:`validation_crops` — a fixed set of crops for a seed, spread over the images round-robin.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

import numpy as np

from minisnn.training_state import set_bit_generator_state

from .images import CorruptImageError
from .resize import area_resize
from .sources import ImageSource

__all__ = ["random_crop", "pad_to_size", "CropSampler", "validation_crops"]

RNG = np.random.Generator | int | None
_OK, _SMALL, _UNREADABLE = 1, 2, 3


def _as_hw(size: int | tuple[int, int], name: str = "crop_size") -> tuple[int, int]:
    """Normalise ``size`` (int or ``(h, w)``) to a pair of positive ints."""
    pair = (size, size) if isinstance(size, int | np.integer) and not isinstance(size, bool) else size
    try:
        h, w = pair
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair (h, w) of ints, got {size!r}") from None
    for v in (h, w):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name} must be an int or a pair (h, w) of ints, got {size!r}")
        if v < 1:
            raise ValueError(f"{name} must be positive, got {size!r}")
    return int(h), int(w)


def _check_chw(image: np.ndarray, fn: str) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim != 3:
        raise ValueError(f"{fn}: image must have shape (C, H, W), got {a.shape}")
    return a


def pad_to_size(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Reflect-pad a ``(C, H, W)`` image (centred) so that ``H >= h`` and ``W >= w``; larger sides untouched.

    Uses ``numpy.pad(mode="reflect")`` (mirror without repeating the edge pixel; padding larger than the
    image reflects repeatedly); a side of a single pixel is repeated instead.
    """
    a = _check_chw(image, "pad_to_size")
    h, w = _as_hw(size, "size")
    dh, dw = max(0, h - a.shape[1]), max(0, w - a.shape[2])
    if dh == 0 and dw == 0:
        return a
    pads = ((0, 0), (dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2))
    mode = "reflect" if min(a.shape[1], a.shape[2]) > 1 else "edge"
    return np.pad(a, pads, mode=mode)


def random_crop(image: np.ndarray, size: int | tuple[int, int], rng: RNG = None) -> np.ndarray:
    """A uniformly placed crop of a ``(C, H, W)`` image: a new ``(C, h, w)`` array (a copy).

    The top row is drawn first, ``top ~ U{0..H-h}``, then ``left ~ U{0..W-w}``.

    Raises:
        ValueError: the image is smaller than ``size`` (see :func:`pad_to_size`).
    """
    a = _check_chw(image, "random_crop")
    h, w = _as_hw(size, "size")
    _, ih, iw = a.shape
    if ih < h or iw < w:
        raise ValueError(f"random_crop: size={h}x{w} is larger than the image ({ih}x{iw})")
    gen = np.random.default_rng(rng)
    top = int(gen.integers(0, ih - h + 1))
    left = int(gen.integers(0, iw - w + 1))
    return a[:, top : top + h, left : left + w].copy()


def _unusable_error(
    crop_size: tuple[int, int], small_sizes: dict[int, tuple[int, int]], num_unreadable: int, n: int
) -> ValueError:
    """The error for "no image of the source can give a crop"."""
    h, w = crop_size
    if small_sizes:
        lh, lw = max(small_sizes.values(), key=lambda s: (s[0] * s[1], s))
        extra = f"; {num_unreadable} other image(s) could not be read" if num_unreadable else ""
        return ValueError(
            f"crop_size={h}x{w} is larger than every image (largest is {lh}x{lw}){extra}; "
            "use a smaller crop_size or pad_small=True"
        )
    return ValueError(f"none of the {n} images could be read (see the warnings above)")


def _check_scale_range(scale_range: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in scale_range)
    except (TypeError, ValueError) as err:
        raise ValueError(f"scale_range must be a pair (lo, hi) of numbers, got {scale_range!r}") from err
    if not 1.0 <= lo <= hi < np.inf:
        raise ValueError(f"scale_range must satisfy 1 <= lo <= hi (shrink only), got {scale_range!r}")
    return lo, hi


def _bit_state(gen: np.random.Generator) -> dict[str, Any]:
    return gen.bit_generator.state


class CropSampler:
    """An endless, seeded stream of random crops, reading one image per crop.

    Every epoch visits the images of ``source`` in a new random order (a permutation drawn from the
    sampler's seed); each visit yields one crop at a uniform random position. Unusable images are skipped
    when their turn comes, without consuming random numbers, so the stream is a function of the seed alone.

    Args:
        source: an :class:`~minisnn.data.ImageSource`.
        crop_size: ``int`` (square) or ``(h, w)``.
        rng: seed or Generator; two independent streams are derived from it (image order, crop positions).
        pad_small: reflect-pad images smaller than the crop (:func:`pad_to_size`) instead of skipping them.
        cache_bytes: keep up to this many bytes of decoded images in memory (least recently used first out),
            so that an image is decoded once instead of once per crop (a 512 px JPEG takes ~10 ms to decode);
            0 turns the cache off. The crops are the same either way.
        scale_range: ``(lo, hi)`` with ``1 <= lo <= hi``: scale augmentation. Each crop draws a factor ``s``
            log-uniformly from ``[lo, hi]`` (from a third stream of the seed), cuts a window of
            ``round(s·h) x round(s·w)`` at a uniform random position (``s`` lowered to what the image holds,
            so no image is skipped for it) and shrinks it to ``h x w`` by area averaging: the image seen from
            further away, with finer detail. ``(1, 1)`` (default) is plain cropping. Only shrinking is
            offered: an enlarged crop is blurrier than any photo at its native resolution.

    Attributes:
        num_skipped_corrupt: images skipped because they could not be read (corrupt or missing file, or
            larger than ``minisnn.data.MAX_IMAGE_PIXELS``: :class:`~minisnn.data.ImageTooLargeError`).
        num_skipped_small: images skipped because they are smaller than the crop.

    Raises (from :meth:`sample`):
        ValueError: every image is unusable, e.g. ``crop_size`` is larger than every image.
    """

    def __init__(
        self,
        source: ImageSource,
        crop_size: int | tuple[int, int],
        rng: RNG = None,
        pad_small: bool = False,
        cache_bytes: int = 512 * 2**20,
        scale_range: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        if not isinstance(source, ImageSource):
            raise TypeError(f"source must be an ImageSource, got {type(source).__name__}")
        if len(source) == 0:
            raise ValueError("source holds no images")
        self.source = source
        self.crop_size = _as_hw(crop_size)
        self.pad_small = bool(pad_small)
        base = np.random.default_rng(rng)
        seeds = base.integers(0, 2**63, size=2)
        self._order_rng = np.random.default_rng(int(seeds[0]))
        self._crop_rng = np.random.default_rng(int(seeds[1]))
        self.scale_range = _check_scale_range(scale_range)
        self._scale_rng = np.random.default_rng(int(base.integers(0, 2**63)))  # drawn after: old streams unchanged
        self._epoch_start_state = _bit_state(self._order_rng)
        self._order: np.ndarray | None = None
        self._position = 0
        self._epoch = -1
        self._status: dict[int, int] = {}  # image index -> _OK / _SMALL / _UNREADABLE, filled as images are met
        self._counts = {_OK: 0, _SMALL: 0, _UNREADABLE: 0}
        self._small_sizes: dict[int, tuple[int, int]] = {}
        if isinstance(cache_bytes, bool) or not isinstance(cache_bytes, int | np.integer) or cache_bytes < 0:
            raise ValueError(f"cache_bytes must be a non-negative int, got {cache_bytes!r}")
        self.cache_bytes = int(cache_bytes)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cached = 0

    # ---- state ---------------------------------------------------------------------------------
    @property
    def num_skipped_corrupt(self) -> int:
        return self._counts[_UNREADABLE]

    @property
    def num_skipped_small(self) -> int:
        return self._counts[_SMALL]

    def _all_unusable(self) -> bool:
        return self._counts[_SMALL] + self._counts[_UNREADABLE] == len(self.source)

    def _set_status(self, i: int, status: int) -> None:
        old = self._status.get(i)
        if old is not None:
            self._counts[old] -= 1
        self._status[i] = status
        self._counts[status] += 1

    @property
    def epoch(self) -> int:
        """Index of the current epoch (``-1`` before the first crop)."""
        return self._epoch

    def get_state(self) -> dict[str, Any]:
        """The stream position as a JSON-serialisable dict (for exact resume with :meth:`set_state`)."""
        return {
            "num_images": len(self.source),
            "crop_size": list(self.crop_size),
            "epoch": self._epoch,
            "position": self._position,
            "order_rng": self._epoch_start_state,
            "crop_rng": _bit_state(self._crop_rng),
            "scale_rng": _bit_state(self._scale_rng),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue exactly where the sampler that produced ``state`` (via :meth:`get_state`) was."""
        try:
            n, epoch, position = int(state["num_images"]), int(state["epoch"]), int(state["position"])
            order_state, crop_state = state["order_rng"], state["crop_rng"]
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"set_state: not a CropSampler state ({err!r})") from err
        if n != len(self.source):
            raise ValueError(
                f"set_state: the state was saved for a source of {n} images, this source has {len(self.source)}"
            )
        if epoch < -1 or not 0 <= position <= n:
            raise ValueError(f"set_state: epoch must be >= -1 and position in 0..{n}, got {epoch} and {position}")
        set_bit_generator_state(self._order_rng, order_state, "sampler.order_rng")
        set_bit_generator_state(self._crop_rng, crop_state, "sampler.crop_rng")
        if "scale_rng" in state:
            set_bit_generator_state(self._scale_rng, state["scale_rng"], "sampler.scale_rng")
        self._epoch_start_state = _bit_state(self._order_rng)
        self._epoch, self._position = epoch, position
        self._order = self._order_rng.permutation(n) if epoch >= 0 else None

    # ---- sampling ------------------------------------------------------------------------------
    def _next_index(self) -> int:
        n = len(self.source)
        if self._order is None or self._position >= n:
            self._epoch_start_state = _bit_state(self._order_rng)
            self._order = self._order_rng.permutation(n)
            self._position = 0
            self._epoch += 1
        i = int(self._order[self._position])
        self._position += 1
        return i

    def _mark_bad(self, i: int, status: int, why: str) -> None:
        self._set_status(i, status)
        warnings.warn(f"CropSampler: skipping image {self.source.name(i)!r}: {why}", stacklevel=4)
        if self._all_unusable():
            self._raise_all_unusable()

    def _raise_all_unusable(self) -> None:
        raise _unusable_error(self.crop_size, self._small_sizes, self.num_skipped_corrupt, len(self.source))

    def _load_usable(self, i: int) -> np.ndarray | None:
        h, w = self.crop_size
        try:
            if not self.pad_small and self._status.get(i) != _OK:
                ih, iw = self.source.size(i)
                if ih < h or iw < w:
                    self._small_sizes[i] = (ih, iw)
                    self._mark_bad(
                        i,
                        _SMALL,
                        f"{ih}x{iw} is smaller than crop_size={h}x{w} (pad_small=True would reflect-pad it instead)",
                    )
                    return None
            image = self._cache.get(i)
            if image is None:
                image = self.source.load(i)
                self._remember(i, image)
            else:
                self._cache.move_to_end(i)
        except (CorruptImageError, FileNotFoundError) as err:
            self._mark_bad(i, _UNREADABLE, str(err))
            return None
        if self._status.get(i) != _OK:
            self._set_status(i, _OK)
        return image

    def _remember(self, i: int, image: np.ndarray) -> None:
        if image.nbytes > self.cache_bytes:
            return
        self._cache[i] = image
        self._cached += image.nbytes
        while self._cached > self.cache_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached -= old.nbytes

    def sample(self) -> np.ndarray:
        """The next crop: float32 ``(3, h, w)``."""
        if self._all_unusable():
            self._raise_all_unusable()
        while True:
            i = self._next_index()
            if self._status.get(i, _OK) != _OK:
                continue
            image = self._load_usable(i)
            if image is None:
                continue
            if self.pad_small:
                image = pad_to_size(image, self.crop_size)
            if self.scale_range != (1.0, 1.0):
                return self._scaled_crop(image)
            crop = random_crop(image, self.crop_size, self._crop_rng)
            return np.array(crop, dtype=np.float32)  # a copy: the cache keeps the image

    def _scaled_crop(self, image: np.ndarray) -> np.ndarray:
        h, w = self.crop_size
        lo, hi = self.scale_range
        s = float(np.exp(self._scale_rng.uniform(np.log(lo), np.log(hi))))
        s = min(s, image.shape[1] / h, image.shape[2] / w)  # the largest window this image holds
        window = (max(h, min(image.shape[1], round(s * h))), max(w, min(image.shape[2], round(s * w))))
        return area_resize(random_crop(image, window, self._crop_rng), self.crop_size)

    def sample_batch(self, n: int) -> np.ndarray:
        """The next ``n`` crops stacked: float32 ``(n, 3, h, w)``."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        return np.stack([self.sample() for _ in range(int(n))])

    def __iter__(self) -> CropSampler:
        return self

    def __next__(self) -> np.ndarray:
        return self.sample()

    def __repr__(self) -> str:
        h, w = self.crop_size
        return f"CropSampler({self.source!r}, crop_size={h}x{w}, pad_small={self.pad_small})"


def validation_crops(
    source: ImageSource,
    crop_size: int | tuple[int, int],
    num_crops: int,
    seed: int | np.random.SeedSequence = 0,
    pad_small: bool = False,
) -> np.ndarray:
    """A deterministic set of crops: float32 ``(num_crops, 3, h, w)``; same seed → identical array.

    The images are put in a random order drawn from ``seed``; crop ``k`` comes from usable image
    ``k mod m`` of that order, where ``m = min(num_crops, number of usable images)`` — so every crop is
    from a different image when there are enough, and the images are used evenly otherwise. Crop
    positions are then drawn uniformly, in crop order, from the same stream. Each image is decoded once.
    Small and unreadable images are skipped with a warning (or padded with ``pad_small=True``).

    Raises:
        ValueError: no image is usable (e.g. ``crop_size`` larger than every image).
    """
    if not isinstance(source, ImageSource):
        raise TypeError(f"source must be an ImageSource, got {type(source).__name__}")
    if isinstance(num_crops, bool) or not isinstance(num_crops, int | np.integer) or num_crops < 1:
        raise ValueError(f"num_crops must be a positive int, got {num_crops!r}")
    h, w = _as_hw(crop_size)
    bad: set[int] = set()
    while True:  # restarts (from the seed) only if an image turns out undecodable
        gen = np.random.default_rng(seed)
        order = gen.permutation(len(source))
        small: dict[int, tuple[int, int]] = {}
        usable: list[tuple[int, tuple[int, int]]] = []
        for i in order:
            if i in bad:
                continue
            try:
                size = source.size(int(i))
            except (CorruptImageError, FileNotFoundError) as err:
                bad.add(int(i))
                warnings.warn(f"validation_crops: skipping image {source.name(int(i))!r}: {err}", stacklevel=2)
                continue
            if pad_small:
                size = (max(size[0], h), max(size[1], w))
            elif size[0] < h or size[1] < w:
                small[int(i)] = size
                warnings.warn(
                    f"validation_crops: skipping image {source.name(int(i))!r}: {size[0]}x{size[1]} is "
                    f"smaller than crop_size={h}x{w}",
                    stacklevel=2,
                )
                continue
            usable.append((int(i), size))
            if len(usable) == num_crops:
                break
        if not usable:
            raise _unusable_error((h, w), small, len(bad), len(source))
        m = len(usable)
        positions = []
        for k in range(num_crops):
            ih, iw = usable[k % m][1]
            positions.append((int(gen.integers(0, ih - h + 1)), int(gen.integers(0, iw - w + 1))))
        out = np.empty((num_crops, 3, h, w), dtype=np.float32)
        try:
            for j, (i, _) in enumerate(usable):
                image = source.load(i)
                if pad_small:
                    image = pad_to_size(image, (h, w))
                for k in range(j, num_crops, m):
                    top, left = positions[k]
                    out[k] = image[:, top : top + h, left : left + w]
        except (CorruptImageError, FileNotFoundError) as err:
            bad.add(i)
            warnings.warn(f"validation_crops: skipping image {source.name(i)!r}: {err}", stacklevel=2)
            continue
        return out
