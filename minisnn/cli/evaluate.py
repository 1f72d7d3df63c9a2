"""``python -m minisnn evaluate``: a checkpoint (and an optional ablation) against the classical fills."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import io

from .common import figures_available, is_plain_folder, printable
from .flags import MAX_BATCH, MAX_CROP, MAX_CROPS, int_in, positive_int, seed
from .outdir import CLIError, prepare_out


def add_parser(commands: Any) -> None:
    from minisnn.data import MASK_KINDS, SPLITS
    from minisnn.inpainting.model import EVAL_VIEWS

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
        "--split", choices=SPLITS, default=None,
        help="default: a plain folder whole ('all'); the held-out 'val' split of the samples and of LSDIR",
    )  # fmt: skip
    evaluate.add_argument("--crop", type=int_in(1, MAX_CROP), default=64)
    evaluate.add_argument(
        "--num-crops", type=int_in(1, MAX_CROPS), default=200,
        help="crops to evaluate (default 200); they are kept (0.05 MB per 64x64 crop; ~0.1 MB measured peak RSS)",
    )  # fmt: skip
    evaluate.add_argument("--mask", choices=MASK_KINDS, default="box")
    evaluate.add_argument("--seed", type=seed, default=1)
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
    evaluate.set_defaults(func=run)


def load_model(spec: str) -> Any:
    """A checkpoint path, or ``pretrained`` / ``pretrained:cnn_only`` for a shipped model."""
    from minisnn.inpainting import SCNN

    if spec == "pretrained" or spec.startswith("pretrained:"):
        return SCNN.pretrained(spec.partition(":")[2] or "scnn")
    return SCNN.from_checkpoint(spec)


#: The share of the available memory an evaluation plans to use (the rest: the interpreter, BLAS, the fills).
MEMORY_SHARE = 0.8


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def chunk_that_fits(args: argparse.Namespace, models: list[Any]) -> int:
    """``--chunk``, or a smaller chunk when the machine's available memory cannot hold it (said in one line), or a
    one-line refusal when not even one crop fits -- decided before anything of the evaluation's size exists: the
    crops kept for the whole run (and with ``--save-arrays`` the outputs and masks) plus the networks' peak for a
    chunk, measured on two small probes (:mod:`minisnn.inpainting.memory`)."""
    from minisnn.inpainting.evaluate import DEFAULT_BASELINES
    from minisnn.inpainting.memory import available_bytes, largest_chunk

    args.chunk = min(args.chunk, args.num_crops)  # a chunk never holds more than the crops there are
    available = available_bytes()
    if available is None:
        return args.chunk
    budget = MEMORY_SHARE * available
    # the crops' 3 planes; with --save-arrays the whole set (crops, masks, inputs: 8 planes) and every method's
    # outputs (3 planes each: the models and the classical fills)
    planes = 8 + 3 * (len(models) + len(DEFAULT_BASELINES)) if args.save_arrays else 3
    kept = args.num_crops * planes * args.crop**2 * 4
    if kept > budget:
        what = "crops, outputs and masks" if args.save_arrays else "crops"
        raise CLIError(
            f"--num-crops {args.num_crops} of --crop {args.crop}: the {what} alone need {_gb(kept)}, more than the "
            f"{_gb(budget)} this machine can give now; evaluate fewer or smaller crops"
        )
    chunk, fixed, per_crop = largest_chunk(models, args.crop, args.chunk, budget - kept)
    views = max(m.config.eval_views for m in models)
    if chunk == 0:
        hint = " or --eval-views 1" if views > 1 else ""
        raise CLIError(
            f"--crop {args.crop}: evaluating one crop needs about {_gb(fixed + per_crop)} (measured on smaller probes"
            f"{f', {views} views' if views > 1 else ''}), more than the {_gb(budget - kept)} this machine can give "
            f"now; use a smaller --crop{hint}"
        )
    if chunk < args.chunk:
        print(
            f"(--chunk {args.chunk} would need about {_gb(fixed + per_crop * args.chunk)}, more than the "
            f"{_gb(budget - kept)} available: evaluating {chunk} crop{'s' if chunk > 1 else ''} at a time instead; "
            "the numbers are the same up to float rounding)"
        )
    return chunk


def run(args: argparse.Namespace) -> int:
    from minisnn.data import Batch, ValidationSet, open_images, validation_set
    from minisnn.inpainting import evaluate, figures, metrics_table

    model = load_model(args.checkpoint)
    ablation = load_model(args.ablation) if args.ablation else None
    if args.eval_views is not None:
        for m in (model, ablation):
            if m is not None:
                m.set_eval_views(args.eval_views)
    args.chunk = chunk_that_fits(args, [m for m in (model, ablation) if m is not None])  # the one used, if smaller
    out = Path(args.out)
    prepare_out(out, resume=False, overwrite=True, model_files=(), data=args.data)
    split = args.split or ("all" if is_plain_folder(args.data) else "val")
    images = open_images(args.data, split, max_images=args.max_images)
    # --save-arrays writes every crop, so it builds the whole set; otherwise masks and inputs are made per chunk
    make_set = validation_set if args.save_arrays else ValidationSet
    data = make_set(images, args.crop, args.num_crops, mask=args.mask, seed=args.seed)
    result = evaluate(
        model, data, data_label=printable(f"{args.data} ({split} split, {len(images)} images)"),
        mask_label=args.mask, keep_outputs=len(data.images) if args.save_arrays else 8, ablation=ablation,
        chunk=args.chunk,
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
    if figures_available():
        examples = data if isinstance(data, Batch) else next(data.chunks(8))
        figures.examples_figure(examples, outputs, out / "examples.png")
    print(f"wrote {out / 'metrics.json'}" + (", examples.png" if (out / "examples.png").exists() else ""))
    return 0
