"""Folder sources, in-memory sources and the --data resolver."""

from __future__ import annotations

import numpy as np
import pytest

from minisnn.data import LSDIR, ArrayImages, FolderImages, SamplePhotos, open_images


def test_folder_recursive_sorted_case_insensitive(tmp_path, rgb_writer):
    rgb_writer(tmp_path / "b.PNG", 4, 4)
    rgb_writer(tmp_path / "a" / "z.Jpg", 4, 4, fmt="JPEG")
    rgb_writer(tmp_path / "a" / "b" / "c.webp", 4, 4, fmt="WEBP")
    rgb_writer(tmp_path / "c.bmp", 4, 5, seed=3)
    (tmp_path / "notes.txt").write_text("x")
    rgb_writer(tmp_path / ".hidden" / "h.png", 4, 4)
    src = FolderImages(tmp_path)
    assert src.names() == ["a/b/c.webp", "a/z.Jpg", "b.PNG", "c.bmp"]
    assert src.path(-1) == tmp_path / "c.bmp"
    assert src.size(3) == (4, 5) and src[3].shape == (3, 4, 5)
    assert FolderImages(tmp_path, extensions=(".PNG",)).names() == ["b.PNG"]
    with pytest.raises(IndexError):
        src[4]


def test_folder_listing_does_not_decode(tmp_path, rgb_writer, corrupt_writer):
    corrupt_writer(tmp_path / "bad.png")
    rgb_writer(tmp_path / "good.png", 4, 4)
    assert len(FolderImages(tmp_path)) == 2  # listing only: the corrupt file is found later, when read


def test_folder_max_images_and_split(tmp_path, rgb_writer):
    for k in range(12):
        rgb_writer(tmp_path / f"img{k:02d}.png", 3, 3, seed=k)
    everything = FolderImages(tmp_path).names()
    val = FolderImages(tmp_path, split="val").names()
    train = FolderImages(tmp_path, split="train").names()
    test = FolderImages(tmp_path, split="test").names()
    assert val == ["img00.png", "img10.png"]  # positions 0, 10, ... of the sorted listing
    assert test == ["img05.png"]  # positions 5, 15, ...
    assert len(train) == 9 and not set(train) & set(val) and sorted(train + val + test) == everything
    assert FolderImages(tmp_path, max_images=3).names() == everything[:3]
    assert FolderImages(tmp_path, split="train", max_images=2).names() == ["img01.png", "img02.png"]


def test_folder_errors(tmp_path, rgb_writer):
    with pytest.raises(FileNotFoundError, match="not an existing folder"):
        FolderImages(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no image files"):
        FolderImages(tmp_path)
    rgb_writer(tmp_path / "only.png", 3, 3)
    with pytest.raises(FileNotFoundError, match="'train' split"):
        FolderImages(tmp_path, split="train")
    with pytest.raises(ValueError, match="split must be one of"):
        FolderImages(tmp_path, split="validation")
    with pytest.raises(ValueError, match="max_images"):
        FolderImages(tmp_path, max_images=0)


def test_array_images():
    a = np.zeros((3, 4, 5), np.float32)
    src = ArrayImages([a, a[:, :2]], names=["x", "y"])
    assert len(src) == 2 and src.name(1) == "y" and src.size(1) == (2, 5) and src.path(0) is None
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        ArrayImages([np.zeros((4, 4))])


def test_open_images_resolves(tmp_path, rgb_writer, fake_lsdir):
    assert isinstance(open_images("samples", "val"), SamplePhotos)
    assert isinstance(open_images(fake_lsdir, "train"), LSDIR)
    assert isinstance(open_images(str(fake_lsdir), "val"), LSDIR)
    with pytest.raises(ValueError, match="LSDIR"):
        open_images(fake_lsdir, "all")
    plain = tmp_path / "plain"
    for k in range(3):
        rgb_writer(plain / f"{k}.png", 3, 3)
    src = open_images(plain, "val")
    assert isinstance(src, FolderImages) and src.names() == ["0.png"]
    assert open_images(plain, "train", max_images=1).names() == ["1.png"]
    with pytest.raises(FileNotFoundError, match="samples"):
        open_images(tmp_path / "nowhere")


def test_folder_listing_survives_symlink_loops_and_unreadable_subfolders(tmp_path, rgb_writer, monkeypatch):
    import os
    from pathlib import Path

    rgb_writer(tmp_path / "a.png", 4, 4)
    rgb_writer(tmp_path / "locked" / "b.png", 4, 4)
    rgb_writer(tmp_path / "open" / "c.png", 4, 4)
    os.symlink("loop.png", tmp_path / "loop.png")  # points at itself
    os.symlink("self", tmp_path / "self")
    os.symlink(".", tmp_path / "open" / "again")  # a cycle through a folder: listed once
    real_scandir = os.scandir

    def scandir(path="."):  # tests run as root, so chmod 000 would not stop them: deny like the kernel would
        if Path(path) == tmp_path / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.warns(UserWarning) as record:
        src = FolderImages(tmp_path)
    assert src.names() == ["a.png", "open/c.png"]
    messages = "\n".join(str(w.message) for w in record)
    assert "loop.png" in messages and "symbolic links" in messages and "self" in messages
    assert "skipping folder" in messages and "locked" in messages and "Permission denied" in messages


def test_unreadable_root_and_one_image_folders_give_true_advice(tmp_path, rgb_writer, monkeypatch):
    import os

    rgb_writer(tmp_path / "only.png", 3, 3)
    with pytest.raises(FileNotFoundError, match=r"pass split='all' \(CLI: --split all\)"):
        open_images(tmp_path, split="train")
    assert len(open_images(tmp_path, split="all")) == 1
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(tmp_path) else real_access(p, mode))
    for make in (lambda: open_images(tmp_path), lambda: FolderImages(tmp_path), lambda: LSDIR(tmp_path)):
        with pytest.raises(PermissionError, match=rf"cannot read the folder '{tmp_path}'"):
            make()
