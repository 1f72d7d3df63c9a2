"""The LSDIR dataset (Li et al., CVPR-W 2023) as its users have it on disk.

Layout (``root`` is the folder the dataset was unpacked into)::

    root/train.json                      optional meta-file: [{"path": "HR/train/0001000/0000001.png", ...}, ...]
    root/HR/train/0001000/0000001.png    training shards of 1,000 images; a shard folder is named after
    root/HR/train/0001000/...            the highest image number it holds (0001000, 0002000, ... 0085000)
    root/HR/train/0002000/0001001.png
    root/val1/HR/val/0000001.png         the public validation set (250 images)
    ...                                  (``root`` may also be the ``val1`` folder itself: root/HR/val/)

Training images are listed from ``train.json`` when it exists (no directory walk: the JSON order is the
listing order; entries may carry extra keys, only ``"path"`` is used, relative to ``root``; a path that is
absolute or climbs out of ``root`` with ``..`` is an error). Otherwise the
shard folders are walked in numeric order, files sorted by name inside each shard, stopping as soon as
``max_images`` images are listed — the full set is ~85k images / 155 GB, so a short run lists only the
first shard or two.

minisnn never downloads LSDIR: it is distributed under its own terms. See :data:`LSDIR_HELP`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from .sources import IMAGE_EXTENSIONS, FileImages, check_max_images, check_readable_folder, check_split, scan_folder

__all__ = ["LSDIR", "LSDIR_HELP", "looks_like_lsdir"]

LSDIR_HELP = (
    "LSDIR is not downloaded automatically. Get the official release from Hugging Face "
    "(https://huggingface.co/datasets/danjacobellis/LSDIR) or the project page "
    "(https://ofsoundof.github.io/lsdir-data/) — it requires accepting its terms — and point --data at "
    "the folder that holds HR/train (training shards), train.json and/or val1/HR/val. "
    "To try minisnn without it, use --data samples (scikit-image's offline sample photos)."
)

_EXTS = frozenset(IMAGE_EXTENSIONS)


def _train_dir(root: Path) -> Path:
    return root / "HR" / "train"


def _val_dirs(root: Path) -> list[Path]:
    return [root / "val1" / "HR" / "val", root / "HR" / "val"]


def looks_like_lsdir(root: str | os.PathLike) -> bool:
    """True if ``root`` contains any LSDIR marker: ``HR/train``, ``HR/val``, ``val1/HR/val`` or ``train.json``."""
    r = Path(root)
    return (r / "train.json").is_file() or _train_dir(r).is_dir() or any(d.is_dir() for d in _val_dirs(r))


def _is_image(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1][1:].lower() in _EXTS


def _shard_key(name: str) -> tuple[int, int, str]:
    # numeric shard names in numeric order; anything else after them, by name
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def _walk_train(train_dir: Path) -> Iterator[Path]:
    """Images in ``HR/train``: shard folders in numeric order, files sorted inside each (lazy). Unreadable
    shards and self-referencing links are skipped with a warning (:func:`~minisnn.data.sources.scan_folder`)."""
    for path, is_dir, is_file in scan_folder(train_dir, "LSDIR", _shard_key):
        if is_dir:
            for file, _, file_is_file in scan_folder(path, "LSDIR", _shard_key):
                if file_is_file and _is_image(file.name):
                    yield file
        elif is_file and _is_image(path.name):
            yield path


def _read_train_json(json_path: Path, root: Path, max_images: int | None) -> list[Path]:
    try:
        entries = json.loads(json_path.read_text(encoding="utf-8"))
    except RecursionError:  # nesting deeper than the interpreter's stack: not a listing
        raise ValueError(f"LSDIR: cannot parse the meta-file {str(json_path)!r}: nested too deeply") from None
    except (OSError, ValueError) as err:  # ValueError: JSONDecodeError, bad UTF-8, an integer of 4300+ digits
        reason = str(err)
        if "integer string conversion" in reason:  # Python's advice (set_int_max_str_digits) is not the user's to take
            reason = "it holds an integer of more digits than Python reads (4300): not a listing"
        raise ValueError(f"LSDIR: cannot parse the meta-file {str(json_path)!r}: {reason}") from err
    if not isinstance(entries, list):
        raise ValueError(
            f"LSDIR: {str(json_path)!r} must hold a JSON list of {{'path': ...}} entries, "
            f"got a JSON {type(entries).__name__}"
        )
    if max_images is not None:
        entries = entries[:max_images]
    paths = []
    for k, entry in enumerate(entries):
        rel = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(rel, str) or not rel:
            raise ValueError(
                f"LSDIR: entry {k} of {str(json_path)!r} must be {{'path': 'HR/train/...png', ...}}, got {entry!r}"
            )
        normal = os.path.normpath(rel)
        if Path(rel).anchor or Path(normal).parts[:1] == ("..",):
            raise ValueError(
                f"LSDIR: entry {k} of {str(json_path)!r} has path {rel!r}, which points outside the dataset root "
                f"{str(root)!r}; paths must be relative to the root and stay inside it, like "
                "'HR/train/0001000/0000001.png'"
            )
        paths.append(root / normal)
    return paths


class LSDIR(FileImages):
    """LSDIR training or validation images, listed lazily from disk (never decoded up front).

    Args:
        root: the LSDIR folder (see the module docstring for the layout).
        split: ``"train"`` (``train.json`` if present, else ``HR/train`` shards) or ``"val"``
            (``val1/HR/val``, or ``HR/val`` when ``root`` is the ``val1`` folder).
        max_images: keep the first ``max_images`` images in listing order; the shard walk stops early.

    Raises:
        FileNotFoundError: nothing to list; the message says what was looked for and how to get LSDIR.
        PermissionError: ``root`` cannot be read (unreadable shards are skipped with a warning).
        ValueError: a malformed ``train.json``, or one whose paths leave ``root``.
    """

    def __init__(self, root: str | os.PathLike, split: str = "train", max_images: int | None = None) -> None:
        root_path = Path(root)
        self.split = check_split(split, ("train", "val"))
        self.max_images = check_max_images(max_images)
        self.source = ""  # what the listing came from, for repr and messages
        paths = self._list(root_path)
        super().__init__(paths, root=root_path)

    def _list(self, root: Path) -> list[Path]:
        if not root.is_dir():
            raise FileNotFoundError(f"LSDIR: root={str(root)!r} is not an existing folder. {LSDIR_HELP}")
        check_readable_folder(root, "LSDIR")
        if self.split == "train":
            json_path = root / "train.json"
            if json_path.is_file():
                paths = _read_train_json(json_path, root, self.max_images)
                if not paths:
                    raise FileNotFoundError(f"LSDIR: {str(json_path)!r} lists no images. {LSDIR_HELP}")
                if not paths[0].is_file():
                    raise FileNotFoundError(
                        f"LSDIR: {str(json_path)!r} lists {str(paths[0])!r}, which does not exist: the "
                        f"images must sit next to train.json (paths are relative to root). {LSDIR_HELP}"
                    )
                self.source = str(json_path)
                return paths
            looked = [json_path, _train_dir(root)]
            folders = [_train_dir(root)]
        else:
            looked = folders = _val_dirs(root)
        for folder in folders:
            if folder.is_dir():
                walker = _walk_train(folder)
                paths = []
                for p in walker:
                    paths.append(p)
                    if self.max_images is not None and len(paths) >= self.max_images:
                        break
                if paths:
                    self.source = str(folder)
                    return paths
        where = " or ".join(repr(str(p)) for p in looked)
        raise FileNotFoundError(f"LSDIR: no {self.split} images found: looked for {where}. {LSDIR_HELP}")

    def __repr__(self) -> str:
        return f"LSDIR(split={self.split!r}, {len(self)} images from {self.source!r})"
