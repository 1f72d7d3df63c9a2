"""Spiking digit classifiers and their ANN twins, built from public layers in ``nn.Sequential``.

Three tasks. ``task="static"``: the whole image is the input at every step (encoded, below). ``task="rows"``: the 8×8
digit is read **one row per time step** (T = 8 steps of 8 pixels, the analog values as currents), so the network
sees the bottom of the digit only after the top has gone: it must *remember*. Its hidden layer may be recurrent
(``recurrent=True``: :class:`~minisnn.nn.RecurrentSpiking`, all-to-all) and adaptive (``neuron_kind="alif"``:
:class:`~minisnn.neurons.ALIFParams`, a threshold that rises with each spike and relaxes over ``tau_adaptation``
ms); without either, only the membranes' leaks remember. Its read-out is ``"final"``: the non-spiking output
neurons' potentials after the last row. ``task="events"``: the digits as an event camera sees them while they move
(:func:`~minisnn.data.event_digits`, N-MNIST's recipe): T steps of ON/OFF event frames (2, 16, 16) enter the CNN
as they are (0/1 spikes, two input channels); nothing is encoded, and there is no ANN twin.

Two architectures, each as a spiking network and as its ANN twin (the same layers with ReLU where the SNN has
LIF neurons, run once instead of over T steps; the static task only):

* ``"mlp"``: Linear(64, hidden) → LIF → Linear(hidden, 10) → LIF | leaky integrator, on flattened 8×8 digits;
* ``"cnn"``: Conv(1→c1, 3×3) → LIF → AvgPool 2 → Conv(c1→c2, 3×3) → LIF → AvgPool 2 → Linear(c2·4·4, 10) → read-out,
  on 16×16 digits, the per-image layers wrapped in ``TimeDistributed``.

The input (N, 1, s, s) is encoded into T steps (:func:`encode`): "rate" (Bernoulli spikes, p = x per step),
"latency" (one spike, earlier for brighter pixels) or "direct" (the analog image as a constant current).

The read-out turns the output layer's activity over time into logits for the cross-entropy:

* ``"spikes"``: spiking output neurons; logits = spike count over the T steps (0 … T per class);
* ``"membrane"``: non-spiking output neurons (a leaky integrator, ``v_th = inf``); logits = V averaged over time;
* ``"final"``: the same neurons; logits = V after the last step (what the row task asks for).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from minisnn import encoding, nn
from minisnn.data import Digits, digits, event_digits
from minisnn.neurons import ALIFParams, LIFParams
from minisnn.surrogate import get as get_surrogate
from minisnn.tensor import Tensor

ARCHITECTURES = ("mlp", "cnn")
ENCODERS = ("rate", "latency", "direct")
READOUTS = ("spikes", "membrane", "final")
TASKS = ("static", "rows", "events")
NEURON_KINDS = ("lif", "alif")
#: The hidden neurons' values a classifier can learn, one per neuron (``ClassifierConfig.learn``).
LEARNABLE = ("decay", "v_th")


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything that defines a classifier (saved in checkpoints; compared on resume).

    ``arch`` "mlp" | "cnn"; ``spiking`` False builds the ANN twin; ``hidden`` MLP width; ``channels`` the CNN's
    two conv widths; ``num_steps`` T; ``encoder`` "rate" | "latency" | "direct"; ``readout`` "spikes" |
    "membrane" | "final"; ``tau`` the membrane time constant [ms] of the LIF neurons (dt = 1 ms, threshold 1, reset
    "subtract" -- so the rate grows with the current instead of saturating at one spike per reset); ``surrogate``
    name and parameter; ``task`` "static" | "rows" (module docstring); ``neuron_kind`` "lif" | "alif" for the hidden
    layer, with ``adaptation`` (b, the threshold's rise per spike) and ``tau_adaptation`` [ms] for "alif";
    ``recurrent`` an all-to-all recurrent hidden layer (MLP only); ``input_gain`` dt/C, the potential one step of
    unit current adds: None takes 1/tau for the static task (C = tau, R = 1: V settles at I) and 1 for the rows
    (C = 1, R = tau: snnTorch's ``Leaky`` with β = 1 - 1/tau and its input unscaled); ``learn`` the hidden neurons'
    values to learn, one per neuron: some of ("decay", "v_th") (:class:`~minisnn.nn.Spiking`).
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
    task: str = "static"
    neuron_kind: str = "lif"
    recurrent: bool = False
    adaptation: float = 0.1
    tau_adaptation: float = 200.0
    input_gain: float | None = None
    learn: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, allowed in (("arch", ARCHITECTURES), ("encoder", ENCODERS), ("readout", READOUTS), ("task", TASKS),
                              ("neuron_kind", NEURON_KINDS)):  # fmt: skip
            if getattr(self, name) not in allowed:
                raise ValueError(f"classifier: {name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("hidden", "num_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"classifier: {name} must be a positive int, got {value!r}")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        object.__setattr__(self, "learn", (self.learn,) if isinstance(self.learn, str) else tuple(self.learn))
        if set(self.learn) - set(LEARNABLE) or len(set(self.learn)) != len(self.learn):
            raise ValueError(f"classifier: learn must be some of {LEARNABLE}, got {self.learn!r}")
        if self.learn and (self.arch != "mlp" or not self.spiking):
            raise ValueError("classifier: learn (one value per hidden neuron) needs a spiking MLP")
        object.__setattr__(self, "surrogate", (str(self.surrogate[0]), float(self.surrogate[1])))
        if len(self.channels) != 2 or min(self.channels) < 1:
            raise ValueError(f"classifier: channels must be two positive ints, got {self.channels!r}")
        if not (math.isfinite(self.tau) and self.tau > 1.0):
            raise ValueError(f"classifier: tau must be > 1 ms (dt = 1 ms), got {self.tau!r}")
        if not isinstance(self.recurrent, (bool, np.bool_)):
            raise ValueError(f"classifier: recurrent must be True or False, got {self.recurrent!r}")
        object.__setattr__(self, "recurrent", bool(self.recurrent))
        for name in ("adaptation", "tau_adaptation"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= (0 if name == "adaptation" else 1)):
                raise ValueError(f"classifier: {name} must be finite and >= {0 if name == 'adaptation' else 1}, "
                                 f"got {getattr(self, name)!r}")  # fmt: skip
        if self.input_gain is not None and not (math.isfinite(self.input_gain) and self.input_gain > 0):
            raise ValueError(f"classifier: input_gain must be None or > 0, got {self.input_gain!r}")
        if self.recurrent and self.arch != "mlp":
            raise ValueError("classifier: recurrent=True needs arch='mlp' (a recurrent convolution is not built here)")
        if self.task == "rows":
            if self.arch != "mlp" or not self.spiking:
                raise ValueError(
                    "classifier: task='rows' is a spiking MLP (arch='mlp', spiking=True): the rows are time"
                )
            if self.num_steps != 8 or self.encoder != "direct":
                raise ValueError("classifier: task='rows' reads the 8 rows as 8 steps: num_steps=8, encoder='direct', "
                                 f"got num_steps={self.num_steps}, encoder={self.encoder!r}")  # fmt: skip
        if self.task == "events" and self.num_steps < 3:
            raise ValueError(f"classifier: task='events' needs num_steps >= 3 (three saccades), got {self.num_steps}")
        if self.task == "events" and (self.arch != "cnn" or not self.spiking or self.encoder != "direct"):
            raise ValueError(
                "classifier: task='events' is a spiking CNN fed the event frames as they are (arch='cnn', "
                f"spiking=True, encoder='direct'), got arch={self.arch!r}, spiking={self.spiking}, "
                f"encoder={self.encoder!r}"
            )

    @property
    def image_size(self) -> int:
        return 8 if self.arch == "mlp" else 16

    @property
    def in_channels(self) -> int:
        """Input channels: 2 for the event frames (ON, OFF), 1 for a grey image."""
        return 2 if self.task == "events" else 1

    @property
    def gain(self) -> float:
        """dt/C (the ``input_gain``, or its task's default)."""
        if self.input_gain is not None:
            return self.input_gain
        return 1.0 if self.task == "rows" else 1.0 / self.tau

    @property
    def lif_neuron(self) -> LIFParams:
        """LIF neurons: tau = R C, dt = 1 ms, C = 1/gain, reset "subtract" (the spiking output layer's)."""
        c = 1.0 / self.gain
        return LIFParams(R=self.tau / c, C=c, dt=1.0, reset="subtract")

    @property
    def neuron(self) -> LIFParams:
        """The hidden neurons: :attr:`lif_neuron`, or for ``neuron_kind="alif"`` the same membrane with an adaptive
        threshold (b = ``adaptation``, tau_a = ``tau_adaptation``)."""
        lif = self.lif_neuron
        if self.neuron_kind == "alif":
            return ALIFParams(R=lif.R, C=lif.C, dt=1.0, b=self.adaptation, tau_a=self.tau_adaptation)
        return lif

    @property
    def readout_neuron(self) -> LIFParams:
        c = 1.0 / self.gain
        return LIFParams(R=self.tau / c, C=c, dt=1.0, v_th=math.inf)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"], d["surrogate"], d["learn"] = list(self.channels), list(self.surrogate), list(self.learn)
        return d

    @classmethod
    def rows(cls, neuron_kind: str = "lif", recurrent: bool = False, **overrides: Any) -> ClassifierConfig:
        """The row task's configuration (module docstring): T = 8 rows, direct coding, read-out after the last row,
        tau = 5 ms with unit input gain, 128 hidden neurons; ALIF with b = 0.1 and tau_a = 200 ms."""
        base = dict(task="rows", arch="mlp", num_steps=8, encoder="direct", readout="final", tau=5.0)
        return cls(**{**base, "neuron_kind": neuron_kind, "recurrent": recurrent, **overrides})

    @classmethod
    def events(cls, **overrides: Any) -> ClassifierConfig:
        """The event task's configuration: a spiking CNN with 16 and 32 channels on T = 12 steps of event frames,
        spike-count read-out, tau = 2 ms with unit input gain (C = 1: an input event adds its weight to V at once;
        with the static task's gain 1/tau the sparse events left the second layer silent at the start)."""
        base = dict(task="events", arch="cnn", num_steps=12, encoder="direct", channels=(16, 32), input_gain=1.0)
        return cls(**{**base, **overrides})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifierConfig:
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"classifier config: unknown keys {unknown}")
        return cls(**{k: tuple(v) if k in ("channels", "surrogate", "learn") else v for k, v in d.items()})


def build(config: ClassifierConfig, rng: np.random.Generator | int | None = None) -> nn.Sequential:
    """The network of ``config`` (see the module docstring), weights seeded by ``rng``."""
    rng = np.random.default_rng(rng)
    c = config
    surrogate = get_surrogate(*c.surrogate)

    def act() -> nn.Module:
        if not c.spiking:
            return nn.ReLU()
        learn = dict(learn=c.learn, learn_shape=(c.hidden,)) if c.learn else {}
        if c.recurrent:
            return nn.RecurrentSpiking(c.neuron, features=c.hidden, surrogate=surrogate, rng=rng, **learn)
        return nn.Spiking(c.neuron, surrogate=surrogate, **learn)

    def per_step(module: nn.Module) -> nn.Module:
        return nn.TimeDistributed(module) if c.spiking else module

    if c.task == "rows":  # (T = 8, N, 8): the rows are already the time axis
        layers: list[nn.Module] = [nn.Linear(8, c.hidden, rng=rng), act(), nn.Linear(c.hidden, 10, rng=rng)]
    elif c.arch == "mlp":
        layers = [
            per_step(nn.Flatten()), nn.Linear(64, c.hidden, rng=rng), act(), nn.Linear(c.hidden, 10, rng=rng),
        ]  # fmt: skip
    else:
        c1, c2 = c.channels
        layers = [
            per_step(nn.Conv2d(c.in_channels, c1, 3, padding=1, rng=rng)), act(), per_step(nn.AvgPool2d(2)),
            per_step(nn.Conv2d(c1, c2, 3, padding=1, rng=rng)), act(), per_step(nn.AvgPool2d(2)),
            per_step(nn.Flatten()), nn.Linear(c2 * 16, 10, rng=rng),
        ]  # fmt: skip
    if c.spiking:
        if c.readout == "spikes":
            layers.append(nn.LIF(c.lif_neuron, surrogate=surrogate, output="spikes"))
        else:
            layers.append(nn.LIF(c.readout_neuron, surrogate=surrogate, output="membrane"))
    return nn.Sequential(*layers)


def encode(images: np.ndarray, config: ClassifierConfig, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Images (N, 1, s, s) in [0, 1] → the network's input: (T, N, 1, s, s) for a spiking net (rate: Bernoulli
    spikes with p = x per step; latency: one spike at step round((1 - x)(T - 1)), none for x <= 0.01; direct: x
    at every step), the images themselves for the ANN; for the row task (8, N, 8), row t at step t; for the event
    task each sample's event frames (N, T, 2, s, s) (see :func:`dataset`) become time-major float32 (T, N, 2, s, s)."""
    if not config.spiking:
        return images
    if config.task == "events":
        return np.ascontiguousarray(np.asarray(images).swapaxes(0, 1), dtype=np.float32)
    if config.task == "rows":
        return np.ascontiguousarray(np.asarray(images)[:, 0].transpose(1, 0, 2))
    if config.encoder == "rate":
        return encoding.rate(images, config.num_steps, rng=rng)
    if config.encoder == "latency":
        return encoding.latency(images, config.num_steps)
    return np.ascontiguousarray(encoding.direct(images, config.num_steps))


def logits(output: Tensor, config: ClassifierConfig) -> Tensor:
    """The read-out: spike counts (sum over T), V averaged over T, V after the last step, or the ANN's output as it
    is. (N, 10)."""
    if not config.spiking:
        return output
    if config.readout == "spikes":
        return output.sum(axis=0)
    if config.readout == "final":
        return output[-1]
    return output.mean(axis=0)


def dataset(config: ClassifierConfig, split: str, seed: int = 0) -> Digits:
    """The data of ``config``'s task, ``split`` "train" or "test" of the digits' fixed split (``seed`` its seed):
    the digits at :attr:`ClassifierConfig.image_size`, or for the event task the event digits of
    :func:`~minisnn.data.event_digits` with T = ``num_steps`` (their saccades drawn with seed 0), stored
    *sample-major* (N, T, 2, 16, 16) uint8 in the ``images`` field so that mini-batches are drawn along axis 0;
    :func:`encode` makes them time-major."""
    if config.task != "events":
        return digits(split, size=config.image_size, seed=seed)
    events = event_digits(split, num_steps=config.num_steps, size=config.image_size, seed=seed)
    return Digits(np.ascontiguousarray(events.events.swapaxes(0, 1)), events.labels)
