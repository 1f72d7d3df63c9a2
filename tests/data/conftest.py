"""Fixtures for the data-package tests: small image files and a fake LSDIR tree in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def write_rgb(path: Path, h: int, w: int, seed: int = 0, fmt: str | None = None) -> np.ndarray:
    """Write a random RGB uint8 image of size h x w; return its (3, H, W) float32 values in [0, 1]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    Image.fromarray(arr).save(path, format=fmt)
    return arr.transpose(2, 0, 1).astype(np.float32) / 255


def write_corrupt(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an image at all")
    return path


@pytest.fixture
def rgb_writer():
    return write_rgb


@pytest.fixture
def corrupt_writer():
    return write_corrupt


LSDIR_TRAIN = {
    "0001000": ["0000001.png", "0000002.png", "0000003.png"],
    "0002000": ["0001001.png", "0001002.png"],
    "0003000": ["0002001.png", "0002002.png"],
}
LSDIR_VAL = ["0000001.png", "0000002.png", "0000003.png"]


@pytest.fixture
def lsdir_names() -> tuple[list[str], list[str]]:
    """Relative paths of the fake tree's training images (listing order) and validation images."""
    train = [f"HR/train/{shard}/{f}" for shard, files in LSDIR_TRAIN.items() for f in files]
    return train, [f"val1/HR/val/{f}" for f in LSDIR_VAL]


@pytest.fixture
def fake_lsdir(tmp_path: Path) -> Path:
    """A tiny LSDIR tree: 3 training shards (7 images of 12x10) and 3 validation images, no train.json."""
    root = tmp_path / "LSDIR"
    seed = 0
    for shard, files in LSDIR_TRAIN.items():
        for f in files:
            write_rgb(root / "HR" / "train" / shard / f, 12, 10, seed=seed)
            seed += 1
    for f in LSDIR_VAL:
        write_rgb(root / "val1" / "HR" / "val" / f, 12, 10, seed=seed)
        seed += 1
    return root


def write_train_json(root: Path, rel_paths: list[str], extra: bool = True) -> Path:
    entries = [{"path": p, "height": 12, "width": 10} if extra else {"path": p} for p in rel_paths]
    path = root / "train.json"
    path.write_text(json.dumps(entries))
    return path


@pytest.fixture
def train_json_writer():
    return write_train_json
