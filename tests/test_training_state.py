"""A resume reads a checked schema (issue 21, item 2 and rows 4, 5, 20): every corrupted field of a checkpoint's
training state is refused with one line naming the field, before the run continues; the data listing's fingerprint
stops a resume on other data."""

import copy

import numpy as np
import pytest
from PIL import Image

from minisnn import io
from minisnn.__main__ import main
from minisnn.data import ArrayImages, FolderImages, save_image
from minisnn.inpainting import SCNN
from minisnn.training_state import check_training_state

BASE = ["--crop", "16", "--batch-size", "2", "--val-crops", "2", "--val-every", "1", "--no-progress",
        "--num-steps", "2", "--lr-schedule", "constant"]  # fmt: skip
TINY = ["--steps", "2", *BASE]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("resume") / "run"
    assert main(["train", "--out", str(out), *TINY]) == 0
    return out / "model.npz"


def rewrite(source, target, change):
    """Copy the checkpoint at ``source`` to ``target/model.npz`` with ``change(extra)`` applied to its header."""
    saved = io.load(source)
    extra = copy.deepcopy(saved.extra)
    change(extra)
    target.mkdir(parents=True, exist_ok=True)
    io.save(target / "model.npz", SCNN.from_checkpoint(source), **extra)


def setitem(path, value):
    def change(extra):
        *parents, last = path
        node = extra
        for key in parents:
            node = node[key]
        node[last] = value

    return change


PCG = {"bit_generator": "PCG64", "state": {"state": 1, "inc": 3}, "has_uint32": 0, "uinteger": 0}
CORRUPTIONS = [
    (("step",), [1], "step must be a whole number >= 0, got [1]"),
    (("step",), None, "step must be a whole number >= 0, got None"),
    (("step",), -5, "step must be a whole number >= 0, got -5"),
    (("step",), 2.5, "step must be a whole number >= 0, got 2.5"),
    (("step",), True, "step must be a whole number >= 0, got True"),
    (("optimizer",), "adam", "optimizer must be a dict, got 'adam'"),
    (("optimizer", "type"), "SGD", "optimizer cannot be restored: load_state_dict: state is from 'SGD'"),
    (("optimizer", "exp_avg"), [1], "optimizer cannot be restored: load_state_dict: 'exp_avg' must have one entry"),
    (("rng_states",), [1], "rng_states must be a dict, got [1]"),
    (("rng_states", "layers.3.neurons"), {**PCG, "bit_generator": "MT19937"},
     "rng_states cannot be restored: rng_states['layers.3.neurons'] must be a PCG64 state, got 'MT19937'"),
    (("rng_states", "layers.3.neurons"), 7, "rng_states['layers.3.neurons'] must be a NumPy bit-generator state"),
    (("batches",), "x", "batches must be a dict, got 'x'"),
    (("batches", "sampler"), "x", "batches cannot be restored: set_state: sampler must be a CropSampler state"),
    (("batches", "sampler", "position"), -100, "batches cannot be restored: set_state: epoch must be >= -1 and "
     "position in 0..7, got 0 and -100"),
    (("batches", "sampler", "order_rng"), 5, "batches cannot be restored: sampler.order_rng must be a PCG64 state"),
    (("batches", "mask_rng"), [1, 2], "batches cannot be restored: mask_rng must be a PCG64 state"),
    (("batches", "batches_yielded"), "many", "batches cannot be restored: set_state: not an InpaintingBatches state"),
    (("history",), "h", "history must be a dict, got 'h'"),
    (("history", "step"), ["a", "b"], "history.step must be a list of whole numbers"),
    (("history", "train_loss"), [0.1], "history must be step, train_loss and lr of one length"),
    (("history", "step"), [1, 5], "history.step must be steps between 1 and the checkpoint's step 2"),
    (("history", "val"), [1], "history.val must be a dict of metric name -> list"),
    (("history", "val", "loss"), [0.1, 0.2, 0.3], "history.val['loss'] must be one value per validation step (2)"),
    (("history", "seconds"), -1.0, "history.seconds must be a number of seconds >= 0"),
    (("settings",), [1], "settings must be a dict, got [1]"),
    (("config",), "reduced", "config must be a dict, got 'reduced'"),
    (("data",), "photos", "data must be a dict, got 'photos'"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "message"), CORRUPTIONS, ids=[".".join(c[0]) for c in CORRUPTIONS])
def test_a_corrupted_training_state_is_one_line_naming_the_field(checkpoint, tmp_path, capsys, path, value, message):
    out = tmp_path / "bad"
    rewrite(checkpoint, out, setitem(path, value))
    before = (out / "model.npz").read_bytes()
    code = main(["train", "--out", str(out), "--resume", *TINY])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert err.startswith(f"error: resume: {out / 'model.npz'}: ") and message in err, err
    assert (out / "model.npz").read_bytes() == before  # the checkpoint is left as it was


def test_the_intact_checkpoint_resumes(checkpoint, tmp_path, capsys):
    """The control: the same rewrite without a change resumes (so each refusal above is the corruption's)."""
    out = tmp_path / "good"
    rewrite(checkpoint, out, lambda extra: None)
    assert main(["train", "--out", str(out), "--resume", *BASE, "--steps", "3"]) == 0
    assert io.load(out / "model.npz").extra["step"] == 3


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_optimizer_moments_are_refused_naming_them(checkpoint, tmp_path, capsys, value):
    """An inf second moment froze its weight for good and was saved again (issue 21, row 24's "inf Adam moments")."""
    out = tmp_path / "bad"

    def poison(extra):
        moments = extra["optimizer"]["exp_avg_sq"]
        moments[0] = np.full_like(np.asarray(moments[0]), value)

    rewrite(checkpoint, out, poison)
    code = main(["train", "--out", str(out), "--resume", *TINY])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert "optimizer cannot be restored: load_state_dict: exp_avg_sq[0] holds NaN or inf" in err, err


def test_a_weights_only_checkpoint_says_it_cannot_be_resumed():
    with pytest.raises(ValueError, match=r"resume: x\.npz holds weights only \(no 'step'\)"):
        check_training_state({"config": {}}, "x.npz")


TINY_DATA = [*BASE, "--val-crops", "1"]  # a 3-image folder holds out one image


# ---- row 20: the data's fingerprint ------------------------------------------------------------------------------
def _folder(path, seed):
    path.mkdir()
    rng = np.random.default_rng(seed)
    for k in range(3):
        save_image(path / f"img{k}.png", rng.random((3, 20, 20 + seed), dtype=np.float32))
    return path


def test_the_fingerprint_changes_with_the_files_not_with_the_listing_object(tmp_path):
    a, b = _folder(tmp_path / "a", 0), _folder(tmp_path / "b", 1)
    assert FolderImages(a).fingerprint() == FolderImages(a).fingerprint()
    assert FolderImages(a).fingerprint() != FolderImages(b).fingerprint()  # same names and count, other files
    arrays = [np.zeros((3, 4, 4), np.float32), np.ones((3, 4, 4), np.float32)]
    assert ArrayImages(arrays).fingerprint() != ArrayImages(arrays[::-1]).fingerprint()  # order counts
    assert len(FolderImages(a).fingerprint()) == 16


def _train_then_resume_on(data, other, out, capsys):
    """Train one step on ``data`` into ``out``, then ``--resume`` on ``other``: (exit status, stderr)."""
    assert main(["train", "--data", str(data), "--out", str(out), *TINY_DATA, "--steps", "1"]) == 0
    capsys.readouterr()
    code = main(["train", "--data", str(other), "--out", str(out), "--resume", *TINY_DATA, "--steps", "2"])
    return code, capsys.readouterr().err


def test_resuming_on_other_data_with_the_same_image_count_is_refused(tmp_path, capsys):
    data, other = _folder(tmp_path / "a", 0), _folder(tmp_path / "b", 1)
    out = tmp_path / "run"
    code, err = _train_then_resume_on(data, other, out, capsys)
    assert code == 2 and "resume: the checkpoint was trained on other data (checkpoint 2 images" in err, (
        err
    )  # 3 files, 1 held out
    assert main(["train", "--data", str(data), "--out", str(out), "--resume", *TINY_DATA, "--steps", "2"]) == 0


def _bmp_folder(path, seed):
    """Three BMPs whose names and byte sizes do not depend on the seed -- only their pixels do."""
    path.mkdir()
    rng = np.random.default_rng(seed)
    for k in range(3):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(path / f"img{k}.bmp")
    return path


def test_same_names_and_sizes_with_other_pixels_are_other_data(tmp_path, capsys):
    """The listing (names, sizes) cannot tell these folders apart; the sampled contents can."""
    data, other = _bmp_folder(tmp_path / "a", 0), _bmp_folder(tmp_path / "b", 1)
    assert FolderImages(data).fingerprint() == FolderImages(other).fingerprint()
    assert FolderImages(data).content_fingerprint() != FolderImages(other).content_fingerprint()
    out = tmp_path / "run"
    code, err = _train_then_resume_on(data, other, out, capsys)
    assert code == 2 and "trained on other data" in err and ", contents " in err, err


def test_a_checkpoint_from_before_the_contents_were_recorded_still_resumes(tmp_path, capsys):
    data = _bmp_folder(tmp_path / "a", 0)
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--out", str(out), *TINY_DATA, "--steps", "1"]) == 0
    rewrite(out / "model.npz", tmp_path / "old", lambda extra: extra["data"].pop("contents"))
    (out / "model.npz").write_bytes((tmp_path / "old" / "model.npz").read_bytes())
    capsys.readouterr()
    assert main(["train", "--data", str(data), "--out", str(out), "--resume", *TINY_DATA, "--steps", "2"]) == 0


def test_the_content_sample_spreads_over_the_listing_and_reads_no_more(tmp_path, monkeypatch):
    arrays = [np.full((3, 2, 2), k / 100, np.float32) for k in range(100)]
    source = ArrayImages(arrays)
    read = []
    original = ArrayImages.content_entry
    monkeypatch.setattr(ArrayImages, "content_entry", lambda self, i: read.append(i) or original(self, i))
    source.content_fingerprint(sample=5)
    assert read == [0, 25, 50, 74, 99]
    changed = ArrayImages(arrays[:50] + [arrays[50] + 0.5] + arrays[51:])
    assert changed.content_fingerprint(sample=5) != source.content_fingerprint(sample=5)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("position", -1, "position must be in 0..6 and epoch >= 0, got -1"),
        ("position", 7, "position must be in 0..6"),
        ("epoch", -2, "epoch >= 0, got 2 and -2"),
        ("order", [0, 0, 1, 2, 3, 4], "order must be a permutation of the examples"),
        ("rng", {"bit_generator": "MT19937"}, "rng must be a PCG64 state, got 'MT19937'"),
    ],
)
def test_the_classifiers_batch_stream_refuses_a_corrupted_state(key, value, message):
    from minisnn.data import LabelledBatches

    stream = LabelledBatches(np.zeros((6, 2)), np.arange(6), batch_size=2, rng=0)
    next(stream)
    state = {**stream.get_state(), key: value}
    expected = stream.get_state()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        stream.set_state(state)
    assert stream.get_state() == expected  # refused before anything changed
