"""One training step of SCNN.reduced() (batch 16, 64×64 crops): minisnn vs the same network in PyTorch.

Usage:  python benchmarks/bench_train.py [--threads N] [--repeats R] [--growth]

Prints ms per step (forward + backward + Adam) and peak extra memory, for the spiking network and its CNN-only
ablation, both without the classical pre-fill (a SciPy sparse solve outside the network, ~0.1 s per batch);
when PyTorch is installed, the same network written in PyTorch (a twin defined below, used only here) and the
ratios. ``--growth`` also prints how time and memory grow with batch size, crop area and
num_steps. Each measurement runs in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def minisnn_step(spiking: bool, batch: int, crop: int, num_steps: int):
    import numpy as np

    from minisnn import Tensor, optim
    from minisnn.inpainting import SCNN
    from minisnn.inpainting.train import compute_loss

    model = SCNN.reduced(rng=0, spiking=spiking, num_steps=num_steps, prefill="zero")
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    images = rng.random((batch, 3, crop, crop)).astype(np.float32)
    masks = np.zeros((batch, 1, crop, crop), np.float32)
    masks[:, :, crop // 4 : crop // 2, crop // 4 : 3 * crop // 4] = 1
    inputs = np.concatenate([images * (1 - masks), masks], axis=1)

    def step():
        loss = compute_loss("hole_weighted", model(Tensor(inputs)), images, masks)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_step(spiking: bool, batch: int, crop: int, num_steps: int):
    """The PyTorch twin of SCNN.reduced(): same layers, dilations, LIF dynamics, surrogate, noise, loss."""
    import torch

    from minisnn.inpainting import REDUCED
    from minisnn.neuron import neuron_from_dict

    neuron = neuron_from_dict(REDUCED.neuron)
    slope = REDUCED.surrogate[1]

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad / (1 + slope * x.abs()) ** 2

    class SNNConv(torch.nn.Module):
        def __init__(self, c, o, d):
            super().__init__()
            self.conv = torch.nn.Conv2d(c, o, 3, padding=d, dilation=d)

        def forward(self, x):
            current = self.conv(x)
            v = torch.zeros_like(current)
            total = torch.zeros_like(current)
            for _ in range(num_steps):
                noisy = current + REDUCED.noise_std * torch.randn_like(current) if self.training else current
                v = v * neuron.beta_euler + noisy * neuron.input_gain
                s = Spike.apply(v - neuron.v_th)
                v = v - s * (neuron.v_th - neuron.v_reset)
                total = total + s
            return total / num_steps

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            channels = [4] + [REDUCED.width] * 5 + [3]
            layers = []
            for i, d in enumerate(REDUCED.dilations):
                if spiking and i == REDUCED.spiking_layer:
                    layers.append(SNNConv(channels[i], channels[i + 1], d))
                else:
                    layers.append(torch.nn.Conv2d(channels[i], channels[i + 1], 3, padding=d, dilation=d))
            self.layers = torch.nn.ModuleList(layers)

        def forward(self, x):
            known, mask = x[:, :3], x[:, 3:]
            h = x
            for i, layer in enumerate(self.layers):
                h = layer(h)
                if i < len(self.layers) - 1:
                    h = torch.relu(h)
            return h * mask + known

    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(batch, 3, crop, crop)
    masks = torch.zeros(batch, 1, crop, crop)
    masks[:, :, crop // 4 : crop // 2, crop // 4 : 3 * crop // 4] = 1
    inputs = torch.cat([images * (1 - masks), masks], 1)

    def step():
        pred = model(inputs)
        loss = (((pred - images) ** 2) * masks).sum() / (3 * masks.sum())
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def worker(
    framework: str, spiking: bool, batch: int, crop: int, num_steps: int, repeats: int, threads: int, mode: str
) -> dict:
    if mode == "memory":
        harness.fix_mmap_threshold()
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        step = torch_step(spiking, batch, crop, num_steps)
    else:
        step = minisnn_step(spiking, batch, crop, num_steps)
    if mode == "memory":
        return {"peak_mb": harness.peak_memory_mb(step)}
    return {"step_ms": harness.median_ms(step, repeats, warmup=1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--growth", action="store_true", help="also measure growth with batch, crop, num_steps")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("time", "memory"), default="time", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        harness.set_threads(args.threads)
        framework, spiking, batch, crop, steps = args.worker
        result = worker(
            framework, spiking == "1", int(batch), int(crop), int(steps), args.repeats, args.threads, args.mode
        )
        print(json.dumps(result))
        return

    from minisnn.inpainting import REDUCED

    with_torch = harness.torch_available()
    print(f"SCNN.reduced() training step, float32, {args.threads} threads; {harness.machine_description()}")

    def measure(framework: str, spiking: bool, batch: int = 16, crop: int = 64, steps: int = REDUCED.num_steps):
        worker_args = [
            framework,
            "1" if spiking else "0",
            str(batch),
            str(crop),
            str(steps),
            "--repeats",
            str(args.repeats),
        ]
        return harness.measure(__file__, worker_args, args.threads)

    rows = []
    for spiking in (True, False):
        ours = measure("minisnn", spiking)
        row = ["SC-NN (spiking)" if spiking else "CNN-only", ours["step_ms"], ours["peak_mb"]]
        if with_torch:
            theirs = measure("torch", spiking)
            row += [theirs["step_ms"], theirs["peak_mb"], ours["step_ms"] / theirs["step_ms"],
                    ours["peak_mb"] / max(theirs["peak_mb"], 1e-9)]  # fmt: skip
        rows.append(row)
    headers = ["network (batch 16, 64x64)", "ms/step", "peak MB"]
    if with_torch:
        headers += ["torch ms/step", "torch peak MB", "time ratio", "memory ratio"]
    harness.print_table(headers, rows)

    if args.growth:
        print("\ngrowth of the spiking network's step (minisnn):")
        growth = []
        for label, kwargs in [
            ("batch 8", {"batch": 8}), ("batch 16", {}), ("batch 32", {"batch": 32}),
            ("crop 32", {"crop": 32}), ("crop 64", {}), ("crop 128", {"crop": 128}),
            ("num_steps 4", {"steps": 4}), ("num_steps 8", {}), ("num_steps 16", {"steps": 16}),
        ]:  # fmt: skip
            r = measure("minisnn", True, **kwargs)
            growth.append([label, r["step_ms"], r["peak_mb"]])
        harness.print_table(["setting", "ms/step", "peak MB"], growth)


if __name__ == "__main__":
    main()
