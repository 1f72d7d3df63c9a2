"""Training the SC-NN: the task-independent loop of :mod:`minisnn.trainer` with the inpainting pieces.

One step: draw a batch (crops + masks) → composited prediction → loss → backward → Adam step.

* loss "mse": the paper's MSE over the whole (composited) image, (1/NCHW)·Σ(ŷ − y)²;
* loss "hole_weighted": the MSE over the hole only, Σ m·(ŷ − y)² / (3·Σ m), so small holes weigh as much as
  large ones (the composite makes the known pixels' error zero anyway).

* ``rate_weight`` λ > 0 adds λ·Σ_layers :func:`~minisnn.regularise.rate_floor_penalty` (rates, ``rate_floor``)
  for the spiking layers: a channel whose mean firing rate falls below the floor is pushed back up (the trained
  reduced SC-NN otherwise turns its spiking layer 95 % silent). Default 0: the paper has no regulariser.

Validation (every ``val_every`` steps, on a fixed batch of held-out crops): the loss and the pooled hole PSNR,
with the best classical fill's pooled hole PSNR on the same crops (``history.val["baseline_psnr"]``) and, for a
network with a spiking layer, its firing rate (spikes per neuron per step) and silent fraction on those crops.
Checkpoints, exact resume, the NaN guard and Ctrl-C are the trainer's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import optim, spikestats, stats
from minisnn.data import Batch, ImageSource, InpaintingBatches
from minisnn.inpainting.model import SCNN
from minisnn.nn import Recording, record
from minisnn.regularise import rate_floor_penalty
from minisnn.tensor import Tensor, no_grad
from minisnn.trainer import SCHEDULES, History, Schedule, TrainingDiverged, train

LOSSES = ("mse", "hole_weighted")
AUGMENTATIONS = ("none", "flips", "flips+scale")
#: The scale factors of ``augment="flips+scale"``: each crop is cut from a window 1 to 2 times its side (drawn
#: log-uniformly) and shrunk to the crop size by area averaging (:class:`~minisnn.data.CropSampler`).
SCALE_RANGE = (1.0, 2.0)

__all__ = ["History", "LOSSES", "SCHEDULES", "TrainSettings", "TrainingDiverged", "compute_loss", "fit", "predict",
           "validate"]  # fmt: skip


@dataclass
class TrainSettings:
    """The settings of a run that must match for an exact resume (saved in the checkpoint)."""

    steps: int
    batch_size: int = 16
    crop_size: int = 64
    lr: float = 1e-3
    loss: str = "mse"
    mask: str = "box"
    seed: int = 0
    lr_schedule: str = "constant"
    min_lr_fraction: float = 0.1
    augment: str = "none"
    rate_floor: float = 0.0
    rate_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"fit: loss must be one of {LOSSES}, got {self.loss!r}")
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"fit: augment must be one of {AUGMENTATIONS}, got {self.augment!r}")
        for name in ("steps", "batch_size", "crop_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"fit: {name} must be a positive int, got {value!r}")
        for name in ("rate_floor", "rate_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value >= 0:
                raise ValueError(f"fit: {name} must be a number >= 0, got {value!r}")
        if self.rate_floor > 1:
            raise ValueError(f"fit: rate_floor must be a rate in [0, 1] spikes per step, got {self.rate_floor!r}")
        self.schedule()  # validates lr and lr_schedule

    def schedule(self) -> Schedule:
        return Schedule(self.lr, self.lr_schedule, self.steps, self.min_lr_fraction)

    def learning_rate(self, step: int) -> float:
        """lr at ``step`` (1-based): constant, or cosine from lr down to min_lr_fraction·lr at the last step."""
        return self.schedule()(step)


def compute_loss(kind: str, pred: Tensor, images: np.ndarray, masks: np.ndarray) -> Tensor:
    """The training loss (see the module docstring) on a composited prediction."""
    if kind == "mse":
        return F.mse_loss(pred, images)
    hole = float(masks.mean())
    weight = masks / hole if hole > 0 else masks  # mean(weight·e) = Σ m·e / Σ m over the batch
    return F.mse_loss(pred, images, weight=weight)


def predict(model: SCNN, inputs: np.ndarray, chunk: int = 32) -> np.ndarray:
    """Composited predictions (N, 3, H, W) in evaluation mode (no noise, no graph), in chunks of ``chunk``."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            parts = [model(Tensor(inputs[i : i + chunk])).data for i in range(0, len(inputs), chunk)]
    finally:
        model.train(was_training)
    return np.concatenate(parts)


def validate(model: SCNN, val: Batch, loss_kind: str) -> dict[str, float]:
    """Validation loss and pooled hole PSNR (dB, outputs clipped to [0, 1]) on a fixed batch; both NaN when the
    network's outputs are not finite (its weights have diverged), which stops :func:`fit`. A network with
    spiking layers adds ``spike_rate`` (spikes per neuron per step, all its spiking neurons) and
    ``silent_fraction`` (neurons with no spike in the T steps) on the same crops."""
    chunk, tally = 32, spikestats.SpikeTally()
    parts = []
    for i in range(0, len(val.inputs), chunk):  # chunk by chunk, so that every chunk's spikes are counted
        if not model.spiking_layers:
            parts.append(predict(model, val.inputs[i : i + chunk], chunk))
            continue
        with record(model, spikes=False, counts=True) as rec:
            parts.append(predict(model, val.inputs[i : i + chunk], chunk))
        for name in rec.names():
            tally.add_counts(*rec.counts(name))
    pred = np.concatenate(parts)
    if not np.all(np.isfinite(pred)):
        return {"loss": float("nan"), "hole_psnr": float("nan")}
    loss = compute_loss(loss_kind, Tensor(pred), val.images, val.masks).item()
    err = (np.clip(pred, 0, 1).astype(np.float64) - val.images) ** 2
    hole = 3 * val.masks.reshape(len(pred), -1).sum(axis=1)
    sse = (err * val.masks).reshape(len(pred), -1).sum(axis=1)
    values = {"loss": loss, "hole_psnr": stats.pooled_psnr(sse, hole)}
    if tally.neurons:
        values["spike_rate"], values["silent_fraction"] = tally.rate, tally.silent_fraction
    return values


def activity_penalty(recording: Recording, floor: float) -> Tensor:
    """Σ over the recorded spiking layers of :func:`~minisnn.regularise.rate_floor_penalty` of their rates (a
    :func:`minisnn.nn.record` block with ``rate=True`` around one forward pass in training)."""
    total = None
    for name in recording.names():
        penalty = rate_floor_penalty(recording.rate(name), floor)
        total = penalty if total is None else total + penalty
    if total is None:
        raise ValueError("activity_penalty: the recording holds no spiking layer")
    return total


def _baseline_psnr(val: Batch) -> tuple[str, float]:
    """The best classical fill's pooled hole PSNR on the validation crops (the number to beat)."""
    from minisnn.inpainting.baselines import BASELINES

    best = ("", -np.inf)
    hole = 3 * val.masks.reshape(len(val.images), -1).sum(axis=1)
    for name in ("harmonic", "biharmonic", "pde"):
        filled = BASELINES[name](val.inputs[:, :3], val.masks).astype(np.float64)
        sse = (((filled - val.images) ** 2) * val.masks).reshape(len(filled), -1).sum(axis=1)
        value = stats.pooled_psnr(sse, hole)
        if value > best[1]:
            best = (name, value)
    return best


def fit(
    model: SCNN,
    train_data: ImageSource,
    val_data: Batch | None,
    steps: int,
    batch_size: int = 16,
    lr: float = 1e-3,
    loss: str = "mse",
    crop_size: int = 64,
    mask: str = "box",
    seed: int = 0,
    lr_schedule: str = "constant",
    val_every: int = 50,
    checkpoint_every: int = 100,
    out_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    augment: str = "none",
    min_lr_fraction: float = 0.1,
    rate_floor: float = 0.0,
    rate_weight: float = 0.0,
) -> History:
    """Train ``model`` for ``steps`` Adam steps on random crops of ``train_data`` (see the module docstring).

    Args:
        train_data: an image source (e.g. ``minisnn.data.sample_photos("train")`` or an ``LSDIR``).
        val_data: a fixed validation :class:`~minisnn.data.Batch` (``minisnn.data.validation_set``), or None.
        steps: total number of steps (with ``resume``, the run continues up to this total).
        loss: "mse" (paper) or "hole_weighted".
        lr_schedule: "constant" (paper) or "cosine" (down to ``min_lr_fraction``·lr).
        augment: "none", "flips" (random horizontal flips and 90° rotations of each crop) or "flips+scale"
            (those and a random zoom-out of each crop by a factor in :data:`SCALE_RANGE`).
        out_dir: where ``model.npz`` (checkpoint) and ``history.json`` go; None keeps nothing on disk.
        resume: continue from ``out_dir/model.npz``.
        progress: show a tqdm progress bar with the running loss.
        rate_floor, rate_weight: the activity regulariser (module docstring); weight 0 (default) turns it off.

    Returns:
        The :class:`~minisnn.trainer.History` (``val["loss"]``, ``val["hole_psnr"]`` and, once, the best classical
        fill's ``val["baseline_psnr"]``). Raises :class:`TrainingDiverged` on a NaN/inf loss or validation (the last
        checkpoint is kept) and ``KeyboardInterrupt`` after saving a checkpoint when interrupted with Ctrl-C.
    """
    settings = TrainSettings(
        steps, batch_size, crop_size, lr, loss, mask, seed, lr_schedule, min_lr_fraction, augment, rate_floor,
        rate_weight,
    )  # fmt: skip
    batches = InpaintingBatches(
        train_data, crop_size, batch_size, mask=mask, rng=seed, augment=augment != "none",
        scale_range=SCALE_RANGE if augment == "flips+scale" else (1.0, 1.0),
    )  # fmt: skip
    optimizer = optim.Adam(model.parameters(), lr=lr)
    regularise = rate_weight > 0 and bool(model.spiking_layers)

    def loss_fn(m: SCNN, batch: Batch) -> Tensor:
        if not regularise:
            return compute_loss(loss, m(Tensor(batch.inputs)), batch.images, batch.masks)
        with record(m, spikes=False, rate=True) as rec:  # the rates, in the graph, for the regulariser
            value = compute_loss(loss, m(Tensor(batch.inputs)), batch.images, batch.masks)
        return value + rate_weight * activity_penalty(rec, rate_floor)

    check = None
    if val_data is not None:
        for name in ("inputs", "images", "masks"):  # so that a NaN in validation means broken weights, not data
            if not np.all(np.isfinite(getattr(val_data, name))):
                raise ValueError(f"fit: val_data.{name} contains NaN or inf; the validation crops must be finite")
        baseline_name, baseline = _baseline_psnr(val_data)

        def check(m: SCNN) -> dict[str, float]:
            return {**validate(m, val_data, loss), "baseline_psnr": baseline}

    history = train(
        model, optimizer, batches, loss_fn, steps, schedule=settings.schedule(), validate=check,
        val_every=val_every, checkpoint_every=checkpoint_every, out_dir=out_dir, resume=resume, progress=progress,
        metadata={"config": model.config.to_dict(), "settings": asdict(settings), "task": "inpainting",
                  **data_record(train_data)},
        normalise_config=lambda saved: type(model.config).from_dict(saved).to_dict(),
        best_metric="hole_psnr" if val_data is not None else None,
    )  # fmt: skip
    return history


def data_record(train_data: Any) -> dict[str, Any]:
    """``{"data": {"images": n, "fingerprint": ..., "contents": ...}}`` for an :class:`~minisnn.data.ImageSource`
    (saved with the checkpoint; a resume on other data is refused), else nothing."""
    if not hasattr(train_data, "fingerprint"):
        return {}
    return {"data": {"images": len(train_data), "fingerprint": train_data.fingerprint(),
                     "contents": train_data.content_fingerprint()}}  # fmt: skip


def history_summary(history: History) -> dict[str, Any]:
    """The last validation numbers of a run, for printing."""
    if not history.val_step:
        return {}
    return {name: values[-1] for name, values in history.val.items()}
