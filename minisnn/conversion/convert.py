"""Build the rate-coded SNN from a trained ReLU network, and run it (the fast path: ``nn`` layers, the fused op).

Layer by layer (λ_l from :mod:`~minisnn.conversion.normalise`; λ_in is the scale of the layer's input, 1 for the
image)::

    Linear / Conv2d  W, b   →  the same layer with W·λ_in/λ_out and b/λ_out      (λ_out: the next ReLU's λ, or 1)
    ReLU                    →  IF neurons (:class:`~minisnn.neurons.IFParams`): no leak, threshold 1, reset by
                               subtraction, V₀ = ``v_init``
    AvgPool2d, Flatten      →  the same layer at every step (``TimeDistributed``); Dropout is dropped (eval mode)
    last weight layer       →  followed by a non-spiking integrator (IF with v_th = ∞): the read-out

**Why these choices.** *No leak*: a leaky neuron loses charge between spikes, so its rate falls below its input and
a small input never fires at all (below the rheobase) -- an error that does not shrink with T. *Reset by
subtraction*: the charge above the threshold is kept for the next spike, so after T steps the count is
floor(T·z) exactly and the rate is the ReLU quantised to multiples of 1/T (:func:`~minisnn.neurons.if_rate`);
reset to zero throws that charge away at every spike and the rate falls short by an amount that does not vanish
as T grows (Rueckauer et al. 2017 derive both errors). *Biases as constant currents*: b/λ_out is added to the current at
every step -- the same charge per step as the ANN's bias per activation. *Input*: ``encoder="direct"`` (the
default) feeds the analog image as a constant current to the first layer (Rueckauer et al.'s choice: no sampling
noise, the first IF layer does the encoding); ``"rate"`` feeds Bernoulli spikes with p = pixel per step, whose mean
is the image but whose count over T steps has variance T·x(1 − x). *Read-out*: the last layer's **membrane**: it
integrates its current without spiking, and logits = V_T / T, the time average of W·s + b -- the ANN's logits in
the limit, with no spike-count ties and no rate clipped at 1 at the output (logits can be negative or large; a
spike count can be neither). (A network that ends in a ReLU is read from its last layer's spike counts.)

The converted network is an ordinary ``nn.Sequential`` on time-major input (T, N, ...) -- for the digit
classifiers it has exactly the layout of :func:`minisnn.classification.build`'s spiking network, so
``classification.evaluate`` (accuracy, spikes and energy against the ANN twin) accepts it with a configuration
``encoder="direct"`` (or ``"rate"``), ``readout="final"`` (logits = V_T) and ``num_steps`` = T.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from minisnn import encoding, nn
from minisnn.conversion.normalise import (
    DEFAULT_PERCENTILE,
    LINEAR_LAYERS,
    WEIGHT_LAYERS,
    ann_layers,
    check_images,
    check_percentile,
    relu_activations,
    robust_scale,
)
from minisnn.neurons.integrate_and_fire import IFParams
from minisnn.tensor import Tensor, no_grad

#: The input codings a converted network runs on (:meth:`~minisnn.conversion.ConvertedNetwork.run`).
ENCODERS = ("direct", "rate")


@dataclass(frozen=True)
class ConvertedRun:
    """What :meth:`~minisnn.conversion.ConvertedNetwork.run` returns.

    ``logits`` (N, K): V_T / T of the read-out (or spike count / T for a network that ends in a ReLU) -- in the
    ANN's units; ``counts``: per IF layer, the spikes per neuron over the T steps, ``(N, *shape)`` int arrays, in the
    network's order; ``num_steps`` T.
    """

    logits: np.ndarray
    counts: list[np.ndarray]
    num_steps: int

    @property
    def rates(self) -> list[np.ndarray]:
        """Spikes per step of every IF neuron, counts / T: to compare with the ANN's activations / λ."""
        return [c / self.num_steps for c in self.counts]

    def predictions(self) -> np.ndarray:
        """The class of each sample, argmax of the logits (N,)."""
        return self.logits.argmax(axis=1)


@dataclass
class ConvertedNetwork:
    """A converted network: ``snn`` (the ``nn.Sequential``, time-major), ``scales`` λ of each ReLU layer in order,
    ``percentile`` they were read at, ``readout`` "membrane" (an integrator after the last weight layer) or "spikes"
    (the ANN ends in a ReLU), ``neuron`` the IF neurons' model."""

    snn: nn.Sequential
    scales: list[float]
    percentile: float
    readout: str
    neuron: IFParams

    def run(
        self,
        images: np.ndarray,
        num_steps: int,
        encoder: str = "direct",
        rng: np.random.Generator | int | None = None,
        chunk: int | None = None,
    ) -> ConvertedRun:
        """Run the SNN on ``images`` (N, ...) for ``num_steps`` steps, ``chunk`` images at a time (evaluation mode,
        no graph; default: 4096 // T images, at most 256, so that the time-major arrays of one chunk stay the same
        size whatever T is). ``encoder`` "direct" (the image as a constant current) or "rate" (Bernoulli spikes,
        p = pixel, drawn from ``rng``: the same seed and chunk, the same spikes; pixels must lie in [0, 1])."""
        images = check_images(images)
        num_steps = check_steps(num_steps)
        if encoder not in ENCODERS:
            raise ValueError(f"run: encoder must be one of {ENCODERS}, got encoder={encoder!r}")
        if chunk is None:
            chunk = max(1, min(256, 4096 // num_steps))
        if isinstance(chunk, bool) or not isinstance(chunk, numbers.Integral) or chunk < 1:
            raise ValueError(f"run: chunk must be None or a positive int, got chunk={chunk!r}")
        rng = np.random.default_rng(rng)
        was_training = self.snn.training
        self.snn.eval()
        logits, counts = [], []
        try:
            with no_grad():
                for start in range(0, len(images), chunk):
                    part = images[start : start + chunk]
                    x = encoding.direct(part, num_steps) if encoder == "direct" else encoding.rate(part, num_steps, rng)
                    with nn.record(self.snn, spikes=False, counts=True) as rec:
                        out = self.snn(Tensor(x)).data
                    names = [n for n in rec.names() if rec[n].layer.output == "spikes"]
                    counts.append([rec.counts(n)[0] for n in names])
                    logits.append(out[-1] / num_steps if self.readout == "membrane" else out.sum(axis=0) / num_steps)
        finally:
            self.snn.train(was_training)
        per_layer = [np.concatenate([c[k] for c in counts]) for k in range(len(counts[0]))]
        return ConvertedRun(np.concatenate(logits), per_layer, num_steps)


def check_steps(num_steps: Any) -> int:
    if isinstance(num_steps, bool) or not isinstance(num_steps, numbers.Integral) or num_steps < 1:
        raise ValueError(f"num_steps must be an int >= 1 (T, the time steps), got num_steps={num_steps!r}")
    return int(num_steps)


def output_scales(layers: list[nn.Module], scales: list[float]) -> list[float]:
    """λ_out of every weight layer (in order): the scale of the ReLU its output reaches through parameter-free linear
    layers, or 1 when the next layer with parameters (or the end) comes first. Raises ValueError for a ReLU that no
    weight layer feeds (its scale could not be applied anywhere)."""
    result, relu, pending = [], 0, False
    for index, layer in enumerate(layers):
        if isinstance(layer, WEIGHT_LAYERS):
            if pending:
                result.append(1.0)
            pending = True
        elif isinstance(layer, nn.ReLU):
            if not pending:
                raise ValueError(
                    f"convert: the ReLU at position {index} follows no Linear or Conv2d layer (directly or through "
                    "pooling/flatten), so its scale cannot be applied to any weights"
                )
            result.append(scales[relu])
            relu += 1
            pending = False
    if pending:
        result.append(1.0)
    return result


def _scaled(layer: nn.Module, factor: float, bias_factor: float, dtype: Any) -> nn.Module:
    """A copy of a Linear or Conv2d with its weight times ``factor`` and its bias times ``bias_factor``."""
    if isinstance(layer, nn.Linear):
        copy: nn.Module = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=dtype)
    else:
        copy = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                         layer.dilation, bias=layer.bias is not None, dtype=dtype)  # fmt: skip
    copy.weight = nn.Parameter((layer.weight.data.astype(np.float64) * factor).astype(dtype))
    if layer.bias is not None:
        copy.bias = nn.Parameter((layer.bias.data.astype(np.float64) * bias_factor).astype(dtype))
    return copy


def _copy(layer: nn.Module) -> nn.Module:
    if isinstance(layer, nn.AvgPool2d):
        return nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding)
    return nn.Flatten(layer.start_dim, layer.end_dim)


def convert(
    ann: nn.Module,
    images: np.ndarray,
    percentile: float = DEFAULT_PERCENTILE,
    v_init: float = 0.0,
    dtype: Any = None,
) -> ConvertedNetwork:
    """Convert the trained ReLU network ``ann`` into a rate-coded SNN of IF neurons (module docstring).

    Args:
        ann: an ``nn.Sequential`` of Linear, Conv2d, ReLU, AvgPool2d, Flatten and Dropout layers (e.g. the ANN twin
            of :func:`minisnn.classification.build`, ``spiking=False``); it is not modified.
        images: calibration images (N, ...) in the ANN's input format -- training images, never the test set.
        percentile: λ_l = this percentile of the non-zero activations of ReLU layer l (99.9, Rueckauer et al. 2017;
            100 = the maximum, Diehl et al. 2015).
        v_init: every IF neuron's potential at the start of a run, in [0, 1): 0 floors the rate to multiples of 1/T,
            0.5 rounds it.
        dtype: of the SNN's parameters (default: the ANN's; float64 for comparisons with the loop reference).

    Per weight layer l: W_l ← W_l·λ_in/λ_out, b_l ← b_l/λ_out (λ_in = 1 for the image; λ_out = λ of the ReLU after it,
    1 for the last layer). Raises TypeError naming a layer the converter does not know, ValueError for a bad
    percentile, v_init or images.
    """
    layers = ann_layers(ann)
    percentile = check_percentile(percentile)
    if isinstance(v_init, bool) or not isinstance(v_init, numbers.Real) or not 0 <= v_init < 1:
        raise ValueError(f"convert: v_init must be in [0, 1) (a fraction of the threshold), got v_init={v_init!r}")
    scales = [robust_scale(a, percentile) for a in relu_activations(ann, images)]
    outs = output_scales(layers, scales)
    first = next(layer for layer in layers if isinstance(layer, WEIGHT_LAYERS))
    dtype = np.dtype(first.weight.dtype if dtype is None else dtype)
    neuron = IFParams(v_init=float(v_init))
    modules: list[nn.Module] = []
    scale_in, k = 1.0, 0
    for layer in layers:
        if isinstance(layer, WEIGHT_LAYERS):
            scaled = _scaled(layer, scale_in / outs[k], 1.0 / outs[k], dtype)
            modules.append(scaled if isinstance(layer, nn.Linear) else nn.TimeDistributed(scaled))
            scale_in, k = outs[k], k + 1
        elif isinstance(layer, nn.ReLU):
            modules.append(nn.Spiking(neuron, output="spikes"))
        elif isinstance(layer, LINEAR_LAYERS) and not isinstance(layer, nn.Dropout):
            modules.append(nn.TimeDistributed(_copy(layer)))
    readout = "spikes" if isinstance(layers[-1], nn.ReLU) else "membrane"
    if readout == "membrane":
        modules.append(nn.Spiking(IFParams(v_th=math.inf), output="membrane"))
    return ConvertedNetwork(nn.Sequential(*modules), scales, percentile, readout, neuron)
