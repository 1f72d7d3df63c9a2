"""A synaptic-operations energy estimate for the SC-NN (order of magnitude, per image).

Dense convolution layers cost multiply-accumulates (MACs): H'·W'·O·C·kh·kw per image. The layer *after* the
spiking layer receives spikes: on event-driven hardware each spike costs one accumulate (AC) per synapse it
drives, so that layer costs SynOps = (spikes per image) × fan-out instead of its dense MACs. With Horowitz's
(2014) 45 nm figures, 4.6 pJ per 32-bit MAC and 0.9 pJ per 32-bit AC (:mod:`minisnn.spikestats`), we compare
the SC-NN with the same network run densely. This ignores memory traffic, the LIF state updates and the
rate-to-spike conversion, and no hardware was measured: treat it as a teaching estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn.inpainting.model import SCNN
from minisnn.nn import Conv2d, SNNConv2d
from minisnn.spikestats import ENERGY_PER_AC_PJ, ENERGY_PER_MAC_PJ, conv_fan_out, conv_macs


def energy_estimate(model: SCNN, height: int, width: int, spikes_per_image: float | None = None) -> dict[str, Any]:
    """MACs, SynOps and energy (pJ) per image of size height×width.

    ``spikes_per_image`` defaults to the spiking layer's last forward pass (``last_spikes``): its spike count
    per image, scaled by height·width / (H'·W') of that pass (the spike density per pixel is assumed to stay
    the same). Every layer keeps the H×W size (stride 1, padding = dilation).

    Returns per-layer MACs, the SynOps of the layer fed by spikes, and the energy of the SC-NN against the
    same network computed densely (all MACs).
    """
    layers = model.layers
    macs = []
    for layer in layers:
        conv: Conv2d = layer.conv if isinstance(layer, SNNConv2d) else layer
        macs.append(conv_macs((1, conv.out_channels, height, width), conv.in_channels, conv.kernel_size))
    dense_pj = float(sum(macs)) * ENERGY_PER_MAC_PJ
    result: dict[str, Any] = {"image_size": [height, width], "macs_per_layer": macs, "dense_energy_pj": dense_pj}
    spiking = [i for i, layer in enumerate(layers) if isinstance(layer, SNNConv2d)]
    if not spiking:
        result.update(synops=0.0, snn_energy_pj=dense_pj, energy_ratio=1.0)
        return result
    index = spiking[0]
    if spikes_per_image is None:
        last = layers[index].last_spikes
        if last is None:
            raise ValueError("energy_estimate: run a forward pass first, or pass spikes_per_image")
        spikes_per_image = float(last.sum()) / last.shape[1] * (height * width) / np.prod(last.shape[-2:])
    following = layers[index + 1]
    synops = spikes_per_image * conv_fan_out(following.out_channels, following.kernel_size, following.stride)
    snn_pj = (sum(macs) - macs[index + 1]) * ENERGY_PER_MAC_PJ + synops * ENERGY_PER_AC_PJ
    result.update(
        spikes_per_image=spikes_per_image,
        synops=synops,
        snn_energy_pj=snn_pj,
        energy_ratio=snn_pj / dense_pj,
    )
    return result
