"""Recording what spiking layers do: the one public way to read spikes, rates, membrane traces and final states.

A spiking layer keeps nothing by default. Inside a ``record`` block every :class:`~minisnn.nn.Spiking` layer of the
module (an ``SNNConv2d``'s neurons included) reports each forward pass to the recording, which keeps what it was
asked for::

    with nn.record(model) as rec:               # spikes only, by default
        model(x)
    rec.spikes()                                # (T, N, ...) of the one spiking layer (name it if there are several)
    rec.statistics()                            # rate, rate in Hz, silent fraction, ... per layer

    with nn.record(model, spikes=False, rate=True) as rec:   # in training: the rates, still in the graph
        loss = loss + rate_floor_penalty(rec.rate(), 0.1)

A layer called several times inside the block (the 8 passes of a self-ensemble, the chunks of an evaluation) gets
one entry per call; :meth:`Recording.spikes` puts them side by side along the batch axis (axis 1 of (T, N, ...)).
When the block ends the layers stop reporting; what was recorded stays readable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn import spikestats
from minisnn.nn.module import Module
from minisnn.nn.spiking import Spiking
from minisnn.tensor import Tensor

KINDS = ("spikes", "rate", "membrane", "state", "counts")


class LayerRecord:
    """What one spiking layer reported, one entry per forward pass: ``spikes`` and ``membrane`` (T, N, ...) ndarrays,
    ``rate`` (N, ...) Tensors (in the graph when recorded in training), ``state`` final states (ndarrays), ``counts``
    (N, ...) spikes per neuron over the pass's T steps (int32; T in ``steps``) -- the statistics without the time
    axis, T times less memory than the spikes."""

    def __init__(self, name: str, layer: Spiking):
        self.name, self.layer = name, layer
        self.entries: dict[str, list[Any]] = {kind: [] for kind in (*KINDS, "steps")}

    @property
    def calls(self) -> int:
        return max((len(v) for v in self.entries.values()), default=0)

    def concatenated(self, kind: str) -> np.ndarray:
        parts = [np.asarray(p) for p in self.entries[kind] if p is not None]
        if not parts:
            raise ValueError(f"record: layer {self.name or '<the module>'!r} recorded no {kind} (ask for "
                             f"{kind}=True, and call the module inside the block)")  # fmt: skip
        if len(parts) == 1:
            return parts[0]
        if len({p.shape[0] for p in parts}) > 1:
            raise ValueError(f"record: layer {self.name!r} ran with different numbers of steps; read entries[{kind!r}]")
        return np.concatenate(parts, axis=1)


class Recording:
    """A ``with`` block that records the spiking layers of ``module`` (see the module docstring).

    Args:
        module: any Module (a network, an ``SNNConv2d``, a ``Spiking`` layer).
        spikes, rate, membrane, state: what to keep of each forward pass.
    """

    def __init__(self, module: Module, spikes: bool = True, rate: bool = False, membrane: bool = False,
                 state: bool = False, counts: bool = False):  # fmt: skip
        if not isinstance(module, Module):
            raise TypeError(f"record: expected a Module, got {type(module).__name__}")
        chosen = {"spikes": spikes, "rate": rate, "membrane": membrane, "state": state, "counts": counts}
        self.kinds = tuple(kind for kind in KINDS if chosen[kind])
        if not self.kinds:
            raise ValueError("record: ask for at least one of spikes, rate, membrane, state, counts")
        self.layers: dict[str, LayerRecord] = {}
        self._by_id: dict[int, LayerRecord] = {}
        for name, layer in module.named_modules():
            if isinstance(layer, Spiking):
                record = LayerRecord(name, layer)
                self.layers[name] = record
                self._by_id[id(layer)] = record
        if not self.layers:
            raise ValueError(f"record: {type(module).__name__} has no spiking layer")

    def __enter__(self) -> Recording:
        for record in self.layers.values():
            record.layer.attach(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        for record in self.layers.values():
            record.layer.detach(self)

    def add(self, layer: Spiking, values: dict[str, Any]) -> None:
        """Called by a layer after a forward pass with what this recording asked for."""
        record = self._by_id[id(layer)]
        for kind in self.kinds:
            record.entries[kind].append(values[kind])
        record.entries["steps"].append(values.get("steps"))

    # ------------------------------------------------------------------------------------------------- reading
    def names(self) -> list[str]:
        """The recorded layers' dotted names in the module ("" for the module itself)."""
        return list(self.layers)

    def __getitem__(self, name: str) -> LayerRecord:
        return self._layer(name)

    def _layer(self, name: str | None) -> LayerRecord:
        if name is None:
            if len(self.layers) != 1:
                raise ValueError(
                    f"record: the module has {len(self.layers)} spiking layers; name one of {self.names()}"
                )
            return next(iter(self.layers.values()))
        if name not in self.layers:
            raise KeyError(f"record: no spiking layer {name!r}; the recorded layers are {self.names()}")
        return self.layers[name]

    def spikes(self, name: str | None = None) -> np.ndarray:
        """The spikes (T, N, ...) of layer ``name`` (default: the only one), all its forward passes side by side."""
        return self._layer(name).concatenated("spikes")

    def membrane(self, name: str | None = None) -> np.ndarray:
        """The membrane traces (T, N, ...) of layer ``name``, all its forward passes side by side."""
        return self._layer(name).concatenated("membrane")

    def rates(self, name: str | None = None) -> list[Tensor]:
        """The rate Tensors (N, ...) of layer ``name``, one per forward pass (in the graph when recorded in
        training, for an activity regulariser)."""
        return [r for r in self._layer(name).entries["rate"] if r is not None]

    def rate(self, name: str | None = None) -> Tensor:
        """The rate Tensor of layer ``name``'s one forward pass (ValueError if it ran more or less than once)."""
        rates = self.rates(name)
        if len(rates) != 1:
            raise ValueError(f"record: expected one forward pass with rate=True, got {len(rates)}")
        return rates[0]

    def counts(self, name: str | None = None) -> tuple[np.ndarray, int]:
        """(spikes per neuron (N, ...) over all forward passes side by side along the batch axis, T) of layer
        ``name`` -- recorded with ``counts=True``."""
        record = self._layer(name)
        parts = [np.asarray(c) for c in record.entries["counts"] if c is not None]
        if not parts:
            raise ValueError(f"record: layer {record.name!r} recorded no counts (ask for counts=True)")
        steps = {s for s in record.entries["steps"] if s is not None}
        if len(steps) != 1:
            raise ValueError(f"record: layer {record.name!r} ran with different numbers of steps: {sorted(steps)}")
        return np.concatenate(parts, axis=0), steps.pop()

    def states(self, name: str | None = None) -> list[Any]:
        """The final states (the model's NamedTuple of ndarrays) of layer ``name``, one per forward pass."""
        return list(self._layer(name).entries["state"])

    def statistics(self) -> dict[str, dict[str, float]]:
        """Per recorded layer with spikes: ``rate`` (spikes per neuron per step), ``rate_hz`` (with the model's dt),
        ``silent_fraction``, ``spikes`` (total), ``neurons`` and ``num_steps``."""
        result = {}
        for name, record in self.layers.items():
            if not any(p is not None for p in record.entries["spikes"]):
                continue
            s = record.concatenated("spikes")
            result[name] = {
                "rate": spikestats.firing_rate(s),
                "rate_hz": spikestats.firing_rate(s, record.layer.neuron.dt),
                "silent_fraction": spikestats.silent_fraction(s),
                "spikes": float(s.sum()),
                "neurons": float(np.prod(s.shape[1:])),
                "num_steps": float(s.shape[0]),
            }
        return result


def record(module: Module, spikes: bool = True, rate: bool = False, membrane: bool = False,
           state: bool = False, counts: bool = False) -> Recording:  # fmt: skip
    """Record the spiking layers of ``module`` in a ``with`` block: see :class:`Recording`."""
    return Recording(module, spikes=spikes, rate=rate, membrane=membrane, state=state, counts=counts)
