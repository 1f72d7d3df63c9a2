"""Random crops, the crop sampler (skips, padding, epochs, exact resume) and validation crops."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from minisnn.data import ArrayImages, CropSampler, FolderImages, pad_to_size, random_crop, validation_crops
from minisnn.data.resize import area_resize


def constant_images(sizes):
    """Image k is constant k/10, so every crop tells which image it came from."""
    return ArrayImages([np.full((3, h, w), k / 10, np.float32) for k, (h, w) in enumerate(sizes)])


def origin(crop):
    return round(float(crop[0, 0, 0]) * 10)


def test_random_crop_is_a_window_of_the_image():
    img = np.arange(3 * 9 * 11, dtype=np.float32).reshape(3, 9, 11)
    c = random_crop(img, 4, rng=3)
    assert c.shape == (3, 4, 4)
    top, left = np.argwhere(img[0] == c[0, 0, 0])[0]
    np.testing.assert_array_equal(c, img[:, top : top + 4, left : left + 4])
    np.testing.assert_array_equal(c, random_crop(img, 4, rng=3))
    assert random_crop(img, (2, 5), rng=0).shape == (3, 2, 5)
    c[:] = -1
    assert img.min() == 0  # a copy, not a view
    with pytest.raises(ValueError, match="larger than the image"):
        random_crop(img, 10)


def test_pad_to_size_reflects():
    img = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    p = pad_to_size(img, (4, 5))
    assert p.shape == (1, 4, 5)
    np.testing.assert_array_equal(p[0, 1:3, 1:4], img[0])
    np.testing.assert_array_equal(p[0, 1, 0], img[0, 0, 1])  # reflection without repeating the edge
    assert pad_to_size(np.zeros((3, 1, 1)), 3).shape == (3, 3, 3)
    assert pad_to_size(img, 2) is img


def test_sampler_shapes_determinism_and_epochs():
    src = constant_images([(20, 20)] * 4)
    a = CropSampler(src, 8, rng=1).sample_batch(12)
    b = CropSampler(src, 8, rng=1).sample_batch(12)
    assert a.shape == (12, 3, 8, 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, CropSampler(src, 8, rng=2).sample_batch(12))
    origins = [origin(c) for c in a]
    for epoch in range(3):  # every image exactly once per epoch, in a shuffled order
        assert sorted(origins[4 * epoch : 4 * epoch + 4]) == [0, 1, 2, 3]
    assert origins[:4] != origins[4:8] or origins[4:8] != origins[8:12]


def test_small_images_skipped_with_one_warning_each():
    src = constant_images([(20, 20), (5, 30), (20, 20)])
    sampler = CropSampler(src, 8, rng=0)
    with pytest.warns(UserWarning, match=r"image1.*5x30.*crop_size=8x8") as record:
        crops = sampler.sample_batch(20)
    assert len([w for w in record if "image1" in str(w.message)]) == 1
    assert {origin(c) for c in crops} == {0, 2} and sampler.num_skipped_small == 1


def test_pad_small_uses_small_images():
    src = constant_images([(5, 6)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crops = CropSampler(src, 8, rng=0, pad_small=True).sample_batch(3)
    assert crops.shape == (3, 3, 8, 8) and np.all(crops == 0.0)


def test_crop_larger_than_every_image():
    src = constant_images([(5, 6), (7, 4)])
    with (
        pytest.warns(UserWarning),
        pytest.raises(ValueError, match=r"crop_size=8x8 is larger than every image \(largest is 5x6\)"),
    ):
        CropSampler(src, 8, rng=0).sample()


def test_corrupt_images_skipped_and_counted(tmp_path, rgb_writer, corrupt_writer):
    rgb_writer(tmp_path / "a.png", 10, 10)
    corrupt_writer(tmp_path / "b.png")
    sampler = CropSampler(FolderImages(tmp_path), 4, rng=0)
    with pytest.warns(UserWarning, match="b.png"):
        crops = sampler.sample_batch(4)
    assert crops.shape == (4, 3, 4, 4) and sampler.num_skipped_corrupt == 1
    (tmp_path / "a.png").unlink()
    corrupt_writer(tmp_path / "c.png")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="none of the 2 images could be read"):
        CropSampler(FolderImages(tmp_path), 4, rng=0).sample()


@pytest.mark.parametrize("stop", [0, 3, 5, 8])  # before the first crop, mid-epoch, at and across a boundary
def test_state_resumes_exactly(stop):
    src = constant_images([(12, 15), (14, 14), (3, 3), (16, 12)])  # one image is always skipped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CropSampler(src, 6, rng=5).sample_batch(stop + 6)
        first = CropSampler(src, 6, rng=5)
        if stop:
            first.sample_batch(stop)
        state = json.loads(json.dumps(first.get_state()))
        resumed = CropSampler(src, 6, rng=123)
        resumed.set_state(state)
        np.testing.assert_array_equal(resumed.sample_batch(6), ref[stop:])
    with pytest.raises(ValueError, match="4 images"):
        CropSampler(constant_images([(9, 9)]), 6).set_state(state)


def test_validation_crops_deterministic():
    src = constant_images([(20, 30), (25, 25), (18, 40)])
    a = validation_crops(src, 8, 7, seed=0)
    assert a.shape == (7, 3, 8, 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, validation_crops(src, 8, 7, seed=0))
    origins = [origin(c) for c in a]
    assert sorted(origins[:3]) == [0, 1, 2] and origins[3:6] == origins[:3]  # round-robin over images
    textured = ArrayImages([np.random.default_rng(k).random((3, 30, 30), dtype=np.float32) for k in range(3)])
    assert not np.array_equal(validation_crops(textured, 8, 4, seed=0), validation_crops(textured, 8, 4, seed=1))
    two = validation_crops(src, 8, 2, seed=0)
    assert len({origin(c) for c in two}) == 2  # different images when there are enough


def test_validation_crops_skips_and_errors(tmp_path, rgb_writer, corrupt_writer):
    rgb_writer(tmp_path / "a.png", 10, 10)
    corrupt_writer(tmp_path / "b.png")
    rgb_writer(tmp_path / "c.png", 3, 3)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = validation_crops(FolderImages(tmp_path), 4, 3, seed=0)
    messages = " ".join(str(w.message) for w in record)
    assert "'b.png'" in messages and "'c.png': 3x3 is smaller" in messages
    assert out.shape == (3, 3, 4, 4)
    a = rgb_writer(tmp_path / "a.png", 10, 10)  # same pixels again; every crop is a window of a.png
    windows = {a[:, t : t + 4, l : l + 4].tobytes() for t in range(7) for l in range(7)}
    assert all(c.tobytes() in windows for c in out)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="larger than every image"):
        validation_crops(FolderImages(tmp_path), 16, 2, seed=0)


def test_images_above_the_pixel_limit_are_skipped_like_corrupt_ones(tmp_path, rgb_writer, monkeypatch):
    import minisnn.data

    rgb_writer(tmp_path / "a_big.png", 20, 20)
    rgb_writer(tmp_path / "b_good.png", 8, 8)
    monkeypatch.setattr(minisnn.data, "MAX_IMAGE_PIXELS", 100)
    for pad_small in (False, True):
        sampler = CropSampler(FolderImages(tmp_path), 4, rng=0, pad_small=pad_small)
        with pytest.warns(UserWarning, match=r"skipping image 'a_big.png'.*20x20 \(400 pixels\)"):
            crops = sampler.sample_batch(4)
        assert crops.shape == (4, 3, 4, 4) and sampler.num_skipped_corrupt == 1
    with pytest.warns(UserWarning, match=r"skipping image 'a_big.png'.*MAX_IMAGE_PIXELS"):
        assert validation_crops(FolderImages(tmp_path), 4, 2).shape == (2, 3, 4, 4)


def windows_matching(image, crop, window):
    """Top-left corners of the ``window``-sized windows of ``image`` whose area-shrunk copy equals ``crop``."""
    hits = []
    for top in range(image.shape[1] - window[0] + 1):
        for left in range(image.shape[2] - window[1] + 1):
            patch = image[:, top : top + window[0], left : left + window[1]]
            if np.allclose(area_resize(patch, crop.shape[1:]), crop, atol=1e-6):
                hits.append((top, left))
    return hits


def test_scale_augmentation_shrinks_a_larger_window_by_area_averaging():
    image = np.random.default_rng(0).random((3, 20, 23)).astype(np.float32)
    crops = CropSampler(ArrayImages([image]), 5, rng=1, scale_range=(2, 2)).sample_batch(4)
    for crop in crops:
        assert crop.shape == (3, 5, 5) and crop.dtype == np.float32
        assert len(windows_matching(image, crop, (10, 10))) == 1  # a 2x window, shrunk 2x: its 2x2 block means
    # a factor the image cannot hold is lowered to the whole image's side, and the image is not skipped
    small = image[:, :8, :8]
    np.testing.assert_allclose(
        CropSampler(ArrayImages([small]), 5, rng=1, scale_range=(3, 3)).sample(), area_resize(small, 5), atol=1e-6
    )


def test_scale_factors_spread_over_the_range():
    """With scale_range (1, 3) the windows behind the crops take many sizes between 5 and 15 pixels."""
    image = np.random.default_rng(2).random((3, 30, 30)).astype(np.float32)
    sampler = CropSampler(ArrayImages([image]), 5, rng=3, scale_range=(1, 3))
    sides = set()
    for crop in sampler.sample_batch(12):
        found = [side for side in range(5, 16) if windows_matching(image, crop, (side, side))]
        assert len(found) == 1
        sides.update(found)
    assert len(sides) >= 5 and min(sides) < 8 and max(sides) > 11


def test_without_scale_range_the_crops_are_unchanged():
    rng = np.random.default_rng(1)
    src = ArrayImages([rng.random((3, 12, 15), dtype=np.float32), rng.random((3, 14, 14), dtype=np.float32)])
    plain = CropSampler(src, 6, rng=5).sample_batch(5)
    np.testing.assert_array_equal(CropSampler(src, 6, rng=5, scale_range=(1, 1)).sample_batch(5), plain)
    assert not np.array_equal(CropSampler(src, 6, rng=5, scale_range=(1.5, 2)).sample_batch(5), plain)


@pytest.mark.parametrize("stop", [0, 3, 7])
def test_scaled_crops_resume_exactly(stop):
    rng = np.random.default_rng(4)
    src = ArrayImages([rng.random((3, 16 + k, 18), dtype=np.float32) for k in range(3)])
    ref = CropSampler(src, 6, rng=5, scale_range=(1, 2)).sample_batch(stop + 5)
    first = CropSampler(src, 6, rng=5, scale_range=(1, 2))
    if stop:
        first.sample_batch(stop)
    state = json.loads(json.dumps(first.get_state()))
    resumed = CropSampler(src, 6, rng=99, scale_range=(1, 2))
    resumed.set_state(state)
    np.testing.assert_array_equal(resumed.sample_batch(5), ref[stop:])


@pytest.mark.parametrize("bad", [(0.5, 1), (2, 1), (1, float("inf")), ("a", 2), 2])
def test_scale_range_must_be_a_shrinking_pair(bad):
    with pytest.raises(ValueError, match="scale_range must"):
        CropSampler(constant_images([(9, 9)]), 4, scale_range=bad)
