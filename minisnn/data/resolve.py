"""Turn a ``--data`` value into an image source."""

from __future__ import annotations

import os
from pathlib import Path

from .lsdir import LSDIR, LSDIR_HELP, looks_like_lsdir
from .samples import sample_photos
from .sources import SPLITS, FolderImages, ImageSource, check_readable_folder, check_split

__all__ = ["open_images"]


def open_images(spec: str | os.PathLike, split: str = "train", max_images: int | None = None) -> ImageSource:
    """Resolve a data specification to an :class:`ImageSource`.

    Args:
        spec: ``"samples"`` → :func:`~minisnn.data.sample_photos` (offline, fixed split by photo);
            a folder that looks like LSDIR (holds ``HR/train``, ``HR/val``, ``val1/HR/val`` or
            ``train.json``) → :class:`~minisnn.data.LSDIR`; any other folder →
            :class:`~minisnn.data.FolderImages` with a deterministic by-image split of the sorted listing
            (:func:`~minisnn.data.sources.split_of`: 10 % "val", 10 % "test", 80 % "train").
        split: ``"train"``, ``"val"``, ``"test"`` (plain folders only) or ``"all"`` (sample photos and plain
            folders).
        max_images: keep only the first ``max_images`` images of the split.

    Raises:
        FileNotFoundError: ``spec`` is neither ``"samples"`` nor an existing folder, or has no images.
        PermissionError: the folder cannot be read.
        ValueError: an unknown split, or ``"all"`` for LSDIR (whose splits are separate folders).
    """
    check_split(split, SPLITS)
    if isinstance(spec, str) and spec == "samples":
        if split == "test":
            raise ValueError("split='test' exists for plain folders only; the sample photos have 'train' and 'val'")
        return sample_photos(split, max_images=max_images)
    if not isinstance(spec, str | os.PathLike):
        raise TypeError(f"data spec must be 'samples' or a folder path, got {type(spec).__name__}")
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"data={str(spec)!r} is neither 'samples' nor an existing folder. Use 'samples' for the offline "
            f"sample photos, a folder of images, or an LSDIR folder. {LSDIR_HELP}"
        )
    check_readable_folder(path, "open_images")
    if looks_like_lsdir(path):
        if split in ("all", "test"):
            raise ValueError(
                f"split={split!r} is not available for LSDIR (its training and validation images are separate "
                "folders): pass split='train' or split='val' (CLI: --split train or --split val)"
            )
        return LSDIR(path, split=split, max_images=max_images)
    return FolderImages(path, max_images=max_images, split=split)
