"""minisnn's neuron models stepped on torch tensors: LIF, synaptic, alpha synapse, adaptive LIF, IF, Izhikevich.

Each class holds the model's numbers (computed by minisnn when the layer is exported: decay, gain, the synaptic
coefficients, ...) and has ``initial_state(shape, like)`` and ``step(state, current, ops, noise, learned)``. The step
is minisnn's (``minisnn/neurons/<model>.py``), the same operations in the same order, so that float64 results agree
to rounding; the tests hold the two equal. The states are dicts with minisnn's field names (``v``, ``i_syn``, ``h``,
``a``, ``u``, ``refractory``; the counters are int32 tensors).

One deliberate difference: a non-spiking neuron (threshold +inf, a read-out) is never reset, whatever its ``reset``.
minisnn computes the reset anyway, and for ``reset="subtract"`` that is u − S·∞ with S = 0: NaN gradients (and a NaN
forward when unrolled); here the forward is minisnn's (fused) one and the gradients are finite.

The shared end of every integrate-and-fire step, :func:`fire_and_reset` (minisnn's
``minisnn.neurons.base.fire_and_reset``), is written without branching on values (``torch.where`` over all neurons
where minisnn skips the work when no neuron is refractory): the same numbers and gradients, and no device sync per
step on a GPU.

``learned`` holds the layer's learnable values in force (``"decay"`` = sigmoid(decay_logit), ``"v_th"``), replacing
the model's numbers; the other coefficients stay the model's, as in minisnn's bound models.

This file imports only torch and the standard library: the exported modules run without minisnn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

State = dict[str, torch.Tensor]


class Ops:
    """What a step needs from its layer: the spike function (Heaviside forward, surrogate backward) applied to
    u − θ, and whether the reset sees the spikes detached (``detach_reset``)."""

    def __init__(self, spike_fn: Callable[[torch.Tensor], torch.Tensor], detach_reset: bool = False):
        self.spike_fn, self.detach_reset = spike_fn, bool(detach_reset)

    def spike(self, u: torch.Tensor, threshold: Any) -> torch.Tensor:
        return self.spike_fn(u - threshold)

    def for_reset(self, spikes: torch.Tensor) -> torch.Tensor:
        return spikes.detach() if self.detach_reset else spikes


def _values(x: Any) -> Any:
    return x.detach() if isinstance(x, torch.Tensor) else x


def _filled(shape: tuple[int, ...], value: float, like: torch.Tensor) -> torch.Tensor:
    return torch.full(shape, value, dtype=like.dtype, device=like.device)


class LIF:
    """Leaky integrate-and-fire: u = decay·V + gain·(I + ξ), then :func:`fire_and_reset`.

    Numbers: ``dt`` [ms], ``decay``, ``gain`` (of the model's integrator), ``v_th``, ``v_reset``, ``reset`` ("zero" |
    "subtract" | "none"), ``refractory`` ("clamp" | "freeze"), ``ref_steps``.
    """

    fields: tuple[str, ...] = ("v", "refractory")

    def __init__(self, dt: float, decay: float, gain: float, v_th: float, v_reset: float, reset: str,
                 refractory: str, ref_steps: int):  # fmt: skip
        self.dt, self.decay, self.gain = float(dt), float(decay), float(gain)
        self.v_th, self.v_reset = float(v_th), float(v_reset)
        self.reset, self.refractory, self.ref_steps = reset, refractory, int(ref_steps)

    def _rest(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        return {"v": _filled(shape, 0.0, like), "refractory": torch.zeros(shape, dtype=torch.int32, device=like.device)}

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """At rest: V = 0, no neuron refractory."""
        return self._rest(shape, like)

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        learned = learned or {}
        drive = current if noise is None else current + noise
        u = state["v"] * learned.get("decay", self.decay) + drive * self.gain
        spikes, v, refractory = fire_and_reset(self, u, state["v"], state["refractory"], ops,
                                               learned.get("v_th", self.v_th))  # fmt: skip
        return spikes, {"v": v, "refractory": refractory}


class Synaptic(LIF):
    """Current-based LIF: u = decay·V + p·I_s (+ q·I) (+ gain·ξ), I_s' = α·I_s + b·I, then :func:`fire_and_reset`.
    ``coefficients`` = (β, p, q, α, b) of the model's integrator."""

    fields = ("i_syn", "v", "refractory")

    def __init__(self, coefficients: tuple[float, ...], **lif: Any):
        super().__init__(**lif)
        _, self.p, self.q, self.alpha, self.b = (float(c) for c in coefficients)

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """At rest: I_s = V = 0, no neuron refractory."""
        return {"i_syn": _filled(shape, 0.0, like), **self._rest(shape, like)}

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        learned = learned or {}
        u = state["v"] * learned.get("decay", self.decay) + state["i_syn"] * self.p
        if self.q != 0.0:
            u = u + current * self.q
        if noise is not None:
            u = u + noise * self.gain
        i_syn = state["i_syn"] * self.alpha + current * self.b
        spikes, v, refractory = fire_and_reset(self, u, state["v"], state["refractory"], ops,
                                               learned.get("v_th", self.v_th))  # fmt: skip
        return spikes, {"i_syn": i_syn, "v": v, "refractory": refractory}


class Alpha(LIF):
    """Alpha synapse: x' = Φ x + Γ I for x = (h, I_s, V) below threshold (V's row with the learned decay), then
    :func:`fire_and_reset`. ``phi`` the 3×3 rows, ``gamma`` the 3 input gains of the model's integrator."""

    fields = ("h", "i_syn", "v", "refractory")

    def __init__(self, phi: Any, gamma: Any, **lif: Any):
        super().__init__(**lif)
        self.phi = [[float(c) for c in row] for row in phi]
        self.gamma = [float(c) for c in gamma]

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """At rest: h = I_s = V = 0, no neuron refractory."""
        return {"h": _filled(shape, 0.0, like), "i_syn": _filled(shape, 0.0, like), **self._rest(shape, like)}

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        learned = learned or {}
        phi, gamma, h, i_syn = self.phi, self.gamma, state["h"], state["i_syn"]
        u = state["v"] * learned.get("decay", self.decay) + i_syn * phi[2][1]
        if phi[2][0] != 0.0:
            u = u + h * phi[2][0]
        if gamma[2] != 0.0:
            u = u + current * gamma[2]
        if noise is not None:
            u = u + noise * self.gain
        new_i = i_syn * phi[1][1] + h * phi[1][0]
        if gamma[1] != 0.0:
            new_i = new_i + current * gamma[1]
        new_h = h * phi[0][0] + current * gamma[0]
        spikes, v, refractory = fire_and_reset(self, u, state["v"], state["refractory"], ops,
                                               learned.get("v_th", self.v_th))  # fmt: skip
        return spikes, {"h": new_h, "i_syn": new_i, "v": v, "refractory": refractory}


class ALIF(LIF):
    """Adaptive LIF: u = decay·V + gain·(I + ξ), threshold θ = v_th + b·a, :func:`fire_and_reset` with θ, then
    a' = ρ·a + S (the spikes themselves, not detached)."""

    fields = ("v", "a", "refractory")

    def __init__(self, rho: float, b: float, **lif: Any):
        super().__init__(**lif)
        self.rho, self.b = float(rho), float(b)

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """At rest: V = a = 0, no neuron refractory."""
        rest = self._rest(shape, like)
        return {"v": rest["v"], "a": _filled(shape, 0.0, like), "refractory": rest["refractory"]}

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        learned = learned or {}
        drive = current if noise is None else current + noise
        u = state["v"] * learned.get("decay", self.decay) + drive * self.gain
        threshold = learned.get("v_th", self.v_th) + state["a"] * self.b
        spikes, v, refractory = fire_and_reset(self, u, state["v"], state["refractory"], ops, threshold)
        a = state["a"] * self.rho + spikes
        return spikes, {"v": v, "a": a, "refractory": refractory}


class IF(LIF):
    """Integrate-and-fire without leak: u = V + gain·(I + ξ), then :func:`fire_and_reset` (no refractoriness); at
    rest V = ``v_init``."""

    fields = ("v",)

    def __init__(self, dt: float, gain: float, v_th: float, v_reset: float, reset: str, v_init: float):
        super().__init__(dt, 1.0, gain, v_th, v_reset, reset, "clamp", 0)
        self.v_init = float(v_init)

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """V = ``v_init`` everywhere."""
        return {"v": _filled(shape, self.v_init, like)}

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        drive = current if noise is None else current + noise
        u = state["v"] + drive * self.gain
        spikes, v, _ = fire_and_reset(self, u, state["v"], None, ops, self.v_th)
        return spikes, {"v": v}


class Izhikevich:
    """Izhikevich's model, one Euler step from the values at the start of the step:
    v' = v + (0.04 v² + 5 v + 140 − u + I + ξ)·dt, u' = u + (b v − u)·a·dt; S = H(v' − v_peak);
    v' ← c where S, u' ← u' + d·S."""

    fields: tuple[str, ...] = ("v", "u")

    def __init__(self, a: float, b: float, c: float, d: float, dt: float, v_peak: float, v_init: float):
        self.a, self.b, self.c, self.d = float(a), float(b), float(c), float(d)
        self.dt, self.v_peak, self.v_init = float(dt), float(v_peak), float(v_init)

    def initial_state(self, shape: tuple[int, ...], like: torch.Tensor) -> State:
        """At rest: v = v_init, u = b·v_init."""
        return {"v": _filled(shape, self.v_init, like), "u": _filled(shape, self.b * self.v_init, like)}

    def step(self, state: State, current: torch.Tensor, ops: Ops, noise: torch.Tensor | None = None,
             learned: dict[str, Any] | None = None) -> tuple[torch.Tensor, State]:  # fmt: skip
        drive = current if noise is None else current + noise
        v, u = state["v"], state["u"]
        v_new = v + (v * v * 0.04 + v * 5.0 + 140.0 - u + drive) * self.dt
        u_new = u + (v * self.b - u) * (self.a * self.dt)
        spikes = ops.spike(v_new, self.v_peak)
        reset = ops.for_reset(spikes)
        v_new = reset * self.c + (1.0 - reset) * v_new
        u_new = u_new + reset * self.d
        return spikes, {"v": v_new, "u": u_new}


def fire_and_reset(model: LIF, u: torch.Tensor, v_prev: torch.Tensor, refractory: torch.Tensor | None, ops: Ops,
                   threshold: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:  # fmt: skip
    """The end of a step of every integrate-and-fire model, after the integration gave ``u`` (minisnn's order):

    1. refractory neurons (counter > 0): u ← v_reset ("clamp") or u ← V of the step before ("freeze");
    2. spike S = H(u − θ) (surrogate gradient), S = 0 for refractory neurons;
    3. reset: "zero" V = S·v_reset + (1 − S)·u; "subtract" V = S·(u − (θ − v_reset)) + (1 − S)·u; "none" V = u
       (S detached here with ``detach_reset``; no reset at all for a threshold of +inf: module docstring);
    4. counters of refractory neurons count down; neurons with u ≥ θ (on the values) become refractory for
       ``ref_steps`` steps.

    Returns (S, V, counters).
    """
    p = model
    held = None
    if p.ref_steps > 0:
        held = refractory > 0
        u = torch.where(held, p.v_reset if p.refractory == "clamp" else v_prev, u)
    spikes = ops.spike(u, threshold)
    if held is not None:
        spikes = torch.where(held, 0.0, spikes)
    never = isinstance(threshold, float) and threshold == math.inf
    if p.reset == "zero" and not never:
        s = ops.for_reset(spikes)
        v = s * p.v_reset + (1.0 - s) * u
    elif p.reset == "subtract" and not never:
        s = ops.for_reset(spikes)
        v = s * (u - (threshold - p.v_reset)) + (1.0 - s) * u
    else:
        v = u
    if held is not None:
        fired = (_values(u) >= _values(threshold)) & ~held
        refractory = torch.where(held, refractory - 1, refractory)
        refractory = torch.where(fired, p.ref_steps, refractory).to(torch.int32)
    return spikes, v, refractory
