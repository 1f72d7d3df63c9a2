"""Energy per inference, honestly: synaptic operations against multiply-accumulates, with zero-skipping.

Per-operation energies (Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014,
45 nm CMOS, 32-bit floating point): an addition costs 0.9 pJ, a multiplication 3.7 pJ, so a
multiply-accumulate (MAC) 4.6 pJ and an accumulate (AC) 0.9 pJ. Memory traffic -- usually the larger cost --
is ignored, and no hardware was measured: this is a teaching estimate of arithmetic only.

How each layer is counted (``LayerCount``):

* a layer fed by analog activations costs MACs, fan-out per input neuron: dense, MACs = N_in·fan_out (for a
  convolution H'·W'·O·C·kh·kw); with **zero-skipping** (hardware that skips zero inputs, as event-driven
  and sparse accelerators do) only the non-zero inputs cost: MACs·(non-zero fraction of its input);
* a layer fed by spikes costs one AC per spike per synapse it drives: SynOps = spikes·fan_out;
* a spiking layer also updates its neurons' state every step: V <- β·V + I is one MAC and the threshold
  comparison one AC per neuron per step (``state_updates`` = neurons·T).

Break-even. A layer fed by spikes costs less than the same layer fed densely only while

    spikes per input neuron per inference  <  E_MAC / E_AC = 4.6 / 0.9 ≈ 5.1,

and less than a zero-skipping ANN only while spikes per neuron < (non-zero fraction)·5.1. Above that the
spiking layer costs *more*. A spiking layer that never fires carries no information: its "saving" is not
a saving, and :func:`summarise` flags it instead of reporting one.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

ENERGY_PER_AC_PJ = 0.9
ENERGY_PER_MAC_PJ = 4.6
SOURCE = "Horowitz 2014 (ISSCC), 45 nm, 32-bit float: add 0.9 pJ, multiply 3.7 pJ (MAC 4.6 pJ, AC 0.9 pJ)"
BREAK_EVEN_SPIKES = ENERGY_PER_MAC_PJ / ENERGY_PER_AC_PJ


@dataclass
class LayerCount:
    """Arithmetic of one layer for one inference.

    ``macs`` dense MACs; ``input_nonzero`` the non-zero fraction of its (analog) input, or None if unknown;
    ``spikes_in`` the spikes it receives (then it is an event-driven layer: SynOps = spikes_in·fan_out);
    ``fan_out`` synapses per input neuron; ``neurons_in`` its input neurons; ``state_updates`` neuron-steps of a
    spiking layer (0 for others).
    """

    name: str
    macs: float
    fan_out: float
    neurons_in: float
    input_nonzero: float | None = None
    spikes_in: float | None = None
    state_updates: float = 0.0


@dataclass
class EnergyReport:
    """Energies in pJ per inference of the spiking network and of an ANN (dense, and with zero-skipping), the
    spike count against the break-even, and the plain-words verdict.

    ``snn_dense_pj`` counts the SNN's analog layers densely (compare with ``ann_dense_pj``); ``snn_pj`` skips
    their zero inputs too (compare with ``ann_zero_skip_pj``): hardware that skips spikes' zeros skips zeros.
    """

    snn_pj: float
    snn_dense_pj: float
    ann_dense_pj: float
    ann_zero_skip_pj: float
    spikes_per_neuron: float
    break_even_dense: float
    break_even_zero_skip: float
    silent: bool
    verdict: str
    layers: list[LayerCount] = field(default_factory=list)
    source: str = SOURCE

    def to_dict(self) -> dict[str, object]:
        return {
            "snn_energy_pj": self.snn_pj,
            "snn_dense_analog_energy_pj": self.snn_dense_pj,
            "ann_dense_energy_pj": self.ann_dense_pj,
            "ann_zero_skip_energy_pj": self.ann_zero_skip_pj,
            "ratio_to_dense_ann": self.snn_dense_pj / self.ann_dense_pj if self.ann_dense_pj else float("nan"),
            "ratio_to_zero_skip_ann": self.snn_pj / self.ann_zero_skip_pj if self.ann_zero_skip_pj else float("nan"),
            "spikes_per_neuron": self.spikes_per_neuron,
            "break_even_spikes_per_neuron_dense": self.break_even_dense,
            "break_even_spikes_per_neuron_zero_skip": self.break_even_zero_skip,
            "silent": self.silent,
            "verdict": self.verdict,
            "macs_per_layer": [layer.macs for layer in self.layers],
            "source": self.source,
        }


def summarise(layers: list[LayerCount], ann_input_nonzero: dict[str, float] | None = None) -> EnergyReport:
    """Energy of the spiking network (``layers`` as it runs) against an ANN of the same layers.

    ``ann_input_nonzero`` maps a layer name to the non-zero fraction of that layer's input in the ANN (measure it
    on the ANN twin: for the layer fed by spikes in the SNN it is a ReLU output there); layers not in it use
    their own ``input_nonzero`` (or 1: dense).

    A layer fed by spikes that receives none (``spikes_in == 0``) means the spiking layer before it is silent:
    the report is flagged ``silent`` and its verdict says so instead of reporting a saving. Raises ValueError for
    an empty ``layers``, a negative or non-finite count, a fraction outside [0, 1], or an ``ann_input_nonzero``
    key that names no layer; TypeError for a layer that is not a :class:`LayerCount` or a count that is not a
    number.
    """
    _check_layers(layers)
    ann_input_nonzero = dict(ann_input_nonzero or {})
    names = {layer.name for layer in layers}
    for name, fraction in ann_input_nonzero.items():
        if name not in names:
            raise ValueError(f"summarise: ann_input_nonzero names no layer: {name!r} (the layers are {sorted(names)})")
        _check_fraction(f"ann_input_nonzero[{name!r}]", fraction)
    snn = snn_dense = dense = skip = 0.0
    spikes = neurons = 0.0
    fed_by_spikes = [layer for layer in layers if layer.spikes_in is not None]
    for layer in layers:
        own = layer.input_nonzero if layer.input_nonzero is not None else 1.0
        dense += layer.macs * ENERGY_PER_MAC_PJ
        skip += layer.macs * ann_input_nonzero.get(layer.name, own) * ENERGY_PER_MAC_PJ
        state = layer.state_updates * (ENERGY_PER_MAC_PJ + ENERGY_PER_AC_PJ)
        if layer.spikes_in is not None:
            events = layer.spikes_in * layer.fan_out * ENERGY_PER_AC_PJ
            snn += events + state
            snn_dense += events + state
            spikes += layer.spikes_in
            neurons += layer.neurons_in
        else:
            snn += layer.macs * own * ENERGY_PER_MAC_PJ + state
            snn_dense += layer.macs * ENERGY_PER_MAC_PJ + state
    per_neuron = spikes / neurons if neurons else 0.0
    nonzero = [ann_input_nonzero.get(layer.name, 1.0) for layer in fed_by_spikes]
    break_even_skip = BREAK_EVEN_SPIKES * (min(nonzero) if nonzero else 1.0)
    unfed = [layer.name for layer in fed_by_spikes if layer.spikes_in == 0]  # the layer before it never fires
    silent = bool(unfed)
    if not fed_by_spikes:
        verdict = "no spiking layer: the network is an ANN"
    elif silent and spikes == 0:
        verdict = (
            "the spiking layer never fires: it carries no information, so its low energy is not a saving "
            "(everything after it sees zeros)"
        )
    elif silent:
        verdict = (
            f"no spikes reach {', '.join(unfed)}: the spiking layer before it never fires and carries no "
            "information, so the network's low energy is not a saving (everything after it sees zeros)"
        )
    else:
        verdict = (
            f"{per_neuron:.2f} spikes per neuron per inference (break-even {BREAK_EVEN_SPIKES:.1f} against a dense "
            f"ANN, {break_even_skip:.2f} against a zero-skipping one): the SNN costs {_ratio(snn_dense, dense):.2f}x "
            f"the dense ANN and {_ratio(snn, skip):.2f}x the zero-skipping ANN "
            + ("(cheaper)" if snn < skip else "(MORE: the spikes cost more than the zeros an ANN skips)")
        )
    return EnergyReport(snn, snn_dense, dense, skip, per_neuron, BREAK_EVEN_SPIKES, break_even_skip, silent, verdict,
                        layers)  # fmt: skip


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return float("nan") if a == 0 else float("inf")
    return a / b


def _check_number(name: str, value: object, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")


def _check_fraction(name: str, value: object) -> None:
    _check_number(name, value)
    if value > 1:  # type: ignore[operator]
        raise ValueError(f"{name} is a fraction and must be in [0, 1], got {value!r}")


def _check_layers(layers: list[LayerCount]) -> None:
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"summarise: layers must be a non-empty list of LayerCount, got {layers!r}")
    for layer in layers:
        if not isinstance(layer, LayerCount):
            raise TypeError(f"summarise: layers must hold LayerCount objects, got {type(layer).__name__}")
        where = f"summarise: layer {layer.name!r}:"
        for attr in ("macs", "fan_out", "neurons_in"):
            _check_number(f"{where} {attr}", getattr(layer, attr), positive=True)
        _check_number(f"{where} state_updates", layer.state_updates)
        if layer.spikes_in is not None:
            _check_number(f"{where} spikes_in", layer.spikes_in)
        if layer.input_nonzero is not None:
            _check_fraction(f"{where} input_nonzero", layer.input_nonzero)
