"""Population coding and regression: the error against the population size M and the number of steps T.

Issue 23, item 5 (no numeric target: the measure is the test RMSE against the floors the spikes allow). For every
M in {4, 8, 16, 32, 64}, T in {5, 10, 25, 50, 100} and seed, in a fresh subprocess:

(a) **the decoders alone**: 2 000 values x drawn uniformly from [−1, 1] (seeded), encoded by M Gaussian neurons
    (σ = the centres' spacing, 200 Hz peak, dt = 1 ms, Bernoulli spikes), decoded by the centre of mass and by
    maximum likelihood (:mod:`minisnn.population`); RMSE of x̂ against x, and the Cramér–Rao RMSE √(mean 1/I(x));
(b) **the regression network** (:mod:`minisnn.regression`): target y = sin(πx), 1 000 training values, 1 000 held-out
    test values (other seed), hidden layer of 64 LIF neurons, leaky-integrator read-out averaged over T, 2 000 Adam
    steps of 64 (cosine lr from 5e-3, fresh spikes every batch), BPTT with the fast-sigmoid surrogate; the
    non-spiking twin (Linear(M, 64) → ReLU → Linear(64, 1) on the same spikes' counts / T) trained alike; the
    Bayes-optimal reader of the same test spikes (posterior mean of sin(πx), tuning and function known), the floor.

The tables give the mean with a Student-t 95 % interval over the seeds (:func:`minisnn.stats.t_interval`); SNN − twin
is the per-seed difference (paired: the same data and test spikes). Each run is timed end to end with its peak
resident memory (VmHWM).

    python benchmarks/bench_population.py --threads 1 --seeds 0 1 2 --save population.json
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harness, and the minisnn of this checkout (not another install)
import harness  # noqa: E402

SIZES = (4, 8, 16, 32, 64)
STEPS = (5, 10, 25, 50, 100)
TRAINING = {"steps": 2000, "batch_size": 64, "lr": 5e-3}
NUM_TRAIN, NUM_TEST, NUM_DECODE = 1000, 1000, 2000


def worker(num_neurons: int, num_steps: int, seed: int) -> None:
    """One (M, T, seed) in this process: the decoders, then both networks; prints a JSON line."""
    import json

    started = time.perf_counter()
    import numpy as np

    from minisnn import population
    from minisnn import regression as R

    rng = np.random.default_rng([seed, num_neurons, num_steps])
    x = rng.uniform(-1, 1, NUM_DECODE)
    spikes = population.population_encode(x, num_neurons, num_steps, rng=rng)
    com = population.decode_centre_of_mass(spikes, population.centres(num_neurons))
    ml = population.decode_ml(spikes)
    bound = population.cramer_rao_bound(x, num_neurons, num_steps)
    result = {
        "M": num_neurons, "T": num_steps, "seed": seed,
        "com": float(np.sqrt(np.mean((com - x) ** 2))), "ml": float(np.sqrt(np.mean((ml - x) ** 2))),
        "crb": float(np.sqrt(np.mean(bound))), "mean_count": float(spikes.sum(axis=(0, 2)).mean()),
    }  # fmt: skip
    decoded = time.perf_counter()
    train, test = R.make_data(NUM_TRAIN, rng=10_000 + seed), R.make_data(NUM_TEST, rng=20_000 + seed)
    for spiking, name in ((True, "snn"), (False, "twin")):
        config = R.RegressionConfig(num_neurons=num_neurons, num_steps=num_steps, spiking=spiking)
        model = R.build(config, rng=seed)
        begin = time.perf_counter()
        R.fit(model, config, train, seed=seed, progress=False, **TRAINING)
        result[f"{name}_train_seconds"] = time.perf_counter() - begin
        result[name] = R.rmse(model, config, test, seed=30_000 + seed)
    result["bayes"] = R.bayes_rmse(config, test, seed=30_000 + seed)  # the same test spikes as the networks'
    result["cramer_rao_y"] = R.cramer_rao_rmse(config, test.x)
    result["constant"] = R.constant_rmse(train, test)
    result["decode_seconds"] = decoded - started
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = harness.process_peak_mb()
    print(json.dumps(result))


def main() -> None:
    parser = harness.seed_study_parser(__doc__, ("M", "T", "SEED"))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="population sizes M")
    parser.add_argument("--steps", type=int, nargs="+", default=list(STEPS), help="numbers of steps T")
    args = parser.parse_args()
    if args.worker:
        worker(*(int(a) for a in args.worker))
        return
    import json

    import numpy as np

    from minisnn.stats import t_interval

    if args.load:
        with open(args.load) as f:
            runs = json.load(f)
    else:
        runs = []
        for m in args.sizes:
            for t in args.steps:
                for seed in args.seeds:
                    r = harness.run_worker(__file__, [str(m), str(t), str(seed)], args.threads)
                    runs.append(r)
                    print(f"M={m} T={t} seed {seed}: decoders CoM {r['com']:.4f}, ML {r['ml']:.4f}, bound "
                          f"{r['crb']:.4f}; sin(πx) test RMSE SNN {r['snn']:.4f}, twin {r['twin']:.4f}, Bayes "
                          f"{r['bayes']:.4f}; {r['seconds']:.0f} s, {r['peak_mb']:.0f} MB", flush=True)  # fmt: skip
                    if args.save:  # after every run: a long sweep interrupted keeps what it measured
                        with open(args.save, "w") as f:
                            json.dump(runs, f, indent=1)
    sizes, steps = sorted({r["M"] for r in runs}), sorted({r["T"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})

    def cell(m: int, t: int, value) -> str:
        values = [value(r) for r in runs if r["M"] == m and r["T"] == t]
        if len(values) < 2:
            return "–" if not values else f"{values[0]:.3f}"
        i = t_interval(values)
        return f"{i.estimate:.3f} [{i.low:.3f}, {i.high:.3f}]"

    def table(title: str, value) -> None:
        print(f"\n{title}\n")
        print("| M \\ T | " + " | ".join(map(str, steps)) + " |")
        print("|---|" + "---|" * len(steps))
        for m in sizes:
            print(f"| {m} | " + " | ".join(cell(m, t, value) for t in steps) + " |")

    print(f"\nMean [95 % t-interval] over seeds {', '.join(map(str, seeds))}.")
    table("(a) Decoding x ∈ [−1, 1]: RMSE of the ML decoder (2 000 values per seed)", lambda r: r["ml"])
    table("(a) ... of the centre of mass", lambda r: r["com"])
    table("(a) ML RMSE / Cramér–Rao RMSE √(mean 1/I(x)) (1 = efficient; far from 1 where few counts make the "
          "bound's large-count reasoning fail)", lambda r: r["ml"] / r["crb"])  # fmt: skip
    table("(b) Regression y = sin(πx): test RMSE of the SNN (membrane read-out), 1 000 held-out values",
          lambda r: r["snn"])  # fmt: skip
    table("(b) ... of the non-spiking twin on the same spikes' counts", lambda r: r["twin"])
    table("(b) ... SNN − twin, paired by seed (> 0: the twin is better)", lambda r: r["snn"] - r["twin"])
    table("(b) ... the floor: the Bayes-optimal reader of the same test spikes", lambda r: r["bayes"])
    print(f"\nconstant prediction (the training mean): {np.mean([r['constant'] for r in runs]):.3f}")
    worst = max(runs, key=lambda r: r["seconds"])
    print(f"wall time per run (decoders + both networks): median {np.median([r['seconds'] for r in runs]):.0f} s, "
          f"max {worst['seconds']:.0f} s (M={worst['M']}, T={worst['T']}; SNN training {worst['snn_train_seconds']:.0f}"
          f" s, twin {worst['twin_train_seconds']:.0f} s); peak memory per run, max "
          f"{max(r['peak_mb'] for r in runs):.0f} MB")  # fmt: skip
    print(f"{args.threads} thread(s); {harness.machine_description()}; {harness.numpy_description()}")


if __name__ == "__main__":
    main()
