"""Image sources: a small list-like interface over images that are decoded only on access.

An :class:`ImageSource` is what the crop sampler and the batch iterator read from. It knows how many
images there are, their names and sizes, and decodes one image when asked; it never decodes all images
up front. Three kinds exist:

* :class:`FileImages` — an explicit list of files; :class:`FolderImages` lists any folder recursively,
  :class:`~minisnn.data.lsdir.LSDIR` knows the LSDIR dataset layout.
* :class:`~minisnn.data.samples.SamplePhotos` — scikit-image's bundled photographs (offline).

Listing a folder only reads directory entries; image files are opened when an image (or its size) is
requested.
"""

from __future__ import annotations

import errno
import hashlib
import operator
import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .images import image_size, read_image

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageSource",
    "ArrayImages",
    "FileImages",
    "FolderImages",
    "check_max_images",
    "check_readable_folder",
    "SPLITS",
    "check_split",
    "scan_folder",
    "split_indices",
    "iter_image_files",
]

IMAGE_EXTENSIONS: tuple[str, ...] = ("png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff")
#: How many images' contents :meth:`ImageSource.content_fingerprint` reads, spread evenly over the listing.
CONTENT_SAMPLE = 16
VAL_EVERY = 10  # plain folders: positions 0, 10, 20, ... of the sorted listing are validation images


class ImageSource(ABC):
    """A finite, ordered collection of RGB images, decoded lazily.

    Subclasses implement :meth:`__len__`, :meth:`name` and :meth:`load`; :meth:`size` defaults to
    loading the image, file-based sources read only the header.
    """

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def name(self, i: int) -> str:
        """A short human-readable name of image ``i`` (used in warnings and figures)."""

    @abstractmethod
    def load(self, i: int) -> np.ndarray:
        """Decode image ``i``: float32 ``(3, H, W)`` in ``[0, 1]``."""

    def size(self, i: int) -> tuple[int, int]:
        """``(H, W)`` of image ``i``."""
        _, h, w = self.load(i).shape
        return int(h), int(w)

    def path(self, i: int) -> Path | None:
        """The file image ``i`` is read from, or ``None`` for in-memory images."""
        self._index(i)
        return None

    def __getitem__(self, i: int) -> np.ndarray:
        """Same as :meth:`load`: float32 ``(3, H, W)``."""
        return self.load(i)

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self.load(i)

    def names(self) -> list[str]:
        return [self.name(i) for i in range(len(self))]

    def fingerprint(self) -> str:
        """A short hash (16 hex digits) of the listing: every image's :meth:`fingerprint_entry`, in order. Training
        runs record it and refuse to resume on a source with another fingerprint (other files, or the same count of
        other images); decoding nothing, it costs one directory entry per file."""
        digest = hashlib.sha256()
        for i in range(len(self)):
            digest.update(self.fingerprint_entry(i).encode("utf-8", "surrogateescape") + b"\0")
        return digest.hexdigest()[:16]

    def fingerprint_entry(self, i: int) -> str:
        """What identifies image ``i`` in :meth:`fingerprint`: its name (file sources add the size in bytes)."""
        return self.name(i)

    def content_fingerprint(self, sample: int = CONTENT_SAMPLE) -> str:
        """A short hash (16 hex digits) of the contents of up to ``sample`` images spread evenly over the listing
        (first and last included): what tells apart two folders whose files have the same names and sizes
        (uncompressed BMP or TIFF datasets) without reading a whole dataset. Training runs record it beside
        :meth:`fingerprint`; two sources that differ only in images outside the sample are not told apart."""
        n = len(self)
        picks = sorted({int(k) for k in np.linspace(0, n - 1, min(n, sample)).round()}) if n and sample > 0 else []
        digest = hashlib.sha256()
        for i in picks:
            digest.update(f"{i}\t{self.content_entry(i)}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()[:16]

    def content_entry(self, i: int) -> str:
        """What :meth:`content_fingerprint` reads of image ``i``: a hash of its pixels (file sources: of the
        file's bytes, not decoded)."""
        array = np.ascontiguousarray(self.load(i))
        return f"{array.shape}\t{hashlib.sha256(array.tobytes()).hexdigest()}"

    def _index(self, i: int) -> int:
        n = len(self)
        try:
            j = operator.index(i)
        except TypeError:
            raise TypeError(f"image index must be an integer, got {type(i).__name__}") from None
        if j < 0:
            j += n
        if not 0 <= j < n:
            raise IndexError(f"image index {i} out of range for a source of {n} images")
        return j

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} images)"


class ArrayImages(ImageSource):
    """Images already in memory: a list of float ``(3, H, W)`` arrays in ``[0, 1]`` (kept by reference).

    Args:
        images: the arrays (sizes may differ).
        names: optional names (default ``"image0"``, ``"image1"``, ...).
    """

    def __init__(self, images: Sequence[np.ndarray], names: Sequence[str] | None = None) -> None:
        arrays = [np.asarray(a) for a in images]
        for k, a in enumerate(arrays):
            if a.ndim != 3 or a.shape[0] != 3:
                raise ValueError(f"ArrayImages: image {k} must have shape (3, H, W), got {a.shape}")
        if names is not None and len(names) != len(arrays):
            raise ValueError(f"ArrayImages: got {len(arrays)} images but {len(names)} names")
        self._arrays = arrays
        self._names = [str(n) for n in names] if names is not None else [f"image{k}" for k in range(len(arrays))]

    def __len__(self) -> int:
        return len(self._arrays)

    def name(self, i: int) -> str:
        return self._names[self._index(i)]

    def load(self, i: int) -> np.ndarray:
        return self._arrays[self._index(i)]

    def fingerprint_entry(self, i: int) -> str:
        """The name, the shape and a hash of the pixels (the arrays are in memory)."""
        array = np.ascontiguousarray(self.load(i))
        return f"{self.name(i)}\t{array.shape}\t{hashlib.sha256(array.tobytes()).hexdigest()[:16]}"


class FileImages(ImageSource):
    """Images stored as files, given as an explicit list of paths (order kept).

    Args:
        paths: image files; nothing is opened here.
        root: optional folder; names are the paths relative to it (else the file names).
    """

    def __init__(self, paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._paths = [Path(p) for p in paths]

    def __len__(self) -> int:
        return len(self._paths)

    def path(self, i: int) -> Path:
        return self._paths[self._index(i)]

    def name(self, i: int) -> str:
        p = self.path(i)
        if self.root is not None:
            try:
                return p.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return p.name

    def load(self, i: int) -> np.ndarray:
        return read_image(self.path(i))

    def size(self, i: int) -> tuple[int, int]:
        return image_size(self.path(i))

    def fingerprint_entry(self, i: int) -> str:
        """The name and the file's size in bytes (one ``stat``; the image is not decoded)."""
        path = self.path(i)
        try:
            size = path.stat().st_size
        except OSError:
            size = -1  # (reading the image will name the problem)
        return f"{self.name(i)}\t{size}"

    def content_entry(self, i: int) -> str:
        """A hash of the file's bytes (read in 1 MiB blocks; the image is not decoded)."""
        digest = hashlib.sha256()
        try:
            with open(self.path(i), "rb") as file:
                for block in iter(lambda: file.read(1 << 20), b""):
                    digest.update(block)
        except OSError as error:
            return f"unreadable: {error.strerror}"  # (reading the image will name the problem)
        return digest.hexdigest()

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    def __repr__(self) -> str:
        where = f", root={str(self.root)!r}" if self.root is not None else ""
        return f"{type(self).__name__}({len(self)} images{where})"


def check_max_images(max_images: int | None) -> int | None:
    """Validate ``max_images`` (``None`` or a positive int)."""
    if max_images is None:
        return None
    if isinstance(max_images, bool) or not isinstance(max_images, int | np.integer):
        raise TypeError(f"max_images must be None or a positive int, got {type(max_images).__name__}")
    if max_images < 1:
        raise ValueError(f"max_images must be None or a positive int, got {max_images}")
    return int(max_images)


#: The splits :func:`~minisnn.data.open_images` and :class:`FolderImages` take ("test": plain folders only).
SPLITS: tuple[str, ...] = ("all", "train", "val", "test")


def check_split(split: str, allowed: Sequence[str]) -> str:
    """Validate a split name against ``allowed``."""
    if not isinstance(split, str) or split not in allowed:
        raise ValueError(f"split must be one of {', '.join(map(repr, allowed))}; got {split!r}")
    return split


def split_of(position: int) -> str:
    """The split of the image at ``position`` of a sorted listing: ``"val"`` for positions 0, 10, 20, ...,
    ``"test"`` for 5, 15, 25, ..., ``"train"`` for the rest (80 %)."""
    return "val" if position % VAL_EVERY == 0 else "test" if position % VAL_EVERY == VAL_EVERY // 2 else "train"


def split_indices(positions: Iterable[int], split: str) -> Iterator[int]:
    """Deterministic by-image split of a sorted listing (:func:`split_of`): ``"val"`` (every 10th image from
    the first: for model selection), ``"test"`` (every 10th from the sixth: for the final numbers, never used
    to choose anything), ``"train"`` (the other 80 %), ``"all"`` (everything)."""
    for i in positions:
        if split == "all" or split_of(i) == split:
            yield i


def _normalise_extensions(extensions: Iterable[str]) -> frozenset[str]:
    if isinstance(extensions, str):
        extensions = (extensions,)
    exts = frozenset(e.lower().lstrip(".") for e in extensions)
    if not exts or not all(exts):
        raise ValueError(f"extensions must be a non-empty list such as ('png', 'jpg'), got {extensions!r}")
    return exts


def check_readable_folder(folder: Path, owner: str) -> None:
    """Raise PermissionError naming ``folder`` unless it can be listed (read and execute permission)."""
    if not os.access(folder, os.R_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES, f"{owner}: cannot read the folder {str(folder)!r} (it needs read and execute permission)",
            str(folder),
        )  # fmt: skip


def scan_folder(folder: Path, owner: str, key: Callable[[str], object] = str) -> list[tuple[Path, bool, bool]]:
    """The non-hidden entries of ``folder`` sorted by ``key(name)``, each as (path, is_dir, is_file).

    Nothing here aborts a listing: a folder that cannot be read (permission denied, vanished) and an entry
    whose type cannot be found (a symbolic link to itself: "Too many levels of symbolic links") are skipped
    with a warning naming them. Broken links are neither folders nor files and are skipped silently.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: key(e.name))
    except OSError as err:
        warnings.warn(f"{owner}: skipping folder {str(folder)!r}: {err.strerror or err}", stacklevel=3)
        return []
    out = []
    for entry in entries:
        try:
            out.append((Path(entry.path), entry.is_dir(), entry.is_file()))
        except OSError as err:
            warnings.warn(f"{owner}: skipping {entry.path!r}: {err.strerror or err}", stacklevel=3)
    return out


def iter_image_files(root: Path, extensions: Iterable[str] = IMAGE_EXTENSIONS) -> Iterator[Path]:
    """Yield image files under ``root`` recursively, in a deterministic sorted order, lazily.

    Order: the entries of each folder sorted by name (files and sub-folders interleaved), sub-folders
    expanded in place — i.e. paths sorted by their tuple of path components. Hidden entries (names
    starting with ``.``) are skipped; extensions match case-insensitively. Because the walk is lazy,
    stopping early (``max_images``) avoids listing the rest of a large tree. Folders reached twice through
    symbolic links are listed once; unreadable folders and self-referencing links are skipped with a warning
    (:func:`scan_folder`).
    """
    exts = _normalise_extensions(extensions)
    seen: set[str] = set()

    def walk(folder: Path) -> Iterator[Path]:
        real = os.path.realpath(folder)
        if real in seen:  # symlink loop
            return
        seen.add(real)
        for path, is_dir, is_file in scan_folder(folder, "FolderImages"):
            if is_dir:
                yield from walk(path)
            elif is_file and path.suffix[1:].lower() in exts:
                yield path

    yield from walk(Path(root))


class FolderImages(FileImages):
    """Every image file under ``root`` (recursive), in sorted deterministic order.

    Args:
        root: a folder.
        max_images: keep only the first ``max_images`` images (of the split); the walk stops early.
        extensions: file extensions to accept, case-insensitive, with or without the dot.
        split: ``"all"`` (default) or a deterministic by-image split of the sorted listing (:func:`split_of`):
            ``"val"`` positions 0, 10, 20, ..., ``"test"`` 5, 15, 25, ..., ``"train"`` the rest.

    Raises:
        FileNotFoundError: ``root`` is not a folder or holds no image with those extensions.
        PermissionError: ``root`` cannot be read (unreadable sub-folders are skipped with a warning).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        max_images: int | None = None,
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        split: str = "all",
    ) -> None:
        root_path = Path(root)
        max_images = check_max_images(max_images)
        self.split = check_split(split, SPLITS)
        self.extensions = tuple(sorted(_normalise_extensions(extensions)))
        if not root_path.is_dir():
            raise FileNotFoundError(f"FolderImages: root={str(root_path)!r} is not an existing folder")
        check_readable_folder(root_path, "FolderImages")
        paths: list[Path] = []
        total = 0
        for i, p in enumerate(iter_image_files(root_path, self.extensions)):
            total = i + 1
            if next(split_indices([i], self.split), None) is not None:
                paths.append(p)
                if max_images is not None and len(paths) >= max_images:
                    break
        if not paths:
            exts = ", ".join(self.extensions)
            if total == 0:
                raise FileNotFoundError(f"FolderImages: no image files ({exts}) found under root={str(root_path)!r}")
            raise FileNotFoundError(
                f"FolderImages: the {split!r} split of {str(root_path)!r} is empty ({total} image(s) in the "
                f"folder; 'val' takes every {VAL_EVERY}th image from the first, 'test' every {VAL_EVERY}th from the "
                f"{VAL_EVERY // 2 + 1}th, so 'train' needs 2 images and 'test' {VAL_EVERY // 2 + 1}): pass split='all' "
                "(CLI: --split all) to use every image"
            )
        super().__init__(paths, root=root_path)
