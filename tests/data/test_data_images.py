"""Reading and writing images: modes, bit depths, corrupt files, header-only sizes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PIL import Image

from minisnn.data import CorruptImageError, image_size, read_image, save_image, to_uint8


def _rng_u8(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_rgb_png_exact(tmp_path):
    arr = _rng_u8((5, 7, 3))
    Image.fromarray(arr).save(tmp_path / "a.png")
    out = read_image(tmp_path / "a.png")
    assert out.shape == (3, 5, 7) and out.dtype == np.float32
    np.testing.assert_array_equal(out, arr.transpose(2, 0, 1).astype(np.float32) / 255)


def test_grey_png_replicated(tmp_path):
    arr = _rng_u8((6, 4))
    Image.fromarray(arr, mode="L").save(tmp_path / "g.png")
    out = read_image(tmp_path / "g.png")
    assert out.shape == (3, 6, 4)
    for c in range(3):
        np.testing.assert_array_equal(out[c], arr.astype(np.float32) / 255)


def test_rgba_alpha_dropped_not_composited(tmp_path):
    rgba = _rng_u8((4, 5, 4))
    rgba[..., 3] = 0  # fully transparent: colour must still be the stored colour
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    out = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(out, rgba[..., :3].transpose(2, 0, 1).astype(np.float32) / 255)


def test_la_grey_with_alpha(tmp_path):
    la = _rng_u8((3, 4, 2))
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    out = read_image(tmp_path / "la.png")
    np.testing.assert_array_equal(out, np.broadcast_to(la[..., 0].astype(np.float32) / 255, (3, 3, 4)))


def test_palette_png(tmp_path):
    palette = _rng_u8((256, 3), seed=1)
    idx = _rng_u8((6, 6), seed=2)
    img = Image.fromarray(idx, mode="L").convert("P")
    img.putpalette(palette.ravel().tolist())
    img.putdata(idx.ravel().tolist())
    img.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    out = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(out, palette[idx].transpose(2, 0, 1).astype(np.float32) / 255)


def test_16bit_grey_png_full_precision(tmp_path):
    arr = np.array([[0, 1, 256, 257], [1000, 30000, 65534, 65535]], dtype=np.uint16)
    Image.fromarray(arr).save(tmp_path / "d.png")
    with Image.open(tmp_path / "d.png") as im:
        assert im.mode in ("I;16", "I")  # Pillow's modes for 16-bit grey PNGs
    out = read_image(tmp_path / "d.png")
    expected = arr.astype(np.float32) / np.float32(65535)
    np.testing.assert_array_equal(out[0], expected)
    assert out[0, 0, 1] > 0 and out[0, 0, 2] != out[0, 0, 3]  # finer than 8 bits
    assert out.max() == 1.0 and out.min() == 0.0


def test_mode_i_image_is_16_bit(tmp_path):
    # Pillow opens some 16-bit files as 32-bit mode "I"; values are taken as 16-bit
    arr = np.array([[0, 12345], [40000, 65535]], dtype=np.int32)
    Image.fromarray(arr).save(tmp_path / "i.tif")
    with Image.open(tmp_path / "i.tif") as im:
        assert im.mode == "I"
    out = read_image(tmp_path / "i.tif")
    np.testing.assert_allclose(out[1], arr / 65535, rtol=0, atol=1e-7)


def test_jpeg_close_and_grey_jpeg(tmp_path):
    arr = np.full((16, 16, 3), (200, 40, 90), dtype=np.uint8)
    Image.fromarray(arr).save(tmp_path / "a.jpg", quality=95)
    out = read_image(tmp_path / "a.jpg")
    assert out.shape == (3, 16, 16)
    np.testing.assert_allclose(out, arr.transpose(2, 0, 1) / 255, atol=0.03)
    Image.fromarray(arr[..., 0], mode="L").save(tmp_path / "g.jpeg")
    g = read_image(tmp_path / "g.jpeg")
    np.testing.assert_allclose(g, 200 / 255, atol=0.03)


def test_cmyk_jpeg_converted(tmp_path):
    Image.new("CMYK", (8, 6), (0, 255, 255, 0)).save(tmp_path / "c.jpg")
    out = read_image(tmp_path / "c.jpg")
    assert out.shape == (3, 6, 8)
    with Image.open(tmp_path / "c.jpg") as im:
        ref = np.asarray(im.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / 255
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("ext", ["bmp", "webp"])
def test_other_formats(tmp_path, ext):
    arr = _rng_u8((5, 6, 3))
    Image.fromarray(arr).save(tmp_path / f"a.{ext}", **({"lossless": True} if ext == "webp" else {}))
    np.testing.assert_array_equal(read_image(tmp_path / f"a.{ext}"), arr.transpose(2, 0, 1) / np.float32(255))


def test_exif_rotation_applied_and_size_agrees(tmp_path):
    img = Image.fromarray(_rng_u8((10, 30, 3)))  # H=10, W=30
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert image_size(tmp_path / "r.jpg") == (30, 10)
    assert read_image(tmp_path / "r.jpg").shape == (3, 30, 10)


def test_image_size_reads_header_only(tmp_path, rgb_writer):
    rgb_writer(tmp_path / "a.png", 13, 21)
    assert image_size(tmp_path / "a.png") == (13, 21)
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])  # truncated pixel data
    assert image_size(tmp_path / "t.png") == (13, 21)  # the header is intact
    with pytest.raises(CorruptImageError, match="t.png"):
        read_image(tmp_path / "t.png")


def test_corrupt_file_error_names_file(tmp_path, corrupt_writer):
    p = corrupt_writer(tmp_path / "broken.png")
    with pytest.raises(CorruptImageError, match="broken.png") as info:
        read_image(p)
    assert isinstance(info.value, ValueError) and info.value.path == str(p)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.path == str(p)
    with pytest.raises(CorruptImageError, match="broken.png"):
        image_size(p)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(FileNotFoundError, match="nope.png"):
        image_size(tmp_path / "nope.png")


def test_to_uint8_and_save_roundtrip(tmp_path):
    x = np.array([[[-0.5, 0.0, 0.5, 1.0, 2.0]]], dtype=np.float32).repeat(3, axis=0)
    u = to_uint8(x)
    assert u.shape == (1, 5, 3) and u.dtype == np.uint8
    np.testing.assert_array_equal(u[0, :, 0], [0, 0, 128, 255, 255])
    assert to_uint8(x[:1]).shape == (1, 5) and to_uint8(x[0]).shape == (1, 5)
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        to_uint8(np.zeros((2, 4, 4)))
    img = _rng_u8((4, 6, 3)).transpose(2, 0, 1).astype(np.float32) / 255
    p = save_image(tmp_path / "sub" / "o.png", img)
    np.testing.assert_array_equal(read_image(p), img)


def _png_claiming(path, width, height):
    """A 1x1 PNG whose header claims width x height (what a decompression bomb looks like from outside)."""
    import struct
    import zlib

    Image.new("RGB", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    path.write_bytes(bytes(data))
    return path


def test_images_above_the_pixel_limit_are_refused_before_decoding(tmp_path, monkeypatch, rgb_writer):
    import minisnn.data
    from minisnn.data import ImageTooLargeError

    big = _png_claiming(tmp_path / "big.png", 10_000, 9_000)  # 90 MP: decoding would cost ~1.4 GB
    decoded, real_load = [], Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or real_load(self))
    with pytest.raises(ImageTooLargeError, match=r"big.png.*9000x10000 \(90000000 pixels\).*MAX_IMAGE_PIXELS"):
        read_image(big)
    with pytest.raises(ImageTooLargeError, match="MAX_IMAGE_PIXELS"):
        image_size(big)
    assert not decoded and isinstance(ImageTooLargeError(big, "x"), CorruptImageError)
    huge = _png_claiming(tmp_path / "huge.png", 100_000, 100_000)  # beyond Pillow's own limit too
    for fn in (read_image, image_size):
        with pytest.raises(ImageTooLargeError, match=r"huge.png.*10000000000 pixels"):
            fn(huge)
    small = tmp_path / "small.png"
    rgb_writer(small, 10, 20)
    monkeypatch.setattr(minisnn.data, "MAX_IMAGE_PIXELS", 199)  # configurable
    with pytest.raises(ImageTooLargeError, match=r"10x20 \(200 pixels\).*MAX_IMAGE_PIXELS = 199"):
        read_image(small)
    monkeypatch.setattr(minisnn.data, "MAX_IMAGE_PIXELS", 200)
    assert read_image(small).shape == (3, 10, 20)


# ---- TIFF (issue 21, row 29) --------------------------------------------------------------------------------------
def test_tiff_rgb_16_bit_grey_and_multi_page(tmp_path):
    rgb = _rng_u8((6, 9, 3))
    Image.fromarray(rgb).save(tmp_path / "rgb.tif")
    np.testing.assert_array_equal(read_image(tmp_path / "rgb.tif"), rgb.transpose(2, 0, 1) / np.float32(255))
    grey16 = np.random.default_rng(1).integers(0, 65536, size=(5, 4), dtype=np.uint16)
    Image.fromarray(grey16).save(tmp_path / "grey16.tiff")
    out = read_image(tmp_path / "grey16.tiff")
    np.testing.assert_array_equal(out[0], grey16 / np.float32(65535))  # full 16-bit precision, like a grey PNG
    first, second = Image.fromarray(rgb), Image.fromarray(255 - rgb[:4, :5])
    first.save(tmp_path / "stack.tif", save_all=True, append_images=[second])
    assert Image.open(tmp_path / "stack.tif").n_frames == 2
    np.testing.assert_array_equal(read_image(tmp_path / "stack.tif"), rgb.transpose(2, 0, 1) / np.float32(255))
    assert image_size(tmp_path / "stack.tif") == (6, 9)  # the first page's size, which read_image returns


def test_a_folder_of_tiffs_is_a_dataset(tmp_path):
    from minisnn.data import FolderImages, open_images

    for k, ext in enumerate(["tif", "tiff", "TIF"]):
        Image.fromarray(_rng_u8((8, 8, 3), seed=k)).save(tmp_path / f"img{k}.{ext}", format="TIFF")
    assert len(FolderImages(tmp_path)) == 3
    assert len(open_images(str(tmp_path), "all")) == 3


@pytest.mark.parametrize(("channels", "bound"), [(3, 1.6), (1, 1.3)])
def test_decoding_allocates_little_beyond_the_float_image(tmp_path, channels, bound):
    """Issue 21, row 22: a 64-MP file within MAX_IMAGE_PIXELS peaked at 1.8 GB (three float copies of a 770 MB
    image); the planes are now written into the one output array. NumPy's share of the peak, traced."""
    import tracemalloc

    rng = np.random.default_rng(0)
    shape = (400, 500, 3) if channels == 3 else (400, 500)
    path = tmp_path / "big.png"
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(path)
    tracemalloc.start()
    try:
        image = read_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert image.shape == (3, 400, 500) and image.dtype == np.float32
    assert peak <= bound * image.nbytes, peak / image.nbytes
