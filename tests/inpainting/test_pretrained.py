"""The shipped pretrained models (package data): they load, they are what the model card says, and they work."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from minisnn import io, spikestats
from minisnn.data import sample_photos, validation_set
from minisnn.inpainting import SCNN, evaluate, harmonic_fill, predict
from minisnn.inpainting.model import REDUCED, pretrained_path

CARD = Path(pretrained_path("scnn")).parent / "MODEL_CARD.md"


@pytest.fixture(scope="module")
def crops():
    return validation_set(sample_photos("val"), 64, 24, mask="box", seed=7)


@pytest.mark.parametrize("name, spiking", [("scnn", True), ("cnn_only", False), ("scnn_rate_floor", True)])
def test_pretrained_is_the_reduced_network_on_the_harmonic_prefill(name, spiking):
    model = SCNN.pretrained(name)
    assert model.config.spiking is spiking
    assert model.config.prefill == "harmonic"
    assert model.config.width == REDUCED.width and tuple(model.config.dilations) == tuple(REDUCED.dilations)
    assert model.num_parameters() < 50_000  # small enough to ship as package data
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_pretrained_is_trained_not_a_fresh_initialisation():
    trained, fresh = SCNN.pretrained("scnn"), SCNN.reduced(rng=0)
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
    start = harmonic_fill(crops.images * (1 - crops.masks), crops.masks)
    hole = np.broadcast_to(crops.masks > 0, out.shape)
    assert np.abs(out[hole] - start[hole]).mean() > 1e-3  # the learned correction is not zero


def test_pretrained_spiking_layer_fires_though_sparsely(crops):
    model = SCNN.pretrained("scnn")
    predict(model, crops.inputs[:8])
    spikes = model.spiking_layers[0].last_spikes
    silent = spikestats.silent_fraction(spikes)
    assert 0.001 < spikes.mean() < 0.1  # the model card: about 0.01 spikes per neuron per step
    assert silent < 0.99  # some neurons carry information (the card reports 95-96 % silent)


def test_the_rate_floor_model_was_trained_with_the_regulariser_and_its_layer_stays_active(crops):
    checkpoint = io.load(pretrained_path("scnn_rate_floor"))
    settings = checkpoint.extra["settings"]
    assert settings["rate_weight"] == 1.0 and settings["rate_floor"] == 0.1 and settings["steps"] == 5000
    assert {k: v for k, v in settings.items() if not k.startswith("rate_")} == {
        k: v for k, v in io.load(pretrained_path("scnn")).extra["settings"].items() if not k.startswith("rate_")
    }  # otherwise trained exactly like the shipped SC-NN
    rates = {}
    for name in ("scnn", "scnn_rate_floor"):
        model = SCNN.pretrained(name)
        predict(model, crops.inputs[:8])
        rates[name] = model.spiking_layers[0].last_spikes
    assert 0.1 < rates["scnn_rate_floor"].mean() < 0.4  # the model card: about 0.2 spikes per neuron per step
    assert spikestats.silent_fraction(rates["scnn_rate_floor"]) < 0.6 < spikestats.silent_fraction(rates["scnn"])


def test_the_command_lines_default_rate_floor_is_the_one_the_shipped_model_was_trained_with():
    from minisnn.__main__ import build_parser

    settings = io.load(pretrained_path("scnn_rate_floor")).extra["settings"]
    args = build_parser().parse_args(["train", "--rate-weight", "1"])
    assert args.rate_floor == settings["rate_floor"]


def test_pretrained_is_close_to_harmonic_fill_and_far_above_the_mean_fill(crops):
    """On the offline sample photos (far from its training photos) the model card reports the SC-NN level with
    harmonic fill (box: -0.06 dB [-0.12, +0.00]); a regression would show as a clear drop."""
    result = evaluate(SCNN.pretrained("scnn"), crops, baselines=("mean", "harmonic"), n_boot=200)
    versus = {
        name: result["comparisons"][f"model_vs_{name}"]["pooled_hole_psnr_db"]["estimate"]
        for name in ("mean", "harmonic")
    }
    assert versus["harmonic"] > -0.3
    assert versus["mean"] > 1.0


def test_model_card_states_the_command_data_and_metrics():
    text = CARD.read_text(encoding="utf-8")
    assert "python -m minisnn train" in text and "--seed 0" in text
    assert "shared/datasets/photos" in text or "155" in text
    assert re.search(r"\[[+−-]?\d+\.\d+, [+−-]?\d+\.\d+\]", text), "metrics must carry confidence intervals"
    steps = io.load(pretrained_path("scnn")).extra["history"]["step"][-1]
    assert f"{steps:,}" in text or str(steps) in text
