"""The task-independent trainer on a tiny regression task: learning, exact resume, the resume rules, the NaN
guard, Ctrl-C, schedules."""

import os
import signal

import numpy as np
import pytest

from minisnn import Tensor, io, nn, optim
from minisnn import functional as F
from minisnn.trainer import Interrupted, Schedule, TrainingDiverged, train


class Stream:
    """Endless seeded batches of (x, y = x·w_true + noise)."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def __next__(self):
        x = self.rng.standard_normal((8, 3)).astype(np.float32)
        return x, x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.01 * self.rng.standard_normal((8, 1)).astype(
            np.float32
        )

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


class Noisy(nn.Module):
    """A linear layer followed by dropout: the model has a random generator the checkpoint must carry."""

    def __init__(self, explode_at=None, interrupt_at=None, interrupts=1):
        self.linear = nn.Linear(3, 1, rng=0)
        self.dropout = nn.Dropout(0.05, rng=1)
        self.calls, self.explode_at, self.interrupt_at, self.interrupts = 0, explode_at, interrupt_at, interrupts

    def forward(self, x):
        self.calls += 1
        out = self.linear(self.dropout(x))
        if self.calls == self.explode_at:
            return out * np.float32(np.nan)
        if self.calls == self.interrupt_at:
            for _ in range(self.interrupts):  # a second Ctrl-C interrupts right here
                os.kill(os.getpid(), signal.SIGINT)
        return out


def loss_fn(model, batch):
    x, y = batch
    return F.mse_loss(model(Tensor(x)), y)


def run(model, steps, out=None, resume=False, schedule="constant", planned=None, **kw):
    opt = optim.Adam(model.parameters(), lr=0.05)
    stream = Stream()
    settings = {"steps": planned or steps, "lr_schedule": schedule, "batch": 8}
    return train(
        model, opt, stream, loss_fn, steps, schedule=Schedule(0.05, schedule, planned or steps), out_dir=out,
        resume=resume, progress=False, metadata={"config": {"width": 1}, "settings": settings}, **kw,
    )  # fmt: skip


def test_it_learns_and_validates():
    model = Noisy()
    history = run(model, 150, validate=lambda m: {"w0": float(m.linear.weight.data[0, 0])}, val_every=50)
    assert np.mean(history.train_loss[-20:]) < 0.2 * np.mean(history.train_loss[:10])
    assert history.val_step == [50, 100, 150] and abs(history.val["w0"][-1] - 1.0) < 0.2


def test_resume_is_exact_and_follows_the_rules(tmp_path):
    straight = run(Noisy(), 12, tmp_path / "a", schedule="cosine")
    run(Noisy(), 5, tmp_path / "b", schedule="cosine", planned=12)  # stopped early: 5 of a planned 12
    resumed = run(Noisy(), 12, tmp_path / "b", resume=True, schedule="cosine")
    assert resumed.train_loss == straight.train_loss
    a, b = io.load(tmp_path / "a" / "model.npz"), io.load(tmp_path / "b" / "model.npz")
    np.testing.assert_array_equal(a.state_dict["linear.weight"], b.state_dict["linear.weight"])
    for steps in (10, 20):  # a finished cosine run cannot be continued: the advice must not go in circles
        with pytest.raises(ValueError, match="the run is complete: its cosine .* all 12 steps.*start a new run"):
            run(Noisy(), steps, tmp_path / "b", resume=True, schedule="cosine")
    again = run(Noisy(), 12, tmp_path / "b", resume=True, schedule="cosine")  # its own total: nothing to train
    assert again.train_loss == straight.train_loss
    np.testing.assert_array_equal(
        io.load(tmp_path / "b" / "model.npz").state_dict["linear.weight"], a.state_dict["linear.weight"]
    )
    run(Noisy(), 4, tmp_path / "c", schedule="cosine", planned=12)
    for steps in (3, 8):  # unfinished: the one total that continues it exactly
        with pytest.raises(ValueError, match="schedule was set for 12 steps; resume with steps=12"):
            run(Noisy(), steps, tmp_path / "c", resume=True, schedule="cosine")
    run(Noisy(), 4, tmp_path / "d")
    with pytest.raises(ValueError, match="already at step 4; pass a number of steps of at least 4"):
        run(Noisy(), 3, tmp_path / "d", resume=True)
    assert run(Noisy(), 4, tmp_path / "d", resume=True).step == list(range(1, 5))  # nothing left to train
    assert run(Noisy(), 8, tmp_path / "d", resume=True).step == list(range(1, 9))  # constant lr: may extend


def test_weights_only_checkpoints_cannot_be_resumed(tmp_path):
    io.save(tmp_path / "model.npz", Noisy())
    with pytest.raises(ValueError, match="holds weights only"):
        run(Noisy(), 3, tmp_path, resume=True)


def test_nan_stops_and_keeps_the_last_checkpoint(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"loss became nan at step 5.*\(step 4\)"):
        run(Noisy(explode_at=5), 10, tmp_path, checkpoint_every=2)
    assert io.load(tmp_path / "model.npz").extra["step"] == 4


@pytest.mark.parametrize("failure", ["raises", "nan"])
def test_a_divergence_first_seen_in_validation_stops_like_a_nan_loss(tmp_path, failure):
    from minisnn.nn import NonFiniteCurrentError

    def validate(model):  # the weights are fine until step 5, whose update breaks them
        if model.calls < 5:
            return {"loss": 0.1, "psnr": float("inf")}  # an infinite PSNR (an exact fill) is no divergence
        if failure == "raises":
            raise NonFiniteCurrentError("SNNConv2d: the input current contains NaN or inf")
        return {"loss": float("nan"), "psnr": 20.0}

    with pytest.raises(TrainingDiverged, match=r"validation.* at step 5.*model.npz \(step 4\)"):
        run(Noisy(), 10, tmp_path, validate=validate, val_every=1, checkpoint_every=2)
    assert io.load(tmp_path / "model.npz").extra["step"] == 4


def test_ctrl_c_finishes_the_step_and_saves(tmp_path):
    with pytest.raises(Interrupted, match="interrupted at step 3; checkpoint saved") as stop:
        run(Noisy(interrupt_at=3), 10, tmp_path, checkpoint_every=100)
    assert stop.value.checkpoint == tmp_path / "model.npz"
    assert io.load(tmp_path / "model.npz").extra["history"]["interrupted"]


def test_a_double_ctrl_c_names_the_checkpoint_to_resume_from_if_there_is_one(tmp_path):
    with pytest.raises(Interrupted, match="interrupted twice.*no checkpoint was saved") as stop:
        run(Noisy(interrupt_at=3, interrupts=2), 10, tmp_path / "a", checkpoint_every=100)
    assert stop.value.checkpoint is None and not (tmp_path / "a" / "model.npz").exists()
    with pytest.raises(Interrupted, match=r"interrupted twice.*the last checkpoint: .*model.npz \(step 2\)") as stop:
        run(Noisy(interrupt_at=3, interrupts=2), 10, tmp_path / "b", checkpoint_every=2)
    assert stop.value.checkpoint == tmp_path / "b" / "model.npz"
    assert io.load(stop.value.checkpoint).extra["step"] == 2


def test_schedules_and_argument_errors():
    cosine = Schedule(1.0, "cosine", 11, 0.1)
    assert cosine(1) == 1.0 and cosine(11) == pytest.approx(0.1) and cosine(6) == pytest.approx(0.55)
    assert Schedule(0.3)(99) == 0.3
    with pytest.raises(ValueError, match="lr must be positive and finite, got lr=inf"):
        Schedule(float("inf"))
    with pytest.raises(TypeError, match="lr must be a number"):
        Schedule("0.1")
    with pytest.raises(ValueError, match="val_every must be a positive int, got val_every=0"):
        run(Noisy(), 3, val_every=0)


def test_the_best_validation_weights_are_kept(tmp_path):
    scores = iter([0.5, 0.9, 0.7])
    model = Noisy()
    history = run(model, 3, tmp_path, validate=lambda m: {"score": next(scores)}, val_every=1, best_metric="score")
    best = io.load(tmp_path / "best.npz")
    assert best.extra["step"] == 2 and best.extra["val"]["score"] == 0.9 and history.val["score"] == [0.5, 0.9, 0.7]
