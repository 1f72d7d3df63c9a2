"""Command line: ``python -m minisnn train | evaluate | demo | classify`` (``python -m minisnn <command> --help``).

Every anticipated user error -- a bad flag value, a missing or unreadable dataset, a checkpoint that is not one, an
output folder that is a file or read-only, an existing model that a fresh run would replace -- ends the program
with exit status 2 and one line ``error: ...`` naming the flag, file or field; ``--debug`` shows the traceback
instead. A run that diverges (a NaN loss or validation) stops with status 1 and keeps its last good checkpoint;
Ctrl-C stops with status 130 after saving, SIGTERM (a scheduler's stop, ``kill``) with status 143 after saving.
An output folder is locked while a command writes into it: a second run into the same ``--out`` is refused, naming
the one that holds it.
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import math
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from minisnn import __version__, io

MASKS = ("box", "freeform", "mixed")


class CLIError(Exception):
    """A user error the command line reports in one line (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """argparse with the house error format: one line ``error: ...`` and exit status 2, no usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def int_in(low: int, high: int) -> Any:
    """argparse type: an int in [low, high]; argparse names the flag in the error, the bound is stated (so a huge
    count is refused before anything is allocated)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}–{high}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}–{high}, got {text!r}")
        return value

    parse.__name__ = f"int_in_{low}_{high}"
    return parse


def float_in(low: float, high: float, low_open: bool = False) -> Any:
    """argparse type: a finite float in [low, high] (or (low, high] with ``low_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        inside = (low < value if low_open else low <= value) and value <= high
        if not (math.isfinite(value) and inside):
            bracket = "(" if low_open else "["
            raise argparse.ArgumentTypeError(f"expected a finite number in {bracket}{low:g}, {high:g}], got {text!r}")
        return value

    parse.__name__ = f"float_in_{low}_{high}"
    return parse


#: Upper bounds of the count and size flags (stated in their errors): far above any use, far below what would
#: exhaust a machine's memory before a line of output.
MAX_CROP, MAX_BATCH, MAX_STEPS, MAX_CROPS, MAX_SEED = 4096, 1024, 10_000_000, 100_000, 2**32 - 1
SEED = int_in(0, MAX_SEED)


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


_LOCKS: dict[str, Any] = {}  # --out folder -> its open lock file, held until the process ends


def lock_out(out: Path) -> None:
    """Hold an exclusive lock on ``out`` (the file ``out/.minisnn.lock``) for the rest of this process, or refuse
    with one line naming the process that holds it. The operating system releases the lock when the process ends,
    however it ends, so a stale lock cannot outlive its run; a normal exit also removes the file."""
    key = str(out.resolve())
    if key in _LOCKS:
        return
    path = out / ".minisnn.lock"
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - kept open on purpose: the lock lives as long as the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise CLIError(f"--out {out} is in use by {holder}; wait for it, or pick another --out") from None
        try:  # the file we locked must still be the one at `path` (its holder may have removed it meanwhile)
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} ({' '.join(['minisnn', *sys.argv[1:3]])}, started {time.strftime('%H:%M:%S')})")
    handle.flush()
    _LOCKS[key] = handle
    if len(_LOCKS) == 1:
        atexit.register(_release_locks)


def _release_locks() -> None:
    for key, handle in list(_LOCKS.items()):
        Path(key, ".minisnn.lock").unlink(missing_ok=True)  # (removed while still held: see lock_out)
        handle.close()
        del _LOCKS[key]


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete the temporary files an atomic write leaves only when its process was killed (``.<name>.*.tmp``, see
    :func:`minisnn.io.atomic_write`); safe because ``out`` is locked (no other run writes there)."""
    stale = [p for p in out.glob(".*.tmp") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def stop_status(stop: BaseException) -> int:
    """The exit status of a run stopped by a signal: 143 for SIGTERM, 130 for Ctrl-C (128 + the signal number)."""
    return 128 + int(getattr(stop, "signum", signal.SIGINT))


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a training loop (inside one, the trainer saves a checkpoint first)."""

    signum = signal.SIGTERM


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated("terminated (SIGTERM)")


def prepare_out(out: Path, resume: bool, overwrite: bool, model_files: tuple[str, ...] = ("model.npz",)) -> None:
    """Make sure ``--out`` can take this run: a writable folder, locked for this process, without stale temporary
    files, and no trained model that a fresh run (neither ``--resume`` nor ``--overwrite``) would silently
    replace."""
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file, not a folder; pick another --out")
    if not resume:
        existing = [name for name in model_files if (out / name).exists()]
        if existing and not overwrite:
            raise CLIError(
                f"--out {out} already holds a trained model ({out / existing[0]}); continue it with --resume, "
                "replace it with --overwrite, or pick another --out"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        raise CLIError(f"--out {out} cannot be written ({error.strerror or error}); pick another --out") from None
    lock_out(out)
    remove_stale_temporaries(out)


def interrupted_hint(stop: KeyboardInterrupt, resume: bool) -> str:
    """What to say after Ctrl-C stopped a training run: suggest ``--resume`` only if there is something to resume
    (the trainer's :class:`~minisnn.trainer.Interrupted` names the checkpoint, if any)."""
    checkpoint = getattr(stop, "checkpoint", None)
    if checkpoint is not None or (resume and not hasattr(stop, "checkpoint")):  # (a resumed run, stopped early)
        return f"{stop or 'interrupted'}; continue with the same command and --resume"
    return f"{stop or 'interrupted'}; nothing to resume: to start again, run the same command"


def _model_from_args(args: argparse.Namespace) -> Any:
    from minisnn.inpainting import SCNN

    overrides: dict[str, Any] = {}
    if args.num_steps is not None:
        overrides["num_steps"] = args.num_steps
    if args.no_spiking:
        overrides["spiking"] = False
    if args.prefill is not None:
        overrides["prefill"] = args.prefill
    if args.width is not None:
        overrides["width"] = args.width
    if args.residual_init is not None:
        overrides["residual_init"] = args.residual_init
    builders = {"paper": SCNN.paper, "reduced": SCNN.reduced, "table1": SCNN.table1}
    build = builders[args.config]
    return build(rng=args.seed, **overrides)


def _figures_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("(matplotlib is not installed: skipping figures; pip install 'minisnn[tutorials]')")
        return False
    return True


def cmd_train(args: argparse.Namespace) -> int:
    from minisnn.data import open_images, validation_set
    from minisnn.inpainting import figures, fit

    out = Path(args.out)
    prepare_out(out, args.resume, args.overwrite)
    try:
        train_images = open_images(args.data, "train", max_images=args.max_images)
    except FileNotFoundError:
        if not Path(str(args.data)).is_dir() or _is_lsdir(args.data):
            raise
        count = len(open_images(args.data, "all"))  # raises the real problem if the folder holds no image at all
        raise CLIError(
            f"--data {args.data} holds {count} image{'s' * (count != 1)}; train needs at least 2, because a plain "
            "folder's 1st image (and every 10th after it) is held out for validation: add images to the folder"
        ) from None
    val_images = open_images(args.data, "val", max_images=args.max_images)
    val = validation_set(val_images, args.crop, args.val_crops, mask=args.mask, seed=args.seed + 1)
    model = _model_from_args(args)
    paper = args.config == "paper"  # the paper's recipe: MSE on the whole image, constant learning rate
    loss = args.loss or ("mse" if paper else "hole_weighted")
    schedule = args.lr_schedule or ("constant" if paper else "cosine")
    augment = args.augment or ("none" if paper else "flips")
    print(
        f"training {'SC-NN' if model.spiking_layers else 'CNN-only'} ({args.config} config, "
        f"{model.num_parameters():,} parameters, receptive field {model.config.receptive_field} px) "
        f"on {args.data} ({len(train_images)} training images), {args.crop}x{args.crop} crops, {args.mask} masks, "
        f"augmentation {augment}, {loss} loss, {schedule} lr {args.lr:g}"
        + (f", rate floor {args.rate_floor:g} (weight {args.rate_weight:g})" if args.rate_weight > 0 else "")
        + "; "
        f"validation on {len(val_images)} held-out images"
    )
    try:
        history = fit(
            model,
            train_images,
            val,
            steps=args.steps,
            batch_size=args.batch_size,
            lr=args.lr,
            loss=loss,
            crop_size=args.crop,
            mask=args.mask,
            seed=args.seed,
            lr_schedule=schedule,
            val_every=args.val_every,
            checkpoint_every=args.checkpoint_every,
            out_dir=out,
            resume=args.resume,
            progress=not args.no_progress,
            augment=augment,
            rate_floor=args.rate_floor,
            rate_weight=args.rate_weight,
        )
    except KeyboardInterrupt as stop:
        print(f"\n{interrupted_hint(stop, args.resume)}")
        return stop_status(stop)
    if _figures_available():
        figures.plot_history(history, out / "loss.png", title=f"{args.config} SC-NN on {args.data}")
    last = f"{history.val['hole_psnr'][-1]:.2f} dB" if history.val_step else "n/a"
    print(
        f"done in {history.seconds:.0f} s: final train loss {history.train_loss[-1]:.5f}, validation hole PSNR "
        f"{last} ({args.val_crops} crops of held-out images, [0,1] scale)"
    )
    print(f"wrote {out / 'model.npz'}, {out / 'history.json'}" + (", loss.png" if (out / "loss.png").exists() else ""))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from minisnn.data import Batch, ValidationSet, open_images, validation_set
    from minisnn.inpainting import SCNN, evaluate, figures, metrics_table

    def load(spec: str) -> SCNN:  # a path, or "pretrained" / "pretrained:cnn_only" for a shipped model
        if spec == "pretrained" or spec.startswith("pretrained:"):
            return SCNN.pretrained(spec.partition(":")[2] or "scnn")
        return SCNN.from_checkpoint(spec)

    model = load(args.checkpoint)
    ablation = load(args.ablation) if args.ablation else None
    if args.eval_views is not None:
        for m in (model, ablation):
            if m is not None:
                m.set_eval_views(args.eval_views)
    out = Path(args.out)
    prepare_out(out, resume=True, overwrite=True)
    split = args.split or ("all" if Path(str(args.data)).is_dir() and not _is_lsdir(args.data) else "val")
    images = open_images(args.data, split, max_images=args.max_images)
    # --save-arrays writes every crop, so it builds the whole set; otherwise masks and inputs are made per chunk
    make_set = validation_set if args.save_arrays else ValidationSet
    data = make_set(images, args.crop, args.num_crops, mask=args.mask, seed=args.seed)
    result = evaluate(
        model, data, data_label=f"{args.data} ({split} split, {len(images)} images)", mask_label=args.mask,
        keep_outputs=len(data.images) if args.save_arrays else 8, ablation=ablation, chunk=args.chunk,
    )  # fmt: skip
    outputs = result.pop("outputs")
    if args.save_arrays:  # the large file first: if it cannot be written, nothing of this run replaces the last one's
        arrays = {"images": data.images, "outputs": outputs["model"], "masks": data.masks}
        io.atomic_write(out / "arrays.npz", lambda f: np.savez_compressed(f, **arrays), "arrays file")
    io.write_json(out / "metrics.json", result, indent=2)
    print(metrics_table(result))
    print(result["summary"])
    print(
        f"on {result['num_crops']} {args.crop}x{args.crop} crops of held-out images, {args.mask} masks, "
        f"mean hole fraction {result['hole_fraction']:.3f}, images in [0, 1]"
    )
    if _figures_available():
        examples = data if isinstance(data, Batch) else next(data.chunks(8))
        figures.examples_figure(examples, outputs, out / "examples.png")
    print(f"wrote {out / 'metrics.json'}" + (", examples.png" if (out / "examples.png").exists() else ""))
    return 0


def _is_lsdir(data: str) -> bool:
    from minisnn.data import looks_like_lsdir

    return looks_like_lsdir(data)


def cmd_demo(args: argparse.Namespace) -> int:
    """Train the reduced SC-NN and its CNN-only ablation on the sample photos for a few minutes, evaluate them and
    the shipped pretrained pair on the same held-out crops, print the tables."""
    from minisnn.data import sample_photos, validation_set
    from minisnn.inpainting import BASELINES, SCNN, evaluate, figures, fit, metrics_table
    from minisnn.inpainting.model import pretrained_path

    out = Path(args.out)
    shipped_models_ok = True
    for name in ("scnn", "cnn_only"):  # verified first: a damaged file stops the demo now, not after training
        try:
            pretrained_path(name)
        except FileNotFoundError:
            shipped_models_ok = False
    for name in ("spiking", "cnn_only"):
        prepare_out(out / name, resume=False, overwrite=args.overwrite)
    started = time.perf_counter()
    train_images, val_images = sample_photos("train"), sample_photos("val")
    val = validation_set(val_images, 64, args.num_crops, mask="box", seed=args.seed + 1)
    settings = dict(
        steps=args.steps,
        batch_size=16,
        crop_size=64,
        loss="hole_weighted",
        lr_schedule="cosine",
        seed=args.seed,
        val_every=max(1, args.steps // 10),
        progress=not args.no_progress,
    )
    histories, models = {}, {}
    variants = [("spiking", {})] + ([] if args.no_ablation else [("cnn_only", {"spiking": False})])
    for name, overrides in variants:
        model = SCNN.reduced(rng=args.seed, **overrides)
        print(f"[{name}] training SCNN.reduced({overrides or ''}) for {args.steps} steps on the sample photos")
        try:
            histories[name] = fit(model, train_images, val, out_dir=out / name, **settings)
        except KeyboardInterrupt as stop:
            print("\ninterrupted; checkpoints are in", out / name)
            return stop_status(stop)
        models[name] = model
    summary = evaluate(
        models["spiking"], val, baselines=tuple(BASELINES), data_label="sample photos (val split)", mask_label="box",
        ablation=models.get("cnn_only"),
    )  # fmt: skip
    outputs = summary.pop("outputs")
    summary["train_seconds"] = {k: round(h.seconds, 1) for k, h in histories.items()}
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    io.write_json(out / "metrics.json", summary, indent=2)
    print()
    print(metrics_table(summary))
    print(
        f"\nvalidation: {summary['num_crops']} 64x64 crops of held-out sample photos (chelsea, immunohistochemistry,"
        f" gravel), box masks, mean hole fraction {summary['hole_fraction']:.3f}; images in [0, 1]"
    )
    if "spiking" in summary:
        s = summary["spiking"]
        print(
            f"spiking layer: {s['rate_per_step']:.3f} spikes per neuron per step ({s['rate_hz']:.0f} Hz), "
            f"{100 * s['silent_fraction']:.0f}% of neurons silent; energy: {summary['energy']['verdict']}"
        )
    print(summary["summary"])
    shipped = shipped_models_ok  # checked before training: a damaged file is reported at the start
    if not shipped:
        print("\n(the pretrained models are not installed: skipping their evaluation)")
    if shipped:
        result = evaluate(
            SCNN.pretrained("scnn"), val, baselines=tuple(BASELINES), data_label="sample photos (val split)",
            mask_label="box", ablation=SCNN.pretrained("cnn_only") if not args.no_ablation else None,
        )  # fmt: skip
        result.pop("outputs")
        summary["pretrained"] = result
        io.write_json(out / "metrics.json", summary, indent=2)
        card = io.load(pretrained_path("scnn")).extra
        views = card["config"].get("eval_views", 1)
        print(
            f"\nThe shipped pretrained models (SCNN.pretrained(); trained for {card['settings']['steps']:,} steps on "
            f"155 other photos{f', each crop predicted as the mean of its {views} views' if views > 1 else ''}; see"
        )
        print("minisnn/inpainting/pretrained/MODEL_CARD.md) on the same crops:\n")
        print(metrics_table(result))
        print(result["summary"])
    if _figures_available():
        figures.examples_figure(val, outputs, out / "examples.png")
        for name, history in histories.items():
            figures.plot_history(history, out / name / "loss.png", title=f"demo: {name}")
    print(
        f"total {summary['wall_seconds']:.0f} s; wrote {out / 'metrics.json'}, {out / 'examples.png'}, "
        f"checkpoints and loss curves in {out}/<variant>/"
    )
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    """Train the spiking digit classifier and its ANN twin on the bundled digits, evaluate both on the test split."""
    from minisnn.classification import ClassifierConfig, build, evaluate, fit
    from minisnn.data import digits

    out = Path(args.out)
    rows = args.task == "rows"
    no_twin = args.no_twin or rows  # the ANN twin runs an image once: the row task has no twin
    for name in ("snn",) if no_twin else ("snn", "ann"):
        prepare_out(out / name, args.resume, args.overwrite)
    overrides: dict[str, Any] = {"arch": args.arch}
    for name in ("num_steps", "encoder", "readout", "hidden"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if args.arch == "cnn":
        overrides.setdefault("num_steps", 4)
        overrides.setdefault("encoder", "direct")
        overrides["channels"] = (16, 32)
    if rows:
        overrides.pop("arch")
        config = ClassifierConfig.rows(args.neuron, recurrent=args.recurrent, learn=tuple(args.learn), **overrides)
    else:
        config = ClassifierConfig(
            **overrides, neuron_kind=args.neuron, recurrent=args.recurrent, learn=tuple(args.learn)
        )
    twin_config = None if no_twin else ClassifierConfig(**{**config.to_dict(), "spiking": False})
    batch_size = args.batch_size or (32 if args.arch == "cnn" else 64)
    steps = args.steps or (3000 if rows else 1500)
    lr = args.lr or (2e-3 if rows else 5e-3)
    train_data, test_data = digits("train", size=config.image_size), digits("test", size=config.image_size)
    hidden = f"{'recurrent ' if config.recurrent else ''}{config.neuron_kind.upper()} hidden layer"
    if config.learn:
        hidden += f" (learned {' and '.join(config.learn)})"
    if rows:
        coding = f"one row per step (T = {config.num_steps}, 8 pixels each), {hidden}, read-out after the last row"
    else:
        coding = f"T = {config.num_steps}, {config.encoder} coding, {hidden}, {config.readout} read-out"
    print(
        f"digits: {len(train_data)} training and {len(test_data)} test images "
        f"({config.image_size}x{config.image_size}, stratified split, seed 0); {config.arch.upper()}, {coding}, "
        f"{steps} steps of batch {batch_size}, Adam lr {lr} (cosine)"
    )
    runs = [("snn", config)] + ([] if no_twin else [("ann", twin_config)])
    models, seconds = {}, {}
    for name, cfg in runs:
        model = build(cfg, rng=args.seed)
        started = time.perf_counter()
        try:
            # --resume continues each phase where it stands: an interrupted one resumes, a finished one is loaded,
            # one that never began starts
            fit(
                model, cfg, train_data, steps, batch_size=batch_size, lr=lr, seed=args.seed,
                val_data=test_data, val_every=max(1, steps // 10), out_dir=out / name,
                resume=args.resume and (out / name / "model.npz").exists(), progress=not args.no_progress,
            )  # fmt: skip
        except KeyboardInterrupt as stop:
            print(f"\n{interrupted_hint(stop, args.resume)}")
            return stop_status(stop)
        seconds[name] = time.perf_counter() - started
        models[name] = model
    result = evaluate(models["snn"], config, test_data, twin=models.get("ann"), twin_config=twin_config)
    result["train_seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    if "ann" in models:
        result["twin"] = evaluate(models["ann"], twin_config, test_data)
    result["config"] = config.to_dict()
    io.write_json(out / "metrics.json", result, indent=2)
    energy = result["energy"]
    print()
    print("| model | test accuracy | train time | spikes per sample | SynOps (ACs) per sample | MACs per sample |")
    print("|---|---|---|---|---|---|")
    spikes = " + ".join(f"{v:.0f}" for v in result["spikes_per_sample"])
    synops = f"{energy['synops_per_sample']:,.0f}"
    accuracy = f"{100 * result['accuracy']:.2f} %"
    label = f"spiking {config.arch.upper()}" + (f" ({hidden}, rows)" if rows else "")
    print(f"| {label} | {accuracy} | {seconds['snn']:.0f} s | {spikes} | {synops} | — |")
    if "ann" in models:
        print(f"| ANN twin | {100 * result['twin_accuracy']:.2f} % | {seconds['ann']:.0f} s | — | — | "
              f"{energy['ann_macs_per_sample']:,.0f} |")  # fmt: skip
        c = result["snn_minus_twin"]
        interval = f"[{100 * c['low']:+.2f}, {100 * c['high']:+.2f}]"
        print(f"\nSNN − ANN accuracy: {100 * c['estimate']:+.2f} points {interval} "
              f"(paired bootstrap 95 % CI over the {c['n']} test images; one training seed)")  # fmt: skip
    print(f"energy (arithmetic only, {energy['source']}): {energy['verdict']}")
    print(f"wrote {out / 'metrics.json'} and the checkpoints in {out}/snn/" + ("" if no_twin else f", {out}/ann/"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m minisnn", description="minisnn: spiking inpainting from scratch")
    parser.add_argument("--version", action="version", version=f"minisnn {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,evaluate,demo,classify}")

    from minisnn.inpainting.model import EVAL_VIEWS, PREFILLS, RESIDUAL_INITS
    from minisnn.inpainting.train import AUGMENTATIONS

    train = commands.add_parser("train", help="train an SC-NN (writes model.npz, history.json, loss.png)")
    train.add_argument("--data", default="samples", help="'samples' (offline sample photos) or a folder / LSDIR root")
    train.add_argument("--crop", type=int_in(1, MAX_CROP), default=64, help="crop size in pixels (default 64)")
    train.add_argument("--batch-size", type=int_in(1, MAX_BATCH), default=16)
    train.add_argument("--steps", type=int_in(1, MAX_STEPS), default=600, help="training steps (default 600)")
    train.add_argument("--lr", type=positive_float, default=1e-3, help="Adam learning rate (paper: 1e-3)")
    train.add_argument("--mask", choices=MASKS, default="box")
    train.add_argument(
        "--num-steps", type=int_in(1, 1024), default=None, help="LIF time steps T (default: the config's)"
    )
    train.add_argument("--seed", type=SEED, default=0)
    train.add_argument("--out", default="runs/train", help="output folder (default runs/train)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/model.npz")
    train.add_argument("--overwrite", action="store_true", help="replace a model already in OUT (default: refuse)")
    train.add_argument(
        "--no-spiking", action="store_true", help="CNN-only ablation: Conv2d + ReLU instead of SNNConv2d"
    )
    train.add_argument(
        "--config", choices=("paper", "reduced", "table1"), default="reduced",
        help="reduced (default), paper (64 ch., LIFParams.paper()) or table1 (every row of the paper's Table 1)",
    )  # fmt: skip
    train.add_argument("--width", type=int_in(1, 1024), default=None, help="hidden channels (default: the config's)")
    train.add_argument(
        "--residual-init", choices=RESIDUAL_INITS, default=None,
        help="the correction's last layer: default init (learns) or zero (starts exactly at the pre-fill)",
    )  # fmt: skip
    train.add_argument(
        "--augment", choices=AUGMENTATIONS, default=None,
        help="flips: flips and 90-degree rotations of the crops (default; paper: none); flips+scale: those and a "
        "random zoom-out of each crop by 1-2x (area averaging)",
    )  # fmt: skip
    train.add_argument(
        "--loss", choices=("mse", "hole_weighted"), default=None, help="default: mse (paper), hole_weighted (reduced)"
    )
    train.add_argument(
        "--lr-schedule",
        choices=("constant", "cosine"),
        default=None,
        help="default: constant (paper), cosine (reduced)",
    )
    train.add_argument(
        "--prefill",
        choices=PREFILLS,
        default=None,
        help="what the network sees in the hole: zero (paper), a classical pre-fill, or dual (the harmonic and "
        "biharmonic fills side by side, correcting their mean) (default: the config's)",
    )
    train.add_argument(
        "--rate-floor", type=float_in(0, 1, low_open=True), default=0.1,
        help="with --rate-weight: the spiking channels' minimum mean firing rate, spikes per step (default 0.1, "
        "the floor the pretrained SC-NN was trained with)",
    )  # fmt: skip
    train.add_argument(
        "--rate-weight", type=float_in(0, 1e6), default=0.0,
        help="weight of the activity regulariser that keeps spiking channels above --rate-floor (default 0: off)",
    )  # fmt: skip
    train.add_argument("--val-every", type=int_in(1, MAX_STEPS), default=50)
    train.add_argument("--val-crops", type=int_in(1, MAX_CROPS), default=100)
    train.add_argument("--checkpoint-every", type=int_in(1, MAX_STEPS), default=100)
    train.add_argument(
        "--max-images", type=positive_int, default=None, help="use only the first N images of the dataset"
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(func=cmd_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a checkpoint and the classical baselines")
    evaluate.add_argument(
        "--checkpoint", required=True,
        help="a model.npz written by train, or 'pretrained' (the shipped SC-NN; 'pretrained:cnn_only' its CNN-only "
        "ablation)",
    )  # fmt: skip
    evaluate.add_argument("--ablation", default=None, help="a second checkpoint to compare, e.g. pretrained:cnn_only")
    evaluate.add_argument("--data", default="samples", help="'samples', an LSDIR root or any folder of images")
    evaluate.add_argument(
        "--eval-views", type=int, choices=EVAL_VIEWS, default=None,
        help="1: one pass per crop; 8: the mean over the crop's flips and quarter turns (default: what each "
        "checkpoint was saved with)",
    )  # fmt: skip
    evaluate.add_argument(
        "--split", choices=("all", "train", "val", "test"), default=None,
        help="default: a plain folder whole ('all'); the held-out 'val' split of the samples and of LSDIR",
    )  # fmt: skip
    evaluate.add_argument("--crop", type=int_in(1, MAX_CROP), default=64)
    evaluate.add_argument(
        "--num-crops", type=int_in(1, MAX_CROPS), default=200,
        help="crops to evaluate (default 200); they are kept (0.05 MB per 64x64 crop; ~0.1 MB measured peak RSS)",
    )  # fmt: skip
    evaluate.add_argument("--mask", choices=MASKS, default="box")
    evaluate.add_argument("--seed", type=SEED, default=1)
    evaluate.add_argument("--out", default="runs/evaluate")
    evaluate.add_argument("--max-images", type=positive_int, default=None)
    evaluate.add_argument(
        "--chunk", type=int_in(1, MAX_BATCH), default=32,
        help="crops per chunk (default 32): the masks, network inputs and outputs exist for one chunk at a time",
    )  # fmt: skip
    evaluate.add_argument(
        "--save-arrays", action="store_true",
        help="also write arrays.npz (images, outputs, masks); keeps every output in memory, ~0.4 MB per 64x64 crop",
    )  # fmt: skip
    evaluate.set_defaults(func=cmd_evaluate)

    demo = commands.add_parser("demo", help="train + evaluate the reduced SC-NN and its CNN-only ablation")
    demo.add_argument(
        "--steps", type=int_in(1, MAX_STEPS), default=200, help="training steps per network (default 200)"
    )
    demo.add_argument("--num-crops", type=int_in(1, MAX_CROPS), default=200, help="validation crops (default 200)")
    demo.add_argument("--overwrite", action="store_true", help="replace the models of an earlier demo in OUT")
    demo.add_argument("--seed", type=SEED, default=0)
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--no-ablation", action="store_true", help="skip the CNN-only ablation")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=cmd_demo)

    from minisnn.classification.model import ARCHITECTURES, ENCODERS, NEURON_KINDS, READOUTS, TASKS

    classify = commands.add_parser(
        "classify", help="train + evaluate a spiking digit classifier and its ANN twin (8x8 digits, offline)"
    )
    classify.add_argument(
        "--task", choices=TASKS, default="static",
        help="static: the whole image at every step (default); rows: one row per step, the network must remember",
    )  # fmt: skip
    classify.add_argument("--neuron", choices=NEURON_KINDS, default="lif", help="hidden neurons: lif (default) or alif")
    classify.add_argument("--recurrent", action="store_true", help="a recurrent (all-to-all) hidden layer (MLP)")
    classify.add_argument(
        "--learn", nargs="+", choices=("decay", "v_th"), default=(), help="learn the hidden neurons' decay and/or "
        "threshold, one value per neuron (MLP)",
    )  # fmt: skip
    classify.add_argument("--arch", choices=ARCHITECTURES, default="mlp", help="mlp (64-128-10) or cnn (16x16 input)")
    classify.add_argument(
        "--steps", type=int_in(1, MAX_STEPS), default=None, help="training steps per network (default 1500; rows 3000)"
    )
    classify.add_argument(
        "--num-steps", type=int_in(1, 1000), default=None, help="time steps T (default: mlp 25, cnn 4)"
    )
    classify.add_argument("--encoder", choices=ENCODERS, default=None, help="default: mlp rate, cnn direct")
    classify.add_argument("--readout", choices=READOUTS, default=None, help="spike counts (default) or membrane")
    classify.add_argument("--hidden", type=int_in(1, 16384), default=None, help="MLP hidden width (default 128)")
    classify.add_argument("--batch-size", type=int_in(1, 4096), default=None, help="default: mlp 64, cnn 32")
    classify.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="Adam learning rate, cosine schedule (default 5e-3; rows 2e-3)",
    )
    classify.add_argument("--seed", type=SEED, default=0)
    classify.add_argument("--out", default="runs/classify")
    classify.add_argument("--resume", action="store_true", help="continue from OUT/snn and OUT/ann")
    classify.add_argument("--overwrite", action="store_true", help="replace models already in OUT (default: refuse)")
    classify.add_argument("--no-twin", action="store_true", help="skip the ANN twin (the row task has none)")
    classify.add_argument("--no-progress", action="store_true")
    classify.set_defaults(func=cmd_classify)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; user errors end with status 2 and one line on stderr (``--debug``: the traceback)."""
    from minisnn.nn import StateDictError
    from minisnn.trainer import TrainingDiverged

    parser = build_parser()
    args = parser.parse_args(argv)
    previous_term = None
    if threading_is_main():
        previous_term = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return args.func(args)
    except KeyboardInterrupt as stop:
        if args.debug:
            raise
        print(f"\ninterrupted{': ' + str(stop) if str(stop) else ''}", file=sys.stderr)
        return stop_status(stop)
    except TrainingDiverged as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (CLIError, ValueError, OSError, ImportError, StateDictError) as error:
        if args.debug:
            raise
        message = str(error) if not isinstance(error, OSError) or not error.filename else (
            f"{error.filename}: {error.strerror or error}"
        )  # fmt: skip
        print(f"error: {message}", file=sys.stderr)
        return 2
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)


def threading_is_main() -> bool:
    """Signal handlers can be installed only from the main thread (a test runner may call main() from another)."""
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
