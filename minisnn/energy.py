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
* a spiking layer also updates its neurons' state every step: one MAC per state variable (V <- β·V + I; a synaptic
  neuron also updates its current, an adaptive one its adaptation: ``state_variables``) and one AC for the threshold
  comparison, per neuron per step (``state_updates`` = neurons·T).

Break-even. With s spikes per input neuron of each spike-fed layer (fan-out F, N input neurons), the network costs

    SNN(s) = (its analog layers) + U + s·Σ N·F·E_AC,       U = Σ state_updates·(state_variables·E_MAC + E_AC),

and the break-even s* is where SNN(s*) equals the ANN of the same layers. Against a dense ANN, for one spike-fed
layer fed by neurons that update one state variable for T steps: s* = E_MAC/E_AC - T·(E_MAC + E_AC)/(F·E_AC)
= 5.11 - 6.11·T/F (the state updates are part of the bill). Against an ANN that skips its zero inputs the spike-fed
layer's MACs shrink to the ANN's non-zero fraction z of that layer's input, so s* = 5.11·z - 6.11·T/F: far lower,
because a ReLU network's activations are mostly zeros. That comparison needs z **measured on the ANN** (its twin
run on the same data): :func:`summarise` makes it only when given those measurements, and says so when not --
an unmeasured "zero-skipping ANN" assumed dense would flatter the spiking network. A spiking layer that never
fires carries no information: its "saving" is not a saving, and :func:`summarise` flags it instead of reporting one.
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
    spiking layer counted with it (0 for others) and ``state_variables`` how many state variables each such
    neuron-step updates (1 for the LIF, 2 for the synaptic and the adaptive LIF, 3 for the alpha synapse).
    """

    name: str
    macs: float
    fan_out: float
    neurons_in: float
    input_nonzero: float | None = None
    spikes_in: float | None = None
    state_updates: float = 0.0
    state_variables: int = 1


@dataclass
class EnergyReport:
    """Energies in pJ per inference of the spiking network and of an ANN (dense, and with zero-skipping when the
    ANN's zeros were measured), the spike count against the break-evens (state updates included), and the
    plain-words verdict.

    ``snn_dense_pj`` counts the SNN's analog layers densely (compare with ``ann_dense_pj``); ``snn_pj`` skips
    their zero inputs too (compare with ``ann_zero_skip_pj``): hardware that skips spikes' zeros skips zeros.
    ``ann_zero_skip_pj`` and ``break_even_zero_skip`` are None when the ANN's zeros were not measured. A break-even
    at or below zero means that no spike count breaks even: the neurons' state updates alone cost more than the
    ANN (the verdict says so in words).
    """

    snn_pj: float
    snn_dense_pj: float
    ann_dense_pj: float
    ann_zero_skip_pj: float | None
    spikes_per_neuron: float
    break_even_dense: float
    break_even_zero_skip: float | None
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
            "ratio_to_zero_skip_ann": (
                None
                if self.ann_zero_skip_pj is None
                else self.snn_pj / self.ann_zero_skip_pj
                if self.ann_zero_skip_pj
                else float("nan")
            ),
            "ann_zeros_measured": self.ann_zero_skip_pj is not None,
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

    ``ann_input_nonzero`` maps a layer name to the non-zero fraction of that layer's input **measured on the ANN**
    (its twin run on the same data: for the layer fed by spikes in the SNN it is a ReLU output there); layers not in
    it use their own ``input_nonzero`` (or 1: dense). The zero-skipping comparison is made only when every layer fed
    by spikes has such a measurement; otherwise ``ann_zero_skip_pj`` is None and the verdict says it was not
    measured. Break-evens include the state updates (module docstring).

    A layer fed by spikes that receives none (``spikes_in == 0``) means the spiking layer before it is silent:
    the report is flagged ``silent`` and its verdict says so instead of reporting a saving. Raises ValueError for
    an empty ``layers``, a negative or non-finite count, a fraction outside [0, 1], or an ``ann_input_nonzero``
    key that names no layer; TypeError for a layer that is not a :class:`LayerCount` or a count that is not a
    number.
    """
    _check_layers(layers)
    measured = dict(ann_input_nonzero or {})
    names = {layer.name for layer in layers}
    for name, fraction in measured.items():
        if name not in names:
            raise ValueError(f"summarise: ann_input_nonzero names no layer: {name!r} (the layers are {sorted(names)})")
        _check_fraction(f"ann_input_nonzero[{name!r}]", fraction)
    fed_by_spikes = [layer for layer in layers if layer.spikes_in is not None]
    zeros_measured = ann_input_nonzero is not None and all(layer.name in measured for layer in fed_by_spikes)
    snn = snn_dense = dense = skip = analog_skip = analog_dense = state = 0.0
    spikes = neurons = synapses = 0.0
    for layer in layers:
        own = layer.input_nonzero if layer.input_nonzero is not None else 1.0
        dense += layer.macs * ENERGY_PER_MAC_PJ
        skip += layer.macs * measured.get(layer.name, own) * ENERGY_PER_MAC_PJ
        updates = layer.state_updates * (layer.state_variables * ENERGY_PER_MAC_PJ + ENERGY_PER_AC_PJ)
        state += updates
        if layer.spikes_in is not None:
            events = layer.spikes_in * layer.fan_out * ENERGY_PER_AC_PJ
            snn += events + updates
            snn_dense += events + updates
            spikes += layer.spikes_in
            neurons += layer.neurons_in
            synapses += layer.neurons_in * layer.fan_out
        else:
            analog_skip += layer.macs * own * ENERGY_PER_MAC_PJ
            analog_dense += layer.macs * ENERGY_PER_MAC_PJ
            snn += layer.macs * own * ENERGY_PER_MAC_PJ + updates
            snn_dense += layer.macs * ENERGY_PER_MAC_PJ + updates
    per_neuron = spikes / neurons if neurons else 0.0
    per_spike = synapses * ENERGY_PER_AC_PJ  # the cost of one spike per input neuron of every spike-fed layer
    break_even = (dense - analog_dense - state) / per_spike if per_spike else BREAK_EVEN_SPIKES
    break_even_skip = (skip - analog_skip - state) / per_spike if per_spike and zeros_measured else None
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
        dense_part = (
            f"{per_neuron:.2f} spikes per neuron per inference; against a dense ANN "
            f"({_break_even(break_even, ', state updates included')}) the SNN costs {_ratio(snn_dense, dense):.2f}x"
        )
        if break_even_skip is None:
            verdict = (f"{dense_part}; against a zero-skipping ANN: not measured (its zeros need a twin run on the "
                       "same data)")  # fmt: skip
        else:
            verdict = (
                f"{dense_part}; against the ANN skipping its measured zeros ({_break_even(break_even_skip)}) "
                f"{_ratio(snn, skip):.2f}x "
                + ("(cheaper)" if snn < skip else "(MORE: the zeros the ANN skips save more than the spikes do)")
            )
    return EnergyReport(snn, snn_dense, dense, skip if zeros_measured else None, per_neuron, break_even,
                        break_even_skip, silent, verdict, layers)  # fmt: skip


def _break_even(spikes: float, note: str = "") -> str:
    """A break-even in words: at or below zero no spike count breaks even (the state updates alone cost more)."""
    if spikes > 0:
        return f"break-even {spikes:.2f}{note}"
    return "no spike count breaks even: the state updates alone cost more"


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
        if (
            isinstance(layer.state_variables, bool)
            or not isinstance(layer.state_variables, numbers.Integral)
            or (layer.state_variables < 1)
        ):
            raise ValueError(f"{where} state_variables must be an int >= 1, got {layer.state_variables!r}")
        if layer.spikes_in is not None:
            _check_number(f"{where} spikes_in", layer.spikes_in)
        if layer.input_nonzero is not None:
            _check_fraction(f"{where} input_nonzero", layer.input_nonzero)
