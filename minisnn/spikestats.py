"""Spike statistics: firing rates, silent neurons, synaptic operations (for energy estimates).

Conventions: ``spikes`` is a 0/1 array ``(T, *neurons)``, time first, as a recording of a spiking layer holds it
(:func:`minisnn.nn.record`; for an ``SNNConv2d`` (T, N, O, H', W')). A *neuron* is one position of the non-time
axes. Per-layer statistics of a whole network: :meth:`minisnn.nn.Recording.statistics`.

Synaptic operations: a spike arriving at a synapse costs one accumulate instead of a multiply-accumulate;
SynOps = Σ spikes × fan-out, the fan-out being the number of synapses each spiking neuron drives in the next layer
(for a stride-1 convolution: out_channels·kh·kw). What they cost in energy, against an ANN: :mod:`minisnn.energy`
(the one place its per-operation energies are defined).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _spikes(spikes: Any) -> np.ndarray:
    array = np.asarray(getattr(spikes, "data", spikes))
    if array.ndim < 2:
        raise ValueError(f"spikes must have shape (T, *neurons), got {array.shape}")
    return array


def firing_rate(spikes: Any, dt_ms: float | None = None) -> float:
    """Mean spikes per neuron per step (in [0, 1]); in Hz when ``dt_ms`` (the step, ms) is given."""
    rate = float(_spikes(spikes).mean())
    return rate if dt_ms is None else rate / dt_ms * 1000.0


def silent_fraction(spikes: Any) -> float:
    """Fraction of neurons that never spiked during the T steps."""
    s = _spikes(spikes)
    return float(np.mean(s.sum(axis=0) == 0))


class SpikeTally:
    """Spike statistics of a whole set accumulated chunk by chunk: ``add`` each chunk's spikes ``(T, *neurons)``; the
    totals give the same rate and silent fraction as the concatenated spikes would (the neurons of different chunks
    are different neurons; T must be the same)."""

    def __init__(self) -> None:
        self.spikes, self.silent, self.neurons, self.num_steps = 0.0, 0, 0, 0

    def add_counts(self, counts: Any, num_steps: int) -> None:
        """Add a chunk given as spikes per neuron over its ``num_steps`` steps, ``(*neurons)`` (a recording's
        ``counts``): the same totals as :meth:`add` of the spikes, without their time axis."""
        c = np.asarray(counts)
        self.spikes += float(c.sum())
        self.silent += int(np.count_nonzero(c == 0))
        self.neurons += c.size
        self.num_steps = int(num_steps)

    def add(self, spikes: Any) -> None:
        s = _spikes(spikes)
        self.spikes += float(s.sum())
        self.silent += int(np.count_nonzero(s.sum(axis=0) == 0))
        self.neurons += s[0].size
        self.num_steps = s.shape[0]

    @property
    def rate(self) -> float:
        """Mean spikes per neuron per step, as :func:`firing_rate`."""
        return self.spikes / (self.neurons * self.num_steps)

    @property
    def silent_fraction(self) -> float:
        """As :func:`silent_fraction`."""
        return self.silent / self.neurons


def synaptic_operations(spikes: Any, fan_out: float) -> float:
    """SynOps = (total number of spikes) × fan_out."""
    return float(_spikes(spikes).sum()) * fan_out


def conv_fan_out(out_channels: int, kernel_size: tuple[int, int], stride: tuple[int, int] = (1, 1)) -> float:
    """Synapses driven by one input neuron of a convolution: out_channels·kh·kw / (sh·sw) (interior average)."""
    return out_channels * kernel_size[0] * kernel_size[1] / (stride[0] * stride[1])


def conv_macs(out_shape: tuple[int, ...], in_channels: int, kernel_size: tuple[int, int]) -> int:
    """Multiply-accumulates of a convolution producing ``out_shape`` (N, O, H', W'): N·O·H'·W'·C·kh·kw."""
    return int(np.prod(out_shape)) * in_channels * kernel_size[0] * kernel_size[1]
