"""ANN→SNN conversion of the digit classifiers' ANN twins: accuracy against T, the T that comes within 1 point.

Target (issue 23, item 3): the converted SNN's test accuracy within 1 percentage point of its ANN at some T <= 256,
the T it takes stated. Per seed, in a fresh subprocess: train the ANN twin (MLP 64-128-10 or CNN 8-16 channels,
1 500 Adam steps, cosine lr from 5e-3, as tutorial 10), convert it (:func:`minisnn.conversion.convert`: the 99.9th
percentile of the non-zero activations of each ReLU layer on the training digits, IF neurons with reset by
subtraction, membrane read-out) and run the SNN on the 450 test digits for every T of a doubling sweep, with the
image as a constant current ("direct") and as Bernoulli spikes ("rate"). "T within 1 pp" is the smallest T of the
sweep from which on the accuracy stays within 1 point of the ANN's. The table gives the mean with a Student-t 95 %
interval over the seeds (:func:`minisnn.stats.t_interval`); each run is timed end to end (data, training,
conversion, the whole sweep with both inputs) with its peak resident memory (VmHWM).

    python benchmarks/bench_conversion.py --threads 2 --seeds 0 1 2
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

ARCHS = ("mlp", "cnn")
ENCODERS = ("direct", "rate")
STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
TRAINING = {"mlp": {"steps": 1500, "batch_size": 64, "lr": 5e-3}, "cnn": {"steps": 1500, "batch_size": 32, "lr": 5e-3}}
TOLERANCE = 0.01  # one percentage point


def within(accuracies: dict[int, float], reference: float, tolerance: float = TOLERANCE) -> int | None:
    """The smallest T of the sweep from which on every accuracy is >= reference - tolerance (None: never)."""
    ok = [t for t in sorted(accuracies) if all(accuracies[u] >= reference - tolerance for u in accuracies if u >= t)]
    return ok[0] if ok else None


def worker(arch: str, seed: int) -> None:
    """One run in this process: train the ANN, convert it, sweep T with both inputs, print a JSON line."""
    import json

    started = time.perf_counter()
    import numpy as np

    from minisnn.classification import ClassifierConfig, accuracy, build, fit
    from minisnn.conversion import convert
    from minisnn.data import digits

    config = ClassifierConfig(arch=arch, spiking=False)
    train, test = digits("train", size=config.image_size), digits("test", size=config.image_size)
    ann = build(config, rng=seed)
    fit(ann, config, train, seed=seed, progress=False, **TRAINING[arch])
    trained = time.perf_counter()
    converted = convert(ann, train.images)
    result = {"arch": arch, "seed": seed, "ann": accuracy(ann, config, test), "scales": converted.scales}
    for encoder in ENCODERS:
        sweep, spikes = {}, {}
        for steps in STEPS:
            run = converted.run(test.images, steps, encoder=encoder, rng=seed)
            sweep[steps] = float(np.mean(run.predictions() == test.labels))
            spikes[steps] = float(sum(c.sum() for c in run.counts)) / len(test)
        result[encoder] = {str(t): a for t, a in sweep.items()}
        result[f"{encoder}_spikes"] = {str(t): s for t, s in spikes.items()}
        result[f"{encoder}_within"] = within(sweep, result["ann"])
    begin = time.perf_counter()
    converted.run(test.images, STEPS[-1])
    result["snn_seconds_largest_T"] = time.perf_counter() - begin
    result["train_seconds"] = trained - started
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = harness.process_peak_mb()
    print(json.dumps(result))


def main() -> None:
    parser = harness.seed_study_parser(__doc__, ("ARCH", "SEED"), threads=2)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    import json

    import numpy as np

    from minisnn.stats import t_interval

    runs = {arch: [] for arch in ARCHS}
    if args.load:
        with open(args.load) as f:
            runs = json.load(f)
        args.seeds = [r["seed"] for r in runs[ARCHS[0]]]
    for arch in ARCHS if not args.load else ():
        for seed in args.seeds:
            r = harness.run_worker(__file__, [arch, str(seed)], args.threads)
            runs[arch].append(r)
            print(f"{arch} seed {seed}: ANN {100 * r['ann']:.2f} %, converted (direct) "
                  + ", ".join(f"T={t} {100 * a:.2f}" for t, a in r["direct"].items())
                  + f"; within 1 pp from T={r['direct_within']} (direct), T={r['rate_within']} (rate); "
                  f"{r['seconds']:.0f} s, {r['peak_mb']:.0f} MB", flush=True)  # fmt: skip

    if args.save:
        with open(args.save, "w") as f:
            json.dump(runs, f, indent=1)

    def cell(values: list[float]) -> str:
        m = t_interval([100 * v for v in values])
        return f"{m.estimate:.2f} [{m.low:.2f}, {m.high:.2f}]"

    columns = [(arch, encoder) for arch in ARCHS for encoder in ENCODERS]
    seeds = ", ".join(map(str, args.seeds))
    print(f"\nTest accuracy (%), mean [95 % t-interval] over seeds {seeds}; 450 test digits.\n")
    print("| T | " + " | ".join(f"{arch.upper()}, {encoder} input" for arch, encoder in columns) + " |")
    print("|---|" + "---|" * len(columns))
    print("| ANN | " + " | ".join(cell([r["ann"] for r in runs[arch]]) for arch, _ in columns) + " |")
    for steps in STEPS:
        row = [cell([r[encoder][str(steps)] for r in runs[arch]]) for arch, encoder in columns]
        print(f"| {steps} | " + " | ".join(row) + " |")

    def reached(arch: str, encoder: str) -> str:
        each = [r[f"{encoder}_within"] for r in runs[arch]]
        ok = all(t is not None for t in each)
        worst = max(t for t in each if t is not None) if any(t is not None for t in each) else None
        mark = " ✔" if ok and worst <= 256 else " ✘"
        return f"{'/'.join('never' if t is None else str(t) for t in each)}{mark}"

    def line(label: str, value: Callable[[str, str], str]) -> None:  # one row: value(arch, encoder) per column
        print(f"| {label} | " + " | ".join(value(arch, encoder) for arch, encoder in columns) + " |")

    line("T within 1 pp of the ANN, each seed (target: some T <= 256)", reached)
    line("spikes per digit at T = 64 (all IF layers), mean",
         lambda arch, encoder: f"{np.mean([r[f'{encoder}_spikes']['64'] for r in runs[arch]]):,.0f}")  # fmt: skip
    line("wall time per run (train + convert + both sweeps), max",
         lambda arch, _: f"{max(r['seconds'] for r in runs[arch]):.0f} s")  # fmt: skip
    line("of which training the ANN, max", lambda arch, _: f"{max(r['train_seconds'] for r in runs[arch]):.0f} s")
    line(f"the SNN on the 450 test digits at T = {STEPS[-1]}, max",
         lambda arch, _: f"{max(r['snn_seconds_largest_T'] for r in runs[arch]):.1f} s")  # fmt: skip
    line("peak memory per run, max", lambda arch, _: f"{max(r['peak_mb'] for r in runs[arch]):.0f} MB")
    print(f"\n{args.threads} threads; {harness.machine_description()}; {harness.numpy_description()}")


if __name__ == "__main__":
    main()
