"""Every bad input handled by the reliability pass (issue 12), as one table: input → exception type + message.

Each row builds one bad input in a temporary folder and names the exception (or, in ``SKIPPED``, the warning)
and a fragment of its message. The messages name the field or argument, what was expected and what was given.
Run this file as a script (``python tests/test_bad_inputs.py``) to print what each case raises today.
"""

from __future__ import annotations

import json
import os
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from minisnn import io, nn, optim

# ---------------------------------------------------------------------------------------------------------------
# builders


def write_archive(path: Path, header: Any, arrays: dict[str, np.ndarray] | None = None) -> Path:
    """An .npz with ``header`` (a dict, or raw JSON text) as ``__header__`` and the given members."""
    text = header if isinstance(header, str) else json.dumps(header)
    np.savez(path, __header__=np.array(text), **(arrays or {}))
    return path


def small_checkpoint(tmp: Path, **extra: Any) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and the members of a valid checkpoint of nn.Conv2d(1, 2, 3)."""
    path = io.save(tmp / "valid.npz", nn.Conv2d(1, 2, 3, rng=0), **extra)
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__header__"]))
        arrays = {k: archive[k] for k in archive.files if k != "__header__"}
    return header, arrays


def header_case(change: Callable[[dict], object]) -> Callable[[Path], Callable[[], object]]:
    """A checkpoint whose header is edited by ``change`` (which may return a replacement header)."""

    def make(tmp: Path) -> Callable[[], object]:
        header, arrays = small_checkpoint(tmp)
        new = change(header)
        path = write_archive(tmp / "bad.npz", header if new is None else new, arrays)
        return lambda: io.load(path)

    return make


def setitem(d: dict, key: str, value: Any) -> None:
    d[key] = value


def deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


def zip_bomb(tmp: Path) -> Callable[[], object]:
    """The header declares a (2, 1, 3, 3) float32 weight (72 bytes); the member inflates to 64 MB of zeros."""
    header, arrays = small_checkpoint(tmp)
    path = tmp / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__header__.npy", npy_bytes(np.array(json.dumps(header))))
        zf.writestr("param/bias.npy", npy_bytes(arrays["param/bias"]))
        zf.writestr("param/weight.npy", npy_bytes(np.zeros(2**24, np.float32)))
    assert path.stat().st_size < 200_000
    return lambda: io.load(path)


def npy_header_lies(tmp: Path) -> Callable[[], object]:
    """A member whose own .npy header claims 2^40 elements while the checkpoint header says (2, 1, 3, 3)."""
    header, arrays = small_checkpoint(tmp)
    path = tmp / "lies.npz"
    fake = npy_bytes(arrays["param/weight"]).replace(b"(2, 1, 3, 3)", b"(1099511627776,)")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__header__.npy", npy_bytes(np.array(json.dumps(header))))
        zf.writestr("param/bias.npy", npy_bytes(arrays["param/bias"]))
        zf.writestr("param/weight.npy", fake)
    return lambda: io.load(path)


def npy_bytes(array: np.ndarray) -> bytes:
    import io as pyio

    buffer = pyio.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_file(tmp: Path) -> Callable[[], object]:
    path = tmp / "weights.npy"
    np.save(path, np.zeros(3, np.float32))
    return lambda: io.load(path)


def scnn_case(change: Callable[[dict], object]) -> Callable[[Path], Callable[[], object]]:
    """An SCNN checkpoint (width 4, 2 steps) whose saved config is edited by ``change``."""

    def make(tmp: Path) -> Callable[[], object]:
        from minisnn.inpainting import SCNN

        model = SCNN.reduced(rng=0, width=4, num_steps=2)
        config = model.config.to_dict()
        new = change(config)
        path = io.save(tmp / "scnn.npz", model, config=config if new is None else new)
        return lambda: SCNN.from_checkpoint(path)

    return make


def call(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[Path], Callable[[], object]]:
    return lambda tmp: lambda: fn(*args, **kwargs)


def params(n: int = 1) -> list[nn.Parameter]:
    return [nn.Parameter(np.zeros(3, np.float32)) for _ in range(n)]


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose IHDR claims width × height (the pixel data is a 1×1 image's)."""
    Image.new("RGB", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


def write_rgb(path: Path, h: int = 8, w: int = 8) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((h, w, 3), 128, np.uint8)).save(path)
    return path


def train_json_escaping(rel: str) -> Callable[[Path], Callable[[], object]]:
    def make(tmp: Path) -> Callable[[], object]:
        from minisnn.data import LSDIR

        root = tmp / "LSDIR"
        write_rgb(root / "HR" / "train" / "0001000" / "0000001.png")
        (root / "train.json").write_text(json.dumps([{"path": "HR/train/0001000/0000001.png"}, {"path": rel}]))
        return lambda: LSDIR(root)

    return make


def one_image_folder(split: str) -> Callable[[Path], Callable[[], object]]:
    def make(tmp: Path) -> Callable[[], object]:
        from minisnn.data import open_images

        write_rgb(tmp / "only.png")
        return lambda: open_images(tmp, split=split)

    return make


def unreadable_root(tmp: Path) -> Callable[[], object]:
    from minisnn.data import open_images

    root = tmp / "private"
    write_rgb(root / "a.png")
    write_rgb(root / "b.png")
    real_access = os.access

    def deny(path, mode, *args, **kwargs):  # what a folder without read permission looks like (tests run as root)
        return False if Path(path) == root else real_access(path, mode, *args, **kwargs)

    def run() -> object:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "access", deny)
            return open_images(root)

    return run


def empty_conv_batch(tmp: Path) -> Callable[[], object]:
    from minisnn import Tensor

    layer = nn.Conv2d(24, 24, 3, rng=0)
    return lambda: layer(Tensor(np.zeros((0, 24, 8, 8), np.float32)))


# ---------------------------------------------------------------------------------------------------------------
# the table: bad input → exception type and message fragment


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Callable[[], object]]
    error: type[BaseException]
    match: str


CE = io.CheckpointError

CASES = [
    # --- checkpoint header (io.load) ---
    Case("version as a string", header_case(lambda h: setitem(h, "version", "1")), CE, r"'version'.*int.*'1'"),
    Case("version null", header_case(lambda h: setitem(h, "version", None)), CE, r"'version'.*int.*None"),
    Case("version true", header_case(lambda h: setitem(h, "version", True)), CE, r"'version'.*int.*True"),
    Case("version negative", header_case(lambda h: setitem(h, "version", -7)), CE, r"'version'.*-7"),
    Case("version 0", header_case(lambda h: setitem(h, "version", 0)), CE, r"'version'.*0"),
    Case("version unknown", header_case(lambda h: setitem(h, "version", 99)), CE, r"version 99.*reads versions"),
    Case("header not an object", header_case(lambda h: [h]), CE, r"header.*JSON object.*list"),
    Case("header not JSON", header_case(lambda h: "{'format': oops"), CE, r"header is not valid JSON"),
    Case("header 100k-deep array", header_case(lambda h: deep_array(100_000)), CE, r"header.*nested"),
    Case(
        "extra 100k-deep array",
        header_case(lambda h: json.dumps(h)[:-1] + ', "deep": ' + deep_array(100_000) + "}"),
        CE,
        r"header.*nested",
    ),
    Case("extra 200-deep array", header_case(lambda h: setitem(h, "extra", json.loads(deep_array(200)))), CE, "nest"),
    Case(
        "format missing", header_case(lambda h: h.pop("format") and None), CE, r"not a minisnn checkpoint.*format None"
    ),
    Case("module not a string", header_case(lambda h: setitem(h, "module", 3)), CE, r"'module'.*string.*3"),
    Case("parameters as a list", header_case(lambda h: setitem(h, "parameters", [])), CE, r"'parameters'.*object"),
    Case(
        "parameter entry not an object",
        header_case(lambda h: setitem(h["parameters"], "weight", [2, 1, 3, 3])),
        CE,
        r"'parameters.weight'.*object",
    ),
    Case(
        "oversized shape",
        header_case(lambda h: setitem(h["parameters"]["weight"], "shape", [2**20, 2**20])),
        CE,
        r"'parameters.weight.shape'.*1099511627776 elements.*MAX_ARRAY_ELEMENTS",
    ),
    Case(
        "negative shape",
        header_case(lambda h: setitem(h["parameters"]["weight"], "shape", [-2, 1])),
        CE,
        r"'parameters.weight.shape'.*-2",
    ),
    Case(
        "shape of floats",
        header_case(lambda h: setitem(h["parameters"]["weight"], "shape", [2.0, 1, 3, 3])),
        CE,
        r"'parameters.weight.shape'.*ints",
    ),
    Case(
        "shape with 100 dimensions",
        header_case(lambda h: setitem(h["parameters"]["weight"], "shape", [1] * 100)),
        CE,
        r"'parameters.weight.shape'.*dimensions",
    ),
    Case(
        "dtype object",
        header_case(lambda h: setitem(h["parameters"]["weight"], "dtype", "object")),
        CE,
        r"'parameters.weight.dtype'.*'object'",
    ),
    Case(
        "dtype sub-array",
        header_case(lambda h: setitem(h["parameters"]["weight"], "dtype", "(1000000000,)f4")),
        CE,
        r"'parameters.weight.dtype'",
    ),
    Case(
        "shape differs from the member",
        header_case(lambda h: setitem(h["parameters"]["weight"], "shape", [2, 9])),
        CE,
        r"member 'param/weight'.*\(2, 1, 3, 3\).*header.*\(2, 9\)",
    ),
    Case(
        "parameter without member",
        header_case(lambda h: setitem(h["parameters"], "x", h["parameters"]["bias"])),
        CE,
        r"no member 'param/x'",
    ),
    Case("extra not an object", header_case(lambda h: setitem(h, "extra", [1])), CE, r"'extra'.*object"),
    Case(
        "array reference to a missing member",
        header_case(lambda h: setitem(h, "extra", {"m": {"__array__": "extra/9"}})),
        CE,
        r"extra.m.*'extra/9'",
    ),
    Case("zip bomb", zip_bomb, CE, r"'param/weight' declares 67108992 bytes uncompressed.*header.*72 bytes"),
    Case("npy header claims 2^40 elements", npy_header_lies, CE, r"'param/weight'.*\(1099511627776,\)"),
    Case("a .npy file", npy_file, CE, r"weights.npy is a \.npy file \(one NumPy array\)"),
    # --- SCNN configuration in a checkpoint (SCNN.from_checkpoint) ---
    Case("config unknown key", scnn_case(lambda c: setitem(c, "depth", 7)), CE, r"config: unknown keys \['depth'\]"),
    Case(
        "config neuron unknown sub-key",
        scnn_case(lambda c: setitem(c["neuron"], "tau_syn", 5.0)),
        CE,
        r"config.neuron: unknown keys \['tau_syn'\]",
    ),
    Case("config neuron R a string", scnn_case(lambda c: setitem(c["neuron"], "R", "20")), CE, r"config.neuron.R"),
    Case("config neuron not a dict", scnn_case(lambda c: setitem(c, "neuron", "lif")), CE, r"config.neuron.*'lif'"),
    Case("config surrogate []", scnn_case(lambda c: setitem(c, "surrogate", [])), CE, r"config.surrogate.*\[\]"),
    Case(
        "config surrogate unknown",
        scnn_case(lambda c: setitem(c, "surrogate", ["heaviside", 1.0])),
        CE,
        r"config.surrogate.*'heaviside'",
    ),
    Case("config noise_std string", scnn_case(lambda c: setitem(c, "noise_std", "0.1")), CE, r"config.noise_std"),
    Case("config noise_std negative", scnn_case(lambda c: setitem(c, "noise_std", -1)), CE, r"config.noise_std"),
    Case("config spiking 'no'", scnn_case(lambda c: setitem(c, "spiking", "no")), CE, r"config.spiking.*'no'"),
    Case(
        "config spiking_layer 3.0",
        scnn_case(lambda c: setitem(c, "spiking_layer", 3.0)),
        CE,
        r"config.spiking_layer.*3.0",
    ),
    Case("config width 3000", scnn_case(lambda c: setitem(c, "width", 3000)), CE, r"config.width.*1024.*3000"),
    Case("config width string", scnn_case(lambda c: setitem(c, "width", "4")), CE, r"config.width.*'4'"),
    Case("config num_steps 10^9", scnn_case(lambda c: setitem(c, "num_steps", 10**9)), CE, r"config.num_steps"),
    Case("config dilations short", scnn_case(lambda c: setitem(c, "dilations", [1, 2])), CE, r"config.dilations"),
    Case(
        "config dilation 10^9",
        scnn_case(lambda c: setitem(c, "dilations", [1, 1, 10**9, 1, 1, 1])),
        CE,
        r"config.dilations",
    ),
    Case("config noise_tau string", scnn_case(lambda c: setitem(c, "noise_tau", "5")), CE, r"config.noise_tau"),
    Case("config noise_tau 0", scnn_case(lambda c: setitem(c, "noise_tau", 0)), CE, r"config.noise_tau.*> 0"),
    Case("config input_scale nan", scnn_case(lambda c: setitem(c, "input_scale", float("nan"))), CE, "input_scale"),
    Case(
        "config neuron model unknown",
        scnn_case(lambda c: setitem(c["neuron"], "model", "Izhikevich")),
        CE,
        r"config.neuron.model.*'Izhikevich'",
    ),
    Case("config residual_init 0", scnn_case(lambda c: setitem(c, "residual_init", 0)), CE, "config.residual_init"),
    Case("config prefill 3", scnn_case(lambda c: setitem(c, "prefill", 3)), CE, r"config.prefill"),
    Case("config not an object", scnn_case(lambda c: [1, 2]), CE, r"config.*object"),
    Case(
        "weights do not match the config",
        scnn_case(lambda c: setitem(c, "width", 5)),
        CE,
        r"weights do not match.*layers.0.weight",
    ),
    # --- data pipeline ---
    Case("train.json path with ..", train_json_escaping("../../etc/passwd"), ValueError, r"entry 1.*outside.*root"),
    Case("train.json absolute path", train_json_escaping("/etc/passwd"), ValueError, r"entry 1.*outside.*root"),
    Case(
        "one-image folder, split train",
        one_image_folder("train"),
        FileNotFoundError,
        r"split='all' \(CLI: --split all\)",
    ),
    Case("unreadable --data root", unreadable_root, PermissionError, r"cannot read.*private"),
    # --- optimisers ---
    Case("lr as a string", call(optim.SGD, params(), lr="0.1"), TypeError, r"lr must be a real number.*'0.1'"),
    Case("lr inf", call(optim.Adam, params(), lr=float("inf")), ValueError, r"lr must be.*finite.*inf"),
    Case("lr nan", call(optim.SGD, params(), lr=float("nan")), ValueError, r"lr must be.*nan"),
    Case("lr negative", call(optim.SGD, params(), lr=-0.1), ValueError, r"lr must be > 0.*-0.1"),
    Case("lr bool", call(optim.SGD, params(), lr=True), TypeError, r"lr must be a real number"),
    Case("betas (1, 0.999)", call(optim.Adam, params(), betas=(1.0, 0.999)), ValueError, r"betas.*\[0, 1\)"),
    Case("betas negative", call(optim.Adam, params(), betas=(0.9, -0.1)), ValueError, r"betas"),
    Case("betas nan", call(optim.Adam, params(), betas=(float("nan"), 0.9)), ValueError, r"betas"),
    Case("betas one value", call(optim.Adam, params(), betas=(0.9,)), ValueError, r"betas.*pair"),
    Case("betas a string", call(optim.Adam, params(), betas="ab"), TypeError, r"betas.*'ab'"),
    Case("eps negative", call(optim.Adam, params(), eps=-1e-8), ValueError, r"eps"),
    Case("weight_decay nan", call(optim.Adam, params(), weight_decay=float("nan")), ValueError, r"weight_decay"),
    Case("weight_decay string", call(optim.SGD, params(), lr=0.1, weight_decay="0"), TypeError, r"weight_decay"),
    Case("momentum string", call(optim.SGD, params(), lr=0.1, momentum="0.9"), TypeError, r"momentum"),
    Case("momentum inf", call(optim.SGD, params(), lr=0.1, momentum=float("inf")), ValueError, r"momentum"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_a_clear_error(case, tmp_path):
    action = case.make(tmp_path)
    with pytest.raises(case.error, match=case.match):
        action()


# ---------------------------------------------------------------------------------------------------------------
# bad inputs that are skipped with a warning (the run goes on)


def big_png_in_folder(tmp: Path) -> Callable[[], object]:
    """A 1×1 PNG whose header claims 10000×9000 (90 MP > MAX_IMAGE_PIXELS) beside a good image."""
    from minisnn.data import CropSampler, FolderImages

    png_claiming(tmp / "a_bomb.png", 10_000, 9_000)
    write_rgb(tmp / "b_good.png", 8, 8)
    sampler = CropSampler(FolderImages(tmp), 4, rng=0, pad_small=True)  # pad_small: no size check first
    return lambda: [sampler.sample() for _ in range(3)]


def huge_png_in_folder(tmp: Path) -> Callable[[], object]:
    """A PNG claiming 100000×100000 pixels: Pillow's own check (DecompressionBombError) must not abort the run."""
    from minisnn.data import CropSampler, FolderImages

    png_claiming(tmp / "a_bomb.png", 100_000, 100_000)
    write_rgb(tmp / "b_good.png", 8, 8)
    sampler = CropSampler(FolderImages(tmp), 4, rng=0)
    return lambda: [sampler.sample() for _ in range(3)]


def big_png_validation(tmp: Path) -> Callable[[], object]:
    from minisnn.data import FolderImages, validation_crops

    png_claiming(tmp / "a_bomb.png", 10_000, 9_000)
    write_rgb(tmp / "b_good.png", 8, 8)
    return lambda: validation_crops(FolderImages(tmp), 4, 2)


def symlink_loop(tmp: Path) -> Callable[[], object]:
    from minisnn.data import FolderImages

    write_rgb(tmp / "a.png")
    os.symlink("loop.png", tmp / "loop.png")  # a self-referencing link
    return lambda: FolderImages(tmp)


def unreadable_subfolder(tmp: Path) -> Callable[[], object]:
    from minisnn.data import FolderImages

    write_rgb(tmp / "a.png")
    write_rgb(tmp / "locked" / "b.png")
    locked = tmp / "locked"
    real_scandir = os.scandir

    def scandir(path="."):  # what a folder without read permission looks like (tests run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def run() -> object:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "scandir", scandir)
            return FolderImages(tmp)

    return run


@dataclass(frozen=True)
class Skipped:
    id: str
    make: Callable[[Path], Callable[[], object]]
    match: str


SKIPPED = [
    Skipped("PNG claiming 10000x9000 at crop time", big_png_in_folder, r"a_bomb.png.*9000x10000.*MAX_IMAGE_PIXELS"),
    Skipped("PNG claiming 100000x100000", huge_png_in_folder, r"a_bomb.png.*MAX_IMAGE_PIXELS"),
    Skipped("PNG claiming 10000x9000 in validation", big_png_validation, r"a_bomb.png.*MAX_IMAGE_PIXELS"),
    Skipped("self-referencing symlink", symlink_loop, r"skipping .*loop.png.*symbolic links"),
    Skipped("unreadable sub-folder", unreadable_subfolder, r"skipping folder .*locked.*Permission denied"),
]


@pytest.mark.parametrize("case", SKIPPED, ids=[c.id for c in SKIPPED])
def test_bad_input_is_skipped_with_a_warning(case, tmp_path):
    action = case.make(tmp_path)
    with pytest.warns(UserWarning, match=case.match):
        action()


# ---------------------------------------------------------------------------------------------------------------
# inputs that used to fail and now work


def test_conv2d_on_an_empty_batch_returns_an_empty_output(tmp_path):
    out = empty_conv_batch(tmp_path)()
    assert out.shape == (0, 24, 6, 6)


if __name__ == "__main__":  # print what every case raises (before/after comparisons)
    import tempfile

    for case in [*CASES, *SKIPPED]:
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                action = case.make(Path(tmp))
                action()
                outcome = "no error"
            except BaseException as error:  # noqa: BLE001 - a probe: report everything
                outcome = f"{type(error).__name__}: {str(error)[:200]}"
            if caught:
                outcome += f"  [warning: {str(caught[0].message)[:160]}]"
        print(f"{case.id:40s} {outcome}")
