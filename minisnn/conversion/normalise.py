"""Data-based normalisation: one scale λ per ReLU layer, read off the ANN's activations on calibration images.

An IF neuron with threshold 1 fires at most once per step, so its rate lies in [0, 1]; a ReLU's output does not.
Dividing every ReLU layer's output by a scale λ_l (Diehl et al. 2015, "Fast-classifying, high-accuracy spiking deep
networks through weight and threshold balancing", IJCNN) makes the rates carry a_l/λ_l. Each weight layer is then
rescaled so that it computes on rates what the ANN computed on activations (:mod:`~minisnn.conversion.convert`)::

    W_l ← W_l · λ_{l−1} / λ_l,        b_l ← b_l / λ_l,        λ_0 = 1 (the image, in [0, 1])

(equivalently: keep W_l and set layer l's threshold to λ_l/λ_{l−1}, "threshold balancing").

Which λ? Diehl et al. take the **maximum** activation on the training set: then no neuron is ever asked to fire
faster than once per step. Rueckauer et al. 2017 ("Conversion of continuous-valued deep networks to efficient
event-driven networks for image classification", Front. Neurosci. 11:682) take a **percentile** p of the activations
instead ("robust normalisation"; the best p depends on the network, a value a little below 100): the maximum is one
outlier -- a single bright image, one neuron -- and setting the scale by it makes every other neuron fire slowly, so
it needs many steps to say anything (the rate's resolution is 1/T). With the percentile, the rare activations above
λ saturate at rate 1 (a small, bounded error on a few neurons) and all the others fire faster. We use **p = 99.9 of
the non-zero activations** of each ReLU layer (the zeros of a ReLU say nothing about the scale, and in a sparse layer
they would drag the percentile down into the bulk; Rueckauer et al.'s SNN toolbox does the same), computed on
**training** images -- never the test set.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from minisnn import nn
from minisnn.tensor import Tensor, no_grad

#: The percentile of Rueckauer et al. 2017's robust normalisation that we use by default (module docstring).
DEFAULT_PERCENTILE = 99.9

#: Layers the converter knows: weight layers, the ReLU it turns into IF neurons, and the parameter-free linear layers.
WEIGHT_LAYERS = (nn.Linear, nn.Conv2d)
LINEAR_LAYERS = (nn.AvgPool2d, nn.Flatten, nn.Dropout)
SUPPORTED = (*WEIGHT_LAYERS, nn.ReLU, *LINEAR_LAYERS)

_WHY_NOT = {
    "MaxPool2d": "the maximum of spike trains is not the maximum of their rates (use AvgPool2d)",
    "Sigmoid": "only ReLU maps onto an IF neuron's rate (a sigmoid saturates at 0.5 for zero input)",
}


def ann_layers(ann: nn.Module) -> list[nn.Module]:
    """The ANN's layers in order, nested ``Sequential`` and ``TimeDistributed`` unwrapped, each checked.

    Raises TypeError naming the first layer the converter does not know (its position and class) and the layers it
    does, with the reason for the usual ones (MaxPool2d, Sigmoid, spiking layers).
    """
    if not isinstance(ann, nn.Module):
        raise TypeError(f"convert: ann must be an nn.Module (an nn.Sequential of layers), got {type(ann).__name__}")
    layers: list[nn.Module] = []

    def walk(module: nn.Module, where: str) -> None:
        if isinstance(module, nn.Sequential):
            for index, child in enumerate(module):
                walk(child, f"{where}.{index}" if where else str(index))
            return
        if isinstance(module, nn.TimeDistributed):
            walk(module.module, where)
            return
        if not isinstance(module, SUPPORTED):
            name = type(module).__name__
            if isinstance(module, nn.Spiking):
                reason = "the network already spikes: convert its ANN twin (ReLU where this has spiking neurons)"
            else:
                reason = _WHY_NOT.get(name, "the converter does not know it")
            known = ", ".join(t.__name__ for t in SUPPORTED)
            raise TypeError(f"convert: layer {where or '<the module>'} ({name}) is not supported: {reason}; the "
                            f"supported layers are {known}")  # fmt: skip
        layers.append(module)

    walk(ann, "")
    if not any(isinstance(layer, WEIGHT_LAYERS) for layer in layers):
        raise ValueError("convert: ann has no Linear or Conv2d layer: there is nothing to convert")
    return layers


def check_images(images: Any, name: str = "images") -> np.ndarray:
    """Calibration or test images as a floating-point ndarray with a batch axis (ValueError/TypeError naming it)."""
    array = np.asarray(getattr(images, "data", images))
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"convert: {name} must be floating-point images (N, ...), got dtype {array.dtype}")
    if array.ndim < 2 or array.shape[0] == 0:
        raise ValueError(f"convert: {name} must be a non-empty batch (N, ...) of images, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"convert: {name} contain NaN or inf")
    return array


def relu_activations(ann: nn.Module, images: np.ndarray, chunk: int = 256) -> list[np.ndarray]:
    """The output of every ReLU of ``ann`` on ``images`` (N, ...), in the network's order: a list of ``(N, *shape)``
    arrays. Evaluation mode (no dropout), no graph; the ANN's mode is restored."""
    layers = ann_layers(ann)
    images = check_images(images)
    was_training = ann.training
    ann.eval()
    outputs: list[list[np.ndarray]] = [[] for layer in layers if isinstance(layer, nn.ReLU)]
    try:
        with no_grad():
            for start in range(0, len(images), chunk):
                h = Tensor(images[start : start + chunk])
                k = 0
                for layer in layers:
                    h = layer(h)
                    if isinstance(layer, nn.ReLU):
                        outputs[k].append(h.data)
                        k += 1
    finally:
        ann.train(was_training)
    return [np.concatenate(parts) for parts in outputs]


def check_percentile(percentile: Any) -> float:
    if isinstance(percentile, bool) or not isinstance(percentile, numbers.Real) or not 0 < percentile <= 100:
        raise ValueError(f"convert: percentile must be a number in (0, 100] (a percentage: 99.9, not 0.999), "
                         f"got {percentile!r}")  # fmt: skip
    return float(percentile)


def robust_scale(activations: np.ndarray, percentile: float = DEFAULT_PERCENTILE) -> float:
    """λ = the ``percentile``-th percentile of the non-zero values of ``activations`` (one ReLU layer's outputs, any
    shape; NumPy's default linear interpolation); ``percentile=100`` is Diehl et al.'s maximum. A layer with no
    non-zero activation on the calibration images gets λ = 1 (it is silent whatever its scale)."""
    percentile = check_percentile(percentile)
    values = np.asarray(activations, dtype=np.float64).ravel()
    if values.size and values.min() < 0:
        raise ValueError(f"robust_scale: activations must be ReLU outputs (>= 0), got a minimum of {values.min():g}")
    positive = values[values > 0]
    if positive.size == 0:
        return 1.0
    scale = float(np.percentile(positive, percentile))
    if not math.isfinite(scale):
        raise ValueError(f"robust_scale: the activations give a non-finite scale {scale!r}")
    return scale


def layer_scales(ann: nn.Module, images: np.ndarray, percentile: float = DEFAULT_PERCENTILE) -> list[float]:
    """λ_l of every ReLU layer of ``ann`` (:func:`robust_scale` of its activations on the calibration ``images``)."""
    return [robust_scale(a, percentile) for a in relu_activations(ann, images)]
