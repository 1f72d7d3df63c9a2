"""Digit classification: the data split, encoders, TimeDistributed, a tiny spiking classifier that learns in
seconds, evaluation (confusion, spikes, energy), resume, and the command line."""

import json

import numpy as np
import pytest

from minisnn import Tensor, encoding, nn
from minisnn.classification import ClassifierConfig, build, dataset, encode, evaluate, fit, logits
from minisnn.classification.evaluate import confusion_matrix
from minisnn.data import LabelledBatches, digits


def test_digits_split_is_fixed_stratified_and_disjoint():
    train, test, everything = digits("train"), digits("test"), digits("all")
    assert len(train) + len(test) == len(everything) == 1797
    assert train.images.shape[1:] == (1, 8, 8) and train.images.dtype == np.float32
    assert 0 <= train.images.min() and train.images.max() <= 1 and train.labels.dtype == np.int64
    fractions = np.bincount(test.labels) / np.bincount(everything.labels)
    assert np.all(np.abs(fractions - 0.25) < 0.02)  # every class in proportion
    rows = {row.tobytes() for row in everything.images.reshape(1797, -1)}
    assert len(rows) > 1700  # (a few digits are duplicated in the data itself)
    np.testing.assert_array_equal(digits("test").images, test.images)  # same seed, same split
    assert not np.array_equal(digits("test", seed=1).labels, test.labels)
    big = digits("test", size=16)
    assert big.images.shape == (450, 1, 16, 16) and abs(big.images.mean() - test.images.mean()) < 0.01
    with pytest.raises(ValueError, match="split must be one of"):
        digits("validation")
    with pytest.raises(ValueError, match="size must be an int >= 8"):
        digits(size=4)


def test_encoders_on_digits():
    images = digits("test").images[:20]
    rate = encoding.rate(images, 200, rng=0)
    assert rate.shape == (200, 20, 1, 8, 8) and abs(rate.mean(axis=0) - images).max() < 0.15
    latency = encoding.latency(images, 10)
    assert latency.sum(axis=0).max() == 1  # one spike at most
    direct = encoding.direct(images, 5)
    assert direct.shape == (5, 20, 1, 8, 8) and np.all(direct == images)


def test_time_distributed_folds_time_into_the_batch():
    conv = nn.Conv2d(1, 3, 3, padding=1, rng=0)
    x = np.random.default_rng(0).random((4, 2, 1, 6, 6)).astype(np.float32)
    out = nn.TimeDistributed(conv)(Tensor(x))
    assert out.shape == (4, 2, 3, 6, 6)
    np.testing.assert_allclose(out.data[2], conv(Tensor(x[2])).data, rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected \(T, N, ...\)"):
        nn.TimeDistributed(conv)(Tensor(np.ones(3, np.float32)))


def test_labelled_batches_cover_an_epoch_and_resume():
    x, y = np.arange(10.0)[:, None], np.arange(10)
    batches = LabelledBatches(x, y, 3, rng=0)
    first_epoch = np.concatenate([next(batches)[1] for _ in range(3)])
    assert len(set(first_epoch)) == 9  # three batches of three, no repeats (one example left over)
    state = batches.get_state()
    ahead = [next(batches)[1] for _ in range(4)]
    batches.set_state(state)
    assert all(np.array_equal(a, next(batches)[1]) for a in ahead)


@pytest.mark.parametrize("readout", ["spikes", "membrane"])
def test_a_tiny_spiking_classifier_learns_in_seconds(readout):
    config = ClassifierConfig(hidden=32, num_steps=8, readout=readout)
    train, test = digits("train"), digits("test")
    model = build(config, rng=0)
    history = fit(model, config, train, 150, lr=5e-3, progress=False, val_data=test, val_every=150)
    assert history.val["accuracy"][-1] > 0.7  # chance is 0.1
    assert np.mean(history.train_loss[-10:]) < 0.6 * np.mean(history.train_loss[:10])


def test_network_shapes_and_readouts():
    images = digits("test").images[:3]
    for arch, size in (("mlp", 8), ("cnn", 16)):
        config = ClassifierConfig(arch=arch, num_steps=3, channels=(2, 3))
        x = encode(digits("test", size=size).images[:3], config, rng=0)
        assert x.shape == (3, 3, 1, size, size)
        out = build(config, rng=0)(Tensor(x))
        assert out.shape == (3, 3, 10) and logits(out, config).shape == (3, 10)
        twin = ClassifierConfig(arch=arch, spiking=False, channels=(2, 3))
        assert build(twin, rng=0)(Tensor(encode(digits("test", size=size).images[:3], twin))).shape == (3, 10)
    assert encode(images, ClassifierConfig(spiking=False)) is images


def test_evaluation_reports_confusion_spikes_and_energy():
    config, twin_config = ClassifierConfig(hidden=16, num_steps=5), ClassifierConfig(hidden=16, spiking=False)
    data = digits("test")
    result = evaluate(build(config, rng=0), config, data, twin=build(twin_config, rng=0), twin_config=twin_config)
    confusion = np.array(result["confusion"])
    assert confusion.sum() == 450 and np.trace(confusion) / 450 == pytest.approx(result["accuracy"])
    assert len(result["spikes_per_sample"]) == 2 and all(v >= 0 for v in result["spikes_per_sample"])
    energy = result["energy"]
    assert energy["ann_macs_per_sample"] == 64 * 16 + 16 * 10
    # the hidden layer's 16 neurons update their state for T = 5 steps, paid for by the spikes they send on (fan-out
    # 10): 5.11 - 6.11·5/10; the read-out layer's own updates (spikes, 10 neurons) come with the 16→10 layer too
    assert energy["break_even_spikes_per_neuron_dense"] < 4.6 / 0.9
    assert energy["ann_zeros_measured"]  # the twin ran: its zeros were counted
    c = result["snn_minus_twin"]
    assert c["low"] <= c["estimate"] <= c["high"]
    np.testing.assert_array_equal(confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 2]), 3),
                                  [[1, 0, 0], [0, 1, 0], [0, 1, 0]])  # fmt: skip


def test_resume_is_exact(tmp_path):
    config = ClassifierConfig(hidden=16, num_steps=4)
    data = digits("train")
    straight = fit(build(config, rng=0), config, data, 6, out_dir=tmp_path / "a", progress=False)
    fit(build(config, rng=0), config, data, 3, out_dir=tmp_path / "b", progress=False, checkpoint_every=3)
    with pytest.raises(ValueError, match="the run is complete: its cosine learning-rate schedule ran all 3 steps"):
        fit(build(config, rng=0), config, data, 6, out_dir=tmp_path / "b", resume=True, progress=False)
    fit(build(config, rng=0), config, data, 3, out_dir=tmp_path / "c", progress=False, lr_schedule="constant")
    a = fit(build(config, rng=0), config, data, 6, out_dir=tmp_path / "d", progress=False, lr_schedule="constant")
    b = fit(build(config, rng=0), config, data, 6, out_dir=tmp_path / "c", resume=True, progress=False,
            lr_schedule="constant")  # fmt: skip
    assert a.train_loss == b.train_loss and len(straight.train_loss) == 6


def test_cli_classify(tmp_path, capsys):
    from minisnn.__main__ import main

    code = main(["classify", "--steps", "20", "--num-steps", "4", "--hidden", "16", "--out", str(tmp_path),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "| spiking MLP |" in printed and "| ANN twin |" in printed and "break-even" in printed
    result = json.loads((tmp_path / "metrics.json").read_text())
    assert {"accuracy", "twin_accuracy", "energy", "confusion", "snn_minus_twin"} <= set(result)
    assert (tmp_path / "snn" / "model.npz").exists() and (tmp_path / "ann" / "model.npz").exists()


# ---------------------------------------------------------------------------------- the row task: memory matters
def test_rows_are_the_time_axis_and_the_readout_is_after_the_last_row():
    config = ClassifierConfig.rows("alif", recurrent=True, hidden=16)
    images = digits("test").images[:5]
    x = encode(images, config)
    assert x.shape == (8, 5, 8)
    np.testing.assert_array_equal(x[3], images[:, 0, 3])  # step 3 is row 3
    net = build(config, rng=0)
    assert isinstance(net[1], nn.RecurrentSpiking) and net[1].neuron.b == config.adaptation
    out = net(Tensor(x))
    assert out.shape == (8, 5, 10)
    np.testing.assert_array_equal(logits(out, config).data, out.data[-1])
    with pytest.raises(ValueError, match="task='rows' reads the 8 rows as 8 steps"):
        ClassifierConfig.rows(num_steps=25)
    with pytest.raises(ValueError, match="recurrent=True needs arch='mlp'"):
        ClassifierConfig(arch="cnn", recurrent=True)
    assert ClassifierConfig.from_dict(config.to_dict()) == config


def test_on_rows_a_recurrent_alif_network_learns_and_the_evaluation_counts_its_recurrence():
    """300 steps (about a second): far from the benchmark's 94 % (3000 steps), far above chance."""
    config = ClassifierConfig.rows("alif", recurrent=True, hidden=32)
    model = build(config, rng=0)
    history = fit(model, config, digits("train"), 300, progress=False, val_data=digits("test"), val_every=300)
    assert history.val["accuracy"][-1] > 0.6
    result = evaluate(model, config, digits("test"))
    energy = result["energy"]
    assert energy["ann_macs_per_sample"] == 64 * 32 + 32 * 32 * 8 + 32 * 10  # input, recurrence over 8 steps, out
    assert energy["synops_per_sample"] == pytest.approx(result["spikes_per_sample"][0] * (32 + 10))
    assert len(result["spikes_per_sample"]) == 1  # the read-out does not spike


def test_cli_classify_rows(tmp_path, capsys):
    from minisnn.__main__ import main

    code = main(["classify", "--task", "rows", "--neuron", "alif", "--recurrent", "--steps", "20", "--hidden", "16",
                 "--out", str(tmp_path), "--no-progress"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "one row per step" in printed and "recurrent ALIF hidden layer" in printed and "ANN twin" not in printed
    result = json.loads((tmp_path / "metrics.json").read_text())
    assert result["config"]["task"] == "rows" and result["config"]["neuron_kind"] == "alif"
    assert (tmp_path / "snn" / "model.npz").exists() and not (tmp_path / "ann").exists()


# ----------------------------------------------------------------------- the event task: digits seen by an event camera
def test_event_task_feeds_the_frames_time_major_to_a_two_channel_cnn():
    config = ClassifierConfig.events(num_steps=4, channels=(2, 3))
    data = dataset(config, "test")
    assert data.images.shape == (450, 4, 2, 16, 16) and data.images.dtype == np.uint8  # sample-major for batching
    x = encode(data.images[:5], config)
    assert x.shape == (4, 5, 2, 16, 16) and x.dtype == np.float32
    np.testing.assert_array_equal(x[2, 1], data.images[1, 2])  # step 2 of sample 1
    np.testing.assert_array_equal(data.labels, digits("test").labels)
    net = build(config, rng=0)
    assert net[0].module.weight.shape == (2, 2, 3, 3)  # ON and OFF input channels
    assert build(config, rng=0)(Tensor(x)).shape == (4, 5, 10)
    with pytest.raises(ValueError, match="task='events' is a spiking CNN"):
        ClassifierConfig(task="events", arch="mlp")
    with pytest.raises(ValueError, match="task='events' is a spiking CNN"):
        ClassifierConfig.events(spiking=False)
    with pytest.raises(ValueError, match="task='events' needs num_steps >= 3"):
        ClassifierConfig.events(num_steps=2)
    assert ClassifierConfig.from_dict(config.to_dict()) == config


def test_on_event_digits_a_spiking_cnn_learns_and_its_input_spikes_are_counted():
    """80 steps of a small CNN (a few seconds): far from the benchmark's 1,500 steps, far above chance."""
    config = ClassifierConfig.events(num_steps=6, channels=(8, 8))
    train, test = dataset(config, "train"), dataset(config, "test")
    model = build(config, rng=0)
    history = fit(model, config, train, 80, batch_size=32, lr=1e-2, progress=False, val_data=test, val_every=80)
    assert history.val["accuracy"][-1] > 0.4  # chance is 0.1
    result = evaluate(model, config, test)
    events_per_digit = test.images.sum(dtype=np.float64) / len(test)
    hidden = result["spikes_per_sample"]  # the two conv layers' spikes, then the output's
    synops = events_per_digit * 8 * 9 + hidden[0] * 8 * 9 + hidden[1] * 10  # each spike × its fan-out
    assert result["energy"]["synops_per_sample"] == pytest.approx(synops, rel=1e-9)


def test_cli_classify_events(tmp_path, capsys):
    from minisnn.__main__ import main

    code = main(["classify", "--task", "events", "--steps", "5", "--num-steps", "3", "--out", str(tmp_path),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "event frames (T = 3 steps" in printed and "| spiking CNN (event digits) |" in printed
    assert "ANN twin" not in printed
    result = json.loads((tmp_path / "metrics.json").read_text())
    assert result["config"]["task"] == "events" and result["config"]["arch"] == "cnn"
    assert result["config"]["input_gain"] == 1.0 and result["config"]["channels"] == [16, 32]
    assert (tmp_path / "snn" / "model.npz").exists() and not (tmp_path / "ann").exists()
    assert main(["classify", "--task", "events", "--arch", "mlp", "--out", str(tmp_path / "x")]) != 0
    assert "--task events is a spiking CNN" in capsys.readouterr().err
