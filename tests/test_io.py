"""Checkpoints: round trip, atomic writes, no pickle, clear errors for foreign or truncated files."""

import os

import numpy as np
import pytest

from minisnn import io, nn, optim


def small_model(seed=0):
    return nn.Sequential(nn.Conv2d(2, 3, 3, rng=seed), nn.ReLU(), nn.Conv2d(3, 1, 1, rng=seed + 1))


def test_round_trip_with_nested_extra_metadata(tmp_path):
    model = small_model()
    opt = optim.Adam(model.parameters())
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    path = io.save(
        tmp_path / "ckpt", model, step=7, config={"width": 16, "name": "reduced"}, optimizer=opt.state_dict()
    )
    assert path.name == "ckpt.npz" and path.exists()
    checkpoint = io.load(path)
    assert checkpoint.module == "Sequential"
    assert checkpoint.extra["step"] == 7 and checkpoint.extra["config"] == {"width": 16, "name": "reduced"}
    other = small_model(seed=5)
    other.load_state_dict(checkpoint.state_dict)
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
        assert b.data.dtype == np.float32
    restored = optim.Adam(other.parameters())
    restored.load_state_dict(checkpoint.extra["optimizer"])
    assert restored.step_count == 1
    np.testing.assert_array_equal(restored.exp_avg[0], opt.exp_avg[0])


def test_files_load_without_pickle(tmp_path):
    path = io.save(tmp_path / "m.npz", small_model())
    with np.load(path, allow_pickle=False) as archive:  # would raise if anything needed pickle
        assert "__header__" in archive.files
    with pytest.raises(TypeError, match="pickle"):
        io.save(tmp_path / "bad.npz", small_model(), junk=np.array([{"a": 1}], dtype=object))


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = io.save(tmp_path / "m.npz", small_model(0))
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of writing

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        io.save(path, small_model(1))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind


def test_truncated_and_foreign_files_give_clear_errors(tmp_path):
    path = io.save(tmp_path / "m.npz", small_model())
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(io.CheckpointError, match="truncated or foreign"):
        io.load(truncated)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(io.CheckpointError, match="not a readable minisnn checkpoint"):
        io.load(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(3))
    with pytest.raises(io.CheckpointError, match="not a minisnn checkpoint"):
        io.load(foreign)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        io.load(tmp_path / "missing.npz")


def test_load_into_a_different_architecture_names_the_keys(tmp_path):
    path = io.save(tmp_path / "m.npz", small_model())
    different = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU())
    with pytest.raises(nn.StateDictError, match=r"unexpected keys: \['2.weight', '2.bias'\].*0.weight: expected"):
        io.load_into(path, different)


def test_write_json_is_strict_and_atomic(tmp_path):
    import json

    path = io.write_json(
        tmp_path / "m.json", {"psnr": float("inf"), "mse": np.float32(0.5), "curve": [1.0, float("nan")]}
    )
    assert json.loads(path.read_text()) == {"psnr": None, "mse": 0.5, "curve": [1.0, None]}
    assert "Infinity" not in path.read_text() and [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_extra_keys_with_slashes_stay_distinct(tmp_path):
    nested, flat = np.arange(3.0), np.arange(4.0) + 10
    path = io.save(tmp_path / "m.npz", small_model(), a={"b": nested}, **{"a/b": flat})
    extra = io.load(path).extra
    np.testing.assert_array_equal(extra["a"]["b"], nested)
    np.testing.assert_array_equal(extra["a/b"], flat)


def test_a_user_dict_that_looks_like_an_array_reference_round_trips(tmp_path):
    fake = {"__array__": "param/0.weight"}
    tricky = {"~__array__": 1, "~~__array__": [2], "__array__x": 3, "~": {"__array__": "extra/0"}}
    path = io.save(tmp_path / "m.npz", small_model(), fake=fake, tricky=tricky, real={"__array__": np.ones(2)})
    extra = io.load(path).extra
    assert extra["fake"] == fake and extra["tricky"] == tricky
    assert set(extra["real"]) == {"__array__"}
    np.testing.assert_array_equal(extra["real"]["__array__"], np.ones(2))


def test_metadata_that_json_cannot_hold_exactly_is_refused(tmp_path):
    with pytest.raises(TypeError, match=r"at 'config'.*key 1 of type int"):
        io.save(tmp_path / "m.npz", small_model(), config={1: "a", "1": "b"})
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than"):
        io.save(tmp_path / "m.npz", small_model(), deep=deep)
    assert not list(tmp_path.iterdir())


def test_version_1_checkpoints_still_load(tmp_path):
    """A file written by format version 1 (no "arrays" table; what the tutorials shipped before version 2) loads."""
    import json

    from minisnn.inpainting import SCNN

    model = SCNN.reduced(rng=0, width=4)
    v2 = io.save(tmp_path / "v2.npz", model, config=model.config.to_dict(), note="written as version 2")
    with np.load(v2, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(str(arrays["__header__"]))
    header["version"] = 1
    header.pop("arrays", None)
    arrays["__header__"] = np.array(json.dumps(header))
    np.savez(tmp_path / "v1.npz", **arrays)
    checkpoint = io.load(tmp_path / "v1.npz")
    assert checkpoint.version == 1 and checkpoint.extra["note"] == "written as version 2"
    again = SCNN.from_checkpoint(tmp_path / "v1.npz")
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_checkpoint_mode_follows_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o027)
    try:
        path = io.save(tmp_path / "m.npz", small_model())
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        json_path = io.write_json(tmp_path / "m.json", {"a": 1})
        assert stat.S_IMODE(json_path.stat().st_mode) == 0o640
        path.chmod(0o664)  # an overwritten file keeps its mode, as with open(path, "w")
        io.save(path, small_model(1))
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_unwritable_targets_raise_an_oserror_naming_the_path(tmp_path, monkeypatch):
    import tempfile

    (tmp_path / "taken.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"a folder of that name exists.*taken.npz"):
        io.save(tmp_path / "taken.npz", small_model())
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"'.*file' is a file.*file/m.npz"):
        io.save(tmp_path / "file" / "m.npz", small_model())
    with pytest.raises(NotADirectoryError, match=r"is a file.*file/sub/m.json"):
        io.write_json(tmp_path / "file" / "sub" / "m.json", {})

    def read_only(*args, **kwargs):  # what mkstemp does in a read-only folder (the tests run as root)
        raise PermissionError(13, "Permission denied", str(tmp_path / ".m.npz.abc.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(PermissionError, match=r"cannot write checkpoint \(Permission denied\): '.*/m.npz'"):
        io.save(tmp_path / "m.npz", small_model())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "taken.npz"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    import os

    path = io.save(tmp_path / "m.npz", small_model(0))
    before = path.read_bytes()

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match=r"No space left on device.*m.npz"):
        io.save(path, small_model(1))
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_load_errors_for_folders_and_unreadable_files(tmp_path):
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"got a folder.*d.npz"):
        io.load(tmp_path / "d.npz")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    import tracemalloc

    from test_bad_inputs import zip_bomb

    action = zip_bomb(tmp_path)  # a 64 MB member behind a 72-byte header entry
    tracemalloc.start()
    try:
        with pytest.raises(io.CheckpointError, match="zip bomb"):
            action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


def test_loaded_arrays_are_writable_and_equal(tmp_path):
    model = small_model()
    checkpoint = io.load(io.save(tmp_path / "m.npz", model, moments=[np.ones((2, 3), np.float64)]))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(checkpoint.state_dict[name], value)
        assert checkpoint.state_dict[name].flags.writeable and checkpoint.state_dict[name].dtype == value.dtype
    assert checkpoint.extra["moments"][0].dtype == np.float64 and checkpoint.extra["moments"][0].flags.writeable


# ---- opening defensively (issue 21, rows 2, 3, 8, 9, 19) -------------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_fifos_and_links_to_them_are_refused_before_reading(tmp_path):
    with pytest.raises(io.CheckpointError, match="/dev/zero is a device, not a checkpoint file"):
        io.load("/dev/zero")
    link = tmp_path / "model.npz"
    link.symlink_to("/dev/zero")
    with pytest.raises(io.CheckpointError, match="is a device"):
        io.load(link)
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(io.CheckpointError, match="is a FIFO"):  # opening it would block forever
        io.load(fifo)


def test_a_file_larger_than_any_checkpoint_is_refused_before_zip_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "MAX_TOTAL_BYTES", 1000)
    monkeypatch.setattr(io, "MAX_HEADER_BYTES", 1000)
    big = tmp_path / "big.npz"
    with open(big, "wb") as f:
        f.truncate(70 * 2**20)  # sparse: no disk used
    with pytest.raises(io.CheckpointError, match=r"more than any checkpoint within MAX_TOTAL_BYTES"):
        io.load(big)


def _rewrite_member(path, name, flag_bits=0, method=None):
    """Copy an archive with one member's general-purpose flags or compression method changed (as a hostile file
    might)."""
    import zipfile

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    # patch the local header and the central directory entry of that member
    local = info.header_offset
    central = data.find(name.encode(), data.find(b"PK\x01\x02")) - 46
    for start, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if flag_bits:
            flags = int.from_bytes(data[start + flag_at : start + flag_at + 2], "little") | flag_bits
            data[start + flag_at : start + flag_at + 2] = flags.to_bytes(2, "little")
        if method is not None:
            data[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("change", [{"flag_bits": 0x1}, {"method": 9}, {"method": 99}],
                         ids=["encrypted", "deflate64", "aes"])  # fmt: skip
def test_unreadable_zip_members_are_checkpoint_errors_naming_them(tmp_path, change):
    path = io.save(tmp_path / "m.npz", nn.Linear(2, 3, rng=0))
    _rewrite_member(path, "param/weight.npy", **change)
    with pytest.raises(io.CheckpointError, match=r"m\.npz.*param/weight"):
        io.load(path)


def test_each_member_is_read_once_however_often_it_is_referenced(tmp_path, monkeypatch):
    from minisnn import checkpoint_reader

    shared = np.arange(5.0)
    path = io.save(tmp_path / "m.npz", nn.Linear(2, 3, rng=0), refs=[shared] * 3)
    header = io.load(path).extra
    assert all(np.array_equal(a, shared) for a in header["refs"])
    # a hostile header pointing 20 000 times at one member: read once
    import json

    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["__header__"]))
    meta["extra"]["refs"] = [{"__array__": "extra/0"}] * 20_000
    arrays["__header__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "many.npz", **arrays)
    reads = []
    original = checkpoint_reader.Archive.read
    monkeypatch.setattr(checkpoint_reader.Archive, "read",
                        lambda self, *a, **k: reads.append(a[0]) or original(self, *a, **k))  # fmt: skip
    loaded = io.load(tmp_path / "many.npz").extra["refs"]
    assert len(loaded) == 20_000 and loaded[0] is loaded[-1] and reads.count("extra/0") == 1


def test_weights_only_loading_reads_no_metadata_arrays(tmp_path):
    model = nn.Linear(2, 3, rng=0)
    opt = optim.Adam(model.parameters())
    model(np.ones((1, 2), np.float32)).sum().backward()
    opt.step()  # now it has moments
    path = io.save(tmp_path / "m.npz", model, optimizer=opt.state_dict(), note="kept")
    light, full = io.load(path, extra_arrays=False), io.load(path)
    assert light.extra["note"] == "kept" and set(light.state_dict) == {"weight", "bias"}

    def leaves(value):
        if isinstance(value, dict):
            return [x for v in value.values() for x in leaves(v)]
        if isinstance(value, list):
            return [x for v in value for x in leaves(v)]
        return [value]

    assert any(isinstance(x, np.ndarray) for x in leaves(full.extra["optimizer"]))  # the moments are there...
    assert not any(isinstance(x, np.ndarray) for x in leaves(light.extra["optimizer"]))  # ...and not read here


def test_non_finite_weights_are_refused_at_load_naming_the_parameter(tmp_path):
    model = nn.Linear(2, 3, rng=0)
    model.bias.data[1] = np.nan
    path = io.save(tmp_path / "m.npz", model)
    with pytest.raises(io.CheckpointError, match="parameter 'bias' holds NaN or inf"):
        io.load(path)
