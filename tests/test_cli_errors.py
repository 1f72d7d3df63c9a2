"""The command line on bad input: every case → exit status 2 (1 for a diverged run, 130 for Ctrl-C) and one line
``error: ...`` naming the flag, file or field; nothing on disk lost. The table is the record of what was tried."""

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from minisnn.__main__ import main

FAST = ["--steps", "1", "--crop", "16", "--batch-size", "2", "--val-crops", "2", "--val-every", "1", "--no-progress",
        "--num-steps", "2"]  # fmt: skip


def run(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    return code, err


@pytest.fixture
def trained(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *FAST]) == 0
    capsys.readouterr()
    return out


def argparse_rejects(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err  # one line, no usage block
    assert fragment in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["train", "--val-every", "0"], "expected an integer in 1–10000000, got '0'"),
        (["train", "--checkpoint-every", "-3"], "expected an integer in 1–"),
        (["train", "--steps", "ten"], "expected an integer in 1–10000000, got 'ten'"),
        (["train", "--steps", "1e12"], "expected an integer in 1–10000000, got '1e12'"),
        (["train", "--crop", "100000"], "expected an integer in 1–4096, got '100000'"),
        (["train", "--batch-size", "99999999"], "expected an integer in 1–1024"),
        (["train", "--lr", "inf"], "expected a finite number in (0, 10], got 'inf'"),
        (["train", "--lr", "nan"], "expected a finite number in (0, 10]"),
        (["train", "--lr=-1e-3"], "expected a finite number in (0, 10]"),
        (["train", "--lr", "0"], "expected a finite number in (0, 10]"),
        (["train", "--lr", "1e30"], "expected a finite number in (0, 10], got '1e30'"),
        (["train", "--val-crops", "1e8"], "expected an integer in 1–100000, got '1e8'"),
        (["train", "--rate-weight", "inf"], "expected a finite number in [0, 1e+06], got 'inf'"),
        (["train", "--rate-weight", "1e30"], "expected a finite number in [0, 1e+06], got '1e30'"),
        (["train", "--rate-floor", "2"], "expected a finite number in (0, 1], got '2'"),
        (["train", "--rate-weight", "nan"], "expected a finite number in [0, 1e+06]"),
        (["train", "--seed", "-1"], "expected an integer in 0–4294967295, got '-1'"),
        (["train", "--seed", "2**40"], "expected an integer in 0–4294967295"),
        (["train", "--mask", "circle"], "invalid choice"),
        (["evaluate", "--checkpoint", "x", "--num-crops", "0"], "expected an integer in 1–100000"),
        (["evaluate", "--checkpoint", "x", "--num-crops", "10000000"], "expected an integer in 1–100000"),
        (["evaluate", "--checkpoint", "x", "--seed", "1.5"], "expected an integer in 0–4294967295"),
        (["demo", "--steps", "0"], "expected an integer in 1–"),
        (["classify", "--steps", "0"], "expected an integer in 1–"),
        (["classify", "--hidden", "10000000"], "expected an integer in 1–16384"),
        (["classify", "--lr=-inf"], "expected a finite number in (0, 10]"),
        (["classify", "--lr", "1e30"], "expected a finite number in (0, 10], got '1e30'"),
        (["classify", "--input-gain", "0"], "expected a finite number in (0, 100], got '0'"),
        (["classify", "--num-steps", "1e8"], "expected an integer in 1–1024, got '1e8'"),
        (["classify", "--arch", "cnn", "--num-steps", "100000"], "expected an integer in 1–1024, got '100000'"),
    ],
)
def test_flag_values_are_checked_before_anything_runs(argv, fragment, capsys):
    flag = next(a.split("=")[0] for a in reversed(argv) if a.startswith("--"))
    argparse_rejects(argv, f"argument {flag}: {fragment}" if fragment != "invalid choice" else flag, capsys)


def test_usage_errors_are_one_line_too(capsys):
    argparse_rejects(["train", "--no-such-flag"], "unrecognized arguments: --no-such-flag", capsys)
    argparse_rejects(["evaluate"], "the following arguments are required: --checkpoint", capsys)
    argparse_rejects([], "the following arguments are required", capsys)


def test_a_fresh_run_does_not_replace_a_trained_model(trained, capsys):
    before = (trained / "model.npz").read_bytes()
    code, err = run(["train", "--out", str(trained), *FAST], capsys)
    assert code == 2 and err.count("\n") == 0
    assert "already holds a trained model" in err and "--resume" in err and "--overwrite" in err
    assert (trained / "model.npz").read_bytes() == before
    assert main(["train", "--out", str(trained), "--overwrite", *FAST]) == 0


def test_out_that_is_a_file_or_read_only(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    code, err = run(["train", "--out", str(a_file), *FAST], capsys)
    assert code == 2 and "is a file, not a folder" in err and a_file.read_text() == "keep me"
    code, err = run(["train", "--out", str(a_file / "run"), *FAST], capsys)  # a folder that cannot be made
    assert code == 2 and err == f"error: --out {a_file / 'run'} cannot be written (Not a directory); pick another --out"
    if os.geteuid() != 0:  # root writes into read-only folders
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IREAD | stat.S_IEXEC)
        code, err = run(["train", "--out", str(locked / "run"), *FAST], capsys)
        assert code == 2 and "cannot be written (Permission denied)" in err


def test_checkpoint_problems_are_one_line(tmp_path, trained, capsys):
    npy = tmp_path / "weights.npy"
    np.save(npy, np.zeros(3))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    for path in (npy, garbage, tmp_path / "missing.npz"):
        code, err = run(["evaluate", "--checkpoint", str(path), "--out", str(tmp_path / "e"), "--crop", "16",
                         "--num-crops", "2"], capsys)  # fmt: skip
        assert code == 2 and err.startswith("error:") and "\n" not in err, err
        assert path.name in err


def test_resume_rules_are_one_line(trained, capsys):
    # the run (cosine lr, the reduced config's default) is finished: more steps cannot continue it
    code, err = run(["train", "--out", str(trained), "--resume", *FAST, "--steps", "5"], capsys)
    assert code == 2 and err.count("\n") == 0 and "the run is complete" in err, err
    assert "another --out" in err and "--overwrite" in err
    code, err = run(["train", "--out", str(trained), "--resume", *FAST], capsys)  # its own total: nothing to train
    assert code == 0, err
    code, err = run(["train", "--out", str(trained), "--resume", *FAST[:-2], "--num-steps", "3"], capsys)
    assert code == 2 and "num_steps: checkpoint 2 vs model 3" in err


def test_missing_data_and_unknown_split(tmp_path, capsys):
    code, err = run(["train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), *FAST], capsys)
    assert code == 2 and "nowhere" in err
    code, err = run(["evaluate", "--checkpoint", "x.npz", "--data", "samples", "--split", "test", "--out",
                     str(tmp_path / "e")], capsys)  # fmt: skip
    assert code == 2 and err.startswith("error:")


@pytest.fixture
def absurd_lr_allowed(monkeypatch):
    """--lr is bounded (MAX_LR); the divergence tests lift the bound: lr 1e30 breaks the weights in one update."""
    import minisnn.cli.classify
    import minisnn.cli.train

    for module in (minisnn.cli.train, minisnn.cli.classify):
        monkeypatch.setattr(module, "MAX_LR", 1e31)


@pytest.mark.parametrize("spiking", [[], ["--no-spiking"]])
def test_a_diverged_run_exits_1_naming_the_last_good_checkpoint(tmp_path, capsys, spiking, absurd_lr_allowed):
    # lr 1e30 breaks the weights in the first update; validation (every step) is the first to see it
    out = tmp_path / "run"
    code, err = run(["train", "--out", str(out), "--lr", "1e30", *FAST, "--steps", "3", *spiking], capsys)
    assert code == 1, err
    last = err.splitlines()[-1]  # after NumPy's overflow warnings
    assert last.startswith("error: the validation") and "at step 1; stopping" in last
    assert "The last good checkpoint: none was saved" in last
    assert not (out / "model.npz").exists()


def test_a_one_image_folder_gets_advice_train_can_follow(tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "one"
    folder.mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(folder / "a.png")
    code, err = run(["train", "--data", str(folder), "--out", str(tmp_path / "o"), *FAST], capsys)
    assert code == 2 and err.count("\n") == 0, err
    assert "holds 1 image" in err and "at least 2" in err and "--split" not in err


@pytest.mark.parametrize("resumable", [False, True])
def test_ctrl_c_suggests_resume_only_when_a_checkpoint_exists(tmp_path, capsys, monkeypatch, resumable):
    import signal

    import minisnn.inpainting.train as train_module

    real = train_module.compute_loss

    def interrupted_twice(*args):  # Ctrl-C twice during the first step, before any checkpoint
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    out = tmp_path / "run"
    if resumable:  # a constant-lr run of 1 step, then continued to 3 steps and interrupted in step 2
        assert main(["train", "--out", str(out), *FAST, "--lr-schedule", "constant"]) == 0
        capsys.readouterr()
    monkeypatch.setattr(train_module, "compute_loss", interrupted_twice)
    argv = ["train", "--out", str(out), *FAST, "--steps", "3", "--lr-schedule", "constant"]
    assert main(argv + ["--resume"] * resumable) == 130
    said = capsys.readouterr().out.strip().splitlines()[-1]
    assert said.startswith("interrupted twice: stopped immediately, without saving this step"), said
    if resumable:
        assert "model.npz (step 1)" in said and said.endswith("continue with the same command and --resume")
    else:
        assert "--resume" not in said and "no checkpoint was saved" in said and not (out / "model.npz").exists()


def test_ctrl_c_during_evaluate_exits_130_and_writes_nothing(tmp_path, trained):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "evaluation"
    argv = ["evaluate", "--checkpoint", str(trained / "model.npz"), "--out", str(out), "--num-crops", "2000"]
    root = Path(__file__).resolve().parents[1]
    # a shell's background job ignores SIGINT, and a child inherits that (Python then installs no KeyboardInterrupt
    # handler): give the command the default disposition a user's terminal gives it
    process = subprocess.Popen(
        [sys.executable, "-m", "minisnn", *argv], cwd=root, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not out.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # --out is made inside the command, after the imports: Ctrl-C now reaches main()
        assert out.exists(), process.stderr.read() if process.poll() is not None else "evaluate did not start"
        time.sleep(0.5)  # past the write test in --out, into the crops and the model
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert list(out.iterdir()) == []


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError):
        main(["--debug", "evaluate", "--checkpoint", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "e")])


# ---- runs that can be stopped and shared (issue 21, rows 1, 10, 11) --------------------------------------------
def _start(argv, root):
    import signal
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "minisnn", *argv], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def _wait_for(predicate, process, seconds=120):
    import time

    deadline = time.monotonic() + seconds
    while not predicate() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def test_sigterm_during_training_saves_a_checkpoint_and_exits_143(tmp_path):
    """A scheduler's stop (SIGTERM) is handled like Ctrl-C: the step finishes, a checkpoint is saved, status 143,
    and --resume continues; no temporary file is left behind."""
    import signal

    from minisnn import io

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "run"
    # far more steps than any machine finishes in the test's time, and a checkpoint every 5 steps: the first
    # checkpoint is the sign that training is under way (no sleep that a fast machine outruns)
    argv = ["train", "--out", str(out), "--steps", "100000", "--crop", "16", "--batch-size", "2", "--val-crops", "2",
            "--val-every", "100000", "--checkpoint-every", "5", "--no-progress", "--num-steps", "2",
            "--lr-schedule", "constant"]  # fmt: skip
    process = _start(argv, root)
    try:
        assert _wait_for(lambda: (out / "model.npz").exists(), process), process.communicate()[1]
        process.send_signal(signal.SIGTERM)
        stdout, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 143, (stdout, err)
    assert "interrupted (SIGTERM) at step" in stdout and "continue with the same command and --resume" in stdout
    step = io.load(out / "model.npz").extra["step"]
    assert 5 <= step < 100000
    assert not list(out.glob(".*.tmp")) and not (out / ".minisnn.lock").exists()


def test_a_second_run_into_the_same_out_is_refused_naming_the_first(tmp_path):
    import signal

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "shared"
    argv = ["train", "--out", str(out), "--steps", "100000", "--crop", "16", "--batch-size", "2", "--val-crops", "2",
            "--val-every", "100000", "--no-progress", "--num-steps", "2"]  # fmt: skip
    first = _start(argv, root)
    try:
        assert _wait_for(lambda: (out / ".minisnn.lock").exists(), first), first.communicate()[1]
        second = _start(argv + ["--overwrite"], root)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        assert f"--out {out} is in use by pid {first.pid} (minisnn train" in err
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)
    finally:
        first.kill()


def test_stale_temporary_files_are_cleaned_when_a_run_starts(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    stale = out / ".model.npz.abc123.tmp"  # what a write killed mid-way leaves
    stale.write_bytes(b"half a checkpoint")
    assert main(["train", "--out", str(out), *FAST]) == 0
    assert not stale.exists() and (out / "model.npz").exists()


def test_classify_resume_continues_whichever_phase_was_interrupted(tmp_path, capsys, monkeypatch):
    """Ctrl-C during the SNN phase, then --resume: the SNN resumes and the ANN phase, which never began, starts."""
    import signal

    import minisnn.classification.train as classify_train

    out = tmp_path / "classify"
    argv = ["classify", "--steps", "6", "--num-steps", "3", "--hidden", "8", "--out", str(out), "--no-progress"]
    real = classify_train.logits
    calls = [0]

    def interrupt_in_step_3(output, config):
        calls[0] += 1
        if calls[0] == 3 and config.spiking:
            os.kill(os.getpid(), signal.SIGINT)
        return real(output, config)

    monkeypatch.setattr(classify_train, "logits", interrupt_in_step_3)
    assert main(argv) == 130
    assert (out / "snn" / "model.npz").exists() and not (out / "ann" / "model.npz").exists()
    monkeypatch.setattr(classify_train, "logits", real)
    capsys.readouterr()
    assert main(argv + ["--resume"]) == 0, capsys.readouterr().err
    assert (out / "ann" / "model.npz").exists() and (out / "metrics.json").exists()


def test_files_written_through_a_symlink_replace_the_link_not_its_target(tmp_path, capsys, trained):
    """loss.png, examples.png and arrays.npz go through the one atomic writer: a link in --out pointing outside it is
    replaced, the file it points at stays as it was (issue 21, row 13)."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "eval"
    out.mkdir()
    for name in ("examples.png", "arrays.npz", "metrics.json"):
        (out / name).symlink_to(victim)
    argv = ["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "16", "--num-crops", "3",
            "--out", str(out), "--save-arrays"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert victim.read_text() == "keep me"
    for name in ("examples.png", "arrays.npz", "metrics.json"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0


def test_a_full_disk_names_the_file_and_keeps_the_previous_results(tmp_path, capsys, trained, monkeypatch):
    """Writing arrays.npz fails (the disk is full): the error names the file, the previous arrays and metrics stay
    whole, and no truncated file is left (issue 21, row 12)."""
    import errno

    import numpy

    out = tmp_path / "eval"
    argv = ["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "16", "--num-crops", "3",
            "--out", str(out), "--save-arrays"]  # fmt: skip
    assert main(argv) == 0
    before = {name: (out / name).read_bytes() for name in ("arrays.npz", "metrics.json")}

    def disk_full(file, **arrays):
        file.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(numpy, "savez_compressed", disk_full)
    capsys.readouterr()
    assert main(argv + ["--seed", "5"]) == 2
    err = capsys.readouterr().err
    assert "arrays.npz" in err and "No space left on device" in err
    assert {name: (out / name).read_bytes() for name in before} == before
    assert not list(out.glob(".*.tmp"))


# ---- issue 21, rows 15, 16, 21, 25, 28 and items 2, 7 --------------------------------------------------------------
def test_a_diverged_run_is_one_line_with_the_floating_point_tally(tmp_path, capsys, absurd_lr_allowed):
    """Row 28: NumPy's overflow and invalid-value warnings do not reach the terminal; the one error line counts them."""
    code, err = run(["train", "--out", str(tmp_path / "run"), "--lr", "1e30", *FAST, "--steps", "3"], capsys)
    assert code == 1 and err.count("\n") == 0, err
    assert "RuntimeWarning" not in err and "NumPy's floating-point warnings during the run: " in err
    assert "overflow ×" in err or "invalid value ×" in err


def test_a_classify_phase_that_diverges_is_named_with_what_the_other_left(tmp_path, capsys, absurd_lr_allowed):
    """With lr 1e30 the SNN's spikes saturate and it finishes; its ReLU twin overflows: the one line says it was the
    twin, and where the finished SNN is (it said "none was saved")."""
    out = tmp_path / "c"
    argv = ["classify", "--lr", "1e30", "--steps", "20", "--hidden", "8", "--num-steps", "3", "--no-progress"]
    code, err = run([*argv, "--out", str(out)], capsys)
    assert code == 1 and err.count("\n") == 0, err
    assert err.startswith("error: the ANN twin: ") and f"(the SNN finished: {out / 'snn' / 'model.npz'})" in err, err


def test_a_failed_resume_leaves_no_empty_folder(tmp_path, capsys):
    out = tmp_path / "never-trained"
    code, err = run(["train", "--out", str(out), "--resume", *FAST], capsys)
    assert code == 2 and err == f"error: --resume: no checkpoint at {out / 'model.npz'}; run without --resume to start"
    assert not out.exists()
    code, err = run(["classify", "--out", str(out), "--resume", "--steps", "1"], capsys)
    assert code == 2 and "--resume: no checkpoint in" in err and not out.exists()


def _two_image_folder(folder: Path) -> Path:
    from minisnn.data import save_image

    folder.mkdir()
    rng = np.random.default_rng(0)
    for k in range(2):
        save_image(folder / f"img{k}.png", rng.random((3, 24, 24), dtype=np.float32))
    return folder


@pytest.mark.parametrize("where", ["data", "data/run", "data/a/b"])
def test_out_inside_data_is_refused(tmp_path, capsys, where):
    """Row 21: the run's figures would become training images and shift the folder's split."""
    data = _two_image_folder(tmp_path / "data")
    out = tmp_path / where
    for command in (["train", *FAST], ["evaluate", "--checkpoint", "pretrained", "--crop", "16", "--num-crops", "1"]):
        code, err = run([*command, "--data", str(data), "--out", str(out)], capsys)
        assert code == 2 and f"--out {out} is inside --data {data}" in err, err
    assert sorted(p.name for p in data.iterdir()) == ["img0.png", "img1.png"]  # nothing written into the data


def test_a_data_folder_whose_name_is_not_utf8_trains_and_plots(tmp_path, capsys):
    """Row 16: a folder name with undecodable bytes (kept by Python as surrogates) reaches the figure's title and
    the printed lines without a crash."""
    pytest.importorskip("matplotlib")
    name = os.fsdecode(b"photos-\xff\xfe")
    data = _two_image_folder(tmp_path / name)
    out = tmp_path / "run"
    code, err = run(["train", "--data", str(data), "--out", str(out), *FAST], capsys)
    assert code == 0, err
    assert (out / "loss.png").stat().st_size > 0


def test_stdout_that_cannot_encode_a_character_does_not_end_the_run(tmp_path):
    """Row 15: a cp1252 stdout (a redirect on Windows) gets '?' for the characters it lacks; the run finishes and
    prints its table."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "e"
    argv = ["evaluate", "--checkpoint", "pretrained", "--crop", "16", "--num-crops", "2", "--out", str(out)]
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "minisnn", *argv], cwd=root, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    text = done.stdout.decode("cp1252")  # everything printed is valid cp1252
    assert "hole PSNR" in text and "?" in text  # the table, with ? for what cp1252 cannot show (−, ×, σ, ...)
    assert (out / "metrics.json").exists()


def test_classify_under_a_cp1252_stdout_finishes_with_its_table(tmp_path):
    """Row 15 for classify, which lost its table: its SNN − ANN line holds a minus sign cp1252 lacks."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "c"
    argv = ["classify", "--steps", "4", "--hidden", "8", "--num-steps", "3", "--no-progress", "--out", str(out)]
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "minisnn", *argv], cwd=root, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    text = done.stdout.decode("cp1252")
    assert "| ANN twin |" in text and "wrote" in text and (out / "metrics.json").exists()


def test_train_replaces_a_loss_png_link_not_its_target(tmp_path, capsys):
    """Row 13 for train's figure (the test above covers evaluate's files)."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "run"
    out.mkdir()
    (out / "loss.png").symlink_to(victim)
    assert main(["train", "--out", str(out), *FAST]) == 0, capsys.readouterr().err
    assert victim.read_text() == "keep me"
    assert not (out / "loss.png").is_symlink() and (out / "loss.png").stat().st_size > 0


def test_a_figure_that_cannot_be_written_names_it_and_keeps_the_model(tmp_path, capsys, monkeypatch):
    """Row 14: the disk fills while loss.png is written: one line naming the file, the checkpoint and history kept,
    no temporary file left."""
    import errno

    from matplotlib.figure import Figure

    def disk_full(self, file, *args, **kwargs):
        file.write(b"half a png")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", disk_full)
    out = tmp_path / "run"
    code, err = run(["train", "--out", str(out), *FAST], capsys)
    assert code == 2 and err.count("\n") == 0, err
    assert err == f"error: {out / 'loss.png'}: cannot write figure (No space left on device)"
    assert (out / "model.npz").exists() and (out / "history.json").exists()
    assert not (out / "loss.png").exists() and not list(out.glob(".*.tmp"))


def test_ctrl_c_while_the_command_line_is_imported_is_status_130_without_a_traceback(tmp_path):
    """Row 25: a KeyboardInterrupt raised by the import of the command line (simulated deterministically by an
    import hook) ends with status 130 and no traceback."""
    import subprocess
    import sys

    code = (
        "import sys, runpy\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'minisnn.cli': raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "sys.argv = ['minisnn', '--help']\n"
        "runpy.run_module('minisnn', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("delay", [0.2, 0.5, 0.8, 1.2])
def test_ctrl_c_at_any_moment_of_the_start_up_is_status_130_without_a_traceback(tmp_path, delay):
    """Row 25, for real: `python -m minisnn` imports NumPy (the package) and SciPy (the parser) before main() runs;
    a Ctrl-C at any of these moments -- or once training has begun -- ends with status 130 and no traceback."""
    import signal
    import time

    root = Path(__file__).resolve().parents[1]
    argv = ["train", "--out", str(tmp_path / "run"), "--steps", "100000", "--crop", "16", "--batch-size", "2",
            "--val-crops", "2", "--num-steps", "2", "--no-progress"]  # fmt: skip
    process = _start(argv, root)
    try:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130 and "Traceback" not in err, err
    said = (err or out).strip().splitlines()  # before training: stderr; a training run reports on stdout
    assert said and said[-1].startswith("interrupted"), (out, err)


def test_the_quiet_start_up_is_only_for_the_command_line(monkeypatch):
    from minisnn import _startup

    cases = ((["python", "-m", "minisnn", "train"], True), (["python", "-X", "dev", "-I", "-m", "minisnn"], True),
             (["python", "-m", "pytest"], False), (["python", "-c", "import minisnn"], False),
             (["python", "script.py", "-m", "minisnn"], False), (["python"], False))  # fmt: skip
    for argv, expected in cases:
        monkeypatch.setattr("sys.orig_argv", argv)
        assert _startup.started_as_command_line() is expected, argv


def test_an_unexpected_error_is_reported_as_a_bug_with_where_to_find_the_traceback(monkeypatch, capsys):
    """Item 7: an error the command line does not anticipate is not passed off as a user error."""
    from minisnn.cli import evaluate

    def broken(args):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(evaluate, "run", broken)
    code, err = run(["evaluate", "--checkpoint", "x"], capsys)
    assert code == 1 and err.count("\n") == 0
    assert err.startswith("error: unexpected RuntimeError: simulated bug. This is a bug in minisnn")
    assert "python -m minisnn --debug evaluate --checkpoint x" in err
    with pytest.raises(RuntimeError, match="simulated bug"):
        main(["--debug", "evaluate", "--checkpoint", "x"])


# ---- memory bounded before it is allocated (issue 21, item 4, rows 2, 6) -----------------------------------------
def _budget_for(checkpoint, crop, crops_in_chunk):
    """What available_bytes must say for evaluate to fit ``crops_in_chunk`` crops (and the crops it keeps)."""
    from minisnn.cli.evaluate import MEMORY_SHARE
    from minisnn.inpainting import SCNN, memory

    fixed, per_pixel = memory.peak_line([SCNN.from_checkpoint(checkpoint)])
    kept = 3 * 6 * crop**2 * 4  # --num-crops 6, 3 float32 planes
    return (kept + fixed + (crops_in_chunk + 0.5) * per_pixel * crop**2) / MEMORY_SHARE


def test_evaluate_takes_a_smaller_chunk_when_memory_is_short_with_the_same_numbers(tmp_path, capsys, trained,
                                                                                  monkeypatch):  # fmt: skip
    import json

    from minisnn.inpainting import memory

    argv = ["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "32", "--num-crops", "6", "--chunk", "6"]
    assert main([*argv, "--out", str(tmp_path / "roomy")]) == 0
    capsys.readouterr()
    monkeypatch.setattr(memory, "available_bytes", lambda: int(_budget_for(trained / "model.npz", 32, 2)))
    assert main([*argv, "--out", str(tmp_path / "short")]) == 0
    said = capsys.readouterr().out
    assert "(--chunk 6 would need about" in said and "evaluating 2 crops at a time instead" in said
    roomy, short = (json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("roomy", "short"))
    for method in ("model", "biharmonic"):
        row = roomy["model"] if method == "model" else roomy["baselines"][method]
        other = short["model"] if method == "model" else short["baselines"][method]
        # the same crops and masks along another chunking: equal up to float32 rounding (a stated tolerance)
        assert other["hole_psnr"] == pytest.approx(row["hole_psnr"], abs=1e-4)


def test_evaluate_refuses_in_one_line_when_not_one_crop_fits(tmp_path, capsys, trained, monkeypatch):
    from minisnn.inpainting import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: int(_budget_for(trained / "model.npz", 32, 0) * 0.9))
    out = tmp_path / "e"
    code, err = run(["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "32", "--num-crops", "6",
                     "--out", str(out)], capsys)  # fmt: skip
    assert code == 2 and err.count("\n") == 0, err
    assert err.startswith("error: --crop 32: evaluating one crop needs about") and "use a smaller --crop" in err
    assert not out.exists()  # refused before anything was made


def test_evaluate_refuses_crops_that_alone_exceed_the_memory(tmp_path, capsys, trained, monkeypatch):
    from minisnn.inpainting import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 50_000_000)
    code, err = run(["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "512", "--num-crops", "100",
                     "--save-arrays", "--out", str(tmp_path / "e")], capsys)  # fmt: skip
    assert code == 2 and err.count("\n") == 0, err
    assert err.startswith(
        "error: --num-crops 100 of --crop 512: the crops, outputs and masks alone need 2.41 GB, more than the 40 MB"
    )  # 23 planes


def test_running_out_of_memory_anyway_is_one_line_naming_the_sizes(tmp_path, capsys, trained, monkeypatch):
    import minisnn.inpainting

    def out_of_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 3.2 GiB for an array")

    monkeypatch.setattr(minisnn.inpainting, "evaluate", out_of_memory)
    code, err = run(["evaluate", "--checkpoint", str(trained / "model.npz"), "--crop", "32", "--num-crops", "6",
                     "--out", str(tmp_path / "e")], capsys)  # fmt: skip
    assert code == 2 and err.count("\n") == 0, err
    assert err == ("error: out of memory: Unable to allocate 3.2 GiB for an array; try smaller values of --chunk (6), "
                   "--crop (32), --num-crops (6)")  # fmt: skip


def test_out_of_memory_names_every_size_flag_the_command_has():
    """train's --val-crops and classify's --hidden made the arrays too (the line named neither)."""
    import argparse

    from minisnn.cli.main import _smaller

    train = argparse.Namespace(batch_size=2, crop=64, val_crops=100000, num_steps=2, lr=1e-3)
    expected = "try smaller values of --batch-size (2), --crop (64), --val-crops (100000), --num-steps (2)"
    assert _smaller(train) == expected
    classify = argparse.Namespace(batch_size=1024, hidden=16384, num_steps=1024, steps=5)
    assert "--hidden (16384)" in _smaller(classify) and "--steps" not in _smaller(classify)


def test_an_interrupt_before_any_checkpoint_says_interrupted():
    """A bare Ctrl-C (an empty KeyboardInterrupt) before the first checkpoint printed '; nothing to resume ...'."""
    from minisnn.cli.stopping import interrupted_hint

    assert interrupted_hint(KeyboardInterrupt(), resume=False).startswith("interrupted; nothing to resume")
    assert interrupted_hint(KeyboardInterrupt(), resume=True).startswith("interrupted; continue with")
