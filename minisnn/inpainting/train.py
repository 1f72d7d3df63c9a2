"""Training the SC-NN: Adam on MSE, validation, checkpoints, exact resume, NaN and Ctrl-C safety.

One step: draw a batch (crops + masks) → composited prediction → loss → backward → Adam step.

* loss "mse": the paper's MSE over the whole (composited) image, (1/NCHW)·Σ(ŷ − y)²;
* loss "hole_weighted": the MSE over the hole only, Σ m·(ŷ − y)² / (3·Σ m), so small holes weigh as much as
  large ones (the composite makes the known pixels' error zero anyway).

Everything that decides the next step — parameters, Adam's moments, the batch stream's position, the noise
generators of spiking layers, the step count — goes into the checkpoint, so ``resume=True`` continues a run
with exactly the losses an uninterrupted run would have had.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import io, optim
from minisnn.data import Batch, ImageSource, InpaintingBatches
from minisnn.inpainting import metrics
from minisnn.inpainting.model import SCNN
from minisnn.nn.lif import NonFiniteCurrentError
from minisnn.tensor import Tensor, no_grad

LOSSES = ("mse", "hole_weighted")
SCHEDULES = ("constant", "cosine")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


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

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"fit: loss must be one of {LOSSES}, got {self.loss!r}")
        if self.lr_schedule not in SCHEDULES:
            raise ValueError(f"fit: lr_schedule must be one of {SCHEDULES}, got {self.lr_schedule!r}")
        for name in ("steps", "batch_size", "crop_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"fit: {name} must be a positive int, got {value!r}")
        if not self.lr > 0:
            raise ValueError(f"fit: lr must be > 0, got {self.lr!r}")

    def learning_rate(self, step: int) -> float:
        """lr at ``step`` (1-based): constant, or cosine from lr down to min_lr_fraction·lr at the last step."""
        if self.lr_schedule == "constant" or self.steps <= 1:
            return self.lr
        progress = (step - 1) / (self.steps - 1)
        low = self.min_lr_fraction * self.lr
        return low + 0.5 * (self.lr - low) * (1 + math.cos(math.pi * progress))


@dataclass
class History:
    """Per-step training loss and learning rate, and validation results every ``val_every`` steps."""

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_hole_psnr: list[float] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        return cls(**d)

    def save(self, path: Path) -> None:
        """``history.json``: strict JSON (an infinite PSNR is written as null), written atomically."""
        io.write_json(path, self.to_dict())


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


def validate(model: SCNN, val: Batch, loss_kind: str) -> tuple[float, float]:
    """Validation loss and hole PSNR (dB, outputs clipped to [0, 1]) on a fixed batch."""
    pred = predict(model, val.inputs)
    loss = compute_loss(loss_kind, Tensor(pred), val.images, val.masks).item()
    return loss, float(metrics.psnr(np.clip(pred, 0, 1), val.images, val.masks))


def _rng_states(model: SCNN) -> dict[str, Any]:
    return {name: m.rng.bit_generator.state for name, m in model.named_modules() if hasattr(m, "rng")}


def _set_rng_states(model: SCNN, states: dict[str, Any]) -> None:
    for name, m in model.named_modules():
        if hasattr(m, "rng") and name in states:
            m.rng.bit_generator.state = states[name]


@contextmanager
def _deferred_interrupt() -> Iterator[list[bool]]:
    """Turn Ctrl-C into a flag checked between steps, so a checkpoint is never written mid-update."""
    flag = [False]
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag[0]:  # a second Ctrl-C: stop right away
            raise KeyboardInterrupt
        flag[0] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_resume(checkpoint: io.Checkpoint, model: SCNN, settings: TrainSettings) -> None:
    saved_config = checkpoint.extra.get("config", {})
    ours = model.config.to_dict()
    differing = sorted(k for k in set(saved_config) | set(ours) if saved_config.get(k) != ours.get(k))
    if differing:
        details = ", ".join(f"{k}: checkpoint {saved_config.get(k)!r} vs model {ours.get(k)!r}" for k in differing)
        raise ValueError(f"resume: the checkpoint was trained with another model configuration ({details})")
    saved = checkpoint.extra.get("settings", {})
    keys = [k for k in ("batch_size", "crop_size", "lr", "loss", "mask", "seed", "lr_schedule") if k in saved]
    differing = [k for k in keys if saved[k] != getattr(settings, k)]
    if differing:
        details = ", ".join(f"{k}: checkpoint {saved[k]!r} vs now {getattr(settings, k)!r}" for k in differing)
        raise ValueError(
            f"resume: these settings differ from the checkpoint's, so the run cannot continue exactly: {details}"
        )


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
) -> History:
    """Train ``model`` for ``steps`` Adam steps on random crops of ``train_data`` (see the module docstring).

    Args:
        train_data: an image source (e.g. ``minisnn.data.sample_photos("train")`` or an ``LSDIR``).
        val_data: a fixed validation :class:`~minisnn.data.Batch` (``minisnn.data.validation_set``), or None.
        steps: total number of steps (with ``resume``, the run continues up to this total).
        loss: "mse" (paper) or "hole_weighted".
        lr_schedule: "constant" (paper) or "cosine" (down to 0.1·lr).
        out_dir: where ``model.npz`` (checkpoint) and ``history.json`` go; None keeps nothing on disk.
        resume: continue from ``out_dir/model.npz``.
        progress: show a tqdm progress bar with the running loss.

    Returns:
        The :class:`History`. Raises :class:`TrainingDiverged` on a NaN/inf loss (the last checkpoint is kept)
        and ``KeyboardInterrupt`` after saving a checkpoint when interrupted with Ctrl-C.
    """
    settings = TrainSettings(steps, batch_size, crop_size, lr, loss, mask, seed, lr_schedule)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / "model.npz" if out is not None else None

    batches = InpaintingBatches(train_data, crop_size, batch_size, mask=mask, rng=seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    history = History()
    start_step = 0
    if resume:
        if checkpoint_path is None or not checkpoint_path.exists():
            raise FileNotFoundError(f"resume: no checkpoint at {checkpoint_path} (pass the out_dir of the run)")
        checkpoint = io.load(checkpoint_path)
        _check_resume(checkpoint, model, settings)
        model.load_state_dict(checkpoint.state_dict)
        optimizer.load_state_dict(checkpoint.extra["optimizer"])
        batches.set_state(checkpoint.extra["batches"])
        _set_rng_states(model, checkpoint.extra["rng_states"])
        history = History.from_dict(checkpoint.extra["history"])
        history.interrupted = False
        start_step = int(checkpoint.extra["step"])

    last_saved = [start_step if resume else None]

    def save(step: int) -> None:
        if checkpoint_path is None:
            return
        io.save(
            checkpoint_path, model, step=step, config=model.config.to_dict(), settings=asdict(settings),
            optimizer=optimizer.state_dict(), batches=batches.get_state(), rng_states=_rng_states(model),
            history=history.to_dict(),
        )  # fmt: skip
        history.save(out / "history.json")
        last_saved[0] = step

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start_step, desc="training", unit="step", dynamic_ncols=True)
    model.train()
    began = time.perf_counter() - history.seconds
    running = None
    try:
        with _deferred_interrupt() as interrupted:
            for step in range(start_step + 1, steps + 1):
                optimizer.lr = settings.learning_rate(step)
                batch = next(batches)
                try:
                    pred = model(Tensor(batch.inputs))
                    loss_value = compute_loss(loss, pred, batch.images, batch.masks)
                    value = loss_value.item()
                except NonFiniteCurrentError:  # the weights went NaN/inf: same handling as a NaN loss
                    value = math.nan
                if not math.isfinite(value):
                    kept = (
                        f"{checkpoint_path} (step {last_saved[0]})" if last_saved[0] is not None else "none was saved"
                    )
                    raise TrainingDiverged(
                        f"fit: the loss became {value} at step {step}; stopping. The last good checkpoint: {kept}. "
                        "Try a smaller lr or check the data."
                    )
                optimizer.zero_grad()
                loss_value.backward()
                optimizer.step()
                history.step.append(step)
                history.train_loss.append(value)
                history.lr.append(optimizer.lr)
                running = value if running is None else 0.95 * running + 0.05 * value
                if val_data is not None and (step % val_every == 0 or step == steps):
                    val_loss, val_psnr = validate(model, val_data, loss)
                    history.val_step.append(step)
                    history.val_loss.append(val_loss)
                    history.val_hole_psnr.append(val_psnr)
                history.seconds = time.perf_counter() - began
                if bar is not None:
                    postfix = {"loss": f"{running:.4f}"}
                    if history.val_hole_psnr:
                        postfix["val hole PSNR"] = f"{history.val_hole_psnr[-1]:.2f} dB"
                    bar.set_postfix(postfix)
                    bar.update(1)
                if step % checkpoint_every == 0 or step == steps:
                    save(step)
                if interrupted[0]:
                    history.interrupted = True
                    save(step)
                    raise KeyboardInterrupt(f"interrupted at step {step}; checkpoint saved to {checkpoint_path}")
    finally:
        if bar is not None:
            bar.close()
    return history
