"""Data for inpainting: image IO, image sources (folders, LSDIR, sample photos), crops, masks, batches.

Conventions: images are float32 in ``[0, 1]``, ``(3, H, W)`` per image and ``(N, 3, H, W)`` batched;
masks are float32 with ``1`` = missing pixel, ``0`` = known, ``(1, H, W)`` / ``(N, 1, H, W)``. Every
random function takes ``rng: numpy.random.Generator | int | None``. Importing this package does not
import scikit-image (only :func:`sample_photos` needs it, on first load).

:data:`MAX_IMAGE_PIXELS` bounds the size of an image file that is decoded (see :mod:`.images`); set it
here, ``minisnn.data.MAX_IMAGE_PIXELS = 100_000_000``, or to ``None`` for no limit of minisnn's own.
"""

from .batches import Batch, InpaintingBatches, ValidationSet, make_inputs, validation_set
from .crops import CropSampler, pad_to_size, random_crop, validation_crops
from .digits import Digits, digits
from .event_digits import EventDigits, event_digits
from .images import CorruptImageError, ImageTooLargeError, image_size, read_image, save_image, to_uint8
from .labelled import LabelledBatches
from .lsdir import LSDIR, LSDIR_HELP, looks_like_lsdir
from .masks import (
    BOX_HOLE_RANGE,
    FREEFORM_HOLE_RANGE,
    MASK_KINDS,
    box_mask,
    freeform_mask,
    hole_fraction,
    make_mask,
    make_masks,
    mixed_mask,
)
from .resolve import open_images
from .samples import SAMPLE_PHOTOS, SAMPLE_TRAIN, SAMPLE_VAL, SamplePhotos, sample_photos
from .sources import IMAGE_EXTENSIONS, SPLITS, ArrayImages, FileImages, FolderImages, ImageSource

#: Images whose header claims more pixels are not decoded: ImageTooLargeError, skipped with a warning when
#: cropping. 64 MP: a 64-MP image is ~770 MB as float32 (3, H, W), and decoding one peaks at ~1.2 GB (measured
#: peak RSS, 8000x8000 RGB PNG; 0.85 GB grey); LSDIR's images are ~2-3 MP.
MAX_IMAGE_PIXELS: int | None = 64_000_000

__all__ = [
    "ArrayImages",
    "BOX_HOLE_RANGE",
    "Batch",
    "CorruptImageError",
    "CropSampler",
    "Digits",
    "EventDigits",
    "LabelledBatches",
    "FREEFORM_HOLE_RANGE",
    "FileImages",
    "FolderImages",
    "IMAGE_EXTENSIONS",
    "ImageSource",
    "ImageTooLargeError",
    "InpaintingBatches",
    "LSDIR",
    "LSDIR_HELP",
    "MASK_KINDS",
    "MAX_IMAGE_PIXELS",
    "SAMPLE_PHOTOS",
    "SAMPLE_TRAIN",
    "SAMPLE_VAL",
    "SPLITS",
    "SamplePhotos",
    "box_mask",
    "digits",
    "event_digits",
    "freeform_mask",
    "hole_fraction",
    "image_size",
    "looks_like_lsdir",
    "make_inputs",
    "make_mask",
    "make_masks",
    "mixed_mask",
    "open_images",
    "pad_to_size",
    "random_crop",
    "read_image",
    "sample_photos",
    "save_image",
    "to_uint8",
    "validation_crops",
    "ValidationSet",
    "validation_set",
]
