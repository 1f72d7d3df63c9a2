"""Spiking digit classifiers and their ANN twins, built from public layers in ``nn.Sequential``.

Two architectures, each as a spiking network and as its ANN twin (the same layers with ReLU where the SNN has
LIF neurons, run once instead of over T steps):

* ``"mlp"``: Linear(64, hidden) → LIF → Linear(hidden, 10) → LIF | leaky integrator, on flattened 8×8 digits;
* ``"cnn"``: Conv(1→c1, 3×3) → LIF → AvgPool 2 → Conv(c1→c2, 3×3) → LIF → AvgPool 2 → Linear(c2·4·4, 10) → read-out,
  on 16×16 digits, the per-image layers wrapped in ``TimeDistributed``.

The input (N, 1, s, s) is encoded into T steps (:func:`encode`): "rate" (Bernoulli spikes, p = x per step),
"latency" (one spike, earlier for brighter pixels) or "direct" (the analog image as a constant current).

The read-out turns the output layer's activity over time into logits for the cross-entropy:

* ``"spikes"``: spiking output neurons; logits = spike count over the T steps (0 … T per class);
* ``"membrane"``: non-spiking output neurons (a leaky integrator, ``v_th = inf``); logits = V averaged over time.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from minisnn import encoding, nn
from minisnn.neurons.lif import LIFParams
from minisnn.surrogate import get as get_surrogate
from minisnn.tensor import Tensor

ARCHITECTURES = ("mlp", "cnn")
ENCODERS = ("rate", "latency", "direct")
READOUTS = ("spikes", "membrane")


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything that defines a classifier (saved in checkpoints; compared on resume).

    ``arch`` "mlp" | "cnn"; ``spiking`` False builds the ANN twin; ``hidden`` MLP width; ``channels`` the CNN's
    two conv widths; ``num_steps`` T; ``encoder`` "rate" | "latency" | "direct"; ``readout`` "spikes" |
    "membrane"; ``tau`` the membrane time constant [ms] of the LIF neurons (R = 1, dt = 1 ms, threshold 1, reset
    "subtract" -- so the rate grows with the current instead of saturating at one spike per reset);
    ``surrogate`` name and parameter.
    """

    arch: str = "mlp"
    spiking: bool = True
    hidden: int = 128
    channels: tuple[int, int] = (8, 16)
    num_steps: int = 25
    encoder: str = "rate"
    readout: str = "spikes"
    tau: float = 2.0
    surrogate: tuple[str, float] = ("fast_sigmoid", 10.0)

    def __post_init__(self) -> None:
        for name, allowed in (("arch", ARCHITECTURES), ("encoder", ENCODERS), ("readout", READOUTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"classifier: {name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("hidden", "num_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"classifier: {name} must be a positive int, got {value!r}")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        object.__setattr__(self, "surrogate", (str(self.surrogate[0]), float(self.surrogate[1])))
        if len(self.channels) != 2 or min(self.channels) < 1:
            raise ValueError(f"classifier: channels must be two positive ints, got {self.channels!r}")
        if not (math.isfinite(self.tau) and self.tau > 1.0):
            raise ValueError(f"classifier: tau must be > 1 ms (dt = 1 ms), got {self.tau!r}")

    @property
    def image_size(self) -> int:
        return 8 if self.arch == "mlp" else 16

    @property
    def neuron(self) -> LIFParams:
        return LIFParams(R=1.0, C=self.tau, dt=1.0, reset="subtract")

    @property
    def readout_neuron(self) -> LIFParams:
        return LIFParams(R=1.0, C=self.tau, dt=1.0, v_th=math.inf)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"], d["surrogate"] = list(self.channels), list(self.surrogate)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifierConfig:
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"classifier config: unknown keys {unknown}")
        return cls(**{k: tuple(v) if k in ("channels", "surrogate") else v for k, v in d.items()})


def build(config: ClassifierConfig, rng: np.random.Generator | int | None = None) -> nn.Sequential:
    """The network of ``config`` (see the module docstring), weights seeded by ``rng``."""
    rng = np.random.default_rng(rng)
    c = config
    surrogate = get_surrogate(*c.surrogate)

    def act() -> nn.Module:
        return nn.LIF(c.neuron, surrogate=surrogate) if c.spiking else nn.ReLU()

    def per_step(module: nn.Module) -> nn.Module:
        return nn.TimeDistributed(module) if c.spiking else module

    if c.arch == "mlp":
        layers: list[nn.Module] = [
            per_step(nn.Flatten()), nn.Linear(64, c.hidden, rng=rng), act(), nn.Linear(c.hidden, 10, rng=rng),
        ]  # fmt: skip
    else:
        c1, c2 = c.channels
        layers = [
            per_step(nn.Conv2d(1, c1, 3, padding=1, rng=rng)), act(), per_step(nn.AvgPool2d(2)),
            per_step(nn.Conv2d(c1, c2, 3, padding=1, rng=rng)), act(), per_step(nn.AvgPool2d(2)),
            per_step(nn.Flatten()), nn.Linear(c2 * 16, 10, rng=rng),
        ]  # fmt: skip
    if c.spiking:
        if c.readout == "spikes":
            layers.append(nn.LIF(c.neuron, surrogate=surrogate, output="spikes"))
        else:
            layers.append(nn.LIF(c.readout_neuron, surrogate=surrogate, output="membrane"))
    return nn.Sequential(*layers)


def encode(images: np.ndarray, config: ClassifierConfig, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Images (N, 1, s, s) in [0, 1] → the network's input: (T, N, 1, s, s) for a spiking net (rate: Bernoulli
    spikes with p = x per step; latency: one spike at step round((1 - x)(T - 1)), none for x <= 0.01; direct: x
    at every step), the images themselves for the ANN."""
    if not config.spiking:
        return images
    if config.encoder == "rate":
        return encoding.rate(images, config.num_steps, rng=rng)
    if config.encoder == "latency":
        return encoding.latency(images, config.num_steps)
    return np.ascontiguousarray(encoding.direct(images, config.num_steps))


def logits(output: Tensor, config: ClassifierConfig) -> Tensor:
    """The read-out: spike counts (sum over T), V averaged over T, or the ANN's output as it is. (N, 10)."""
    if not config.spiking:
        return output
    if config.readout == "spikes":
        return output.sum(axis=0)
    return output.mean(axis=0)
