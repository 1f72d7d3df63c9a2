"""The shipped pretrained models (package data): they load, they are what the model card says, and they work."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from minisnn import io, nn, spikestats
from minisnn.data import sample_photos, validation_set
from minisnn.inpainting import SCNN, evaluate, pde_fill, predict
from minisnn.inpainting.model import PRETRAINED, REDUCED, pretrained_path

CARD = Path(pretrained_path("scnn")).parent / "MODEL_CARD.md"


@pytest.fixture(scope="module")
def crops():
    return validation_set(sample_photos("val"), 64, 24, mask="box", seed=7)


def test_the_shipped_models_are_the_pair_the_card_describes():
    assert PRETRAINED == ("scnn", "cnn_only")
    with pytest.raises(ValueError, match=r"name must be one of \('scnn', 'cnn_only'\), got 'scnn_rate_floor'"):
        SCNN.pretrained("scnn_rate_floor")


@pytest.mark.parametrize("name, spiking", [("scnn", True), ("cnn_only", False)])
def test_pretrained_is_the_reduced_network_seeing_both_fills_and_predicting_with_eight_views(name, spiking):
    model = SCNN.pretrained(name)
    assert model.config.spiking is spiking
    assert model.config.prefill == "dual" and model.layers[0].in_channels == 7
    assert model.config.eval_views == 8
    assert model.config.width == REDUCED.width and tuple(model.config.dilations) == tuple(REDUCED.dilations)
    assert model.num_parameters() < 50_000  # small enough to ship as package data
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_the_pair_was_trained_the_same_way_and_the_scnn_with_the_rate_floor():
    scnn, cnn = (io.load(pretrained_path(name)).extra for name in PRETRAINED)
    assert scnn["settings"]["rate_weight"] == 1.0 and scnn["settings"]["rate_floor"] == 0.1
    assert scnn["settings"]["steps"] == cnn["settings"]["steps"] == 9000
    assert {k: v for k, v in scnn["settings"].items() if not k.startswith("rate_")} == {
        k: v for k, v in cnn["settings"].items() if not k.startswith("rate_")
    }  # the CNN-only ablation has no spiking layer to regularise; everything else is the same
    assert {k: v for k, v in scnn["config"].items() if k != "spiking"} == {
        k: v for k, v in cnn["config"].items() if k != "spiking"
    }


def test_pretrained_is_trained_not_a_fresh_initialisation():
    trained, fresh = SCNN.pretrained("scnn"), SCNN.reduced(rng=0, prefill="dual")
    assert any(not np.allclose(a.data, b.data) for a, b in zip(trained.parameters(), fresh.parameters(), strict=True))
    history = io.load(pretrained_path("scnn")).extra["history"]
    assert history["step"][-1] >= 1000


def test_pretrained_fills_only_the_hole_and_changes_the_prefill(crops):
    model = SCNN.pretrained("scnn")
    out = predict(model, crops.inputs)
    known = crops.masks == 0
    np.testing.assert_allclose(
        np.broadcast_to(known, out.shape) * out, np.broadcast_to(known, out.shape) * crops.images, atol=1e-6
    )
    start = pde_fill(crops.images * (1 - crops.masks), crops.masks)  # the fill a "dual" model corrects
    hole = np.broadcast_to(crops.masks > 0, out.shape)
    assert np.abs(out[hole] - start[hole]).mean() > 1e-3  # the learned correction is not zero


def test_pretrained_spiking_layer_stays_active(crops):
    model = SCNN.pretrained("scnn")
    with nn.record(model) as rec:
        predict(model, crops.inputs[:8])
    spikes = rec.spikes()
    assert spikes.shape[1] == 8 * 8  # the 8 crops in each of their 8 views
    assert 0.1 < spikes.mean() < 0.5  # the model card: about 0.27 spikes per neuron per step
    assert spikestats.silent_fraction(spikes) < 0.7  # about half silent (the plain SC-NN: 95 %)


def test_the_command_lines_default_rate_floor_is_the_one_the_shipped_model_was_trained_with():
    from minisnn.__main__ import build_parser

    settings = io.load(pretrained_path("scnn")).extra["settings"]
    args = build_parser().parse_args(["train", "--rate-weight", "1"])
    assert args.rate_floor == settings["rate_floor"]


def test_pretrained_is_above_the_classical_fills_on_the_sample_photos(crops):
    """On the offline sample photos (far from its training photos) the model card reports the SC-NN above the best
    fill (box: harmonic); a regression would show as a clear drop on these 24 crops."""
    result = evaluate(SCNN.pretrained("scnn"), crops, baselines=("mean", "harmonic", "pde"), n_boot=200)
    versus = {
        name: result["comparisons"][f"model_vs_{name}"]["pooled_hole_psnr_db"]["estimate"]
        for name in ("mean", "harmonic", "pde")
    }
    assert versus["harmonic"] > -0.1 and versus["pde"] > -0.1
    assert versus["mean"] > 1.0
    assert result["eval_views"] == {"model": 8}


def test_model_card_states_the_command_data_and_metrics():
    text = CARD.read_text(encoding="utf-8")
    assert "python -m minisnn train" in text and "--seed 0" in text and "--prefill dual" in text
    assert "shared/datasets/photos" in text or "155" in text
    assert re.search(r"\[[+−-]?\d+\.\d+, [+−-]?\d+\.\d+\]", text), "metrics must carry confidence intervals"
    steps = io.load(pretrained_path("scnn")).extra["history"]["step"][-1]
    assert f"{steps:,}" in text or str(steps) in text


def test_a_damaged_or_replaced_shipped_model_is_reported_by_name(tmp_path, monkeypatch):
    """The SHA-256 recorded beside the shipped files (issue 21, row 26): a damaged file, or another valid checkpoint
    put in its place, is refused naming it -- never used silently."""
    import shutil

    from minisnn import io
    from minisnn.inpainting import model as model_module

    copy = tmp_path / "pretrained"
    shutil.copytree(model_module.PRETRAINED_DIR, copy)
    monkeypatch.setattr(model_module, "PRETRAINED_DIR", copy)
    assert model_module.pretrained_path("scnn") == copy / "scnn.npz"  # intact: fine
    shutil.copy(copy / "cnn_only.npz", copy / "scnn.npz")  # a valid checkpoint, but not the shipped one
    with pytest.raises(io.CheckpointError, match=r"pretrained model 'scnn'.*scnn\.npz is not the file minisnn shipped"):
        SCNN.pretrained("scnn")
    data = bytearray((copy / "cnn_only.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "cnn_only.npz").write_bytes(bytes(data))
    with pytest.raises(io.CheckpointError, match="cnn_only.npz is not the file minisnn shipped"):
        model_module.pretrained_path("cnn_only")
    (copy / "cnn_only.npz").unlink()
    with pytest.raises(FileNotFoundError, match="is not installed"):
        model_module.pretrained_path("cnn_only")


def test_the_demo_reports_a_damaged_shipped_model_before_training(tmp_path, monkeypatch, capsys):
    import shutil

    from minisnn.__main__ import main
    from minisnn.inpainting import model as model_module

    copy = tmp_path / "pretrained"
    shutil.copytree(model_module.PRETRAINED_DIR, copy)
    monkeypatch.setattr(model_module, "PRETRAINED_DIR", copy)
    (copy / "cnn_only.npz").write_bytes(b"not a checkpoint")
    code = main(["demo", "--steps", "2", "--num-crops", "2", "--out", str(tmp_path / "out"), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 2 and "cnn_only.npz is not the file minisnn shipped" in captured.err
    assert "training" not in captured.out  # reported up front, not after the training
