"""Evaluation: the model, its ablation and every classical baseline on the same crops and masks, [0, 1] scale.

Memory. Everything is computed chunk by chunk and only a few numbers per crop are kept (plus the outputs of the
first few crops for figures), but the crop set itself grows with the number of crops: a :class:`~minisnn.data.Batch`
holds 8 float32 channels per crop (0.13 MB per 64×64 crop, more while it is built); a
:class:`~minisnn.data.ValidationSet` -- what ``python -m minisnn evaluate`` uses -- keeps only the crops' 3 channels
(0.05 MB per 64×64 crop) and makes the masks and network inputs one chunk at a time, with the same numbers.
The networks run without a graph and record one spike count per neuron (no T axis, no backward buffers), view by
view. Measured peak RSS of ``python -m minisnn evaluate`` (64×64 crops, ``--chunk 32``): 0.28 GB at 100 crops and
0.30 GB at 500 for a reduced SC-NN with one view, 0.45 GB for the pretrained SC-NN and its ablation (8 views each)
at 200 crops. Before it allocates anything of a chunk's size, the command estimates the peak from two small probes
(:mod:`minisnn.inpainting.memory`) and takes a smaller chunk, or refuses in one line, when the machine cannot hold
it.

Per method (model, ablation, each baseline), on the hole pixels unless named "full":

* ``hole_psnr`` -- the **pooled** hole PSNR, 10·log10(1/MSE) of the hole MSE pooled over all crops (every hole
  pixel counts the same): the headline number, which a few near-perfect crops cannot dominate;
* ``hole_psnr_per_crop`` -- the mean of per-crop hole PSNRs (the inpainting literature's habit). A crop a method
  fills exactly (MSE 0, PSNR infinite) is capped at :data:`PSNR_CAP_DB` (MSE floor 1e-10) and counted in
  ``capped_crops``. The two can rank methods differently: the per-crop mean rewards doing very well on a few
  easy crops (a crop's PSNR grows without bound as its error shrinks), the pooled value large errors anywhere;
* ``hole_mse`` (pooled), ``full_mse`` and ``full_psnr`` (the composited image, pooled), ``l1`` (hole, pooled),
  ``ssim`` (full image, per-crop mean).

A model with ``config.eval_views = 8`` predicts each crop as the mean over its 8 flips and quarter turns (the
self-ensemble, :mod:`minisnn.inpainting.model`); ``eval_views`` in the result records it for each model and the
summary line and table say so.

Comparisons: the model (and ablation) against every baseline, as the paired difference of pooled hole PSNR and
of per-crop hole PSNR with a paired bootstrap 95 % interval over crops (:mod:`minisnn.stats`); the best
classical fill (highest pooled hole PSNR) is named in ``summary``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from minisnn import spikestats, stats
from minisnn.data import Batch, ValidationSet
from minisnn.inpainting import metrics
from minisnn.inpainting.baselines import BASELINES
from minisnn.inpainting.energy import energy_estimate, layer_names
from minisnn.inpainting.model import SCNN
from minisnn.inpainting.train import predict
from minisnn.nn import record

METRIC_KEYS = ("hole_psnr", "hole_psnr_per_crop", "hole_mse", "full_mse", "full_psnr", "l1", "ssim")
PSNR_CAP_DB = 100.0  # per-crop PSNR of an exact fill: MSE floored at 1e-10
CLASSICAL = ("harmonic", "biharmonic", "pde")  # the fills a learned model must beat ("mean" is a strawman)


class _Tally:
    """Per-crop sums of one method, accumulated chunk by chunk."""

    def __init__(self) -> None:
        self.hole_sse: list[np.ndarray] = []
        self.hole_abs: list[np.ndarray] = []
        self.full_sse: list[np.ndarray] = []
        self.ssim: list[np.ndarray] = []

    def add(self, pred: np.ndarray, images: np.ndarray, masks: np.ndarray) -> None:
        err = pred.astype(np.float64) - images
        hole = masks.astype(bool)
        self.hole_sse.append(np.sum(err * err * hole, axis=(1, 2, 3)))
        self.hole_abs.append(np.sum(np.abs(err) * hole, axis=(1, 2, 3)))
        self.full_sse.append(np.sum(err * err, axis=(1, 2, 3)))
        self.ssim.append(np.asarray(metrics.ssim(pred, images, reduction="none")))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(getattr(self, name)) for name in ("hole_sse", "hole_abs", "full_sse", "ssim")}


def _summarise(sums: dict[str, np.ndarray], hole_counts: np.ndarray, full_count: int) -> dict[str, float]:
    per_crop_mse = np.maximum(sums["hole_sse"] / np.maximum(hole_counts, 1), 1e-10)
    with_hole = hole_counts > 0
    per_crop_psnr = np.minimum(10 * np.log10(1.0 / per_crop_mse), PSNR_CAP_DB)
    full_mse = float(sums["full_sse"].sum() / (full_count * len(hole_counts)))
    return {
        "hole_psnr": stats.pooled_psnr(sums["hole_sse"], hole_counts),
        "hole_psnr_per_crop": float(per_crop_psnr[with_hole].mean()),
        "hole_mse": float(sums["hole_sse"].sum() / hole_counts.sum()),
        "full_mse": full_mse,
        "full_psnr": float("inf") if full_mse == 0 else float(10 * np.log10(1.0 / full_mse)),
        "l1": float(sums["hole_abs"].sum() / hole_counts.sum()),
        "ssim": float(sums["ssim"].mean()),
        "capped_crops": int(np.sum(per_crop_mse[with_hole] <= 1e-10)),
    }


def _per_crop_psnr(sse: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.minimum(10 * np.log10(1.0 / np.maximum(sse / np.maximum(counts, 1), 1e-10)), PSNR_CAP_DB)


def _compare(a: np.ndarray, b: np.ndarray, counts: np.ndarray, n_boot: int, seed: int) -> dict[str, Any]:
    keep = counts > 0
    pooled = stats.pooled_psnr_difference(a[keep], b[keep], counts[keep], n_boot=n_boot, rng=seed)
    per_crop = stats.paired_difference(
        _per_crop_psnr(a[keep], counts[keep]), _per_crop_psnr(b[keep], counts[keep]), n_boot=n_boot, rng=seed
    )
    return {"pooled_hole_psnr_db": pooled.to_dict(), "per_crop_hole_psnr_db": per_crop.to_dict()}


#: The classical fills every evaluation scores beside the networks.
DEFAULT_BASELINES = ("mean", "harmonic", "biharmonic", "pde")


def evaluate(
    model: SCNN | None,
    data: Batch | ValidationSet,
    baselines: Sequence[str] = DEFAULT_BASELINES,
    data_label: str = "",
    mask_label: str = "",
    chunk: int = 32,
    ablation: SCNN | None = None,
    keep_outputs: int = 8,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics of ``model`` (outputs clipped to [0, 1]), the optional ``ablation`` and each baseline on ``data``
    (a :class:`~minisnn.data.Batch`, or a :class:`~minisnn.data.ValidationSet`, whose masks and inputs are then made
    ``chunk`` crops at a time).

    Returns the dict written to metrics.json (see the module docstring): ``"model"``, ``"ablation"``,
    ``"baselines"`` {name: metrics}, ``"comparisons"`` {"model_vs_<baseline>": {...}, "model_vs_ablation", ...},
    ``"best_classical"``, ``"summary"``, ``"hole_fraction"``, ``"num_crops"``, ``"data"``, ``"mask"``,
    ``"scale"``; with a spiking model also ``"spiking"`` (rate, silent fraction) and ``"energy"``
    (:func:`~minisnn.inpainting.energy.energy_estimate`). ``"outputs"`` holds the first ``keep_outputs`` crops'
    predictions (name → (k, 3, H, W)) for figures; drop it before writing JSON.
    """
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"evaluate: unknown baselines {unknown}; choose from {sorted(BASELINES)}")
    n = len(data.images)
    if n == 0:
        raise ValueError("evaluate: the data holds no crops")
    methods: dict[str, SCNN] = {}
    if model is not None:
        methods["model"] = model
    if ablation is not None:
        methods["ablation"] = ablation
    tallies = {name: _Tally() for name in [*methods, *baselines]}
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in tallies}
    spike_totals = {name: spikestats.SpikeTally() for name, m in methods.items() if m.spiking_layers}
    counts = {name: m.count_activity() for name, m in methods.items()}
    parts = data.chunks(chunk) if isinstance(data, ValidationSet) else _slices(data, chunk)
    hole_pixels, hole_fractions = [], []
    start = 0
    with contextlib.ExitStack() as stack:
        for count in counts.values():
            stack.enter_context(count)
        for inputs, images, masks in parts:
            hole_pixels.append(masks.reshape(len(masks), -1).sum(axis=1))
            hole_fractions.append(metrics.hole_fraction(masks, reduction="none"))
            for name, m in methods.items():
                if name in spike_totals:
                    with record(m, spikes=False, counts=True) as rec:  # per-neuron counts: no T axis kept
                        pred = np.clip(predict(m, inputs, chunk), 0.0, 1.0)
                    spike_totals[name].add_counts(*rec.counts())  # (n·views, O, H, W), T
                else:
                    pred = np.clip(predict(m, inputs, chunk), 0.0, 1.0)
                tallies[name].add(pred, images, masks)
                if start < keep_outputs:
                    outputs[name].append(pred[: keep_outputs - start])
            for name in baselines:
                filled = BASELINES[name](inputs[:, :3], masks)
                tallies[name].add(filled, images, masks)
                if start < keep_outputs:
                    outputs[name].append(filled[: keep_outputs - start])
            start += len(images)
    activity = {name: count.fractions for name, count in counts.items()}

    hole_counts = 3 * np.concatenate(hole_pixels).astype(np.float64)
    full_count = int(np.prod(data.images.shape[1:]))
    sums = {name: t.arrays() for name, t in tallies.items()}
    result: dict[str, Any] = {
        "data": data_label,
        "mask": mask_label,
        "num_crops": n,
        "hole_fraction": float(np.mean(np.concatenate(hole_fractions))),
        "scale": (
            "images in [0, 1]; PSNR in dB with peak 1; hole_psnr pooled over all hole pixels, hole_psnr_per_crop "
            f"the mean of per-crop values (capped at {PSNR_CAP_DB:g} dB); comparisons: paired bootstrap 95 % CI "
            "over crops"
        ),
        "baselines": {b: _summarise(sums[b], hole_counts, full_count) for b in baselines},
        "comparisons": {},
        "outputs": {k: np.concatenate(v) for k, v in outputs.items() if v},
        "eval_views": {name: m.config.eval_views for name, m in methods.items()},  # 8: the self-ensemble
    }
    for name in methods:
        result[name] = _summarise(sums[name], hole_counts, full_count)
        for b in baselines:
            result["comparisons"][f"{name}_vs_{b}"] = _compare(sums[name]["hole_sse"], sums[b]["hole_sse"],
                                                               hole_counts, n_boot, seed)  # fmt: skip
    if "model" in methods and "ablation" in methods:
        result["comparisons"]["model_vs_ablation"] = _compare(
            sums["model"]["hole_sse"], sums["ablation"]["hole_sse"], hole_counts, n_boot, seed
        )
    classical = [b for b in baselines if b in CLASSICAL]
    if classical:
        best = max(classical, key=lambda b: result["baselines"][b]["hole_psnr"])
        result["best_classical"] = best
    for name, tally in spike_totals.items():
        layer = methods[name].spiking_layers[0]
        spikes, neurons, rate = tally.spikes, tally.neurons, tally.rate
        key = "spiking" if name == "model" else f"{name}_spiking"
        result[key] = {
            "rate_per_step": rate,
            "rate_hz": rate / layer.neuron.dt * 1000.0,
            "silent_fraction": tally.silent_fraction,
            "spikes": spikes,
            "spikes_per_neuron": spikes / neurons,
            "num_steps": tally.num_steps,
        }
        ann = None
        if "ablation" in methods and not methods["ablation"].spiking_layers and name == "model":
            names = layer_names(methods["ablation"])
            ann = dict(zip(names, activity["ablation"], strict=True))
        h, w = data.images.shape[-2:]
        result["energy" if name == "model" else f"{name}_energy"] = energy_estimate(
            methods[name], h, w, spikes_per_image=spikes / n, input_nonzero=activity[name], ann_input_nonzero=ann
        )
    result["summary"] = summary_line(result)
    return result


def _slices(data: Batch, size: int) -> Iterator[Batch]:
    for start in range(0, len(data.images), size):
        part = slice(start, start + size)
        yield Batch(data.inputs[part], data.images[part], data.masks[part])


def summary_line(result: dict[str, Any]) -> str:
    """One sentence: the model's pooled hole PSNR against the best classical fill, with the paired 95 % CI."""
    if "model" not in result or "best_classical" not in result:
        return ""
    best = result["best_classical"]
    c = result["comparisons"][f"model_vs_{best}"]["pooled_hole_psnr_db"]
    verdict = "better than" if c["low"] > 0 else "worse than" if c["high"] < 0 else "not distinguishable from"
    views = result.get("eval_views", {}).get("model", 1)
    name = f"model (mean of its {views} views)" if views > 1 else "model"
    return (
        f"{name} {result['model']['hole_psnr']:.2f} dB pooled hole PSNR vs the best classical fill ({best}) "
        f"{result['baselines'][best]['hole_psnr']:.2f} dB: {c['estimate']:+.2f} dB [{c['low']:+.2f}, {c['high']:+.2f}] "
        f"(paired bootstrap 95 % CI over {c['n']} crops) -- {verdict} it"
    )


def metrics_table(result: dict[str, Any], ablation: dict[str, Any] | None = None) -> str:
    """A Markdown table of the model, the ablation and the baselines, with the model's pooled difference to each."""
    rows = []
    views = result.get("eval_views", {})
    if "model" in result:
        name = "SC-NN (spiking)" if "spiking" in result else "model"
        rows.append((name + _views_note(views.get("model", 1)), result["model"], None))
    abl = result.get("ablation") or (ablation or {}).get("model")
    if abl is not None:
        abl_views = views.get("ablation", (ablation or {}).get("eval_views", {}).get("model", 1))
        rows.append(("CNN-only ablation" + _views_note(abl_views), abl, result["comparisons"].get("model_vs_ablation")))
    for name, values in result["baselines"].items():
        rows.append((f"{name} fill", values, result["comparisons"].get(f"model_vs_{name}")))
    header = "| method | hole PSNR pooled [dB] | per crop [dB] | hole MSE | SSIM | model − it, pooled [dB] (95 % CI) |"
    lines = [header, "|---|---|---|---|---|---|"]
    for name, m, comparison in rows:
        diff = "—"
        if comparison is not None:
            c = comparison["pooled_hole_psnr_db"]
            diff = f"{c['estimate']:+.2f} [{c['low']:+.2f}, {c['high']:+.2f}]"
        lines.append(
            f"| {name} | {m['hole_psnr']:.2f} | {m['hole_psnr_per_crop']:.2f} | {m['hole_mse']:.5f} | {m['ssim']:.4f} "
            f"| {diff} |"
        )
    return "\n".join(lines)


def _views_note(views: int) -> str:
    return f", mean of {views} views" if views > 1 else ""
