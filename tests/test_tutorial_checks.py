"""Every exercise check fails for the placeholder and for plausible wrong answers, and passes for the solution."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"
sys.path.insert(0, str(TUTORIALS))
checks = pytest.importorskip("checks")


def solution(name: str):
    spec = importlib.util.spec_from_file_location(name, TUTORIALS / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------ tutorial 06
def count_argmax(spikes):  # the rate read-out, not the first spike
    return np.asarray(spikes).sum(axis=0).argmax(axis=1)


def first_index_ignoring_silence(spikes):  # argmax over time treats never-firing neurons as firing at step 0
    return np.asarray(spikes).argmax(axis=0).argmin(axis=1)


def first_spike_without_tie_break(spikes):
    spikes = np.asarray(spikes)
    first = np.where(spikes.any(axis=0), spikes.argmax(axis=0), spikes.shape[0])
    return first.argmin(axis=1)


@pytest.mark.parametrize(
    "wrong",
    [lambda s: None, lambda s: np.zeros(np.shape(s)[1], int), count_argmax, first_index_ignoring_silence,
     first_spike_without_tie_break, lambda s: 1 / 0],
    ids=["placeholder", "all-zeros", "count argmax", "silent neurons first", "no tie break", "raises"],
)  # fmt: skip
def test_first_spike_check_rejects_wrong_answers(wrong, capsys):
    assert not checks.check_first_spike(wrong)
    assert "correct" not in capsys.readouterr().out


def test_first_spike_check_accepts_the_solution(capsys):
    assert checks.check_first_spike(solution("06_first_spike").first_spike_class)
    assert "correct ✔" in capsys.readouterr().out
