"""conv2d forward and forward+backward, float32: minisnn (F.conv2d, algorithm "auto") vs PyTorch CPU.

Usage:  python benchmarks/bench_conv.py [--threads N] [--repeats R] [--best]

Prints the NumPy version and its BLAS, then per shape: median ms of forward and of forward+backward with
``algorithm="auto"``, the same with ``algorithm="im2col"`` (``auto`` must never be slower: issue 12),
peak extra memory (MB) of one forward+backward, and the ratio minisnn / PyTorch. Each measurement runs in
a fresh process. ``--best`` reports the fastest of the repeats instead of the median (on a machine shared with
other jobs the minimum is the steadier estimate of what the code costs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

# (label, N, C, O, H=W, kernel, padding, dilation)
SHAPES = [
    ("N16 C4→32 64² k3 p1", 16, 4, 32, 64, 3, 1, 1),
    ("N16 C32→32 64² k3 p1", 16, 32, 32, 64, 3, 1, 1),
    ("N64 C32→32 32² k3 p1", 64, 32, 32, 32, 3, 1, 1),
    ("N16 C32→32 64² k3 p2 d2", 16, 32, 32, 64, 3, 2, 2),
]


def worker(framework: str, index: int, repeats: int, threads: int, mode: str, best: bool = False) -> dict:
    """``framework``: "minisnn" (algorithm "auto"), "minisnn-im2col" or "torch"."""
    if mode == "memory":
        harness.fix_mmap_threshold()
    import numpy as np

    _, n, c, o, hw, k, p, d = SHAPES[index]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = (rng.standard_normal((o, c, k, k)) * 0.1).astype(np.float32)
    b = np.zeros(o, np.float32)
    g = rng.standard_normal((n, o, hw, hw)).astype(np.float32)
    if framework.startswith("minisnn"):
        from minisnn import Tensor
        from minisnn import functional as F

        xt, wt, bt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
        algorithm = framework.partition("-")[2] or "auto"

        def forward():
            return F.conv2d(xt, wt, bt, padding=p, dilation=d, algorithm=algorithm)

        def forward_backward():
            xt.grad = wt.grad = bt.grad = None
            forward().backward(g)
    else:
        import torch

        torch.set_num_threads(threads)
        xt = torch.tensor(x, requires_grad=True)
        wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
        gt = torch.tensor(g)

        def forward():
            with torch.no_grad():
                return torch.nn.functional.conv2d(xt, wt, bt, padding=p, dilation=d)

        def forward_backward():
            xt.grad = wt.grad = bt.grad = None
            torch.nn.functional.conv2d(xt, wt, bt, padding=p, dilation=d).backward(gt)

    if mode == "memory":
        return {"peak_mb": harness.peak_memory_mb(forward_backward)}
    return {
        "forward_ms": harness.median_ms(forward, repeats, best=best),
        "forward_backward_ms": harness.median_ms(forward_backward, repeats, best=best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--best", action="store_true", help="report the fastest repeat instead of the median")
    parser.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "INDEX"), help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("time", "memory"), default="time", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        harness.set_threads(args.threads)
        result = worker(args.worker[0], int(args.worker[1]), args.repeats, args.threads, args.mode, args.best)
        print(json.dumps(result))
        return

    with_torch = harness.torch_available()
    statistic = "best" if args.best else "median"
    print(f"conv2d float32, {args.threads} threads, {statistic} of {args.repeats}; {harness.machine_description()}")
    print(harness.numpy_description())
    import minisnn

    print(f"minisnn from {os.path.dirname(minisnn.__file__)}")
    if not with_torch:
        print("(PyTorch not installed: minisnn columns only; `pip install torch` to compare)")
    rows = []
    for i, shape in enumerate(SHAPES):
        timing = ["--repeats", str(args.repeats)] + (["--best"] if args.best else [])
        ours = harness.measure(__file__, ["minisnn", str(i), *timing], args.threads)
        im2col = harness.run_worker(__file__, ["minisnn-im2col", str(i), *timing, "--mode", "time"], args.threads)
        row = [shape[0], ours["forward_ms"], ours["forward_backward_ms"], im2col["forward_ms"]]
        row += [im2col["forward_backward_ms"], ours["peak_mb"]]
        if with_torch:
            theirs = harness.measure(__file__, ["torch", str(i), *timing], args.threads)
            row += [
                theirs["forward_ms"],
                theirs["forward_backward_ms"],
                theirs["peak_mb"],
                ours["forward_ms"] / theirs["forward_ms"],
                ours["forward_backward_ms"] / theirs["forward_backward_ms"],
            ]
        rows.append(row)
    headers = ["shape", "fwd ms", "fwd+bwd ms", "im2col fwd ms", "im2col fwd+bwd ms", "peak MB"]
    if with_torch:
        headers += ["torch fwd ms", "torch fwd+bwd ms", "torch peak MB", "fwd ratio", "fwd+bwd ratio"]
    harness.print_table(headers, rows)


if __name__ == "__main__":
    main()
