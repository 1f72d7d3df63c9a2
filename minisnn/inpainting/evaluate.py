"""Evaluation: the model and every classical baseline on the same crops and masks, on the [0, 1] scale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minisnn import spikestats
from minisnn.data import Batch
from minisnn.inpainting import metrics
from minisnn.inpainting.baselines import BASELINES
from minisnn.inpainting.energy import energy_estimate
from minisnn.inpainting.model import SCNN
from minisnn.inpainting.train import predict

METRIC_KEYS = ("hole_mse", "hole_psnr", "full_mse", "full_psnr", "l1", "ssim")


def evaluate(
    model: SCNN | None,
    data: Batch,
    baselines: Sequence[str] = ("mean", "harmonic", "biharmonic", "pde"),
    data_label: str = "",
    mask_label: str = "",
    chunk: int = 32,
) -> dict[str, Any]:
    """Metrics of ``model`` (clipped to [0, 1]) and of each baseline on ``data``, as written to metrics.json.

    Returns ``{"model": {hole_mse, hole_psnr, full_mse, full_psnr, l1, ssim}, "baselines": {name: {...}},
    "hole_fraction", "num_crops", "data", "mask", "scale", "outputs"}``; with a spiking model also
    ``"spiking"`` (firing rate, silent fraction) and ``"energy"`` (:func:`energy_estimate`). ``"outputs"``
    holds the prediction arrays (name → (N, 3, H, W)), for figures; drop it before writing JSON.
    """
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"evaluate: unknown baselines {unknown}; choose from {sorted(BASELINES)}")
    result: dict[str, Any] = {
        "data": data_label,
        "mask": mask_label,
        "num_crops": int(len(data.images)),
        "hole_fraction": float(metrics.hole_fraction(data.masks)),
        "scale": "images in [0, 1]; PSNR in dB with peak 1; per-image values averaged over the crops",
        "baselines": {},
        "outputs": {},
    }
    if model is not None:
        if model.spiking_layers:  # one pass gives the predictions and the spike statistics
            pred, result["spiking"] = _predict_with_spike_statistics(model, data.inputs, chunk)
        else:
            pred = predict(model, data.inputs, chunk)
        pred = np.clip(pred, 0.0, 1.0)
        result["model"] = metrics.inpainting_metrics(pred, data.images, data.masks)
        result["outputs"]["model"] = pred
        if model.spiking_layers:
            h, w = data.images.shape[-2:]
            per_image = result["spiking"]["spikes"] / len(data.inputs)
            result["energy"] = energy_estimate(model, h, w, spikes_per_image=per_image)
    for name in baselines:
        filled = BASELINES[name](data.inputs[:, :3], data.masks)
        result["baselines"][name] = metrics.inpainting_metrics(filled, data.images, data.masks)
        result["outputs"][name] = filled
    return result


def _predict_with_spike_statistics(model: SCNN, inputs: np.ndarray, chunk: int) -> tuple[np.ndarray, dict[str, float]]:
    """Predictions (N, 3, H, W) and the spiking layer's firing rate, silent fraction and spike count over all
    inputs (evaluation mode), accumulated chunk by chunk (the spikes of 200 crops would take ~0.6 GB at once)."""
    layer = model.spiking_layers[0]
    spikes = silent = neurons = 0.0
    steps = layer.num_steps
    parts = []
    for i in range(0, len(inputs), chunk):
        parts.append(predict(model, inputs[i : i + chunk], chunk))
        s = layer.last_spikes  # (T, n, O, H, W)
        steps = s.shape[0]
        spikes += float(s.sum())
        silent += spikestats.silent_fraction(s) * s[0].size
        neurons += s[0].size
    rate = spikes / (neurons * steps)
    statistics = {
        "rate_per_step": rate,
        "rate_hz": rate / layer.neuron.dt * 1000.0,
        "silent_fraction": silent / neurons,
        "spikes": spikes,
        "num_steps": int(steps),
    }
    return np.concatenate(parts), statistics


def metrics_table(result: dict[str, Any], ablation: dict[str, Any] | None = None) -> str:
    """A Markdown table of the model, the optional CNN-only ablation, and the baselines."""
    rows = []
    if "model" in result:
        rows.append(("SC-NN (spiking)" if "spiking" in result else "model", result["model"]))
    if ablation is not None and "model" in ablation:
        rows.append(("CNN-only ablation", ablation["model"]))
    rows += [(f"{name} fill", values) for name, values in result["baselines"].items()]
    header = "| method | hole PSNR [dB] | hole MSE | full PSNR [dB] | full MSE | L1 | SSIM |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for name, m in rows:
        lines.append(
            f"| {name} | {m['hole_psnr']:.2f} | {m['hole_mse']:.5f} | {m['full_psnr']:.2f} | {m['full_mse']:.5f} "
            f"| {m['l1']:.4f} | {m['ssim']:.4f} |"
        )
    return "\n".join(lines)
