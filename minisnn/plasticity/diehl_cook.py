"""Unsupervised feature learning with STDP in the style of Diehl & Cook (2015), scaled to the 8×8 digits.

The network, one image at a time (no labels anywhere in learning):

* input: each pixel x ∈ [0, 1] a Bernoulli/Poisson spike train, p = x·f_max·dt per step
  (:func:`minisnn.encoding.rate`), T steps per image;
* an excitatory layer of N LIF neurons (decay a = exp(-dt/τ_v) from :class:`~minisnn.neurons.LIFParams`): each input
  spike delivers its weight as a jump of V, V ← a·V + Σ_i s_i w_ij; a neuron may fire when V ≥ v_th + θ_j;
* lateral inhibition as a hard winner-take-all (:func:`~.competition.winner_take_all`, k winners): after any spike
  every V in the layer is reset to 0 -- the inhibitory population of the paper at its strong limit;
* adaptive thresholds θ (:mod:`.competition`): +θ₊ per spike, decaying with τ_θ; learned in training, frozen after;
* STDP on the input→excitatory weights (:class:`~.stdp.STDPParams`; Diehl & Cook's rule: at a post spike
  Δw = η₊(x_pre - x_tar)(w_max - w), at a pre spike Δw = -η₋·x_post·(w - w_min));
* after each training image every neuron's incoming weights are rescaled to sum to ``weight_sum`` (the paper's
  normalisation: a neuron can only grow some weights by shrinking others).

Between images every V and trace is reset (the paper lets them decay for 150 ms instead). The paper's rule of
repeating an image with a stronger input when fewer than 5 spikes occurred is not used. After training the weights
and thresholds are frozen and :meth:`DiehlCookNetwork.run` returns each neuron's spike count per image (N features);
a read-out (:mod:`.readout`) or the paper's vote (:func:`assign_labels`, :func:`vote`) turns them into classes.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minisnn.encoding import rate
from minisnn.neurons import LIFParams
from minisnn.plasticity.competition import threshold_decay, update_threshold, winner_take_all
from minisnn.plasticity.stdp import STDPParams


def _default_stdp() -> STDPParams:
    return STDPParams(a_plus=0.01, a_minus=1e-4, tau_plus=20.0, tau_minus=20.0, bounds="soft", x_target=0.2)


@dataclass(frozen=True)
class DiehlCookConfig:
    """Every choice of the network (times in ms, rates in Hz); the defaults are the benchmark's."""

    n_neurons: int = 400
    num_steps: int = 100
    dt: float = 1.0
    f_max: float = 200.0
    tau_v: float = 20.0
    v_th: float = 1.0
    theta_plus: float = 0.05
    tau_theta: float = 1e5
    winners: int = 1
    weight_sum: float = 6.4
    w_init_max: float = 0.3
    epochs: int = 1
    stdp: STDPParams = field(default_factory=_default_stdp)

    def __post_init__(self) -> None:
        for name in ("n_neurons", "num_steps", "winners", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an int ≥ 1, got {value!r}")
        for name in ("dt", "f_max", "tau_v", "v_th", "tau_theta", "weight_sum", "w_init_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a number > 0, got {value!r}")
        if isinstance(self.theta_plus, bool) or not self.theta_plus >= 0:
            raise ValueError(f"theta_plus must be a number ≥ 0, got {self.theta_plus!r}")
        if self.f_max * self.dt / 1000 > 1:
            raise ValueError(f"f_max·dt must be ≤ 1000 (a probability ≤ 1 per step), got {self.f_max}·{self.dt}")
        if not isinstance(self.stdp, STDPParams):
            raise TypeError(f"stdp must be an STDPParams, got {type(self.stdp).__name__}")
        if self.stdp.dt != self.dt:
            raise ValueError(f"stdp.dt ({self.stdp.dt}) must equal dt ({self.dt})")

    @property
    def neuron(self) -> LIFParams:
        """The excitatory neuron's membrane: τ_v = R·C with R = 1 (only its decay per step is used)."""
        return LIFParams(R=1.0, C=self.tau_v, dt=self.dt, v_th=self.v_th)

    def replace(self, **changes: Any) -> DiehlCookConfig:
        """A copy with ``changes`` (field names and values), checked like a new config."""
        return dataclasses.replace(self, **changes)


def _images(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"images must be a batch (B, ...) of intensities in [0, 1], got shape {x.shape}")
    return x.reshape(len(x), -1)


class DiehlCookNetwork:
    """The network's learned state: weights ``w`` (n_inputs, N) and thresholds ``theta`` (N,)."""

    def __init__(
        self, n_inputs: int, config: DiehlCookConfig | None = None, rng: np.random.Generator | int | None = None
    ):
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
            raise ValueError(f"n_inputs must be an int ≥ 1, got {n_inputs!r}")
        self.config = config or DiehlCookConfig()
        rng = np.random.default_rng(rng)
        self.w = rng.uniform(0.0, self.config.w_init_max, (int(n_inputs), self.config.n_neurons))
        self.normalise()
        self.theta = np.zeros(self.config.n_neurons)

    @property
    def n_inputs(self) -> int:
        """The number of input pixels (rows of ``w``)."""
        return self.w.shape[0]

    def normalise(self) -> None:
        """Rescale each neuron's incoming weights (a column of w) to sum to ``weight_sum``."""
        self.w *= self.config.weight_sum / np.maximum(self.w.sum(axis=0, keepdims=True), 1e-12)

    def _check(self, x: np.ndarray) -> None:
        if x.shape[1] != self.n_inputs:
            raise ValueError(f"images must have {self.n_inputs} pixels each, got {x.shape[1]}")
        if x.size and (x.min() < 0 or x.max() > 1):
            raise ValueError(f"images must lie in [0, 1], got min {x.min():g}, max {x.max():g}")

    def train(self, images: Any, rng: np.random.Generator | int | None = None) -> dict[str, Any]:
        """STDP over ``images`` (B, ...) for ``config.epochs`` epochs, one image at a time in a seeded random order.

        Returns statistics: ``spikes_per_image`` (B·epochs,), ``wins`` (N,) spikes per neuron, ``seconds``."""
        c = self.config
        x = _images(images)
        self._check(x)
        rng = np.random.default_rng(rng)
        a_v, a_theta = c.neuron.beta_exact, threshold_decay(c.dt, c.tau_theta)
        spikes_per_image, wins, start = [], np.zeros(c.n_neurons), time.perf_counter()
        for _ in range(c.epochs):
            for index in rng.permutation(len(x)):
                inputs = rate(x[index], c.num_steps, rng=rng, f_max=c.f_max, dt=c.dt)
                v, state, count = np.zeros(c.n_neurons), c.stdp.initial_state(self.n_inputs, c.n_neurons), 0.0
                for t in range(c.num_steps):
                    v = a_v * v + inputs[t] @ self.w
                    post = winner_take_all(v - c.v_th - self.theta, c.winners)
                    if post.any():
                        v[:] = 0.0  # lateral inhibition: the whole layer is reset
                    update_threshold(self.theta, post, c.theta_plus, a_theta)
                    state = c.stdp.step(self.w, state, inputs[t], post)
                    count += post.sum()
                    wins += post
                self.normalise()
                spikes_per_image.append(count)
        return {"spikes_per_image": np.array(spikes_per_image), "wins": wins, "seconds": time.perf_counter() - start}

    def run(self, images: Any, rng: np.random.Generator | int | None = None, batch_size: int = 256) -> np.ndarray:
        """The frozen network's spike counts (B, N) (float64): the features. Weights and thresholds do not change;
        images run in batches (vectorised over images, the input currents of all T steps in one product)."""
        c = self.config
        x = _images(images)
        self._check(x)
        rng = np.random.default_rng(rng)
        counts = np.zeros((len(x), c.n_neurons))
        a_v = c.neuron.beta_exact
        for begin in range(0, len(x), batch_size):
            chunk = x[begin : begin + batch_size]
            currents = rate(chunk, c.num_steps, rng=rng, f_max=c.f_max, dt=c.dt) @ self.w  # (T, b, N)
            v = np.zeros((len(chunk), c.n_neurons))
            for t in range(c.num_steps):
                v = a_v * v + currents[t]
                post = winner_take_all(v - c.v_th - self.theta, c.winners)
                v *= 1.0 - post.any(axis=1, keepdims=True)
                counts[begin : begin + batch_size] += post
        return counts

    def receptive_fields(self, shape: tuple[int, int] = (8, 8)) -> np.ndarray:
        """The weights as images (N, h, w) for ``shape`` = (h, w): what each neuron has learned to respond to."""
        if int(np.prod(shape)) != self.n_inputs:
            raise ValueError(f"shape must hold {self.n_inputs} pixels, got {shape}")
        return self.w.T.reshape(self.config.n_neurons, *shape)


def assign_labels(counts: Any, labels: Any, num_classes: int = 10) -> np.ndarray:
    """Diehl & Cook's labelling (uses the training labels): each neuron gets the class for which its mean spike count
    over that class's training images is highest (ties to the lower class). counts (B, N), labels (B,) → (N,)."""
    counts, labels = np.asarray(counts, dtype=np.float64), np.asarray(labels)
    if counts.ndim != 2 or labels.shape != (counts.shape[0],):
        raise ValueError(f"counts (B, N) and labels (B,) must match, got {counts.shape} and {labels.shape}")
    means = np.stack([counts[labels == k].mean(0) if np.any(labels == k) else np.zeros(counts.shape[1])
                      for k in range(num_classes)])  # fmt: skip
    return means.argmax(axis=0)


def vote(counts: Any, assignment: Any, num_classes: int = 10) -> np.ndarray:
    """The paper's vote: per image, the class whose assigned neurons have the highest mean spike count (B,)."""
    counts, assignment = np.asarray(counts, dtype=np.float64), np.asarray(assignment)
    if counts.ndim != 2 or assignment.shape != (counts.shape[1],):
        raise ValueError(f"counts (B, N) and assignment (N,) must match, got {counts.shape} and {assignment.shape}")
    scores = np.stack([counts[:, assignment == k].mean(1) if np.any(assignment == k) else np.full(len(counts), -1.0)
                       for k in range(num_classes)], axis=1)  # fmt: skip
    return scores.argmax(axis=1)
