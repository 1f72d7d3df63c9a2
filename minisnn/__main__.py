"""Command line: ``python -m minisnn demo``."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def demo(args: argparse.Namespace) -> int:
    """Train a two-layer conv net to reproduce a 3x3 box blur, with Adam, and report the loss."""
    from minisnn import Tensor, nn, optim
    from minisnn import functional as F

    rng = np.random.default_rng(args.seed)
    images = rng.random((16, 1, 32, 32)).astype(np.float32)
    kernel = np.full((1, 1, 3, 3), 1 / 9, np.float32)
    target = F.conv2d(Tensor(images), Tensor(kernel), padding=1).data
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.Conv2d(8, 1, 1, rng=rng))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        opt.zero_grad()
        loss = F.mse_loss(model(Tensor(images)), target)
        loss.backward()
        opt.step()
        if step == 1 or step % 50 == 0:
            print(f"step {step:4d}  MSE {loss.item():.2e}  (random images in [0,1], target = 3x3 box blur)")
    print(f"trained in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minisnn", description="minisnn command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="train a small network end to end and report the result")
    demo_parser.add_argument("--steps", type=int, default=300)
    demo_parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return {"demo": demo}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
