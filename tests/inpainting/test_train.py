"""Training: learning happens, resume is exact, NaN and Ctrl-C are handled, evaluation is consistent."""

import os
import signal

import numpy as np
import pytest

from minisnn import io, nn
from minisnn.data import ArrayImages, validation_set
from minisnn.inpainting import SCNN, TrainingDiverged, evaluate, fit, metrics
from minisnn.inpainting.train import predict


def tiny_images(n=4, size=40, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    images = []
    for _ in range(n):
        a, b, c = rng.uniform(-2, 2, 3)
        base = 0.5 + 0.25 * np.sin(a * x * 3 + b * y * 3 + c)
        images.append(np.stack([base, base[::-1], base.T]).astype(np.float32))
    return ArrayImages(images)


def tiny_model(**overrides):
    # from scratch (no pre-fill): learning has to do all the work
    settings = {"width": 6, "num_steps": 3, "dilations": (1, 1, 2, 2, 1, 1), "prefill": "zero", **overrides}
    return SCNN.reduced(rng=0, **settings)


SETTINGS = dict(batch_size=4, crop_size=16, progress=False, val_every=5)


def test_training_reduces_the_validation_error():
    val = validation_set(tiny_images(seed=1), 16, 8, seed=0)
    model = tiny_model()
    before = metrics.mse(np.clip(predict(model, val.inputs), 0, 1), val.images, val.masks)
    history = fit(model, tiny_images(), val, steps=60, lr=3e-3, loss="hole_weighted", **SETTINGS)
    after = metrics.mse(np.clip(predict(model, val.inputs), 0, 1), val.images, val.masks)
    assert after < 0.5 * before
    assert len(history.train_loss) == 60 and history.val_step[-1] == 60
    assert np.mean(history.train_loss[-10:]) < np.mean(history.train_loss[:10])


def test_resume_continues_exactly(tmp_path):
    images = tiny_images()
    straight = fit(tiny_model(), images, None, steps=6, out_dir=tmp_path / "a", checkpoint_every=100, **SETTINGS)
    fit(tiny_model(), images, None, steps=3, out_dir=tmp_path / "b", checkpoint_every=100, **SETTINGS)
    resumed = fit(tiny_model(), images, None, steps=6, out_dir=tmp_path / "b", resume=True, **SETTINGS)
    assert resumed.train_loss == straight.train_loss  # bit-identical, noise and batches included
    a, b = io.load(tmp_path / "a" / "model.npz"), io.load(tmp_path / "b" / "model.npz")
    for name in a.state_dict:
        np.testing.assert_array_equal(a.state_dict[name], b.state_dict[name])
    assert (tmp_path / "b" / "history.json").exists()


def test_resume_refuses_another_configuration_and_names_the_keys(tmp_path):
    fit(tiny_model(), tiny_images(), None, steps=2, out_dir=tmp_path, **SETTINGS)
    with pytest.raises(ValueError, match=r"another model configuration \(num_steps: checkpoint 3 vs model 4"):
        fit(tiny_model(num_steps=4), tiny_images(), None,
            steps=4, out_dir=tmp_path, resume=True, **SETTINGS)  # fmt: skip
    with pytest.raises(ValueError, match="batch_size: checkpoint 4 vs now 2"):
        fit(tiny_model(), tiny_images(), None, steps=4, out_dir=tmp_path, resume=True,
            **{**SETTINGS, "batch_size": 2})  # fmt: skip


class ExplodesAt(SCNN):
    def __init__(self, at, action, **kw):
        super().__init__(tiny_model().config, rng=0, **kw)
        self.calls, self.at, self.action = 0, at, action

    def forward(self, inputs):
        self.calls += 1
        out = super().forward(inputs)
        if self.training and self.calls == self.at:
            if self.action == "nan":
                return out * np.float32(np.nan)
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C during this step
        return out


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_checkpoint(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"loss became nan at step 5.*model.npz \(step 4\)"):
        fit(ExplodesAt(5, "nan"), tiny_images(), None, steps=10, out_dir=tmp_path, checkpoint_every=2, **SETTINGS)
    assert io.load(tmp_path / "model.npz").extra["step"] == 4


def test_validation_data_with_nan_is_an_input_error_not_a_divergence(tmp_path):
    val = validation_set(tiny_images(seed=1), 16, 2, seed=0)
    val.inputs[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="val_data.inputs contains NaN or inf"):
        fit(tiny_model(), tiny_images(), val, steps=2, out_dir=tmp_path, **SETTINGS)


@pytest.mark.parametrize("value", [np.nan, np.inf, 1e30])
def test_validation_of_diverged_weights_gives_nan_metrics_not_an_error(value):
    from minisnn.inpainting.train import validate

    val = validation_set(tiny_images(seed=1), 16, 2, seed=0)
    model = tiny_model(spiking=False)
    for p in model.parameters():
        p.data[...] = value
    with np.errstate(all="ignore"):
        values = validate(model, val, "hole_weighted")
    assert np.isnan(values["loss"]) and np.isnan(values["hole_psnr"])


def test_ctrl_c_finishes_the_step_saves_and_stops(tmp_path):
    with pytest.raises(KeyboardInterrupt, match="interrupted at step 3; checkpoint saved"):
        fit(ExplodesAt(3, "sigint"), tiny_images(), None, steps=10, out_dir=tmp_path, checkpoint_every=100,
            **SETTINGS)  # fmt: skip
    checkpoint = io.load(tmp_path / "model.npz")
    assert checkpoint.extra["step"] == 3 and checkpoint.extra["history"]["interrupted"]
    resumed = fit(tiny_model(), tiny_images(), None, steps=5, out_dir=tmp_path, resume=True, **SETTINGS)
    assert resumed.step == [1, 2, 3, 4, 5]


def test_spike_statistics_accumulated_over_chunks_equal_the_whole_batch():
    from minisnn import spikestats

    val = validation_set(tiny_images(seed=4), 16, 5, seed=3)
    model = tiny_model()
    result = evaluate(model, val, baselines=(), chunk=2)
    # The whole batch's spikes, predicted in evaluate's chunks of 2 (the record keeps every chunk's side by side):
    # one GEMM over all 5 crops may round differently on some CPUs and flip a spike sitting at threshold; the same
    # chunks repeat evaluate's arithmetic exactly, so the count below can be compared exactly.
    with nn.record(model) as rec:
        predict(model, val.inputs, chunk=2)
    spikes = rec.spikes()
    assert result["spiking"]["rate_per_step"] == pytest.approx(spikestats.firing_rate(spikes))
    assert result["spiking"]["silent_fraction"] == pytest.approx(spikestats.silent_fraction(spikes))
    assert result["spiking"]["spikes"] == spikes.sum()


def test_validation_reports_the_spiking_layers_rate_and_silent_fraction():
    val = validation_set(tiny_images(seed=1), 16, 6, seed=0)
    model = tiny_model()
    history = fit(model, tiny_images(), val, steps=5, **SETTINGS)
    with nn.record(model.eval()) as rec:
        model(val.inputs)
    spikes = rec.spikes()
    assert history.val["spike_rate"][-1] == pytest.approx(spikes.mean())
    assert history.val["silent_fraction"][-1] == pytest.approx(np.mean(spikes.sum(axis=0) == 0))
    cnn = fit(tiny_model(spiking=False), tiny_images(), val, steps=5, **SETTINGS)
    assert "spike_rate" not in cnn.val


def test_the_rate_floor_keeps_a_silenced_layer_firing():
    """A spiking layer pushed far below threshold (input_offset −3) stays 100 % silent when trained for the task
    alone; with the activity regulariser the same run brings its channels back to firing."""
    val = validation_set(tiny_images(seed=1), 16, 6, seed=0)
    runs = {}
    for weight in (0.0, 10.0):
        model = tiny_model(input_offset=-3.0)
        runs[weight] = fit(model, tiny_images(), val, steps=30, lr=1e-2, rate_floor=0.2, rate_weight=weight,
                           **SETTINGS)  # fmt: skip
    assert runs[0.0].val["spike_rate"][0] == 0.0 and runs[0.0].val["spike_rate"][-1] == 0.0
    assert runs[10.0].val["spike_rate"][-1] > 0.05
    assert runs[10.0].val["silent_fraction"][-1] < runs[0.0].val["silent_fraction"][-1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("rate_floor", -0.1, "rate_floor must be a number >= 0"), ("rate_floor", 2.0, "rate_floor must be a rate"),
     ("rate_weight", float("nan"), "rate_weight must be a number >= 0"), ("rate_weight", True, "rate_weight")],
)  # fmt: skip
def test_rate_regulariser_settings_are_checked(name, value, message):
    with pytest.raises(ValueError, match=message):
        fit(tiny_model(), tiny_images(), None, steps=1, **{name: value}, **SETTINGS)


def test_scale_augmentation_trains_on_other_crops_and_resumes_exactly(tmp_path):
    images = tiny_images(size=48)
    flips = fit(tiny_model(), images, None, steps=4, augment="flips", **SETTINGS)
    straight = fit(tiny_model(), images, None, steps=4, augment="flips+scale", **SETTINGS)
    assert straight.train_loss != flips.train_loss  # zoomed-out crops, not the same crops
    fit(tiny_model(), images, None, steps=2, augment="flips+scale", out_dir=tmp_path, **SETTINGS)
    resumed = fit(tiny_model(), images, None, steps=4, augment="flips+scale", out_dir=tmp_path, resume=True, **SETTINGS)
    assert resumed.train_loss == straight.train_loss
    with pytest.raises(ValueError, match=r"augment must be one of \('none', 'flips', 'flips\+scale'\), got 'scale'"):
        fit(tiny_model(), images, None, steps=1, augment="scale", **SETTINGS)
