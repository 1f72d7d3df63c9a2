"""Local learning on the digits: STDP features (Diehl & Cook 2015 style) + a linear read-out, against the same
read-out on raw pixels and against BPTT.

Target (issue 23, item 4): the STDP features + linear read-out >= 85 % test accuracy, with the raw-pixel read-out's
number beside it. Per seed, each method in a fresh subprocess, timed end to end (data, training, evaluation on the
450 test digits) with its peak resident memory (VmHWM):

* "STDP": :class:`minisnn.plasticity.DiehlCookNetwork` with the default :class:`DiehlCookConfig` (400 excitatory
  neurons, T = 100 steps of 1 ms per image, 1 epoch over the 1,347 training digits, no labels), frozen; the spike
  counts per image are the features; read out (a) by :func:`minisnn.plasticity.fit_readout` (softmax regression,
  300 full-batch Adam steps) and (b) by the paper's vote (:func:`assign_labels` on the training counts, :func:`vote`);
* "raw pixels": the same :func:`fit_readout` on the 64 pixel values;
* "BPTT": the spiking MLP 64-128-10 of :mod:`minisnn.classification` (rate input, T = 25, 1,500 Adam steps, as
  benchmarks/bench_classify.py) trained with surrogate gradients through time.

The table gives each mean with a Student-t 95 % interval over the seeds (:func:`minisnn.stats.t_interval`) and the
paired differences (the same seeds) with theirs.

    python benchmarks/bench_stdp.py --threads 1 --seeds 0 1 2
    python benchmarks/bench_stdp.py --threads 1 --seeds 0 1 2 --validation   # the same, never reading the test digits
"""

from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

METHODS = ("stdp", "raw", "bptt")


def _validation_split():
    """(fit, validation): a stratified quarter of the *training* digits held out (split seed 7); the test digits are
    not read at all."""
    from minisnn.data import Digits, digits
    from minisnn.data.digits import split_indices

    train = digits("train")
    fit_index, val_index = split_indices(train.labels, 0.25, seed=7)
    return tuple(Digits(train.images[i], train.labels[i]) for i in (fit_index, val_index))


def worker(method: str, seed: int, split: str = "test") -> None:
    """One run in this process; prints one JSON line. ``split`` "test": train on the training digits, score on the
    450 test digits; "validation": train on three quarters of the training digits, score on the other quarter."""
    started = time.perf_counter()
    import numpy as np

    from minisnn.data import digits

    train, test = (digits("train"), digits("test")) if split == "test" else _validation_split()
    result: dict = {"method": method, "seed": seed, "split": split}
    if method == "stdp":
        from minisnn.plasticity import DiehlCookNetwork, assign_labels, fit_readout, vote

        network = DiehlCookNetwork(64, rng=seed)
        stats = network.train(train.images, rng=seed)
        train_counts = network.run(train.images, rng=seed + 1000)
        test_counts = network.run(test.images, rng=seed + 2000)
        readout = fit_readout(train_counts, train.labels, rng=seed)
        result["linear"] = readout.accuracy(test_counts, test.labels)
        result["vote"] = float(np.mean(vote(test_counts, assign_labels(train_counts, train.labels)) == test.labels))
        result["train_seconds"] = stats["seconds"]
        result["spikes_per_image"] = float(test_counts.sum(1).mean())
        result["neurons_firing"] = int((train_counts.sum(0) > 0).sum())
    elif method == "raw":
        from minisnn.plasticity import fit_readout

        readout = fit_readout(train.images.reshape(len(train), -1), train.labels, rng=seed)
        result["linear"] = readout.accuracy(test.images.reshape(len(test), -1), test.labels)
    else:
        from minisnn.classification import ClassifierConfig, accuracy, build, fit

        config = ClassifierConfig(arch="mlp")
        model = build(config, rng=seed)
        fit(model, config, train, seed=seed, progress=False, steps=1500, batch_size=64, lr=5e-3)
        result["linear"] = accuracy(model, config, test)
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = harness.process_peak_mb()
    print(json.dumps(result))


def main() -> None:
    parser = harness.seed_study_parser(__doc__, ("METHOD", "SEED", "SPLIT"))
    parser.add_argument(
        "--validation",
        action="store_true",
        help="score on a quarter of the training digits held out instead of the test digits (a check that the "
        "settings were not fitted to the test split)",
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.worker[2])
        return
    from minisnn.stats import t_interval

    if args.load:
        with open(args.load) as f:
            runs = json.load(f)
        args.seeds = [r["seed"] for r in runs["stdp"]]
    else:
        runs = {method: [] for method in METHODS}
        for seed in args.seeds:
            for method in METHODS:
                split = "validation" if args.validation else "test"
                r = harness.run_worker(__file__, [method, str(seed), split], args.threads)
                runs[method].append(r)
                extra = f", vote {100 * r['vote']:.2f} %" if method == "stdp" else ""
                print(f"{method} seed {seed}: {100 * r['linear']:.2f} %{extra}; {r['seconds']:.1f} s, "
                      f"{r['peak_mb']:.0f} MB", flush=True)  # fmt: skip
    if args.save:
        with open(args.save, "w") as f:
            json.dump(runs, f, indent=1)

    def cell(values: list[float]) -> str:
        m = t_interval([100 * v for v in values])
        return f"{m.estimate:.2f} [{m.low:.2f}, {m.high:.2f}]"

    def each(values: list[float]) -> str:
        return ", ".join(f"{100 * v:.2f}" for v in values)

    stdp, raw, bptt = (runs[m] for m in METHODS)
    rows = [
        ("STDP features (400 neurons) + linear read-out", [r["linear"] for r in stdp], stdp, "≥ 85 %"),
        ("STDP features + Diehl & Cook's vote", [r["vote"] for r in stdp], stdp, "—"),
        ("raw pixels + the same linear read-out", [r["linear"] for r in raw], raw, "—"),
        ("BPTT: spiking MLP 64-128-10 (rate, T = 25)", [r["linear"] for r in bptt], bptt, "—"),
    ]
    seeds = ", ".join(map(str, args.seeds))
    scored_on = (
        "a held-out quarter of the training digits (337; trained on the other 1,010; the test digits unread)"
        if stdp[0].get("split") == "validation"
        else "the 450 test digits"
    )
    print(f"\nAccuracy (%) on {scored_on}, mean [95 % t-interval] over seeds {seeds}.\n")
    print("| method | accuracy | each seed | target | wall time per run, max | peak memory, max |")
    print("|---|---|---|---|---|---|")
    for name, values, source, target in rows:
        mark = "" if target == "—" else (" ✔" if min(values) >= 0.85 else " ✘")
        print(f"| {name} | {cell(values)} | {each(values)} | {target}{mark} | "
              f"{max(r['seconds'] for r in source):.0f} s | {max(r['peak_mb'] for r in source):.0f} MB |")  # fmt: skip
    print("\nPaired differences over the same seeds (percentage points, mean [95 % t-interval]):\n")
    pairs = [
        ("STDP + linear − raw pixels + linear", [a["linear"] - b["linear"] for a, b in zip(stdp, raw, strict=True)]),
        ("STDP + linear − STDP + vote", [a["linear"] - a["vote"] for a in stdp]),
        ("BPTT − STDP + linear", [b["linear"] - a["linear"] for a, b in zip(stdp, bptt, strict=True)]),
    ]
    for name, values in pairs:
        print(f"* {name}: {cell(values)} (each seed {each(values)})")
    print(
        f"\nSTDP training alone (1 epoch, online): max {max(r['train_seconds'] for r in stdp):.0f} s; "
        f"test spikes per digit (mean) {sum(r['spikes_per_image'] for r in stdp) / len(stdp):.1f}; "
        f"neurons that fire on the training digits: {', '.join(str(r['neurons_firing']) for r in stdp)} of 400"
    )
    print(f"{args.threads} threads; {harness.machine_description()}; {harness.numpy_description()}")


if __name__ == "__main__":
    main()
