"""Evaluation: pooled and per-crop hole PSNR from their definitions, chunk independence, capped exact fills,
paired comparisons with bootstrap intervals, the best classical fill, spike statistics and energy."""

import numpy as np
import pytest
from helpers import assert_close_tree

from minisnn.data import ArrayImages, ValidationSet, validation_set
from minisnn.inpainting import SCNN, evaluate, metrics
from minisnn.inpainting.baselines import harmonic_fill
from minisnn.inpainting.evaluate import PSNR_CAP_DB, metrics_table
from minisnn.inpainting.train import predict


def images(seed=0, n=3, size=40):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = []
    for _ in range(n):
        base = np.stack([np.sin(6 * xx + rng.uniform(0, 6)), np.cos(5 * yy), xx * yy])
        out.append(np.clip(0.5 + 0.4 * base + 0.05 * rng.standard_normal((3, size, size)), 0, 1).astype(np.float32))
    return ArrayImages(out)


def tiny_model(spiking=True, seed=0):
    return SCNN(width=4, num_steps=2, rng=seed, spiking=spiking, prefill="harmonic")


@pytest.fixture(scope="module")
def data():
    return validation_set(images(), 16, 9, mask="mixed", seed=2)


def test_metrics_follow_their_definitions(data):
    model = tiny_model()
    result = evaluate(model, data, baselines=("harmonic",), n_boot=50)
    pred = np.clip(predict(model, data.inputs), 0, 1).astype(np.float64)
    hole = np.broadcast_to(data.masks, pred.shape).astype(bool)
    err = (pred - data.images) ** 2
    pooled_mse = err[hole].mean()
    assert result["model"]["hole_mse"] == pytest.approx(pooled_mse, rel=1e-10)
    assert result["model"]["hole_psnr"] == pytest.approx(10 * np.log10(1 / pooled_mse), rel=1e-10)
    per_crop = metrics.psnr(pred, data.images, data.masks, reduction="none")
    assert result["model"]["hole_psnr_per_crop"] == pytest.approx(per_crop.mean(), rel=1e-10)
    assert result["model"]["ssim"] == pytest.approx(metrics.ssim(pred, data.images), rel=1e-10)
    filled = harmonic_fill(data.inputs[:, :3], data.masks).astype(np.float64)
    assert result["baselines"]["harmonic"]["hole_mse"] == pytest.approx(((filled - data.images) ** 2)[hole].mean())


def test_chunks_do_not_change_any_number(data):
    whole = evaluate(tiny_model(), data, baselines=("harmonic", "mean"), chunk=64, n_boot=30)
    pieces = evaluate(tiny_model(), data, baselines=("harmonic", "mean"), chunk=2, n_boot=30)
    # Not bit for bit: a float32 GEMM over 2 crops may be blocked differently from one over all 9 (it was, on an AMD
    # EPYC: tests/inpainting/test_cli.py), moving the outputs by a few ulp (~1e-7 relative) and the metrics, pooled
    # in float64 from them, by about as much. 1e-5 relative leaves room for that and still catches a crop counted
    # twice or dropped (percent-level changes). The comparisons are differences of PSNRs (dB) that can be near 0: a
    # few ulp of a ~25 dB PSNR is ~1e-6 dB, so they get 1e-5 dB absolute as well. (This tiny model never spikes,
    # its membranes stay below 0.01 with the threshold at 1: no rounding can flip a spike and move them further.)
    for key in ("model", "baselines", "spiking"):
        assert_close_tree(pieces[key], whole[key], rtol=1e-5, path=key)
    assert_close_tree(pieces["comparisons"], whole["comparisons"], rtol=1e-5, path="comparisons", atol=1e-5)
    assert whole["spiking"]["spikes"] == 0
    assert whole["energy"]["snn_energy_pj"] == pytest.approx(pieces["energy"]["snn_energy_pj"], rel=1e-5)


def test_a_validation_set_made_chunk_by_chunk_gives_the_same_numbers():
    kwargs = dict(baselines=("harmonic", "mean"), ablation=tiny_model(spiking=False, seed=1), n_boot=30, chunk=4)
    whole = evaluate(tiny_model(), validation_set(images(), 16, 9, mask="mixed", seed=2), **kwargs)
    lazy = evaluate(tiny_model(), ValidationSet(images(), 16, 9, mask="mixed", seed=2), **kwargs)
    for name, outputs in whole.pop("outputs").items():
        np.testing.assert_array_equal(lazy["outputs"][name], outputs)
    lazy.pop("outputs")
    assert lazy == whole


def test_memory_grows_by_about_one_crop_image_per_crop():
    import tracemalloc

    def peak(num_crops):  # bytes allocated by NumPy and Python at the peak, the crop set's included
        model = tiny_model()
        tracemalloc.start()
        try:
            data = ValidationSet(images(), 16, num_crops, seed=2)
            evaluate(model, data, baselines=("harmonic",), n_boot=10, chunk=16)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(16)  # warm-up: imports and caches
    per_crop = (peak(208) - peak(16)) / 192
    crop_image = 3 * 16 * 16 * 4  # float32 bytes: measured ~1.25x (small per-chunk leftovers until the next GC);
    assert per_crop < 2 * crop_image, per_crop  # with a whole Batch (validation_set) it is ~2.9x


def test_an_exact_fill_is_capped_and_counted():
    flat = ArrayImages([np.full((3, 24, 24), 0.3, np.float32)] * 2)  # every fill of a flat image is exact
    data = validation_set(flat, 16, 4, seed=0)
    result = evaluate(None, data, baselines=("harmonic", "mean"), n_boot=20)
    for name in ("harmonic", "mean"):
        assert result["baselines"][name]["capped_crops"] == 4
        assert result["baselines"][name]["hole_psnr_per_crop"] == pytest.approx(PSNR_CAP_DB)
        assert result["baselines"][name]["hole_psnr"] > 60  # pooled: float32 round-off only, not infinite


def test_comparisons_are_paired_and_name_the_best_fill(data):
    model = tiny_model()
    result = evaluate(model, data, ablation=tiny_model(spiking=False, seed=1), n_boot=200)
    assert result["best_classical"] in ("harmonic", "biharmonic", "pde")
    best = max(("harmonic", "biharmonic", "pde"), key=lambda b: result["baselines"][b]["hole_psnr"])
    assert result["best_classical"] == best
    for name in ("mean", "harmonic", "biharmonic", "pde"):
        c = result["comparisons"][f"model_vs_{name}"]["pooled_hole_psnr_db"]
        assert c["estimate"] == pytest.approx(result["model"]["hole_psnr"] - result["baselines"][name]["hole_psnr"])
        assert c["low"] <= c["high"] and c["n"] == 9
    assert "model_vs_ablation" in result["comparisons"] and "ablation" in result
    assert best in result["summary"] and "95 %" in result["summary"]
    table = metrics_table(result)
    assert "CNN-only ablation" in table and "harmonic fill" in table


def test_model_against_itself_is_exactly_zero(data):
    model = tiny_model(spiking=False)
    result = evaluate(model, data, baselines=(), ablation=model, n_boot=50)
    c = result["comparisons"]["model_vs_ablation"]["pooled_hole_psnr_db"]
    assert c["estimate"] == c["low"] == c["high"] == 0.0


def test_energy_is_reported_with_its_break_even(data):
    result = evaluate(tiny_model(), data, baselines=(), ablation=tiny_model(spiking=False), n_boot=10)
    energy = result["energy"]
    model = tiny_model()
    layer = model.spiking_layers[0]
    fan_out = model.layers[model.config.spiking_layer + 1].out_channels * 9
    # the spiking layer's state updates (T steps, one variable) are part of the bill: 5.11 - 6.11·T/fan-out
    assert energy["break_even_spikes_per_neuron_dense"] == pytest.approx(
        4.6 / 0.9 - 5.5 * layer.num_steps / (0.9 * fan_out)
    )
    assert energy["ann_zeros_measured"]  # the CNN-only ablation's zeros, measured
    assert energy["break_even_spikes_per_neuron_zero_skip"] <= energy["break_even_spikes_per_neuron_dense"]
    assert energy["ann_zero_skip_energy_pj"] <= energy["ann_dense_energy_pj"]
    assert "break-even" in energy["verdict"] or "never fires" in energy["verdict"]
    assert "Horowitz 2014" in energy["source"]


def test_outputs_are_kept_for_the_first_crops_only(data):
    result = evaluate(tiny_model(), data, baselines=("harmonic",), keep_outputs=3, chunk=2, n_boot=10)
    assert result["outputs"]["model"].shape == (3, 3, 16, 16) and result["outputs"]["harmonic"].shape == (3, 3, 16, 16)
