"""Digit classifiers: the spiking MLP and CNN against their targets (test accuracy, wall time, peak memory).

Targets (issue "A spiking network that visibly learns"): spiking MLP 64-128-10, LIF, T <= 25, rate-coded input,
>= 95 % test accuracy; convolutional SNN >= 97 %; each run <= 3 minutes wall time on 2 cores; the ANN twin
reported beside it. Every configuration is trained with several seeds (the accuracy of one run is one sample);
each run is a fresh subprocess, timed end to end (training + evaluation, data loading included) with its peak
resident memory (VmHWM).

    python benchmarks/bench_classify.py --threads 2 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CASES = {
    "spiking MLP (rate, T=25)": {"arch": "mlp"},
    "ANN twin of the MLP": {"arch": "mlp", "spiking": False},
    "spiking CNN (direct, T=4)": {"arch": "cnn", "num_steps": 4, "encoder": "direct", "channels": [16, 32]},
    "ANN twin of the CNN": {"arch": "cnn", "spiking": False, "channels": [16, 32]},
}
TRAINING = {"mlp": {"steps": 1500, "batch_size": 64, "lr": 5e-3}, "cnn": {"steps": 1500, "batch_size": 32, "lr": 5e-3}}
TARGETS = {"spiking MLP (rate, T=25)": 0.95, "spiking CNN (direct, T=4)": 0.97}


def worker(case: str, seed: int) -> None:
    """One run in this process: train, evaluate, print a JSON line."""
    started = time.perf_counter()
    from minisnn.classification import ClassifierConfig, build, evaluate, fit
    from minisnn.data import digits

    config = ClassifierConfig(**CASES[case])
    train, test = digits("train", size=config.image_size), digits("test", size=config.image_size)
    model = build(config, rng=seed)
    fit(model, config, train, seed=seed, progress=False, **TRAINING[config.arch])
    result = evaluate(model, config, test)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"case": case, "seed": seed, "accuracy": result["accuracy"],
                      "seconds": time.perf_counter() - started, "peak_mb": peak}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    rows = []
    for case in CASES:
        for seed in args.seeds:
            out = subprocess.run([sys.executable, __file__, "--worker", case, str(seed)], env=env, check=True,
                                 capture_output=True, text=True).stdout  # fmt: skip
            rows.append(json.loads(out.strip().splitlines()[-1]))
            r = rows[-1]
            line = f"{100 * r['accuracy']:.2f} %  {r['seconds']:5.1f} s  {r['peak_mb']:.0f} MB"
            print(f"{case:28s} seed {seed}: {line}", flush=True)
    seeds = ", ".join(map(str, args.seeds))
    print(f"\n| model | test accuracy, mean [min, max] over seeds {seeds} | target | wall time per run | peak memory |")
    print("|---|---|---|---|---|")
    for case in CASES:
        runs = [r for r in rows if r["case"] == case]
        acc = [r["accuracy"] for r in runs]
        target = TARGETS.get(case)
        met = "" if target is None else (" ✔" if min(acc) >= target else " ✘")
        goal = "—" if target is None else f"≥ {100 * target:.0f} %{met}"
        seconds, memory = max(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs)
        mean = f"{100 * sum(acc) / len(acc):.2f} % [{100 * min(acc):.2f}, {100 * max(acc):.2f}]"
        print(f"| {case} | {mean} | {goal} | {seconds:.0f} s (max) | {memory:.0f} MB |")
    print(f"\n{args.threads} threads; the digits' fixed split (1,347 train / 450 test); 1 500 Adam steps, cosine lr.")


if __name__ == "__main__":
    main()
