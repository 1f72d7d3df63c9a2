"""Checkpoints: round trip, atomic writes, no pickle, clear errors for foreign or truncated files."""

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
