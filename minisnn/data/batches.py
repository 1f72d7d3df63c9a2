r"""Inpainting batches: crops + masks → network inputs.

A :class:`Batch` holds, for ``N`` crops of size ``H x W`` (all float32):

* ``images`` ``(N, 3, H, W)`` — the ground-truth crops in ``[0, 1]``;
* ``masks`` ``(N, 1, H, W)`` — ``1`` = missing pixel, ``0`` = known;
* ``inputs`` ``(N, 4, H, W)`` — what the network sees, built by :func:`make_inputs`:

.. math:: \text{inputs} = \big[\, x \odot (1 - m) \;\big\Vert\; m \,\big]

(missing pixels set to 0, then the mask appended as a fourth channel).

:class:`InpaintingBatches` draws crops with a :class:`~minisnn.data.CropSampler` (shuffled per epoch,
read on demand) and masks from their own stream; :func:`validation_set` gives a fixed batch for a seed, and
:class:`ValidationSet` the same batch chunk by chunk (for evaluating many crops).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from minisnn.training_state import set_bit_generator_state

from .crops import RNG, CropSampler, _as_hw, validation_crops
from .masks import make_mask
from .sources import ImageSource

__all__ = ["Batch", "make_inputs", "InpaintingBatches", "ValidationSet", "validation_set"]

MaskSpec = str | Callable[[int, int, np.random.Generator], np.ndarray]


class Batch(NamedTuple):
    """``inputs`` (N, 4, H, W), ``images`` (N, 3, H, W), ``masks`` (N, 1, H, W); float32."""

    inputs: np.ndarray
    images: np.ndarray
    masks: np.ndarray


def make_inputs(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    r"""Network inputs :math:`[x \odot (1-m) \,\Vert\, m]` along the channel axis, float32.

    Args:
        images: ``(N, 3, H, W)`` (or one image ``(3, H, W)``).
        masks: ``(N, 1, H, W)`` (or ``(1, H, W)``), ``1`` = missing.

    Returns:
        ``(N, 4, H, W)`` (or ``(4, H, W)``): channels 0–2 the image with missing pixels zeroed, channel 3
        the mask.
    """
    x = np.asarray(images, dtype=np.float32)
    m = np.asarray(masks, dtype=np.float32)
    if x.ndim not in (3, 4) or x.shape[-3] != 3:
        raise ValueError(f"make_inputs: images must have shape (N, 3, H, W) or (3, H, W), got {x.shape}")
    expected = (*x.shape[:-3], 1, *x.shape[-2:])
    if m.shape != expected:
        raise ValueError(f"make_inputs: masks must have shape {expected} to match images, got {m.shape}")
    return np.concatenate([x * (np.float32(1.0) - m), m], axis=-3)


def _mask_fn(mask: MaskSpec, mask_kwargs: dict[str, Any] | None) -> Callable[..., np.ndarray]:
    kwargs = dict(mask_kwargs or {})
    if callable(mask):
        return lambda h, w, gen: mask(h, w, gen, **kwargs)
    if not isinstance(mask, str):
        raise TypeError(f"mask must be a kind ('box', 'freeform', 'mixed') or a callable, got {mask!r}")
    return lambda h, w, gen: make_mask(mask, h, w, gen, **kwargs)


def _draw_masks(fn: Callable[..., np.ndarray], n: int, h: int, w: int, gen: np.random.Generator) -> np.ndarray:
    out = np.empty((n, 1, h, w), dtype=np.float32)
    for k in range(n):
        m = np.asarray(fn(h, w, gen), dtype=np.float32)
        if m.shape != (1, h, w):
            raise ValueError(f"mask generator returned shape {m.shape}, expected {(1, h, w)}")
        out[k] = m
    return out


class InpaintingBatches:
    """Seeded iterator of inpainting :class:`Batch` es (endless, or ``num_batches`` long).

    Args:
        source: an :class:`~minisnn.data.ImageSource` (images are read on demand, never all at once).
        crop_size: ``int`` or ``(h, w)``.
        batch_size: crops per batch ``N``.
        mask: ``"box"``, ``"freeform"``, ``"mixed"`` (see :mod:`minisnn.data.masks`) or a callable
            ``f(h, w, rng) -> (1, h, w)``.
        rng: seed or Generator; crops (image order, positions) and masks use separate derived streams.
        num_batches: stop after this many batches (``None``: never stop).
        pad_small: passed to :class:`~minisnn.data.CropSampler`.
        mask_kwargs: extra keyword arguments for the mask generator, e.g. ``{"hole_range": (0.2, 0.4)}``.
        augment: flip each crop left-right with probability 1/2 and rotate it by a random multiple of 90°
            (180° only, for non-square crops), from a third seeded stream: 8 views of every crop.
        scale_range: passed to :class:`~minisnn.data.CropSampler`: each crop cut from a window up to ``hi`` times
            larger and shrunk by area averaging (``(1, 1)``, the default: no scale augmentation).

    Same seed → same batches. :meth:`get_state` / :meth:`set_state` save and restore the exact position.
    """

    def __init__(
        self,
        source: ImageSource,
        crop_size: int | tuple[int, int],
        batch_size: int,
        mask: MaskSpec = "box",
        rng: RNG = None,
        num_batches: int | None = None,
        pad_small: bool = False,
        mask_kwargs: dict[str, Any] | None = None,
        augment: bool = False,
        scale_range: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if num_batches is not None and (
            isinstance(num_batches, bool) or not isinstance(num_batches, int | np.integer) or num_batches < 0
        ):
            raise ValueError(f"num_batches must be None or a non-negative int, got {num_batches!r}")
        self.crop_size = _as_hw(crop_size)
        self.batch_size = int(batch_size)
        self.num_batches = None if num_batches is None else int(num_batches)
        self._mask = _mask_fn(mask, mask_kwargs)
        self.mask = mask
        base = np.random.default_rng(rng)
        seeds = base.integers(0, 2**63, size=2)
        self.sampler = CropSampler(
            source, self.crop_size, rng=int(seeds[0]), pad_small=pad_small, scale_range=scale_range
        )
        self._mask_rng = np.random.default_rng(int(seeds[1]))
        self.augment = bool(augment)
        self._augment_rng = np.random.default_rng(int(base.integers(0, 2**63)))  # drawn after: old streams unchanged
        self.batches_yielded = 0
        if isinstance(mask, str):  # fail fast on an unknown kind or bad kwargs
            self._mask(*self.crop_size, np.random.default_rng(0))

    @property
    def source(self) -> ImageSource:
        return self.sampler.source

    def next_batch(self) -> Batch:
        """Draw the next batch (ignores ``num_batches``)."""
        h, w = self.crop_size
        images = self.sampler.sample_batch(self.batch_size)
        if self.augment:
            images = self._augmented(images)
        masks = _draw_masks(self._mask, self.batch_size, h, w, self._mask_rng)
        self.batches_yielded += 1
        return Batch(make_inputs(images, masks), images, masks)

    def _augmented(self, images: np.ndarray) -> np.ndarray:
        square = images.shape[-1] == images.shape[-2]
        out = np.empty_like(images)
        for k, image in enumerate(images):
            if self._augment_rng.random() < 0.5:
                image = image[..., ::-1]
            turns = int(self._augment_rng.integers(4)) if square else 2 * int(self._augment_rng.integers(2))
            out[k] = np.rot90(image, turns, axes=(-2, -1))
        return out

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        if self.num_batches is not None and self.batches_yielded >= self.num_batches:
            raise StopIteration
        return self.next_batch()

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless InpaintingBatches (num_batches=None) has no length")
        return self.num_batches

    def get_state(self) -> dict[str, Any]:
        """The exact stream position as a JSON-serialisable dict."""
        return {
            "batches_yielded": self.batches_yielded,
            "sampler": self.sampler.get_state(),
            "mask_rng": self._mask_rng.bit_generator.state,
            "augment_rng": self._augment_rng.bit_generator.state,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a position saved by :meth:`get_state`; the following batches are identical."""
        try:
            sampler_state, mask_state = state["sampler"], state["mask_rng"]
            yielded = int(state["batches_yielded"])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"set_state: not an InpaintingBatches state ({err!r})") from err
        if not isinstance(sampler_state, dict) or yielded < 0:
            raise ValueError(
                f"set_state: sampler must be a CropSampler state (a dict) and batches_yielded >= 0, got "
                f"{type(sampler_state).__name__} and {yielded}"
            )
        if list(sampler_state.get("crop_size", self.crop_size)) != list(self.crop_size):
            raise ValueError(
                f"set_state: state has crop_size={sampler_state['crop_size']}, this iterator {list(self.crop_size)}"
            )
        self.sampler.set_state(sampler_state)
        set_bit_generator_state(self._mask_rng, mask_state, "mask_rng")
        if "augment_rng" in state:
            set_bit_generator_state(self._augment_rng, state["augment_rng"], "augment_rng")
        self.batches_yielded = yielded

    def __repr__(self) -> str:
        h, w = self.crop_size
        return (
            f"InpaintingBatches({self.source!r}, crop_size={h}x{w}, batch_size={self.batch_size}, "
            f"mask={self.mask!r}, num_batches={self.num_batches})"
        )


def validation_set(
    source: ImageSource,
    crop_size: int | tuple[int, int],
    num_crops: int,
    mask: MaskSpec = "box",
    seed: int = 0,
    pad_small: bool = False,
    mask_kwargs: dict[str, Any] | None = None,
) -> Batch:
    """A fixed evaluation :class:`Batch` for a seed: crops from :func:`~minisnn.data.validation_crops`
    and masks from a stream derived from the same seed. Same seed → identical arrays.
    """
    return next(ValidationSet(source, crop_size, num_crops, mask, seed, pad_small, mask_kwargs).chunks(num_crops))


class ValidationSet:
    """The set of :func:`validation_set` (same arguments → the same arrays), made chunk by chunk for evaluating
    many crops: the crops are cut up front (each image is decoded once) and kept, ``images`` ``(N, 3, h, w)``
    float32 -- 12·h·w bytes per crop; the masks and network inputs (5 more channels, and the temporaries that
    build them) exist for one chunk at a time.

    Decoding the images again for every chunk would keep even the crops out of memory, but costs up to N/M
    decodes of each of the M images; the crops are 3/8 of a :class:`Batch`.
    """

    def __init__(
        self,
        source: ImageSource,
        crop_size: int | tuple[int, int],
        num_crops: int,
        mask: MaskSpec = "box",
        seed: int = 0,
        pad_small: bool = False,
        mask_kwargs: dict[str, Any] | None = None,
    ) -> None:
        crop_seed, self._mask_seed = np.random.SeedSequence(seed).spawn(2)
        self._mask = _mask_fn(mask, mask_kwargs)
        self.images = validation_crops(source, crop_size, num_crops, seed=crop_seed, pad_small=pad_small)

    def __len__(self) -> int:
        return len(self.images)

    def chunks(self, size: int) -> Iterator[Batch]:
        """The set as consecutive :class:`Batch` es of ``size`` crops (the last one shorter); each call starts
        again from the first crop and draws the same masks."""
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"chunks: size must be a positive int, got {size!r}")
        gen = np.random.default_rng(self._mask_seed)  # one mask stream, drawn in crop order
        h, w = self.images.shape[-2:]
        for start in range(0, len(self.images), size):
            images = self.images[start : start + size]
            masks = _draw_masks(self._mask, len(images), h, w, gen)
            yield Batch(make_inputs(images, masks), images, masks)
