"""LSDIR layout on a tiny fake tree: order, early stop, train.json, val layouts, helpful errors."""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

from minisnn.data import LSDIR, looks_like_lsdir
from minisnn.data import lsdir as lsdir_module


def test_train_listing_order(fake_lsdir, lsdir_names):
    src = LSDIR(fake_lsdir)
    assert src.names() == lsdir_names[0]
    assert src[0].shape == (3, 12, 10) and src[0].dtype == np.float32
    assert looks_like_lsdir(fake_lsdir)


def test_shards_in_numeric_order(fake_lsdir, rgb_writer):
    rgb_writer(fake_lsdir / "HR" / "train" / "10000" / "0009001.png", 4, 4)  # unpadded name sorts by number
    assert LSDIR(fake_lsdir).names()[-1] == "HR/train/10000/0009001.png"


def test_max_images_stops_walk_early(fake_lsdir, lsdir_names, monkeypatch):
    scanned = []
    real_scandir = os.scandir

    def spy(path):
        scanned.append(os.path.basename(os.fspath(path)))
        return real_scandir(path)

    monkeypatch.setattr(lsdir_module.os, "scandir", spy)
    src = LSDIR(fake_lsdir, max_images=4)
    assert src.names() == lsdir_names[0][:4]
    assert "0002000" in scanned and "0003000" not in scanned  # the third shard is never listed


def test_train_json_is_the_listing(fake_lsdir, lsdir_names, train_json_writer, monkeypatch):
    train = lsdir_names[0]
    order = [train[3], train[0], train[6]]
    train_json_writer(fake_lsdir, order)
    monkeypatch.setattr(lsdir_module, "_walk_train", None)  # a directory walk would crash
    assert LSDIR(fake_lsdir).names() == order
    assert LSDIR(fake_lsdir, max_images=2).names() == order[:2]
    shutil.rmtree(fake_lsdir / "HR" / "train" / "0003000")
    assert len(LSDIR(fake_lsdir, max_images=2)) == 2  # only the first entry is checked up front


def test_train_json_problems(fake_lsdir, train_json_writer):
    train_json_writer(fake_lsdir, ["HR/train/9999999/0000001.png"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LSDIR(fake_lsdir)
    (fake_lsdir / "train.json").write_text("{not json")
    with pytest.raises(ValueError, match="train.json"):
        LSDIR(fake_lsdir)
    (fake_lsdir / "train.json").write_text('[{"name": "x"}]')
    with pytest.raises(ValueError, match="entry 0"):
        LSDIR(fake_lsdir)


def test_val_layouts(fake_lsdir, lsdir_names):
    expected = lsdir_names[1]
    assert LSDIR(fake_lsdir, split="val").names() == expected
    direct = LSDIR(fake_lsdir / "val1", split="val")  # root is the folder that holds HR/val
    assert direct.names() == [n.removeprefix("val1/") for n in expected]
    assert LSDIR(fake_lsdir, split="val", max_images=1).names() == expected[:1]
    assert looks_like_lsdir(fake_lsdir / "val1")


def test_missing_or_empty_explains_how_to_get_lsdir(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        LSDIR(tmp_path / "nowhere")
    msg = str(info.value)
    assert "huggingface.co" in msg and "samples" in msg and "nowhere" in msg
    (tmp_path / "HR" / "train").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="huggingface") as info:
        LSDIR(tmp_path)
    assert "train.json" in str(info.value) and "HR/train" in str(info.value).replace(os.sep, "/")
    with pytest.raises(FileNotFoundError, match="val1"):
        LSDIR(tmp_path, split="val")
    with pytest.raises(ValueError, match="split"):
        LSDIR(tmp_path, split="test")


@pytest.mark.parametrize("rel", ["../../etc/passwd", "/etc/passwd", "HR/../../outside.png", "HR/train/../../../x.png"])
def test_train_json_paths_must_stay_inside_the_root(fake_lsdir, lsdir_names, train_json_writer, rel):
    train_json_writer(fake_lsdir, [lsdir_names[0][0], rel])
    with pytest.raises(ValueError, match=rf"entry 1 of .*train.json.*{re.escape(rel)!s}.*outside the dataset root"):
        LSDIR(fake_lsdir)


def test_shard_walk_survives_symlink_loops_and_unreadable_shards(fake_lsdir, lsdir_names, monkeypatch):
    from pathlib import Path

    train = fake_lsdir / "HR" / "train"
    os.symlink("0009000", train / "0009000")
    os.symlink("x.png", train / "0001000" / "x.png")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == train / "0002000":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(lsdir_module.os, "scandir", scandir)
    with pytest.warns(UserWarning) as record:
        names = LSDIR(fake_lsdir).names()
    assert names == [n for n in lsdir_names[0] if "/0002000/" not in n]
    messages = "\n".join(str(w.message) for w in record)
    assert "0009000" in messages and "x.png" in messages and "skipping folder" in messages


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("[" + "9" * 5000 + "]", "more digits than python reads"),
        (b"\xff\xfe[]", "utf"),
    ],
    ids=["deep", "huge-integer", "not-utf8"],
)
def test_a_hostile_train_json_is_a_value_error_naming_it(fake_lsdir, text, words):
    """Issue 21, row 23: RecursionError and the integer-digits limit become one error naming train.json."""
    path = fake_lsdir / "train.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match="train.json") as info:
        LSDIR(fake_lsdir, split="train")
    assert words in str(info.value).lower()
    assert "set_int_max_str_digits" not in str(info.value)  # Python's advice is for programmers, not for this user
