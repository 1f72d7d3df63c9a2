"""scikit-image sample photos: split by photo, shapes, caching, lazy import."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from minisnn.data import SAMPLE_PHOTOS, SAMPLE_TRAIN, SAMPLE_VAL, sample_photos

TEXTURES = {"brick", "grass", "gravel"}


def test_split_is_disjoint_and_mixed():
    train, val = sample_photos("train"), sample_photos("val")
    assert set(train.names()).isdisjoint(val.names())
    assert set(train.names()) | set(val.names()) == set(SAMPLE_PHOTOS) == set(sample_photos("all").names())
    assert len(SAMPLE_PHOTOS) == 10 and train.names() == list(SAMPLE_TRAIN) and val.names() == list(SAMPLE_VAL)
    for names in (train.names(), val.names()):
        assert set(names) & TEXTURES and set(names) - TEXTURES  # both halves: photos and textures
    assert sample_photos("train", max_images=2).names() == list(SAMPLE_TRAIN[:2])
    with pytest.raises(ValueError, match="split"):
        sample_photos("test")


def test_val_photos_load_as_float_chw():
    val = sample_photos("val")
    for i in range(len(val)):
        img = val[i]
        assert img.ndim == 3 and img.shape[0] == 3 and img.dtype == np.float32
        assert 0.0 <= img.min() and img.max() <= 1.0 and min(img.shape[1:]) >= 256
        assert val.size(i) == img.shape[1:]
        assert val.load(i) is img  # cached
        assert not img.flags.writeable
    gravel = val[val.names().index("gravel")]
    np.testing.assert_array_equal(gravel[0], gravel[2])  # grey texture replicated


def test_missing_skimage_message(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ImportError, match=r"pip install .*minisnn\[tutorials\]"):
        sample_photos("train")


def test_importing_data_does_not_import_skimage_or_matplotlib():
    code = "import sys, minisnn.data; print('skimage' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
