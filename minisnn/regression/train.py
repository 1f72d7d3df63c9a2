"""Training a regression network by BPTT on the mean squared error, and its test error.

One step: a mini-batch of training values x → population spikes (fresh draws every time) → the network → the
read-out's membrane ŷ → MSE against g(x) → backward (through the hidden LIF layer with surrogate gradients) → Adam.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import nn, optim
from minisnn.regression.model import RegressionConfig, encode, population_spikes, prediction, target
from minisnn.tensor import Tensor, no_grad
from minisnn.trainer import History, Schedule, train


@dataclass(frozen=True)
class RegressionData:
    """Values ``x`` (N,) in [−1, 1] and targets ``y`` (N,), float64."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


def make_data(n: int, target_name: str = "sin", rng: np.random.Generator | int | None = None) -> RegressionData:
    """n values drawn uniformly from [−1, 1] with their targets g(x)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    x = np.random.default_rng(rng).uniform(-1.0, 1.0, int(n))
    return RegressionData(x, target(x, target_name))


class RegressionBatches:
    """Random mini-batches of (encoded input, targets) from a fixed training set; the index and encoder generators
    are saved for exact resume."""

    def __init__(self, data: RegressionData, config: RegressionConfig, batch_size: int, seed: int):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.data, self.config, self.batch_size = data, config, int(batch_size)
        self.rng = np.random.default_rng(seed)
        self.encoder_rng = np.random.default_rng(seed + 1)

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        index = self.rng.integers(0, len(self.data), self.batch_size)
        x = encode(self.data.x[index], self.config, self.encoder_rng)
        return x, self.data.y[index].astype(np.float32)

    def get_state(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state, "encoder_rng": self.encoder_rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.encoder_rng.bit_generator.state = state["encoder_rng"]


def predict(model: nn.Module, config: RegressionConfig, x: Any, seed: int = 1234, chunk: int = 512) -> np.ndarray:
    """ŷ (N,) for the values x in evaluation mode. The spikes of all N values are drawn at once from ``seed``
    (:func:`~minisnn.regression.population_spikes`: the same seed, the same spikes as the baselines'), then run
    ``chunk`` values at a time."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    spikes = population_spikes(x, config, seed)
    was_training = model.training
    model.eval()
    out = []
    try:
        with no_grad():
            for i in range(0, len(x), chunk):
                inputs = spikes[:, i : i + chunk] if config.spiking else spikes[:, i : i + chunk].mean(axis=0)
                out.append(prediction(model(Tensor(inputs)), config).data)
    finally:
        model.train(was_training)
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def rmse(model: nn.Module, config: RegressionConfig, data: RegressionData, seed: int = 1234) -> float:
    """Root mean squared error √(mean (ŷ − y)²) on ``data``."""
    return float(np.sqrt(np.mean((predict(model, config, data.x, seed) - data.y) ** 2)))


@dataclass
class RegressionSettings:
    """Training settings saved in the checkpoint (compared on resume)."""

    steps: int
    batch_size: int = 64
    lr: float = 5e-3
    lr_schedule: str = "cosine"
    seed: int = 0


def fit(
    model: nn.Module,
    config: RegressionConfig,
    train_data: RegressionData,
    steps: int,
    batch_size: int = 64,
    lr: float = 5e-3,
    lr_schedule: str = "cosine",
    seed: int = 0,
    val_data: RegressionData | None = None,
    val_every: int = 100,
    checkpoint_every: int = 500,
    out_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> History:
    """Train ``model`` (built by :func:`~minisnn.regression.build` from ``config``) with Adam on the MSE of the
    read-out. Validation every ``val_every`` steps: the RMSE on ``val_data`` (for watching the curve). Checkpoints,
    exact resume, the NaN guard and Ctrl-C are :func:`minisnn.trainer.train`'s."""
    settings = RegressionSettings(steps, batch_size, lr, lr_schedule, seed)
    batches = RegressionBatches(train_data, config, batch_size, seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)

    def loss_fn(m: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> Tensor:
        x, y = batch
        return F.mse_loss(prediction(m(Tensor(x)), config), Tensor(y))

    check = None
    if val_data is not None:

        def check(m: nn.Module) -> dict[str, float]:
            return {"rmse": rmse(m, config, val_data)}

    return train(
        model, optimizer, batches, loss_fn, steps, schedule=Schedule(lr, lr_schedule, steps), validate=check,
        val_every=val_every, checkpoint_every=checkpoint_every, out_dir=out_dir, resume=resume, progress=progress,
        metadata={"config": config.to_dict(), "settings": asdict(settings), "task": "regression"},
        progress_label="training " + ("SNN" if config.spiking else "ANN"),
    )  # fmt: skip
