"""Evaluating a digit classifier: accuracy, confusion matrix, spikes per sample, and energy against its ANN twin.

Energy (:mod:`minisnn.energy`, arithmetic only, Horowitz 2014): in the spiking network each layer fed by spikes
costs one accumulate per spike per synapse (SynOps); average pooling is linear, so a spike entering a pool and
then a convolution costs that convolution's fan-out (the 1/4 folds into the weights). The first layer is fed by
the encoded input: spikes for rate and latency coding (SynOps), the analog image for direct coding (MACs,
counted once: the current is the same at every step). LIF layers cost one state update per neuron per step.
The ANN twin costs MACs for every layer, dense or skipping its actual zero inputs (measured on the twin).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import nn, stats
from minisnn.classification.model import ClassifierConfig
from minisnn.classification.train import predict_logits
from minisnn.data import Digits
from minisnn.energy import LayerCount, summarise
from minisnn.neurons.base import state_variables
from minisnn.tensor import Tensor, no_grad


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def _layer_shapes(config: ClassifierConfig) -> list[dict[str, Any]]:
    """Per weight layer: MACs per sample (as an ANN would compute them), fan-out per input neuron, input neurons, and
    what feeds it ("input" or the index of the spiking layer whose spikes it receives)."""
    if config.arch == "mlp":
        h = config.hidden
        shapes = [{"macs": 64 * h, "fan_out": h, "neurons_in": 64, "fed_by": "input"}]  # the rows: each pixel once
        if config.recurrent:  # the hidden spikes of step n - 1 through the h × h weights at step n
            shapes.append({"macs": h * h * config.num_steps, "fan_out": h, "neurons_in": h, "fed_by": 0,
                           "recurrent": True})  # fmt: skip
        return [*shapes, {"macs": h * 10, "fan_out": 10, "neurons_in": h, "fed_by": 0}]
    c1, c2, cin = *config.channels, config.in_channels
    return [
        {"macs": 16 * 16 * c1 * cin * 9, "fan_out": c1 * 9, "neurons_in": cin * 16 * 16, "fed_by": "input"},
        {"macs": 8 * 8 * c2 * c1 * 9, "fan_out": c2 * 9, "neurons_in": c1 * 16 * 16, "fed_by": 0},  # through the pool
        {"macs": c2 * 16 * 10, "fan_out": 10, "neurons_in": c2 * 8 * 8, "fed_by": 1},  # through the second pool
    ]


def ann_input_nonzero(model: nn.Module, config: ClassifierConfig, images: np.ndarray) -> list[float]:
    """The non-zero fraction of each weight layer's input in an ANN twin (evaluation mode, no graph)."""
    fractions: list[list[int]] = []
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            h = Tensor(images)
            for module in model:
                inner = module.module if isinstance(module, nn.TimeDistributed) else module
                if isinstance(inner, (nn.Linear, nn.Conv2d)):
                    fractions.append([int(np.count_nonzero(h.data)), h.data.size])
                h = module(h)
    finally:
        model.train(was_training)
    return [nz / total for nz, total in fractions]


def evaluate(
    model: nn.Module,
    config: ClassifierConfig,
    data: Digits,
    twin: nn.Module | None = None,
    twin_config: ClassifierConfig | None = None,
    seed: int = 1234,
) -> dict[str, Any]:
    """Accuracy, confusion matrix, spikes per sample and energy of ``model`` on ``data`` (evaluation mode).

    With the ANN ``twin`` (and its config): its accuracy, the paired difference of per-sample correctness with a
    bootstrap 95 % CI, and its zero fractions for the zero-skipping energy baseline.
    """
    out, spike_counts = predict_logits(model, config, data.images, seed)
    predicted = out.argmax(axis=1)
    correct = (predicted == data.labels).astype(np.float64)
    result: dict[str, Any] = {
        "accuracy": float(correct.mean()),
        "num_samples": len(data.labels),
        "confusion": confusion_matrix(predicted, data.labels).tolist(),
        "loss": F.cross_entropy(Tensor(out), data.labels).item(),
    }
    shapes = _layer_shapes(config)
    ann_nonzero = None
    if twin is not None:
        twin_config = twin_config or ClassifierConfig(**{**config.to_dict(), "spiking": False})
        twin_out, _ = predict_logits(twin, twin_config, data.images)
        twin_correct = (twin_out.argmax(axis=1) == data.labels).astype(np.float64)
        result["twin_accuracy"] = float(twin_correct.mean())
        result["snn_minus_twin"] = stats.paired_difference(correct, twin_correct).to_dict()
        ann_nonzero = ann_input_nonzero(twin, twin_config, data.images)
    if not config.spiking:
        return result
    n = len(data.labels)
    per_layer = [float(s.sum()) / n for s in spike_counts]  # spikes per sample of each LIF layer
    neurons = [float(np.prod(s.shape[1:])) for s in spike_counts]
    result["spikes_per_sample"] = per_layer
    result["rate_per_step"] = [p / (m * config.num_steps) for p, m in zip(per_layer, neurons, strict=True)]
    input_spikes = None
    if config.task == "events":  # the event frames are spikes already
        input_spikes = float(data.images.sum(dtype=np.float64)) / n
    elif config.encoder != "direct":
        from minisnn.classification.model import encode

        encoded = encode(data.images, config, np.random.default_rng(seed))
        input_spikes = float(encoded.sum()) / n
    counts = []
    hidden = per_layer[:-1] if config.readout == "spikes" else per_layer
    for k, shape in enumerate(shapes):
        count = LayerCount(f"layer{k}", macs=shape["macs"], fan_out=shape["fan_out"], neurons_in=shape["neurons_in"])
        if shape["fed_by"] != "input":
            count.spikes_in = hidden[shape["fed_by"]]
        elif input_spikes is not None:
            count.spikes_in = input_spikes
        else:
            count.input_nonzero = float(np.count_nonzero(data.images)) / data.images.size
        counts.append(count)
    # state updates: every neuron, every step, once per state variable, counted with the weight layer that drives it
    spiking_layers = [m for m in model.modules() if isinstance(m, nn.Spiking) and m.output == "spikes"]
    drivers = [k for k, shape in enumerate(shapes) if not shape.get("recurrent")]
    for driver, m, layer in zip(drivers, neurons, spiking_layers, strict=False):
        counts[driver].state_updates += m * config.num_steps
        counts[driver].state_variables = state_variables(layer.neuron)
    if config.readout in ("membrane", "final"):  # the non-spiking read-out integrates too
        counts[-1].state_updates += 10 * config.num_steps
    ann = None if ann_nonzero is None else {f"layer{k}": v for k, v in enumerate(ann_nonzero)}
    report = summarise(counts, ann)
    energy = report.to_dict()
    energy["synops_per_sample"] = float(sum(c.spikes_in * c.fan_out for c in counts if c.spikes_in is not None))
    energy["ann_macs_per_sample"] = float(sum(c.macs for c in counts))
    result["energy"] = energy
    return result
