"""``python -m minisnn demo``: train the reduced SC-NN and its CNN-only ablation for a few minutes on the sample
photos, evaluate them and the shipped pretrained pair on the same held-out crops."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from minisnn import io

from .common import figures_available
from .flags import MAX_CROPS, MAX_STEPS, int_in, seed
from .outdir import prepare_out
from .stopping import stop_status


def add_parser(commands: Any) -> None:
    demo = commands.add_parser("demo", help="train + evaluate the reduced SC-NN and its CNN-only ablation")
    demo.add_argument(
        "--steps", type=int_in(1, MAX_STEPS), default=200, help="training steps per network (default 200)"
    )
    demo.add_argument("--num-crops", type=int_in(1, MAX_CROPS), default=200, help="validation crops (default 200)")
    demo.add_argument("--overwrite", action="store_true", help="replace the models of an earlier demo in OUT")
    demo.add_argument("--seed", type=seed, default=0)
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--no-ablation", action="store_true", help="skip the CNN-only ablation")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
    if figures_available():
        figures.examples_figure(val, outputs, out / "examples.png")
        for name, history in histories.items():
            figures.plot_history(history, out / name / "loss.png", title=f"demo: {name}")
    print(
        f"total {summary['wall_seconds']:.0f} s; wrote {out / 'metrics.json'}, {out / 'examples.png'}, "
        f"checkpoints and loss curves in {out}/<variant>/"
    )
    return 0
