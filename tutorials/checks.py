"""Self-checks for the tutorials' exercises (imported by the notebooks; tested in tests/test_tutorial_checks.py
against the placeholders, plausible wrong answers and the solutions in solutions/).

Every check prints "correct ✔" or says what is wrong, and returns True or False.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


# ------------------------------------------------------------------------------------------ tutorial 06
def first_spike_reference(spikes: np.ndarray) -> np.ndarray:
    """The class whose output neuron fires first; ties -> more spikes; still tied (or silent) -> lowest index."""
    spikes = np.asarray(spikes)
    steps = spikes.shape[0]
    fired = spikes.any(axis=0)  # (N, K)
    first = np.where(fired, spikes.argmax(axis=0), steps)  # first spike step, T for neurons that never fire
    key = first * (steps + 1) - spikes.sum(axis=0)  # earlier first, then more spikes
    return key.argmin(axis=1)


def _first_spike_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(6)
    cases = []
    random = (rng.random((12, 40, 10)) < 0.08).astype(np.float32)
    cases.append(("random spike trains", random))
    late_burst = np.zeros((10, 1, 3), np.float32)
    late_burst[2, 0, 1] = 1  # class 1 fires first, once
    late_burst[4:, 0, 2] = 1  # class 2 fires later, six times
    cases.append(("an early single spike against a late burst", late_burst))
    silent_neurons = np.zeros((6, 1, 4), np.float32)
    silent_neurons[3, 0, 2] = 1  # only class 2 ever fires; the others never do
    cases.append(("neurons that never fire", silent_neurons))
    tie = np.zeros((8, 1, 3), np.float32)
    tie[1, 0, 0] = tie[1, 0, 2] = 1  # classes 0 and 2 both fire first at step 1...
    tie[5, 0, 2] = 1  # ...but class 2 fires once more
    cases.append(("a tie in time broken by the spike count", tie))
    cases.append(("no output spike at all", np.zeros((5, 2, 4), np.float32)))
    return cases


def check_first_spike(decode: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Exercise 06: ``decode(spikes (T, N, K)) -> (N,)`` class indices by time to first spike."""
    for name, spikes in _first_spike_cases():
        expected = first_spike_reference(spikes)
        try:
            got = decode(spikes.copy())
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            print(f"your function raised {type(error).__name__}: {error} (on {name})")
            return False
        if got is None:
            print("your function returned None: return an array of class indices, shape (N,)")
            return False
        got = np.asarray(got)
        if got.shape != expected.shape:
            print(f"expected shape {expected.shape} (one class per sample), got {got.shape} (on {name})")
            return False
        if not np.array_equal(got, expected):
            wrong = int(np.flatnonzero(got != expected)[0])
            hints = {
                "an early single spike against a late burst": "this is decided by WHEN a neuron first fires, not by "
                "how often (that would be the rate read-out)",
                "neurons that never fire": "a neuron that never fires must not count as 'first' (argmax over time "
                "returns 0 for an all-zero train: treat it as firing at step T)",
                "a tie in time broken by the spike count": "when two neurons fire first at the same step, the one with "
                "more spikes wins",
                "no output spike at all": "with no spike at all, fall back to class 0",
            }
            print(f"wrong on {name}: sample {wrong} should be class {expected[wrong]}, you said {got[wrong]}. "
                  + hints.get(name, "compare with the rule above"))  # fmt: skip
            return False
    print("correct ✔  (random trains, an early spike against a late burst, silent neurons, ties, no spikes)")
    return True
