"""Inpainting batches: shapes, the input formula, determinism, exact resume, validation sets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from minisnn.data import (
    ArrayImages,
    Batch,
    FolderImages,
    InpaintingBatches,
    ValidationSet,
    make_inputs,
    validation_set,
)


@pytest.fixture
def source():
    rng = np.random.default_rng(0)
    return ArrayImages([rng.random((3, 20 + 3 * k, 24), dtype=np.float32) for k in range(5)])


def test_batch_shapes_and_input_formula(source):
    batch = next(InpaintingBatches(source, 12, 4, mask="mixed", rng=0))
    assert isinstance(batch, Batch)
    assert batch.inputs.shape == (4, 4, 12, 12) and batch.images.shape == (4, 3, 12, 12)
    assert batch.masks.shape == (4, 1, 12, 12)
    assert all(a.dtype == np.float32 for a in batch)
    expected = np.concatenate([batch.images * (1 - batch.masks), batch.masks], axis=1)
    np.testing.assert_array_equal(batch.inputs, expected)
    missing = np.broadcast_to(batch.masks == 1, batch.images.shape)
    assert np.all(batch.inputs[:, :3][missing] == 0) and batch.masks.any()
    np.testing.assert_array_equal(batch.inputs[:, :3][~missing], batch.images[~missing])


def test_make_inputs_single_and_errors():
    x = np.full((3, 2, 2), 0.5, np.float32)
    m = np.array([[[1, 0], [0, 0]]], np.float32)
    out = make_inputs(x, m)
    assert out.shape == (4, 2, 2) and out[0, 0, 0] == 0 and out[0, 1, 1] == 0.5 and out[3, 0, 0] == 1
    with pytest.raises(ValueError, match=r"masks must have shape \(2, 1, 2, 2\)"):
        make_inputs(np.zeros((2, 3, 2, 2)), np.zeros((2, 3, 2, 2)))
    with pytest.raises(ValueError, match="images must have shape"):
        make_inputs(np.zeros((2, 4, 2, 2)), np.zeros((2, 1, 2, 2)))


def test_determinism_and_num_batches(source):
    a = list(InpaintingBatches(source, 10, 3, mask="freeform", rng=7, num_batches=4))
    b = list(InpaintingBatches(source, 10, 3, mask="freeform", rng=7, num_batches=4))
    c = list(InpaintingBatches(source, 10, 3, mask="freeform", rng=8, num_batches=4))
    assert len(a) == 4 == len(InpaintingBatches(source, 10, 3, rng=7, num_batches=4))
    for x, y, z in zip(a, b, c, strict=True):
        for u, v in zip(x, y, strict=True):
            np.testing.assert_array_equal(u, v)
        assert not np.array_equal(x.images, z.images) and not np.array_equal(x.masks, z.masks)
    with pytest.raises(TypeError, match="no length"):
        len(InpaintingBatches(source, 10, 3))


@pytest.mark.parametrize("done", [0, 1, 3])
def test_state_roundtrip_continues_exactly(source, done):
    ref = InpaintingBatches(source, 8, 2, mask="mixed", rng=11)
    ref_batches = [next(ref) for _ in range(done + 3)]
    first = InpaintingBatches(source, 8, 2, mask="mixed", rng=11)
    for _ in range(done):
        next(first)
    state = json.loads(json.dumps(first.get_state()))
    resumed = InpaintingBatches(source, 8, 2, mask="mixed", rng=999)
    resumed.set_state(state)
    assert resumed.batches_yielded == done
    for want in ref_batches[done:]:
        got = next(resumed)
        for u, v in zip(got, want, strict=True):
            np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="crop_size"):
        InpaintingBatches(source, 6, 2).set_state(state)


def test_reads_files_on_demand(tmp_path, rgb_writer):
    for k in range(4):
        rgb_writer(tmp_path / f"{k}.png", 16, 16, seed=k)
    batches = InpaintingBatches(FolderImages(tmp_path), 8, 2, rng=0, num_batches=2)
    assert [b.images.shape for b in batches] == [(2, 3, 8, 8)] * 2


def test_callable_mask_and_bad_kind(source):
    def stripe(h, w, rng):
        m = np.zeros((1, h, w), np.float32)
        m[:, int(rng.integers(h))] = 1
        return m

    batch = next(InpaintingBatches(source, 8, 3, mask=stripe, rng=0))
    assert np.all(batch.masks.sum(axis=(1, 2, 3)) == 8)
    with pytest.raises(ValueError, match="'box', 'freeform', 'mixed'"):
        InpaintingBatches(source, 8, 3, mask="circle")
    with pytest.raises(ValueError, match="batch_size"):
        InpaintingBatches(source, 8, 0)


def test_validation_set_deterministic(source):
    v1 = validation_set(source, 12, 6, mask="box", seed=3, mask_kwargs={"centered": True})
    v2 = validation_set(source, 12, 6, mask="box", seed=3, mask_kwargs={"centered": True})
    v3 = validation_set(source, 12, 6, mask="freeform", seed=4)
    assert v1.inputs.shape == (6, 4, 12, 12)
    for u, v in zip(v1, v2, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(v1.images, v3.images) and not np.array_equal(v1.masks, v3.masks)
    np.testing.assert_array_equal(v1.inputs, make_inputs(v1.images, v1.masks))


@pytest.mark.parametrize("size", [1, 4, 7, 100])
def test_a_validation_set_made_chunk_by_chunk_is_the_same_set(source, size):
    whole = validation_set(source, 12, 7, mask="mixed", seed=5)
    lazy = ValidationSet(source, 12, 7, mask="mixed", seed=5)
    assert len(lazy) == 7
    parts = list(lazy.chunks(size))
    assert [len(p.images) for p in parts] == [min(size, 7 - i) for i in range(0, 7, size)]
    for name in Batch._fields:
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(whole, name))
    np.testing.assert_array_equal(next(lazy.chunks(size)).masks, parts[0].masks)  # each pass starts afresh


def views(image):
    """The 8 flips and quarter turns of a square (C, H, W) image."""
    return [np.rot90(im, k, axes=(-2, -1)) for im in (image, image[..., ::-1]) for k in range(4)]


def test_augment_shows_each_crop_in_one_of_its_eight_views(source):
    plain = InpaintingBatches(source, 10, 8, mask="box", rng=3, num_batches=3)
    augmented = InpaintingBatches(source, 10, 8, mask="box", rng=3, num_batches=3, augment=True)
    used = set()
    for a, b in zip(plain, augmented, strict=True):
        np.testing.assert_array_equal(a.masks, b.masks)  # the masks' stream is untouched by augmentation
        for crop, seen in zip(a.images, b.images, strict=True):
            matches = [k for k, view in enumerate(views(crop)) if np.array_equal(view, seen)]
            assert matches
            used.add(matches[0])
    assert len(used) >= 6  # 24 crops: (nearly) all eight views occur


def test_scale_range_reaches_the_crop_sampler(source):
    batches = InpaintingBatches(source, 8, 2, rng=0, scale_range=(1, 2))
    assert batches.sampler.scale_range == (1.0, 2.0)
    plain = next(InpaintingBatches(source, 8, 2, rng=0))
    scaled = next(batches)
    assert scaled.images.shape == plain.images.shape and not np.array_equal(scaled.images, plain.images)
    np.testing.assert_array_equal(scaled.masks, plain.masks)
