"""One training step of the shipped SC-NN in minisnn and in its exported PyTorch twin (issue 24, item 5).

The network is ``SCNN.pretrained()`` (both classical fills in view, a spiking layer of T = 8 steps), the step
forward + backward + Adam on a batch of 64×64 crops with mixed masks and the hole-weighted loss, in training mode
(noise on) -- what ``python -m minisnn train`` and ``examples/finetune_in_pytorch.py`` repeat. The twin is
``minisnn.export.to_torch(model)``, float32 like minisnn.

The classical fills (two sparse NumPy/SciPy solves per crop) are inside minisnn's forward pass; the twin takes them
as an argument, computed with the crops (in the DataLoader, as the example does). So three things are timed: the
minisnn step (fills included), the fills alone (minisnn's solvers, :func:`minisnn.export.classical_fills`), and the
twin's step given the fills -- on the CPU with the same thread count (``torch.set_num_threads``) and, when
``torch.cuda.is_available()``, on the GPU. Each seed is a fresh process (its own crops and masks) timing the median
of ``--repeats`` steps after a warm-up step; the table gives the mean over the seeds with a Student-t 95 % interval
(:func:`minisnn.stats.t_interval`), and the peak extra resident memory of a first step (one more process each,
harness.py; on the GPU ``torch.cuda.max_memory_allocated``).

    python benchmarks/bench_export.py --threads 1 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

KINDS = ("minisnn", "fills", "torch-cpu", "torch-cuda")


def batch(size: int, crop: int, seed: int):
    """(inputs, images, masks) of ``size`` random-texture crops with mixed masks, float32."""
    import numpy as np

    from minisnn.data import make_inputs, make_mask

    rng = np.random.default_rng(seed)
    images = rng.random((size, 3, crop, crop)).astype(np.float32)
    masks = np.stack([make_mask("mixed", crop, crop, rng) for _ in range(size)]).astype(np.float32)
    return make_inputs(images, masks), images, masks


def minisnn_step(size: int, crop: int, seed: int):
    from minisnn import Tensor, optim
    from minisnn.inpainting import SCNN
    from minisnn.inpainting.train import compute_loss

    model = SCNN.pretrained()
    model.train()
    opt = optim.Adam(model.parameters(), lr=1e-4)
    inputs, images, masks = batch(size, crop, seed)

    def step():
        loss = compute_loss("hole_weighted", model(Tensor(inputs)), images, masks)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def fills_only(size: int, crop: int, seed: int):
    from minisnn.export import classical_fills

    inputs, _, _ = batch(size, crop, seed)
    return lambda: classical_fills(inputs, "dual")


def torch_step(size: int, crop: int, seed: int, device: str):
    import torch

    from minisnn.export import classical_fills, to_torch
    from minisnn.inpainting import SCNN

    torch.manual_seed(seed)
    twin = to_torch(SCNN.pretrained()).to(device)
    twin.train()
    opt = torch.optim.Adam(twin.parameters(), lr=1e-4)
    inputs, images, masks = batch(size, crop, seed)
    fills = torch.from_numpy(classical_fills(inputs, "dual")).to(device)
    inputs, images, masks = (torch.from_numpy(a).to(device) for a in (inputs, images, masks))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        pred = twin(inputs, fills)
        loss = (((pred - images) ** 2) * masks).sum() / (3 * masks.sum())  # minisnn's "hole_weighted"
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()

    return step


def worker(kind: str, size: int, crop: int, seed: int, repeats: int, threads: int, mode: str, best: bool) -> dict:
    if mode == "memory":
        harness.fix_mmap_threshold()
    if kind.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        device = kind.split("-")[1]
        step = torch_step(size, crop, seed, device)
        if mode == "memory" and device == "cuda":
            torch.cuda.reset_peak_memory_stats()
            step()
            return {"peak_mb": torch.cuda.max_memory_allocated() / 2**20}
    elif kind == "fills":
        step = fills_only(size, crop, seed)
    else:
        step = minisnn_step(size, crop, seed)
    if mode == "memory":
        return {"peak_mb": harness.peak_memory_mb(step)}
    return {"step_ms": harness.median_ms(step, repeats, warmup=1, best=best)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="steps timed per process (median)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one fresh process each")
    parser.add_argument(
        "--best",
        action="store_true",
        help="the fastest step per process, not the median (steadier on a busy machine: other jobs only ever add time)",
    )
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("time", "memory"), default="time", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        harness.set_threads(args.threads)
        kind, size, crop, seed = args.worker
        result = worker(kind, int(size), int(crop), int(seed), args.repeats, args.threads, args.mode, args.best)
        print(json.dumps(result))
        return
    if not harness.torch_available():
        raise SystemExit("bench_export compares with the exported PyTorch twin: pip install torch")
    import torch

    from minisnn.stats import t_interval

    kinds = ["minisnn", "fills", "torch-cpu"] + (["torch-cuda"] if torch.cuda.is_available() else [])
    gpu = f"; GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "; no GPU found"
    print(f"SCNN.pretrained() training step, batch {args.batch} of {args.crop}x{args.crop}, float32, "
          f"{args.threads} threads, seeds {args.seeds}, {'fastest' if args.best else 'median'} of {args.repeats} "
          "steps per process; "
          f"{harness.machine_description()}; torch {torch.__version__}{gpu}")  # fmt: skip
    times, peaks = {}, {}
    for kind in kinds:
        runs = []
        for seed in args.seeds:
            worker_args = [kind, str(args.batch), str(args.crop), str(seed), "--repeats", str(args.repeats)]
            worker_args += ["--best"] if args.best else []
            runs.append(harness.run_worker(__file__, [*worker_args, "--mode", "time"], args.threads)["step_ms"])
        times[kind] = runs
        memory_args = [kind, str(args.batch), str(args.crop), str(args.seeds[0]), "--mode", "memory"]
        peaks[kind] = harness.run_worker(__file__, memory_args, args.threads)["peak_mb"]

    def cell(values, digits: int = 0) -> str:
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        m = t_interval(values)
        return f"{m.estimate:.{digits}f} [{m.low:.{digits}f}, {m.high:.{digits}f}]"

    rows = []
    for kind in kinds:
        label = {
            "minisnn": "minisnn (fills inside the step)",
            "fills": "the classical fills alone (NumPy/SciPy)",
            "torch-cpu": "exported twin, CPU (fills given)",
            "torch-cuda": "exported twin, GPU (fills given)",
        }
        ratio = ""
        if kind.startswith("torch"):
            network = [a - f for a, f in zip(times["minisnn"], times["fills"], strict=True)]
            ratio = cell([n / t for n, t in zip(network, times[kind], strict=True)], 1)
        rows.append([label[kind], cell(times[kind]), f"{peaks[kind]:.0f}", ratio])
    harness.print_table(["what", "ms per step, mean [95 % t-interval]", "peak MB", "minisnn's network / this"], rows)
    print("(minisnn's network = minisnn's step minus the fills, per seed; per seed, ms:",
          json.dumps({k: [round(v) for v in t] for k, t in times.items()}) + ")")  # fmt: skip


if __name__ == "__main__":
    main()
