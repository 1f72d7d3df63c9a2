"""``python -m minisnn classify``: a spiking digit classifier and its ANN twin on the bundled 8x8 digits."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from minisnn import io

from .flags import MAX_LR, MAX_STEPS, MAX_TIME_STEPS, float_in, int_in, seed
from .outdir import CLIError, prepare_out
from .stopping import interrupted_hint, stop_status


def add_parser(commands: Any) -> None:
    from minisnn.classification.model import ARCHITECTURES, ENCODERS, LEARNABLE, NEURON_KINDS, READOUTS, TASKS

    classify = commands.add_parser(
        "classify", help="train + evaluate a spiking digit classifier and its ANN twin (8x8 digits, offline)"
    )
    classify.add_argument(
        "--task", choices=TASKS, default="static",
        help="static: the whole image at every step (default); rows: one row per step, the network must remember; "
        "events: the digits moved along saccades as an event camera sees them (ON/OFF frames, a spiking CNN)",
    )  # fmt: skip
    classify.add_argument("--neuron", choices=NEURON_KINDS, default="lif", help="hidden neurons: lif (default) or alif")
    classify.add_argument("--recurrent", action="store_true", help="a recurrent (all-to-all) hidden layer (MLP)")
    classify.add_argument(
        "--learn", nargs="+", choices=LEARNABLE, default=(), help="learn the hidden neurons' decay and/or "
        "threshold, one value per neuron (MLP)",
    )  # fmt: skip
    classify.add_argument(
        "--arch", choices=ARCHITECTURES, default=None, help="mlp (64-128-10, the default) or cnn (16x16 input; "
        "the only one for --task events)",
    )  # fmt: skip
    classify.add_argument(
        "--steps", type=int_in(1, MAX_STEPS), default=None, help="training steps per network (default 1500; rows 3000)"
    )
    classify.add_argument(
        "--num-steps",
        type=int_in(1, MAX_TIME_STEPS),
        default=None,
        help="time steps T (default: mlp 25, cnn 4, events 12)",
    )
    classify.add_argument("--encoder", choices=ENCODERS, default=None, help="default: mlp rate, cnn direct")
    classify.add_argument("--readout", choices=READOUTS, default=None, help="spike counts (default) or membrane")
    classify.add_argument("--hidden", type=int_in(1, 16384), default=None, help="MLP hidden width (default 128)")
    classify.add_argument("--batch-size", type=int_in(1, 4096), default=None, help="default: mlp 64, cnn 32")
    classify.add_argument(
        "--lr",
        type=float_in(0, MAX_LR, low_open=True),
        default=None,
        help="Adam learning rate, cosine schedule (default 5e-3; rows 2e-3)",
    )
    classify.add_argument(
        "--input-gain", type=float_in(0, 100, low_open=True), default=None,
        help="dt/C, the potential one step of unit current adds (default: 1/tau for static, 1 for rows and events)",
    )  # fmt: skip
    classify.add_argument("--seed", type=seed, default=0)
    classify.add_argument("--out", default="runs/classify")
    classify.add_argument("--resume", action="store_true", help="continue from OUT/snn and OUT/ann")
    classify.add_argument("--overwrite", action="store_true", help="replace models already in OUT (default: refuse)")
    classify.add_argument("--no-twin", action="store_true", help="skip the ANN twin (the row task has none)")
    classify.add_argument("--no-progress", action="store_true")
    classify.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train the spiking digit classifier and its ANN twin on the bundled digits, evaluate both on the test split."""
    from minisnn.classification import ClassifierConfig, build, dataset, evaluate, fit
    from minisnn.trainer import TrainingDiverged

    out = Path(args.out)
    rows, events = args.task == "rows", args.task == "events"
    no_twin = args.no_twin or rows or events  # the ANN twin runs an image once: the rows and events have none
    phases = ("snn",) if no_twin else ("snn", "ann")
    begun = [name for name in phases if (out / name / "model.npz").exists()]
    if args.resume and not begun:
        raise CLIError(f"--resume: no checkpoint in {out}/snn or {out}/ann; run without --resume to start")
    for name in phases:  # with --resume, the phases that never began start afresh
        prepare_out(out / name, args.resume and name in begun, args.overwrite)
    if events and args.arch not in (None, "cnn"):
        raise CLIError(f"--task events is a spiking CNN (2 x 16 x 16 event frames): got --arch {args.arch}")
    overrides: dict[str, Any] = {"arch": args.arch or "mlp"}
    for name in ("num_steps", "encoder", "readout", "hidden", "input_gain"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if events:  # its architecture, T and channels are ClassifierConfig.events()'s
        overrides.pop("arch")
    elif overrides["arch"] == "cnn":
        overrides.setdefault("num_steps", 4)
        overrides.setdefault("encoder", "direct")
        overrides["channels"] = (16, 32)
    if rows:
        overrides.pop("arch")
        config = ClassifierConfig.rows(args.neuron, recurrent=args.recurrent, learn=tuple(args.learn), **overrides)
    elif events:
        config = ClassifierConfig.events(
            **overrides, neuron_kind=args.neuron, recurrent=args.recurrent, learn=tuple(args.learn)
        )
    else:
        config = ClassifierConfig(
            **overrides, neuron_kind=args.neuron, recurrent=args.recurrent, learn=tuple(args.learn)
        )
    twin_config = None if no_twin else ClassifierConfig(**{**config.to_dict(), "spiking": False})
    batch_size = args.batch_size or (32 if config.arch == "cnn" else 64)
    steps = args.steps or (3000 if rows else 1500)
    lr = args.lr or (2e-3 if rows else 5e-3)
    train_data, test_data = dataset(config, "train"), dataset(config, "test")
    hidden = f"{'recurrent ' if config.recurrent else ''}{config.neuron_kind.upper()} hidden layer"
    if config.learn:
        hidden += f" (learned {' and '.join(config.learn)})"
    if rows:
        coding = f"one row per step (T = {config.num_steps}, 8 pixels each), {hidden}, read-out after the last row"
    elif events:
        coding = (f"event frames (T = {config.num_steps} steps of ON/OFF events along three saccades, "
                  f"{train_data.images.sum() / len(train_data):.0f} events per training digit), {hidden}, "
                  f"{config.readout} read-out")  # fmt: skip
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
        except TrainingDiverged as error:  # say which network, and what the other phase left
            kept = f" (the SNN finished: {out / 'snn' / 'model.npz'})" if name == "ann" else ""
            network = "the ANN twin" if name == "ann" else "the SNN"
            raise TrainingDiverged(f"{network}: {error}{kept}") from error
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
    label = f"spiking {config.arch.upper()}" + (f" ({hidden}, rows)" if rows else " (event digits)" if events else "")
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
