"""``python -m minisnn train``: train an SC-NN (or its CNN-only ablation) on crops of a folder of images."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import figures_available, is_plain_folder, printable
from .flags import (
    MAX_BATCH,
    MAX_CROP,
    MAX_CROPS,
    MAX_LR,
    MAX_STEPS,
    MAX_TIME_STEPS,
    MAX_WIDTH,
    float_in,
    int_in,
    positive_int,
    seed,
)
from .outdir import CLIError, prepare_out
from .stopping import interrupted_hint, stop_status


def add_parser(commands: Any) -> None:
    from minisnn.data import MASK_KINDS
    from minisnn.inpainting.model import CONFIGS, PREFILLS, RESIDUAL_INITS
    from minisnn.inpainting.train import AUGMENTATIONS, LOSSES, SCHEDULES

    train = commands.add_parser("train", help="train an SC-NN (writes model.npz, history.json, loss.png)")
    train.add_argument("--data", default="samples", help="'samples' (offline sample photos) or a folder / LSDIR root")
    train.add_argument("--crop", type=int_in(1, MAX_CROP), default=64, help="crop size in pixels (default 64)")
    train.add_argument("--batch-size", type=int_in(1, MAX_BATCH), default=16)
    train.add_argument("--steps", type=int_in(1, MAX_STEPS), default=600, help="training steps (default 600)")
    train.add_argument(
        "--lr", type=float_in(0, MAX_LR, low_open=True), default=1e-3, help="Adam learning rate (paper: 1e-3)"
    )
    train.add_argument("--mask", choices=MASK_KINDS, default="box")
    train.add_argument(
        "--num-steps", type=int_in(1, MAX_TIME_STEPS), default=None, help="LIF time steps T (default: the config's)"
    )
    train.add_argument("--seed", type=seed, default=0)
    train.add_argument("--out", default="runs/train", help="output folder (default runs/train)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/model.npz")
    train.add_argument("--overwrite", action="store_true", help="replace a model already in OUT (default: refuse)")
    train.add_argument(
        "--no-spiking", action="store_true", help="CNN-only ablation: Conv2d + ReLU instead of SNNConv2d"
    )
    train.add_argument(
        "--config", choices=CONFIGS, default="reduced",
        help="reduced (default), paper (64 ch., LIFParams.paper()) or table1 (every row of the paper's Table 1)",
    )  # fmt: skip
    train.add_argument(
        "--width", type=int_in(1, MAX_WIDTH), default=None, help="hidden channels (default: the config's)"
    )
    train.add_argument(
        "--residual-init", choices=RESIDUAL_INITS, default=None,
        help="the correction's last layer: default init (learns) or zero (starts exactly at the pre-fill)",
    )  # fmt: skip
    train.add_argument(
        "--augment", choices=AUGMENTATIONS, default=None,
        help="flips: flips and 90-degree rotations of the crops (default; paper: none); flips+scale: those and a "
        "random zoom-out of each crop by 1-2x (area averaging)",
    )  # fmt: skip
    train.add_argument("--loss", choices=LOSSES, default=None, help="default: mse (paper), hole_weighted (reduced)")
    train.add_argument(
        "--lr-schedule", choices=SCHEDULES, default=None, help="default: constant (paper), cosine (reduced)"
    )
    train.add_argument(
        "--prefill", choices=PREFILLS, default=None,
        help="what the network sees in the hole: zero (paper), a classical pre-fill, or dual (the harmonic and "
        "biharmonic fills side by side, correcting their mean) (default: the config's)",
    )  # fmt: skip
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
    train.set_defaults(func=run)


def model_from_args(args: argparse.Namespace) -> Any:
    """The SC-NN the flags describe: a named configuration (``--config``) with the flags' overrides."""
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
    build = getattr(SCNN, args.config)
    return build(rng=args.seed, **overrides)


def run(args: argparse.Namespace) -> int:
    from minisnn.data import open_images, validation_set
    from minisnn.inpainting import figures, fit

    out = Path(args.out)
    prepare_out(out, args.resume, args.overwrite, data=args.data)
    try:
        train_images = open_images(args.data, "train", max_images=args.max_images)
    except FileNotFoundError:
        if not is_plain_folder(args.data):
            raise
        count = len(open_images(args.data, "all"))  # raises the real problem if the folder holds no image at all
        raise CLIError(
            f"--data {args.data} holds {count} image{'s' * (count != 1)}; train needs at least 2, because a plain "
            "folder's 1st image (and every 10th after it) is held out for validation: add images to the folder"
        ) from None
    val_images = open_images(args.data, "val", max_images=args.max_images)
    val = validation_set(val_images, args.crop, args.val_crops, mask=args.mask, seed=args.seed + 1)
    model = model_from_args(args)
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
            model, train_images, val, steps=args.steps, batch_size=args.batch_size, lr=args.lr, loss=loss,
            crop_size=args.crop, mask=args.mask, seed=args.seed, lr_schedule=schedule, val_every=args.val_every,
            checkpoint_every=args.checkpoint_every, out_dir=out, resume=args.resume, progress=not args.no_progress,
            augment=augment, rate_floor=args.rate_floor, rate_weight=args.rate_weight,
        )  # fmt: skip
    except KeyboardInterrupt as stop:
        print(f"\n{interrupted_hint(stop, args.resume)}")
        return stop_status(stop)
    if figures_available():
        title = printable(f"{args.config} SC-NN on {args.data}")
        figures.plot_history(history, out / "loss.png", title=title)
    last = f"{history.val['hole_psnr'][-1]:.2f} dB" if history.val_step else "n/a"
    print(
        f"done in {history.seconds:.0f} s: final train loss {history.train_loss[-1]:.5f}, validation hole PSNR "
        f"{last} ({args.val_crops} crops of held-out images, [0,1] scale)"
    )
    print(f"wrote {out / 'model.npz'}, {out / 'history.json'}" + (", loss.png" if (out / "loss.png").exists() else ""))
    return 0
