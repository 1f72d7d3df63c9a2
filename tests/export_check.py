"""The comparison behind the export tests: a minisnn module and its torch twin (:func:`minisnn.export.to_torch`) run
on the same float64 input; their outputs, the spikes of every spiking layer, and the gradients of one random
projection of the output with respect to the input and to every weight must agree.

Tolerances (issue 24): forward values to 1e-12, gradients to 1e-10, both relative to the largest magnitude of the
compared array (or absolute below 1); spikes identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from minisnn import Tensor, nn
from minisnn.export import _torch as twin_layers
from minisnn.export import to_torch

FORWARD_TOL = 1e-12
GRAD_TOL = 1e-10


@dataclass
class Diffs:
    """Largest differences seen (relative to max(1, largest magnitude)): forward output, input gradient, weight
    gradients; and how many spikes the compared layers emitted (a test of spikes should see some)."""

    forward: float
    grad_input: float
    grad_weights: float
    spikes: int


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Torch on one thread for the module's tests (then as before)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def float64(module: nn.Module) -> nn.Module:
    """The module with every weight in float64 (in place)."""
    for p in module.parameters():
        p.data = p.data.astype(np.float64)
    return module


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    same_inf = np.isinf(a) & (a == b)
    diff = np.where(same_inf, 0.0, np.abs(a - b))
    scale = max(1.0, float(np.max(np.where(np.isinf(a), 0.0, np.abs(a)))))
    return float(np.max(diff)) / scale


def _spiking_twins(twin: torch.nn.Module) -> dict[str, list[np.ndarray]]:
    """Record the spikes of every spiking layer of ``twin`` (by wrapping its ``run``), by dotted name."""
    seen: dict[str, list[np.ndarray]] = {}
    for name, module in twin.named_modules():
        if isinstance(module, twin_layers.Spiking):
            seen[name] = []
            original = module.run

            def run(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
                out = _original(*args, **kwargs)
                seen[_name].append(out.spikes.detach().numpy())
                return out

            module.run = run
    return seen


def compare(
    module: nn.Module,
    x: np.ndarray,
    *,
    seed: int = 0,
    noise: str = "minisnn",
    binary: bool = False,
    call: Any = None,
) -> Diffs:
    """Run ``module`` and its twin on ``x`` (float64) and assert they agree (module docstring).

    ``binary``: the output is spikes, compared for equality. ``call(model, x)`` replaces ``model(x)`` (e.g. to pass
    an SC-NN's fills); it receives the minisnn model and a Tensor, or the twin and a torch tensor.
    """
    twin = to_torch(module, noise=noise)  # before minisnn draws: "minisnn" noise copies the Generators' states
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in module.named_parameters()]
    recorded = _spiking_twins(twin)
    call = call or (lambda model, inputs: model(inputs))
    module.zero_grad()
    rng = np.random.default_rng(seed)

    x_mini = Tensor(x, requires_grad=True)
    has_spiking = any(isinstance(m, nn.Spiking) for m in module.modules())
    if has_spiking:
        with nn.record(module) as rec:
            out = call(module, x_mini)
    else:
        out = call(module, x_mini)
    upstream = rng.normal(size=out.shape)
    (out * Tensor(upstream)).sum().backward()

    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = call(twin, x_torch)
    (out_torch * torch.tensor(upstream)).sum().backward()

    if binary:
        np.testing.assert_array_equal(out_torch.detach().numpy(), out.data)
    forward = _relative(out_torch.detach().numpy(), out.data)
    assert forward <= FORWARD_TOL, f"forward differs by {forward:.3g}"

    spikes = 0
    if has_spiking:
        assert sorted(recorded) == sorted(rec.names()), (sorted(recorded), rec.names())
        for name, calls in recorded.items():
            ours_calls = [np.asarray(p) for p in rec[name].entries["spikes"]]
            assert len(calls) == len(ours_calls), f"layer {name!r} ran {len(calls)} times, in minisnn {len(ours_calls)}"
            for theirs, ours in zip(calls, ours_calls, strict=True):  # one entry per call (8 for a self-ensemble)
                if np.isin(ours, (0.0, 1.0)).all():
                    np.testing.assert_array_equal(theirs, ours, err_msg=f"spikes of layer {name!r}")
                    spikes += int(theirs.sum())
                else:  # a smooth stand-in for the spike (surrogate.smooth): values, compared as values
                    assert _relative(theirs, ours) <= FORWARD_TOL, f"the smooth spikes of layer {name!r} differ"

    def grad(value: Any, like: np.ndarray) -> np.ndarray:
        return np.zeros_like(like) if value is None else np.asarray(value)

    grad_input = _relative(grad(x_torch.grad, x), grad(x_mini.grad, x))
    assert grad_input <= GRAD_TOL, f"input gradient differs by {grad_input:.3g}"
    theirs = dict(twin.named_parameters())
    grad_weights = 0.0
    for name, p in module.named_parameters():
        t = theirs[name].grad
        difference = _relative(grad(None if t is None else t.numpy(), p.data), grad(p.grad, p.data))
        assert difference <= GRAD_TOL, f"gradient of {name} differs by {difference:.3g}"
        grad_weights = max(grad_weights, difference)
    return Diffs(forward, grad_input, grad_weights, spikes)
