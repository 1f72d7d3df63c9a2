"""One training loop for every task: Adam steps, validation, checkpoints, exact resume, NaN and Ctrl-C safety.

The loop is the one you would write by hand (tutorial 06, the spiking classifier, does, before calling it)::

    for step in range(start + 1, steps + 1):
        optimizer.lr = schedule(step)
        batch = next(batches)
        loss = loss_fn(model, batch)           # a scalar Tensor
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

plus what a long run needs: a validation every ``val_every`` steps, a checkpoint every ``checkpoint_every``
steps, a clean stop on a NaN/inf loss (keeping the last good checkpoint) -- or on broken weights that the
validation sees first (a :class:`~minisnn.nn.NonFiniteCurrentError`, or a NaN metric) -- and Ctrl-C turned into
"finish this step, save, stop". Everything that decides the next step -- parameters, the optimiser's moments, the batch
stream's position, the random generators of spiking and dropout layers, the step count -- is in the
checkpoint, so ``resume=True`` continues with exactly the losses an uninterrupted run would have had.

Tasks plug in through four things: ``batches`` (an iterator with ``get_state()``/``set_state()``), ``loss_fn``,
an optional ``validate`` (model → {name: value}) and ``metadata`` (``config`` and ``settings`` dicts saved with
the weights and compared on resume). :func:`minisnn.inpainting.fit` and :func:`minisnn.classification.fit`
are thin wrappers around :func:`train`.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from minisnn import io
from minisnn.nn import Module
from minisnn.nn.spiking import NonFiniteCurrentError
from minisnn.optim import Optimizer
from minisnn.tensor import Tensor
from minisnn.training_state import check_training_state, restoring, set_bit_generator_state

SCHEDULES = ("constant", "cosine")


class TrainingDiverged(RuntimeError):
    """The loss (or a validation metric) became NaN or infinite; the last good checkpoint is kept."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM stopped the run. ``checkpoint``: the file to resume from (this run's last save, or
    the checkpoint it resumed from), or None when nothing was saved; ``signum``: the signal that stopped it."""

    def __init__(self, message: str, checkpoint: Path | None, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.checkpoint = checkpoint
        self.signum = signum


class Batches(Protocol):
    """What :func:`train` needs from a batch stream: the next batch, and a state for exact resume."""

    def __next__(self) -> Any: ...

    def get_state(self) -> dict[str, Any]: ...

    def set_state(self, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Schedule:
    """Learning rate per step (1-based): constant, or cosine from ``lr`` down to ``min_lr_fraction·lr`` at
    ``steps`` (lr_n = low + (lr - low)·(1 + cos(π (n-1)/(steps-1)))/2)."""

    lr: float
    kind: str = "constant"
    steps: int = 1
    min_lr_fraction: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {SCHEDULES}, got {self.kind!r}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float, np.number)):
            raise TypeError(f"lr must be a number, got lr={self.lr!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be positive and finite, got lr={self.lr!r}")

    def __call__(self, step: int) -> float:
        if self.kind == "constant" or self.steps <= 1:
            return float(self.lr)
        progress = min(step - 1, self.steps - 1) / (self.steps - 1)
        low = self.min_lr_fraction * self.lr
        return low + 0.5 * (self.lr - low) * (1 + math.cos(math.pi * progress))


@dataclass
class History:
    """Per-step training loss and learning rate; validation metrics (name → values) every ``val_every`` steps."""

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        known = {k: d[k] for k in ("step", "train_loss", "lr", "val_step", "val", "seconds", "interrupted") if k in d}
        return cls(**known)

    def save(self, path: Path) -> None:
        """``history.json``: strict JSON (an infinite value is written as null), written atomically."""
        io.write_json(path, self.to_dict())

    def record_validation(self, step: int, values: dict[str, float]) -> None:
        self.val_step.append(step)
        for name, value in values.items():
            self.val.setdefault(name, []).append(float(value))


def rng_states(model: Module) -> dict[str, Any]:
    """The bit-generator state of every sub-module with an ``rng`` (spiking layers' noise, dropout)."""
    return {name: m.rng.bit_generator.state for name, m in model.named_modules() if hasattr(m, "rng")}


def set_rng_states(model: Module, states: dict[str, Any]) -> None:
    for name, m in model.named_modules():
        if hasattr(m, "rng") and name in states:
            set_bit_generator_state(m.rng, states[name], f"rng_states[{name!r}]")


@contextmanager
def deferred_interrupt() -> Iterator[list[int]]:
    """Turn Ctrl-C (SIGINT) and SIGTERM into a flag checked between steps, so a checkpoint is never written
    mid-update: ``flag[0]`` becomes the signal's number (0 while none came)."""
    flag = [0]
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag[0]:  # a second signal: stop right away
            stop = KeyboardInterrupt("interrupted twice: stopped immediately, without saving this step")
            stop.signum = signum  # type: ignore[attr-defined]
            raise stop
        flag[0] = signum

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def check_resume(saved: dict[str, Any], metadata: dict[str, Any], steps: int, done: int) -> None:
    """Refuse to resume when the model configuration or a training setting differs from the checkpoint's,
    naming each differing key; and when ``steps`` cannot continue the run exactly."""
    saved_config, ours = saved.get("config", {}), metadata.get("config", {})
    differing = sorted(k for k in set(saved_config) | set(ours) if saved_config.get(k) != ours.get(k))
    if differing:
        details = ", ".join(f"{k}: checkpoint {saved_config.get(k)!r} vs model {ours.get(k)!r}" for k in differing)
        raise ValueError(f"resume: the checkpoint was trained with another model configuration ({details})")
    saved_settings, settings = saved.get("settings", {}), metadata.get("settings", {})
    differing = [k for k in settings if k != "steps" and k in saved_settings and saved_settings[k] != settings[k]]
    if differing:
        details = ", ".join(f"{k}: checkpoint {saved_settings[k]!r} vs now {settings[k]!r}" for k in differing)
        raise ValueError(
            f"resume: these settings differ from the checkpoint's, so the run cannot continue exactly: {details}"
        )
    saved_data, data = saved.get("data"), metadata.get("data")
    # only what the checkpoint recorded is compared (runs saved before "contents" existed record the listing only)
    if saved_data is not None and data is not None and {k: data.get(k) for k in saved_data} != saved_data:
        raise ValueError(
            f"resume: the checkpoint was trained on other data (checkpoint {_describe_data(saved_data)}, now "
            f"{_describe_data(data)}); resume with the same --data, or start a new run"
        )
    planned = saved_settings.get("steps")
    cosine = saved_settings.get("lr_schedule") == "cosine" and planned is not None
    if steps == done and (not cosine or done >= planned):
        return  # a finished run resumed with its own total: nothing left to train (e.g. classify --resume after
        # a Ctrl-C in the second of its two runs); the caller loads the model and trains zero steps
    if cosine:
        if done >= planned:
            raise ValueError(
                f"resume: the run is complete: its cosine learning-rate schedule ran all {planned} steps, so it cannot "
                "be continued; to train longer, start a new run (on the command line: another --out, or --overwrite "
                "to replace this one)"
            )
        if planned != steps:
            raise ValueError(
                f"resume: the run's cosine learning-rate schedule was set for {planned} steps; resume with "
                f"steps={planned} (a different total would change the schedule of the steps already taken), or start "
                "a new run"
            )
    if steps < done:
        raise ValueError(f"resume: the checkpoint is already at step {done}; pass a number of steps of at least {done}")


def _describe_data(data: dict[str, Any]) -> str:
    contents = f", contents {data['contents']}" if "contents" in data else ""
    return f"{data.get('images')} images, listing fingerprint {data.get('fingerprint')}{contents}"


def train(
    model: Module,
    optimizer: Optimizer,
    batches: Batches,
    loss_fn: Callable[[Module, Any], Tensor],
    steps: int,
    schedule: Callable[[int], float] | None = None,
    validate: Callable[[Module], dict[str, float]] | None = None,
    val_every: int = 50,
    checkpoint_every: int = 100,
    out_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    metadata: dict[str, Any] | None = None,
    progress_label: str = "training",
    normalise_config: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    best_metric: str | None = None,
) -> History:
    """Train ``model`` for ``steps`` steps (see the module docstring).

    Args:
        loss_fn: (model, batch) → scalar loss Tensor, with the model in training mode.
        schedule: step → learning rate (default: the optimiser's lr throughout).
        validate: model → {metric: value}, called every ``val_every`` steps and at the last step (the model is
            put back in training mode afterwards). A :class:`~minisnn.nn.NonFiniteCurrentError` or a NaN value
            from it counts as a divergence, so check the validation data beforehand (as the tasks' ``fit`` do).
        out_dir: where ``model.npz`` (the checkpoint) and ``history.json`` go; None keeps nothing on disk.
        resume: continue from ``out_dir/model.npz`` (same metadata, see :func:`check_resume`).
        metadata: ``{"config": {...}, "settings": {...}, ...}`` saved in the checkpoint's header.
        normalise_config: applied to the checkpoint's config before comparing it with ``metadata["config"]``
            (e.g. rebuild it to fill in the defaults of fields added since the checkpoint was written).
        best_metric: a validation metric to maximise: whenever it improves, the weights are also saved to
            ``out_dir/best.npz`` (weights and metadata only) -- early stopping without stopping.

    Returns:
        The :class:`History`. Raises :class:`TrainingDiverged` on a NaN/inf loss or a divergence first seen in the
        validation (the last checkpoint is kept)
        and :class:`Interrupted` (a ``KeyboardInterrupt``) when stopped with Ctrl-C: after saving a checkpoint, or,
        after a second Ctrl-C, at once.
    """
    for name, value in (("steps", steps), ("val_every", val_every), ("checkpoint_every", checkpoint_every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"train: {name} must be a positive int, got {name}={value!r}")
    metadata = dict(metadata or {})
    out = Path(out_dir) if out_dir is not None else None
    checkpoint_path = out / "model.npz" if out is not None else None
    schedule = schedule or (lambda step: optimizer.lr)
    history = History()
    start_step = 0
    if resume:
        if checkpoint_path is None or not checkpoint_path.exists():
            raise FileNotFoundError(f"resume: no checkpoint at {checkpoint_path} (pass the out_dir of the run)")
        checkpoint = io.load(checkpoint_path)
        check_training_state(checkpoint.extra, checkpoint_path)  # every field's type and range, before any is used
        saved = dict(checkpoint.extra)
        if normalise_config is not None and "config" in saved:
            with restoring("config", checkpoint_path):
                saved["config"] = normalise_config(saved["config"])
        check_resume(saved, metadata, steps, int(checkpoint.extra["step"]))
        model.load_state_dict(checkpoint.state_dict)
        with restoring("optimizer", checkpoint_path):
            optimizer.load_state_dict(checkpoint.extra["optimizer"])
        with restoring("batches", checkpoint_path):
            batches.set_state(checkpoint.extra["batches"])
        with restoring("rng_states", checkpoint_path):
            set_rng_states(model, checkpoint.extra["rng_states"])
        history = History.from_dict(checkpoint.extra["history"])
        history.interrupted = False
        start_step = int(checkpoint.extra["step"])
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    last_saved = [start_step if resume else None]

    def save(step: int) -> None:
        if checkpoint_path is None:
            return
        io.save(
            checkpoint_path, model, step=step, optimizer=optimizer.state_dict(), batches=batches.get_state(),
            rng_states=rng_states(model), history=history.to_dict(), **metadata,
        )  # fmt: skip
        history.save(out / "history.json")
        last_saved[0] = step

    def diverged(what: str, step: int) -> TrainingDiverged:
        kept = "none was saved" if last_saved[0] is None else f"{checkpoint_path} (step {last_saved[0]})"
        return TrainingDiverged(
            f"{what} at step {step}; stopping. The last good checkpoint: {kept}. Try a smaller lr or check the data."
        )

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start_step, desc=progress_label, unit="step", dynamic_ncols=True)
    model.train()
    began = time.perf_counter() - history.seconds
    running = None
    try:
        with deferred_interrupt() as interrupted:
            for step in range(start_step + 1, steps + 1):
                optimizer.lr = schedule(step)
                batch = next(batches)
                try:
                    loss = loss_fn(model, batch)
                    value = loss.item()
                except NonFiniteCurrentError:  # the weights went NaN/inf: same handling as a NaN loss
                    value = math.nan
                if not math.isfinite(value):
                    raise diverged(f"the loss became {value}", step)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                history.step.append(step)
                history.train_loss.append(value)
                history.lr.append(optimizer.lr)
                running = value if running is None else 0.95 * running + 0.05 * value
                if validate is not None and (step % val_every == 0 or step == steps):
                    try:
                        values = validate(model)
                    except NonFiniteCurrentError as error:  # this step's update broke the weights
                        layer = str(error).partition(":")[0]  # "SNNConv2d: the input current contains NaN ..."
                        raise diverged(
                            f"the validation found NaN or inf in the input current of {layer}", step
                        ) from None
                    broken = [name for name, v in values.items() if math.isnan(v)]  # inf may be an exact fill
                    if broken:
                        raise diverged(f"the validation {broken[0]} became nan", step)
                    history.record_validation(step, values)
                    model.train()
                    if best_metric is not None and out is not None and best_metric in values:
                        scores = history.val[best_metric]
                        if scores[-1] >= max(scores):
                            io.save(out / "best.npz", model, step=step, val=values, **metadata)
                history.seconds = time.perf_counter() - began
                if bar is not None:
                    postfix = {"loss": f"{running:.4f}"}
                    for name, values in list(history.val.items())[:2]:
                        postfix[f"val {name}"] = f"{values[-1]:.4g}"
                    bar.set_postfix(postfix)
                    bar.update(1)
                if step % checkpoint_every == 0 or step == steps:
                    save(step)
                if interrupted[0]:
                    history.interrupted = True
                    save(step)
                    where = (
                        "nothing saved (no out_dir)"
                        if checkpoint_path is None
                        else f"checkpoint saved to {checkpoint_path}"
                    )
                    by = " (SIGTERM)" if interrupted[0] == signal.SIGTERM else ""
                    raise Interrupted(f"interrupted{by} at step {step}; {where}", checkpoint_path, interrupted[0])
    except Interrupted:
        raise
    except KeyboardInterrupt as stop:  # a second signal, in the middle of a step
        saved = None if last_saved[0] is None else checkpoint_path
        kept = "no checkpoint was saved" if saved is None else f"the last checkpoint: {saved} (step {last_saved[0]})"
        raise Interrupted(f"{stop or 'interrupted'}; {kept}", saved, getattr(stop, "signum", signal.SIGINT)) from None
    finally:
        if bar is not None:
            bar.close()
    return history
