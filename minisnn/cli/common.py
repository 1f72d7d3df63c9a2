"""Small helpers the commands share."""

from __future__ import annotations

from pathlib import Path


def figures_available() -> bool:
    """True if matplotlib can be imported; otherwise say that the figures are skipped and how to get them."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("(matplotlib is not installed: skipping figures; pip install 'minisnn[tutorials]')")
        return False
    return True


def is_lsdir(data: str) -> bool:
    from minisnn.data import looks_like_lsdir

    return looks_like_lsdir(data)


def is_plain_folder(data: str) -> bool:
    """A folder of images that is not an LSDIR root (its split is by position: see ``open_images``)."""
    return Path(str(data)).is_dir() and not is_lsdir(data)


def printable(text: str) -> str:
    """``text`` with characters that cannot be encoded (a file name's undecodable bytes, kept by Python as lone
    surrogates) replaced, so that it can go into a figure title or a JSON file."""
    return text.encode("utf-8", "replace").decode("utf-8")
