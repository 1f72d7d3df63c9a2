"""Graduate: fine-tune minisnn's pretrained SC-NN in PyTorch -- one process, or several with DistributedDataParallel
-- and bring the weights back to minisnn to evaluate them (issue 24; docs/outgrow.md walks through it).

    pretrained SC-NN --minisnn.export.to_torch--> torch twin --DDP, DataLoader, torch.optim.Adam--> trained twin
                     <--minisnn.export.from_torch-- OUT/model.npz --> python -m minisnn evaluate

Usage (from the repository root, ``pip install torch`` first; ``--help`` lists every flag)::

    python examples/finetune_in_pytorch.py --data ../shared/datasets/photos --steps 300 --out runs/graduate
    python examples/finetune_in_pytorch.py --nproc 2 ...            # 2 local processes, spawned by this script
    torchrun --nproc_per_node=2 examples/finetune_in_pytorch.py ...  # the same, launched by torchrun
    torchrun --nnodes=2 --node_rank=R --master_addr=HOST --master_port=29500 --nproc_per_node=GPUS \\
        examples/finetune_in_pytorch.py ...                          # several machines, GPUS processes each
    python -m minisnn evaluate --checkpoint runs/graduate/model.npz --ablation pretrained \\
        --data ../shared/datasets/photos --split test               # the fine-tuned model against the original

What each process does:

* **Device and backend**: GPU ``LOCAL_RANK`` with the NCCL backend when CUDA is available, else the CPU with gloo
  (``--threads`` torch threads per process: by default the machine's cores shared out among its local processes).
* **The same crops**: the training photos of ``--data`` (its "train" split: the same split ``python -m minisnn
  train`` uses) cut by minisnn's own pipeline, :class:`minisnn.data.InpaintingBatches` with ``--seed``. The
  DataLoader's dataset (:class:`SameCrops`) serves crop ``i`` of that stream; a :class:`DistributedSampler` (no
  shuffling: the stream is already random) gives each of the W ranks every W-th crop, so step k of all ranks
  together sees exactly batch k of minisnn's stream, ``--batch-size`` crops (``--batch-size / W`` per rank). The
  classical fills the SC-NN corrects are computed with the crops (minisnn's own solvers,
  :func:`minisnn.export.classical_fills`), in the DataLoader.
* **The loss of** ``minisnn.inpainting.fit``, over the whole global batch: the hole-weighted MSE
  Σ m·(ŷ − y)² / (3·Σ m) (or the MSE), plus λ·(1/O)·Σ_c max(0, floor − r̄_c)², the rate floor the shipped model was
  trained with, r̄_c the spiking channels' mean rate over the global batch (read with a forward hook). DDP averages
  the ranks' gradients; the hole normaliser Σ m and the rates r̄_c are all-reduced over the ranks first, so the
  averaged gradient is the gradient of the global batch's loss, as one process with the whole batch would compute.
* **Noise**: the spiking layer's training noise (σ = 0.1 on its current) is drawn by torch (``to_torch``'s
  default), from a generator seeded with ``--seed`` and the rank: each rank draws its own noise.
* **Optimiser**: ``torch.optim.Adam`` (the same update as ``minisnn.optim.Adam``), lr ``--lr``, constant. The default
  1e-4 is where the shipped model's cosine schedule ended (1e-3 → 1e-4 over 9,000 steps).
* **Back to minisnn**: rank 0 copies the twin's weights into ``SCNN.pretrained()`` with
  :func:`minisnn.export.from_torch` and saves ``OUT/model.npz`` (configuration included, 8-view prediction as
  shipped), which ``python -m minisnn evaluate --checkpoint`` reads. Every rank writes ``OUT/rank<r>.json``: the
  SHA-256 of its final weights (DDP keeps them identical: the check is printed), its losses and step times.
  ``--evaluate`` then runs ``python -m minisnn evaluate`` on the held-out split, the original model as ablation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from minisnn import export, io
from minisnn.data import MASK_KINDS, InpaintingBatches, open_images
from minisnn.export import _torch as twin_layers
from minisnn.inpainting import SCNN
from minisnn.inpainting.model import pretrained_path
from minisnn.inpainting.train import LOSSES, SCALE_RANGE

#: The recipe the shipped SC-NN was trained with (loss, masks, augmentation, crop, batch, rate floor), read from its
#: checkpoint: fine-tuning continues it unless a flag says otherwise.
SHIPPED = io.load(pretrained_path("scnn"), extra_arrays=False).extra["settings"]


class SameCrops(Dataset):
    """Crop ``i`` of minisnn's training stream ``InpaintingBatches(source, crop, batch_size, mask, rng=seed, ...)``:
    batch ``i // batch_size``, slot ``i % batch_size``; ``len`` = steps · batch_size.

    Item: (inputs (4, H, W), images (3, H, W), masks (1, H, W), fills (C, H, W): the classical fills for ``prefill``
    -- (0, H, W) for "zero"), float32 tensors. The stream is drawn in order (a rank asks for rising indices; an
    earlier index restarts it from the seed), so a rank draws every batch and keeps its own share of it.
    """

    def __init__(self, source: Any, steps: int, batch_size: int, crop: int, mask: str, augment: str, seed: int,
                 prefill: str):  # fmt: skip
        self.source, self.steps, self.batch_size, self.crop = source, steps, batch_size, crop
        self.mask, self.augment, self.seed, self.prefill = mask, augment, seed, prefill
        self._restart()

    def _restart(self) -> None:
        self.stream = InpaintingBatches(
            self.source,
            self.crop,
            self.batch_size,
            mask=self.mask,
            rng=self.seed,
            augment=self.augment != "none",
            scale_range=SCALE_RANGE if self.augment == "flips+scale" else (1.0, 1.0),
        )  # fmt: skip  (exactly as minisnn.inpainting.fit builds it)
        self.index, self.batch = -1, None

    def batch_at(self, k: int) -> Any:
        """Batch ``k`` of the stream (a :class:`minisnn.data.Batch`)."""
        if k < self.index:
            self._restart()
        while self.index < k:
            self.batch, self.index = self.stream.next_batch(), self.index + 1
        return self.batch

    def __len__(self) -> int:
        return self.steps * self.batch_size

    def __getitem__(self, i: int) -> tuple[torch.Tensor, ...]:
        batch = self.batch_at(i // self.batch_size)
        j = i % self.batch_size
        inputs = batch.inputs[j : j + 1]
        fills = export.classical_fills(inputs, self.prefill)
        if fills is None:
            fills = np.zeros((1, 0, *inputs.shape[2:]), np.float32)
        return tuple(torch.from_numpy(np.ascontiguousarray(a[0])) for a in (inputs, batch.images[j : j + 1],
                                                                          batch.masks[j : j + 1], fills))  # fmt: skip


class RateHook:
    """Keeps the rate output (N, O, H, W) of each spiking layer of the twin from the last forward pass (a forward
    hook: minisnn's ``nn.record`` is not exported)."""

    def __init__(self, twin: torch.nn.Module):
        self.rates: list[torch.Tensor] = []
        layers = [m for m in twin.modules() if isinstance(m, twin_layers.SNNConv2d)]
        for layer in layers:
            if layer.neurons.output != "rate":
                raise ValueError(f"RateHook: a spiking layer with output {layer.neurons.output!r}, expected 'rate'")
            layer.register_forward_hook(lambda module, args, out: self.rates.append(out))


class AllReduceSum(torch.autograd.Function):
    """y = Σ_ranks x (every rank gets y); backward: ∂L/∂x = Σ_ranks ∂L_r/∂y -- each rank's loss depends on every
    rank's x through y, so x's gradient collects all ranks' terms."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        y = x.clone()
        dist.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def global_sum(x: torch.Tensor, world: int, grad: bool = False) -> torch.Tensor:
    """Σ over the ranks of ``x`` (itself on one process); ``grad``: differentiable (the backward sums the ranks'
    gradients, so that DDP's average is the gradient of the global quantity)."""
    if world == 1:
        return x
    if grad:
        return AllReduceSum.apply(x)
    x = x.detach().clone()
    dist.all_reduce(x)
    return x


def loss_fn(pred: torch.Tensor, images: torch.Tensor, masks: torch.Tensor, rates: list[torch.Tensor], kind: str,
            floor: float, weight: float, world: int) -> tuple[torch.Tensor, float]:  # fmt: skip
    """This rank's share of the global batch's loss, scaled so that DDP's mean over the ranks of the gradients is
    the global loss's gradient; also the global loss's value (the same on every rank)."""
    err = (pred - images) ** 2
    if kind == "mse":
        count = global_sum(torch.tensor(float(err.numel()), device=err.device), world)
        data = err.sum() * world / count
    else:  # hole_weighted: Σ m·e / (3·Σ m) over the global batch
        hole = global_sum(masks.sum(), world)
        data = (err * masks).sum() * world / (3 * hole)
    value = global_sum(data.detach(), world) / world
    loss = data
    if weight > 0:
        for rate in rates:  # (N, O, H, W) → the channel means over the global batch
            count = global_sum(torch.tensor(float(rate.numel() / rate.shape[1]), device=rate.device), world)
            mean = global_sum(rate.sum(dim=(0, 2, 3)), world, grad=True) / count
            penalty = weight * torch.relu(floor - mean).pow(2).mean()  # the same on every rank: no world factor
            loss = loss + penalty
            value = value + penalty.detach()
    return loss, float(value)


def weights_digest(model: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, value in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def run(rank: int, world: int, local_rank: int, args: argparse.Namespace) -> None:
    cuda = torch.cuda.is_available() and not args.cpu
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    else:
        torch.set_num_threads(args.threads)
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    torch.manual_seed(args.seed * 1000 + rank)  # the twin's noise (to_torch's default, noise="torch"), per rank
    out = Path(args.out)
    say = print if rank == 0 else (lambda *a, **k: None)

    model = SCNN.pretrained()
    twin = export.to_torch(model).to(device)  # float32, as trained; training mode
    twin.train()
    if args.no_noise:
        for layer in twin.modules():
            if isinstance(layer, twin_layers.Spiking):
                layer.noise = None
    rates = RateHook(twin)
    net = DistributedDataParallel(twin, device_ids=[local_rank] if cuda else None) if world > 1 else twin
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)

    source = open_images(args.data, "train", max_images=args.max_images)
    data = SameCrops(source, args.steps, args.batch_size, args.crop, args.mask, args.augment, args.seed,
                     model.config.prefill)  # fmt: skip
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=False) if world > 1 else None
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler, shuffle=False,
                        num_workers=args.workers, pin_memory=cuda)  # fmt: skip
    say(f"fine-tuning the pretrained SC-NN ({sum(p.numel() for p in twin.parameters()):,} parameters) in PyTorch "
        f"{torch.__version__} on {world} process{'es' * (world > 1)} ({device.type}"
        f"{'' if cuda else f', {args.threads} thread(s) each'}; backend {dist.get_backend() if world > 1 else '-'}): "
        f"{args.steps} steps of {args.batch_size} {args.crop}x{args.crop} crops of {args.data} ({len(source)} "
        f"training images), {args.mask} masks, augment {args.augment}, {args.loss} loss, rate floor {args.rate_floor:g}"
        f" (weight {args.rate_weight:g}), Adam lr {args.lr:g}, seed {args.seed}")  # fmt: skip

    losses, times, start = [], [], time.perf_counter()
    tick = time.perf_counter()
    for step, (inputs, images, masks, fills) in enumerate(loader, 1):
        inputs, images, masks = (t.to(device, non_blocking=True) for t in (inputs, images, masks))
        fills = fills.to(device, non_blocking=True) if fills.shape[1] else None
        rates.rates.clear()
        pred = net(inputs, fills)
        loss, value = loss_fn(pred, images, masks, rates.rates, args.loss, args.rate_floor, args.rate_weight, world)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if cuda:
            torch.cuda.synchronize()
        now = time.perf_counter()
        losses.append(value)
        times.append(now - tick)
        tick = now
        if step % args.log_every == 0 or step == args.steps:
            say(f"step {step:5d}/{args.steps}  loss {value:.5f}  {1000 * times[-1]:.0f} ms/step (data included)")
    seconds = time.perf_counter() - start

    digest = weights_digest(twin)
    out.mkdir(parents=True, exist_ok=True)
    record = {"rank": rank, "world_size": world, "device": str(device), "steps": len(losses), "seconds": seconds,
              "sha256": digest, "loss": losses, "step_seconds": times}  # fmt: skip
    (out / f"rank{rank}.json").write_text(json.dumps(record))
    if world > 1:
        digests: list[Any] = [None] * world
        dist.all_gather_object(digests, digest)
        same = len(set(digests)) == 1
        say(f"ranks hold identical weights: {same} (SHA-256 of the {world} ranks' state dicts: "
            f"{', '.join(d[:12] for d in digests)})")  # fmt: skip
    if rank == 0:
        export.from_torch(net, into=model)  # unwraps DDP; checks every name and shape
        settings = {**SHIPPED, **{k: getattr(args, k) for k in ("steps", "batch_size", "lr", "loss", "mask", "seed",
                                                                 "augment", "rate_floor", "rate_weight")},
                    "crop_size": args.crop, "lr_schedule": "constant"}  # fmt: skip
        path = io.save(out / "model.npz", model, config=model.config.to_dict(), settings=settings, task="inpainting",
                       finetuned={"from": "pretrained:scnn", "framework": f"torch {torch.__version__}",
                                  "world_size": world, "device": device.type, "seconds": seconds})  # fmt: skip
        median = float(np.median(times[1:] if len(times) > 1 else times))
        say(f"done: {len(losses)} steps in {seconds:.1f} s (median {1000 * median:.0f} ms/step); wrote {path}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def spawned(local_rank: int, world: int, port: int, args: argparse.Namespace) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    run(local_rank, world, local_rank, args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def evaluate(args: argparse.Namespace) -> int:
    """``python -m minisnn evaluate`` on the held-out split: the fine-tuned model, the original as the ablation."""
    try:  # a plain folder's held-out "test" split; the sample photos and LSDIR hold out "val"
        open_images(args.data, "test")
        split = "test"
    except (ValueError, FileNotFoundError):
        split = "val"
    command = [sys.executable, "-m", "minisnn", "evaluate", "--checkpoint", str(Path(args.out) / "model.npz"),
               "--ablation", "pretrained", "--data", args.data, "--split", split, "--crop", str(args.eval_crop),
               "--num-crops", str(args.eval_crops), "--mask", args.eval_mask, "--seed", str(args.eval_seed),
               "--out", str(Path(args.out) / "evaluate")]  # fmt: skip
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, check=False).returncode


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="samples", help="'samples' (offline sample photos) or a folder of images")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=SHIPPED["batch_size"], help="global batch (all ranks)")
    parser.add_argument("--crop", type=int, default=SHIPPED["crop_size"])
    parser.add_argument("--lr", type=float, default=1e-4, help="Adam's (default 1e-4: where the shipped cosine ended)")
    parser.add_argument("--loss", choices=LOSSES, default=SHIPPED["loss"])
    parser.add_argument("--mask", choices=MASK_KINDS, default=SHIPPED["mask"])
    parser.add_argument("--augment", default=SHIPPED["augment"], choices=("none", "flips", "flips+scale"))
    parser.add_argument("--rate-floor", type=float, default=SHIPPED["rate_floor"])
    parser.add_argument("--rate-weight", type=float, default=SHIPPED["rate_weight"])
    parser.add_argument("--seed", type=int, default=1, help="crops and noise (default 1: the shipped model saw seed 0)")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--out", default="runs/graduate")
    parser.add_argument("--nproc", type=int, default=1, help="spawn this many local processes (without torchrun)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: cores/processes)")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes per rank (default 0)")
    parser.add_argument("--cpu", action="store_true", help="stay on the CPU even when a GPU is there")
    parser.add_argument(
        "--no-noise",
        action="store_true",
        help="switch the training noise off (a check: then 1 and W processes take the same steps)",
    )
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--evaluate", action="store_true", help="then run python -m minisnn evaluate (below)")
    parser.add_argument("--eval-crop", type=int, default=64)
    parser.add_argument("--eval-crops", type=int, default=400)
    parser.add_argument("--eval-mask", choices=MASK_KINDS, default="box")
    parser.add_argument("--eval-seed", type=int, default=1)
    args = parser.parse_args(argv)
    for name in ("steps", "batch_size", "crop", "nproc", "log_every", "eval_crop", "eval_crops"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.lr > 0:
        parser.error(f"--lr must be > 0, got {args.lr}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    launched = "RANK" in os.environ and "WORLD_SIZE" in os.environ  # by torchrun (or any env:// launcher)
    world = int(os.environ["WORLD_SIZE"]) if launched else args.nproc
    if launched and args.nproc != 1:
        raise SystemExit("--nproc spawns processes itself; under torchrun use --nproc_per_node instead")
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the {world} processes")
    try:  # before any process starts: a wrong --data is one line, not a traceback per rank
        open_images(args.data, "train", max_images=args.max_images)
    except (FileNotFoundError, PermissionError, ValueError) as err:
        raise SystemExit(f"--data {args.data}: {err}") from None
    local = int(os.environ.get("LOCAL_WORLD_SIZE", world)) if launched else world
    if args.threads is None:
        args.threads = max(1, (os.cpu_count() or 1) // local)
    if launched:
        run(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", 0)), args)
        if int(os.environ["RANK"]) != 0:
            return 0
    elif world == 1:
        run(0, 1, 0, args)
    else:
        torch.multiprocessing.spawn(spawned, args=(world, free_port(), args), nprocs=world, join=True)
    return evaluate(args) if args.evaluate else 0


if __name__ == "__main__":
    sys.exit(main())
