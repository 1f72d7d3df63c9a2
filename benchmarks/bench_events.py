"""Events through a convolutional SNN (issue 23, item 2): the event digits against rate-coded static digits.

The same spiking CNN (Conv 3×3 → LIF → AvgPool 2 → Conv 3×3 → LIF → AvgPool 2 → Linear → spiking read-out, 16 and
32 channels, time-major, trained by BPTT) on two inputs of the same digits, the fixed split (1,347 train / 450 test):

* the event digits (:func:`minisnn.data.event_digits`): each 16×16 canvas moved along three saccades, T steps of
  ON/OFF event frames (``ClassifierConfig.events()``, two input channels);
* the static digits at 16×16, Bernoulli rate-coded over the same T (``--task static --arch cnn --encoder rate``).

Target: >= 95 % test accuracy on the event digits, <= 5 minutes per run on 2 cores. Every configuration is trained
with several seeds; each run is a fresh subprocess, timed end to end (data, training, evaluation) with its peak
resident memory (VmHWM). The table gives the mean with a Student-t 95 % interval over the seeds, and the
difference event − rate paired by seed (the same seed initialises both networks and orders their batches).

    python benchmarks/bench_events.py --threads 1 --seeds 0 1 2

The same runs from the command line: ``python -m minisnn classify --task events --seed 0`` and
``python -m minisnn classify --task static --arch cnn --encoder rate --num-steps 12 --input-gain 1 --no-twin --seed 0``
(the same network: ``ClassifierConfig.events()`` sets the unit input gain).
"""

from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

CASES = ("event digits", "rate-coded static digits")
TRAINING = {"steps": 1500, "batch_size": 32, "lr": 5e-3}
TARGET = 0.95  # the event digits


def config_of(case: str):  # noqa: ANN201 - minisnn is imported in the worker only
    from minisnn.classification import ClassifierConfig

    events = ClassifierConfig.events()
    if case == "event digits":
        return events
    return ClassifierConfig(**{**events.to_dict(), "task": "static", "encoder": "rate"})


def worker(case: str, seed: int) -> None:
    """One run in this process: train, evaluate, print a JSON line."""
    started, cpu_started = time.perf_counter(), time.process_time()
    import numpy as np

    from minisnn.classification import build, dataset, encode, evaluate, fit

    config = config_of(case)
    train, test = dataset(config, "train"), dataset(config, "test")
    model = build(config, rng=seed)
    fit(model, config, train, seed=seed, progress=False, **TRAINING)
    result = evaluate(model, config, test)
    inputs = test.images if config.task == "events" else encode(test.images, config, np.random.default_rng(1234))
    print(json.dumps({
        "case": case, "seed": seed, "accuracy": result["accuracy"], "peak_mb": harness.process_peak_mb(),
        "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
        "input_spikes": float(inputs.sum(dtype=np.float64)) / len(test),
        "hidden_spikes": sum(result["spikes_per_sample"][:2]), "synops": result["energy"]["synops_per_sample"],
        "num_steps": config.num_steps,
    }))  # fmt: skip


def main() -> None:
    parser = harness.seed_study_parser(__doc__, ("CASE", "SEED"))
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), help="default: both")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    if args.load:
        with open(args.load) as f:
            rows = json.load(f)
    else:
        rows = []
        for seed in args.seeds:
            for case in args.cases:
                rows.append(harness.run_worker(__file__, [case, str(seed)], args.threads))
                r = rows[-1]
                print(f"{case:26s} seed {seed}: {100 * r['accuracy']:.2f} %  {r['seconds']:5.1f} s  "
                      f"{r['peak_mb']:.0f} MB  {r['input_spikes']:.0f} input spikes", flush=True)  # fmt: skip
        if args.save:
            with open(args.save, "w") as f:
                json.dump(rows, f, indent=1)
    print_table(rows, args.threads)


def print_table(rows: list[dict], threads: int) -> None:
    from minisnn.stats import t_interval

    seeds = sorted({r["seed"] for r in rows})
    print(f"\n| input (T = {rows[0]['num_steps']}) | test accuracy, mean [95 % t-interval] over seeds "
          f"{', '.join(map(str, seeds))} | each seed | target | wall time per run | peak memory "
          "| input spikes per digit | hidden spikes per digit | SynOps per digit |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    by_case = {case: sorted((r for r in rows if r["case"] == case), key=lambda r: r["seed"]) for case in CASES}
    by_case = {case: runs for case, runs in by_case.items() if runs}
    for case, runs in by_case.items():
        acc = [r["accuracy"] for r in runs]
        interval = t_interval(acc).format(100, " %") if len(acc) > 1 else f"{100 * acc[0]:.2f} %"
        each = ", ".join(f"{100 * a:.2f}" for a in acc)
        goal = f"≥ {100 * TARGET:.0f} % {'✔' if min(acc) >= TARGET else '✘'}" if case == "event digits" else "—"
        mean = {k: sum(r[k] for r in runs) / len(runs) for k in ("input_spikes", "hidden_spikes", "synops")}
        cpu = [r["cpu_seconds"] for r in runs if "cpu_seconds" in r]
        cpu_text = f" ({max(cpu):.0f} s CPU)" if cpu else ""
        print(f"| {case} | {interval} | {each} | {goal} | {max(r['seconds'] for r in runs):.0f} s (max){cpu_text} "
              f"| {max(r['peak_mb'] for r in runs):.0f} MB | {mean['input_spikes']:.0f} | {mean['hidden_spikes']:.0f} "
              f"| {mean['synops']:,.0f} |")  # fmt: skip
    a, b = by_case.get(CASES[0], []), by_case.get(CASES[1], [])
    if len(a) == len(b) > 1 and [r["seed"] for r in a] == [r["seed"] for r in b]:
        diff = [x["accuracy"] - y["accuracy"] for x, y in zip(a, b, strict=True)]
        print(f"\nevent − rate-coded, paired by seed: {t_interval(diff).format(100, ' points')}")
    print(
        f"\n{threads} thread(s); the digits' fixed split (1,347 train / 450 test); {TRAINING['steps']} Adam steps of "
        f"batch {TRAINING['batch_size']}, cosine lr from {TRAINING['lr']:g}; CNN 16-32 channels, spike-count read-out."
    )


if __name__ == "__main__":
    main()
