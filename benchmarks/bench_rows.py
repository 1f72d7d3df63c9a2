"""Digits read one row per time step: where memory matters (issue "A neuron zoo ... and a lesson where memory matters").

The 8×8 digits enter as 8 time steps of 8 pixels; the read-out is the output neurons' potential after the last
row (``ClassifierConfig.rows``). Three hidden layers of 128 neurons: feed-forward LIF (it can remember only through
its leak), recurrent LIF, recurrent adaptive LIF (ALIF: b = 0.1, tau_a = 200 ms); and the two LIF networks again with
each hidden neuron's decay and threshold learned (learnable dynamics: does it help?). Target: the recurrent networks
>= 90 % test accuracy on the 450 test digits, each run <= 3 minutes on 2 cores. Every configuration is trained with
several seeds; each run is a fresh subprocess, timed end to end (training + evaluation, data loading included) with
its peak resident memory (VmHWM); the table gives the mean with a Student-t 95 % interval over the seeds.

    python benchmarks/bench_rows.py --threads 2 --seeds 0 1 2

The same runs from the command line: ``python -m minisnn classify --task rows --neuron alif --recurrent --seed 0``
(``--neuron lif``, with or without ``--recurrent``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

LEARN = ("decay", "v_th")
CASES = {
    "feed-forward LIF": {"neuron_kind": "lif", "recurrent": False},
    "recurrent LIF": {"neuron_kind": "lif", "recurrent": True},
    "recurrent ALIF": {"neuron_kind": "alif", "recurrent": True},
    # learnable dynamics: each hidden neuron's decay and threshold learned with the weights
    "feed-forward LIF, learned decay + threshold": {"neuron_kind": "lif", "recurrent": False, "learn": LEARN},
    "recurrent LIF, learned decay + threshold": {"neuron_kind": "lif", "recurrent": True, "learn": LEARN},
}
TRAINING = {"steps": 3000, "batch_size": 64, "lr": 2e-3}
TARGET = 0.90  # the recurrent networks


def worker(case: str, seed: int) -> None:
    """One run in this process: train, evaluate, print a JSON line."""
    started = time.perf_counter()
    from minisnn.classification import ClassifierConfig, build, evaluate, fit
    from minisnn.data import digits

    config = ClassifierConfig.rows(**CASES[case])
    model = build(config, rng=seed)
    fit(model, config, digits("train"), seed=seed, progress=False, **TRAINING)
    result = evaluate(model, config, digits("test"))
    print(json.dumps({"case": case, "seed": seed, "accuracy": result["accuracy"], "peak_mb": harness.process_peak_mb(),
                      "seconds": time.perf_counter() - started, "spikes": result["spikes_per_sample"][0]}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    from minisnn.stats import t_interval

    rows = []
    for case in CASES:
        for seed in args.seeds:
            rows.append(harness.run_worker(__file__, [case, str(seed)], args.threads))
            r = rows[-1]
            line = (
                f"{100 * r['accuracy']:.2f} %  {r['seconds']:5.1f} s  {r['peak_mb']:.0f} MB  {r['spikes']:.0f} spikes"
            )
            print(f"{case:44s} seed {seed}: {line}", flush=True)
    seeds = ", ".join(map(str, args.seeds))
    print(f"\n| hidden layer | test accuracy, mean [95 % t-interval] over seeds {seeds} | each seed | target "
          "| wall time per run | peak memory | hidden spikes per digit |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for case in CASES:
        runs = [r for r in rows if r["case"] == case]
        acc = [r["accuracy"] for r in runs]
        interval = t_interval(acc).format(100, " %") if len(acc) > 1 else f"{100 * acc[0]:.2f} %"
        each = ", ".join(f"{100 * a:.2f}" for a in acc)
        goal = f"≥ {100 * TARGET:.0f} % {'✔' if min(acc) >= TARGET else '✘'}" if CASES[case]["recurrent"] else "—"
        seconds, memory = max(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs)
        spikes = sum(r["spikes"] for r in runs) / len(runs)
        print(f"| {case} | {interval} | {each} | {goal} | {seconds:.0f} s (max) | {memory:.0f} MB | {spikes:.0f} |")
    print(
        f"\n{args.threads} threads; the digits' fixed split (1,347 train / 450 test); {TRAINING['steps']} Adam steps "
        f"of batch {TRAINING['batch_size']}, cosine lr from {TRAINING['lr']:g}; 128 hidden neurons, tau = 5 ms."
    )


if __name__ == "__main__":
    main()
