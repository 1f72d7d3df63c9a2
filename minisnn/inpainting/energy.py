"""The SC-NN's energy per image, counted with :mod:`minisnn.energy` (arithmetic only, Horowitz 2014, 45 nm).

Every convolution fed by ReLU outputs costs MACs (dense, or only for its non-zero inputs with zero-skipping);
the convolution *after* the spiking layer receives spikes and costs SynOps = spikes × fan-out ACs; the spiking
layer updates its neurons' state every step. The same layers run as an ANN (the spiking layer replaced by
Conv2d + ReLU: the CNN-only ablation) cost MACs everywhere, with zero-skipping of that ANN's actual ReLU zeros
when they were measured (``ann_input_nonzero``). See :mod:`minisnn.energy` for the break-even.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn.energy import LayerCount, summarise
from minisnn.inpainting.model import SCNN
from minisnn.neurons.base import state_variables
from minisnn.nn import Conv2d, SNNConv2d
from minisnn.spikestats import conv_fan_out, conv_macs


def layer_names(model: SCNN) -> list[str]:
    return [f"layers.{i}" for i in range(len(model.layers))]


def energy_estimate(
    model: SCNN,
    height: int,
    width: int,
    spikes_per_image: float | None = None,
    input_nonzero: list[float] | None = None,
    spikes: np.ndarray | None = None,
    ann_input_nonzero: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Energy per image of size height×width (:class:`~minisnn.energy.EnergyReport` as a dict), for one prediction
    in evaluation mode: with ``config.eval_views = 8`` (the self-ensemble) that is 8 passes, and every count is 8×
    one pass's.

    Args:
        spikes_per_image: the spiking layer's spikes per image, all passes of one prediction.
        spikes: instead, its recorded spikes (T, N·views, O, H', W') of one prediction of N crops
            (:func:`minisnn.nn.record`, whose batch axis holds every pass): the mean per pass is scaled by
            height·width / (H'·W') (the spike density per pixel stays the same) and by ``eval_views``.
        input_nonzero: the non-zero fraction of each layer's input in this model (``SCNN.count_activity``),
            default dense.
        ann_input_nonzero: layer name → non-zero input fraction measured on the ANN (the CNN-only ablation).
    """
    layers = model.layers
    names = layer_names(model)
    spiking = [i for i, layer in enumerate(layers) if isinstance(layer, SNNConv2d)]
    views = model.config.eval_views  # passes per prediction
    if spiking and spikes_per_image is None:
        if spikes is None:
            raise ValueError("energy_estimate: pass spikes_per_image or the recorded spikes (minisnn.nn.record)")
        per_pass = float(spikes.sum()) / spikes.shape[1] * (height * width) / np.prod(spikes.shape[-2:])
        spikes_per_image = per_pass * views
    counts = []
    for i, layer in enumerate(layers):
        conv: Conv2d = layer.conv if isinstance(layer, SNNConv2d) else layer
        macs = views * conv_macs((1, conv.out_channels, height, width), conv.in_channels, conv.kernel_size)
        neurons_in = views * conv.in_channels * height * width
        count = LayerCount(
            name=names[i],
            macs=float(macs),
            fan_out=conv_fan_out(conv.out_channels, conv.kernel_size, conv.stride),
            neurons_in=float(neurons_in),
            input_nonzero=None if input_nonzero is None else float(input_nonzero[i]),
        )
        if spiking and i == spiking[0] + 1:  # fed by the spiking layer's spikes
            count.spikes_in = float(spikes_per_image)
            count.input_nonzero = None
        if spiking and i == spiking[0]:
            count.state_updates = float(views * conv.out_channels * height * width * layer.num_steps)
            count.state_variables = state_variables(layer.neuron)
        counts.append(count)
    report = summarise(counts, ann_input_nonzero).to_dict()
    report["image_size"] = [height, width]
    if spiking:
        report["spikes_per_image"] = spikes_per_image
    return report
