"""The regression networks: a population-coded value in, a continuous value out of a non-spiking read-out.

    x ∈ [−1, 1] ──population_encode──> spikes (T, N, M) ──Linear(M, H)──> LIF (H) ──Linear(H, 1)──> leaky integrator
                                                                                     (v_th = inf) ──> V (T, N, 1)

The prediction ŷ is the read-out's membrane potential averaged over the T steps (``readout="mean"``) or after the
last step (``"final"``). The read-out never spikes, so ŷ is any real number: a smooth function of the input weights
(through the hidden layer's spikes, with surrogate gradients) -- the SNN's way of answering "how much" rather than
"which class". The hidden neurons: LIF with τ = ``tau`` ms, dt = 1 ms, threshold 1, reset by subtraction, each input
spike adding its weight to V (C = 1, R = τ); the read-out: a leaky integrator with τ = ``tau_readout`` ms and
R = 1 (C = τ), so a constant current I brings V to I.

The non-spiking twin (``spiking=False``) has the same sizes: Linear(M, H) → ReLU → Linear(H, 1) on the **same
spikes**, counted over the T steps (n_j/T): the same information, no time, no threshold.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from minisnn import nn, population
from minisnn.neurons import LIFParams
from minisnn.surrogate import get as get_surrogate
from minisnn.tensor import Tensor

READOUTS = ("mean", "final")
#: Target functions y = g(x) on [−1, 1]: name → (g, formula).
TARGETS: dict[str, tuple[Any, str]] = {
    "sin": (lambda x: np.sin(np.pi * x), "sin(πx)"),
    "bump": (lambda x: np.exp(-(x**2) / (2 * 0.3**2)), "exp(−x²/(2·0.3²))"),
    "abs": (lambda x: np.abs(x), "|x|"),
}
VALUE_RANGE = (-1.0, 1.0)


@dataclass(frozen=True)
class RegressionConfig:
    """Everything that defines a regression network (saved in checkpoints).

    ``num_neurons`` M (>= 2) of the input population, ``width`` its tuning width σ (None: the centres' spacing),
    ``f_max`` its peak rate [Hz] (dt = 1 ms); ``num_steps`` T; ``hidden`` H; ``spiking`` False builds the twin;
    ``tau`` the hidden LIF's and ``tau_readout`` the read-out's time constant [ms]; ``readout`` "mean" | "final";
    ``target`` a key of :data:`TARGETS`; ``surrogate`` name and parameter.
    """

    num_neurons: int = 16
    num_steps: int = 25
    hidden: int = 64
    spiking: bool = True
    width: float | None = None
    f_max: float = 200.0
    tau: float = 5.0
    tau_readout: float = 5.0
    readout: str = "mean"
    target: str = "sin"
    surrogate: tuple[str, float] = ("fast_sigmoid", 10.0)

    def __post_init__(self) -> None:
        for name, minimum in (("num_neurons", 2), ("num_steps", 1), ("hidden", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ValueError(f"regression: {name} must be an int >= {minimum}, got {value!r}")
        if not isinstance(self.spiking, (bool, np.bool_)):
            raise ValueError(f"regression: spiking must be True or False, got {self.spiking!r}")
        object.__setattr__(self, "spiking", bool(self.spiking))
        if self.readout not in READOUTS:
            raise ValueError(f"regression: readout must be one of {READOUTS}, got {self.readout!r}")
        if self.target not in TARGETS:
            raise ValueError(f"regression: target must be one of {tuple(TARGETS)}, got {self.target!r}")
        for name in ("tau", "tau_readout"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 1.0):
                raise ValueError(f"regression: {name} must be > 1 ms (dt = 1 ms), got {getattr(self, name)!r}")
        population.gaussian_tuning(0.0, [0.0], self.sigma, f_max=self.f_max)  # checks width and f_max
        object.__setattr__(self, "surrogate", (str(self.surrogate[0]), float(self.surrogate[1])))

    @property
    def sigma(self) -> float:
        """The tuning width σ in use."""
        return population.default_width(self.num_neurons, VALUE_RANGE) if self.width is None else self.width

    @property
    def neuron(self) -> LIFParams:
        return LIFParams(R=self.tau, C=1.0, dt=1.0, reset="subtract")

    @property
    def readout_neuron(self) -> LIFParams:
        return LIFParams(R=1.0, C=self.tau_readout, dt=1.0, v_th=math.inf)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["surrogate"] = list(self.surrogate)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RegressionConfig:
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"regression config: unknown keys {unknown}")
        return cls(**{k: tuple(v) if k == "surrogate" else v for k, v in d.items()})


def target(x: Any, name: str = "sin") -> np.ndarray:
    """y = g(x) for the target ``name`` (:data:`TARGETS`), float64 of x's shape."""
    if name not in TARGETS:
        raise ValueError(f"target must be one of {tuple(TARGETS)}, got {name!r}")
    return TARGETS[name][0](np.asarray(x, dtype=np.float64))


def build(config: RegressionConfig, rng: np.random.Generator | int | None = None) -> nn.Sequential:
    """The network of ``config`` (module docstring), weights seeded by ``rng``."""
    rng = np.random.default_rng(rng)
    c = config
    first, last = nn.Linear(c.num_neurons, c.hidden, rng=rng), nn.Linear(c.hidden, 1, rng=rng)
    if not c.spiking:
        return nn.Sequential(first, nn.ReLU(), last)
    surrogate = get_surrogate(*c.surrogate)
    return nn.Sequential(
        first, nn.LIF(c.neuron, surrogate=surrogate), last, nn.LIF(c.readout_neuron, surrogate=surrogate,
                                                                    output="membrane"),
    )  # fmt: skip


def population_spikes(x: Any, config: RegressionConfig, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Values (N,) in [−1, 1] → the population's Bernoulli spikes (T, N, M), float32
    (:func:`~minisnn.population.population_encode` with the tuning of ``config``). The same ``rng`` gives the same
    spikes for the SNN, its twin and the baselines."""
    return population.population_encode(
        np.asarray(x, dtype=np.float64), config.num_neurons, config.num_steps, VALUE_RANGE, config.sigma,
        f_max=config.f_max, rng=rng,
    )  # fmt: skip


def encode(x: Any, config: RegressionConfig, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Values (N,) in [−1, 1] → the network's input: population spikes (T, N, M) for the SNN, their counts over the
    T steps divided by T, (N, M), for the twin. float32."""
    spikes = population_spikes(x, config, rng)
    return spikes if config.spiking else spikes.mean(axis=0)


def prediction(output: Tensor, config: RegressionConfig) -> Tensor:
    """The read-out (N,): V averaged over T or V after the last step; the twin's output as it is."""
    if config.spiking:
        output = output.mean(axis=0) if config.readout == "mean" else output[-1]
    return output.reshape(-1)
