"""Training and evaluating a digit classifier with the task-independent loop of :mod:`minisnn.trainer`.

One step: a mini-batch of images → encoded into T steps → the network → logits (the read-out) → cross-entropy
with the integer labels → backward (BPTT through the spiking layers) → Adam step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import nn, optim
from minisnn.classification.model import ClassifierConfig, encode, logits
from minisnn.data import Digits, LabelledBatches
from minisnn.tensor import Tensor, no_grad
from minisnn.trainer import History, Schedule, train


class EncodedBatches:
    """Mini-batches of (encoded input, labels): :class:`~minisnn.data.LabelledBatches` plus the encoder's own
    seeded generator (rate coding draws fresh spikes every time), both saved for exact resume."""

    def __init__(self, data: Digits, config: ClassifierConfig, batch_size: int, seed: int):
        self.config = config
        self.batches = LabelledBatches(data.images, data.labels, batch_size, rng=seed)
        self.rng = np.random.default_rng(seed + 1)

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        images, labels = next(self.batches)
        return encode(images, self.config, self.rng), labels

    def get_state(self) -> dict[str, Any]:
        return {"batches": self.batches.get_state(), "encoder_rng": self.rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        self.batches.set_state(state["batches"])
        self.rng.bit_generator.state = state["encoder_rng"]


@dataclass
class ClassifierSettings:
    """Training settings saved in the checkpoint (compared on resume)."""

    steps: int
    batch_size: int = 64
    lr: float = 2e-3
    lr_schedule: str = "cosine"
    label_smoothing: float = 0.0
    seed: int = 0


def predict_logits(
    model: nn.Module, config: ClassifierConfig, images: np.ndarray, seed: int = 1234, chunk: int = 256
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Logits (N, 10) in evaluation mode, and for a spiking net the spikes of each LIF layer summed over T per
    sample (``(N, *neurons)`` arrays, for statistics). The rate encoder draws from ``seed``: the same seed, the same
    numbers."""
    was_training = model.training
    model.eval()
    rng = np.random.default_rng(seed)
    # the spiking layers that pass spikes on (not a non-spiking read-out), in the network's order
    counted = [name for name, m in model.named_modules() if isinstance(m, nn.Spiking) and m.output == "spikes"]
    out, counts = [], []
    try:
        with no_grad():
            for i in range(0, len(images), chunk):
                x = encode(images[i : i + chunk], config, rng)
                if config.spiking:
                    with nn.record(model) as rec:
                        h = model(Tensor(x))
                    counts.append([rec.spikes(name).sum(axis=0) for name in counted])
                    out.append(logits(h, config).data)
                else:
                    out.append(model(Tensor(x)).data)
    finally:
        model.train(was_training)
    spikes = [np.concatenate([c[k] for c in counts]) for k in range(len(counted))] if counts else []
    return np.concatenate(out), spikes


def accuracy(model: nn.Module, config: ClassifierConfig, data: Digits, seed: int = 1234) -> float:
    """Fraction of ``data`` classified correctly (evaluation mode)."""
    return F.accuracy(predict_logits(model, config, data.images, seed)[0], data.labels)


def fit(
    model: nn.Module,
    config: ClassifierConfig,
    train_data: Digits,
    steps: int,
    batch_size: int = 64,
    lr: float = 2e-3,
    lr_schedule: str = "cosine",
    label_smoothing: float = 0.0,
    seed: int = 0,
    val_data: Digits | None = None,
    val_every: int = 100,
    checkpoint_every: int = 200,
    out_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> History:
    """Train ``model`` (built by :func:`~minisnn.classification.build` from ``config``) with Adam on cross-entropy.

    Validation every ``val_every`` steps: accuracy and loss on ``val_data`` (the test split in the tutorial and
    the CLI -- a number for watching the curve, not for choosing a model). Checkpoints, exact resume, the NaN
    guard and Ctrl-C are the trainer's.
    """
    settings = ClassifierSettings(steps, batch_size, lr, lr_schedule, label_smoothing, seed)
    batches = EncodedBatches(train_data, config, batch_size, seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)

    def loss_fn(m: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> Tensor:
        x, labels = batch
        return F.cross_entropy(logits(m(Tensor(x)), config), labels, label_smoothing=label_smoothing)

    check = None
    if val_data is not None:

        def check(m: nn.Module) -> dict[str, float]:
            out, _ = predict_logits(m, config, val_data.images)
            loss = F.cross_entropy(Tensor(out), val_data.labels).item()
            return {"accuracy": F.accuracy(out, val_data.labels), "loss": loss}

    return train(
        model, optimizer, batches, loss_fn, steps, schedule=Schedule(lr, lr_schedule, steps), validate=check,
        val_every=val_every, checkpoint_every=checkpoint_every, out_dir=out_dir, resume=resume, progress=progress,
        metadata={"config": config.to_dict(), "settings": asdict(settings), "task": "classification"},
        progress_label="training " + ("SNN" if config.spiking else "ANN"),
    )  # fmt: skip
