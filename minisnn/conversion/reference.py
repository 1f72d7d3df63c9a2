"""The loop reference of a converted network: the test oracle of :meth:`~minisnn.conversion.ConvertedNetwork.run`.

It starts again from the **ANN** and the scales λ (not from the converted layers), so it checks the weight scaling
as well as the simulation. Every step, every layer, as the definitions read, with the slow loop references of the
layers (:func:`~minisnn.linear.linear_reference`, :func:`~minisnn.conv.conv2d_reference`,
:func:`~minisnn.pool.avg_pool2d_reference`) and one IF neuron at a time::

    for t in 1 … T:                                       x_t = the image (direct) or Bernoulli(image) spikes (rate)
        for each weight layer l:   I = (W_l·λ_in/λ_out) · s_{l−1}(t) + b_l/λ_out
        for each IF neuron j:      V_j ← V_j + I_j;  if V_j ≥ 1: s_j(t) = 1, V_j ← V_j − 1
        read-out:                  V ← V + I                                   logits = V_T / T

Slow (seconds for a handful of digits): for tests and for reading, never for evaluation.
"""

from __future__ import annotations

import numpy as np

from minisnn import encoding, nn
from minisnn.conv import conv2d_reference
from minisnn.conversion.convert import ENCODERS, ConvertedRun, check_steps, output_scales
from minisnn.conversion.normalise import WEIGHT_LAYERS, ann_layers, check_images
from minisnn.linear import linear_reference
from minisnn.pool import avg_pool2d_reference


def if_step_loop(v: np.ndarray, current: np.ndarray, v_th: float = 1.0) -> np.ndarray:
    """One step of IF neurons with reset by subtraction, one neuron at a time; updates ``v`` in place and returns the
    0/1 spikes (same shape)."""
    flat_v, flat_i = v.reshape(-1), current.reshape(-1)
    spikes = np.zeros(flat_v.shape, v.dtype)
    for j in range(flat_v.size):
        flat_v[j] += flat_i[j]
        if flat_v[j] >= v_th:
            spikes[j] = 1.0
            flat_v[j] -= v_th
    return spikes.reshape(v.shape)


def simulate_reference(
    ann: nn.Module,
    scales: list[float],
    images: np.ndarray,
    num_steps: int,
    encoder: str = "direct",
    rng: np.random.Generator | int | None = None,
    v_init: float = 0.0,
) -> ConvertedRun:
    """The converted network of ``ann`` with the ReLU scales ``scales``, simulated with loops in float64 (module
    docstring). ``encoder`` and ``rng`` as :meth:`~minisnn.conversion.ConvertedNetwork.run` (the same seed draws the
    same input spikes); ``v_init`` every IF neuron's starting potential. Returns logits and spike counts like it."""
    layers = ann_layers(ann)
    images = check_images(images).astype(np.float64)
    num_steps = check_steps(num_steps)
    if encoder not in ENCODERS:
        raise ValueError(f"simulate_reference: encoder must be one of {ENCODERS}, got encoder={encoder!r}")
    relus = sum(isinstance(layer, nn.ReLU) for layer in layers)
    if len(scales) != relus:
        raise ValueError(f"simulate_reference: one scale per ReLU layer: {relus} expected, got {len(scales)}")
    outs = output_scales(layers, list(scales))
    rng = np.random.default_rng(rng)
    inputs = (encoding.direct(images, num_steps) if encoder == "direct"
              else encoding.rate(images, num_steps, rng)).astype(np.float64)  # fmt: skip
    potentials: dict[int, np.ndarray] = {}  # layer index -> V of its IF neurons (or of the read-out)
    counts: dict[int, np.ndarray] = {}
    readout = None
    for t in range(num_steps):
        h, scale_in, k = inputs[t], 1.0, 0
        for index, layer in enumerate(layers):
            if isinstance(layer, WEIGHT_LAYERS):
                w = layer.weight.data.astype(np.float64) * (scale_in / outs[k])
                b = None if layer.bias is None else layer.bias.data.astype(np.float64) / outs[k]
                if isinstance(layer, nn.Linear):
                    h = linear_reference(h, w, b)
                else:
                    h = conv2d_reference(h, w, b, layer.stride, layer.padding, layer.dilation)
                scale_in, k = outs[k], k + 1
            elif isinstance(layer, nn.ReLU):
                v = potentials.setdefault(index, np.full(h.shape, float(v_init)))
                h = if_step_loop(v, h)
                counts[index] = counts.get(index, 0) + h
            elif isinstance(layer, nn.AvgPool2d):
                h = avg_pool2d_reference(h, layer.kernel_size, layer.stride, layer.padding)
            elif isinstance(layer, nn.Flatten):
                h = _flatten(h, layer.start_dim, layer.end_dim)
        if not isinstance(layers[-1], nn.ReLU):
            readout = h if readout is None else readout + h  # the integrator: V ← V + I
    ordered = [counts[i].astype(np.int64) for i in sorted(counts)]
    logits = readout / num_steps if readout is not None else ordered[-1] / num_steps
    return ConvertedRun(logits, ordered, num_steps)


def _flatten(x: np.ndarray, start_dim: int, end_dim: int) -> np.ndarray:
    start = start_dim % x.ndim
    end = end_dim % x.ndim
    return x.reshape(*x.shape[:start], -1, *x.shape[end + 1 :])
