"""Pair-based spike-timing-dependent plasticity (STDP) with traces (Bi & Poo 1998; Song, Miller & Abbott 2000;
Gerstner et al., *Neuronal Dynamics*, ch. 19).

**The learning window.** A pair of spikes, pre at t_pre and post at t_post, Δt = t_post - t_pre, changes the weight by::

    W(Δt) =  A₊ · exp(-Δt/τ₊)    for Δt > 0   (pre before post: potentiation)
    W(Δt) = -A₋ · exp( Δt/τ₋)    for Δt < 0   (post before pre: depression)
    W(0)  =  0                                (coincident spikes do not pair in this simulator)

and with all-to-all pairing the changes of all pairs add: Δw = Σ_pre Σ_post W(t_post - t_pre).

**Online with traces** (:mod:`.traces`). Each synapse needs only a presynaptic trace x_pre (τ₊) and a postsynaptic
trace x_post (τ₋). One step of dt, in this order:

1. decay both traces: x ← a·x  (a = exp(-dt/τ), or 1 - dt/τ with Euler traces);
2. read them: at a post spike  w += A₊·(x_pre - x_tar);  at a pre spike  w -= A₋·x_post;
3. add this step's spikes to the traces (x ← x + s, or x ← 1 with nearest-spike pairing).

A pre spike at step i leaves x_pre = 1 after step i; at a post spike k steps later step 1 has decayed it to a^k, so
the change is A₊·a^k = W(k·dt) exactly with exact traces (and A₊(1 - dt/τ₊)^k, an O(dt) error, with Euler traces).
Reading before adding (step 2 before 3) is what makes W(0) = 0.

Options: ``x_target`` is Diehl & Cook's offset (potentiation A₊(x_pre - x_tar): inputs that were silent lose weight at
each post spike); ``bounds`` "hard" clips w to [w_min, w_max] after each step, "soft" multiplies the post-spike term
by (w_max - w) and the depression by (w - w_min) (weight-dependent, "multiplicative" STDP: w approaches the bounds
exponentially) and then clips as "hard" does (one step with A·x > 1, or a negative post-spike term from the offset,
would otherwise overshoot a bound), "none" leaves w unbounded (the pure additive rule of the window above).
Shapes: w (n_pre, n_post); pre spikes/traces (n_pre,); post spikes/traces (n_post,).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from minisnn.plasticity.traces import PAIRINGS, TRACE_METHODS, check_choice, check_number, trace_decay, update_trace

BOUNDS = ("hard", "soft", "none")


class STDPState(NamedTuple):
    """The traces: x_pre (n_pre,), x_post (n_post,)."""

    x_pre: np.ndarray
    x_post: np.ndarray


@dataclass(frozen=True)
class STDPParams:
    """Pair-based STDP (see the module docstring). Times in ms; A₊, A₋ in weight units per pair."""

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    dt: float = 1.0
    pairing: str = "all"
    trace: str = "exact"
    bounds: str = "hard"
    w_min: float = 0.0
    w_max: float = 1.0
    x_target: float = 0.0

    def __post_init__(self) -> None:
        for name in ("a_plus", "a_minus", "x_target"):
            check_number(name, getattr(self, name))
        for name in ("tau_plus", "tau_minus", "dt"):
            check_number(name, getattr(self, name), positive=True)
        check_choice("pairing", self.pairing, PAIRINGS)
        check_choice("trace", self.trace, TRACE_METHODS)
        check_choice("bounds", self.bounds, BOUNDS)
        for name in ("w_min", "w_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{name} must be a number, got {type(value).__name__}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if self.bounds != "none" and not self.w_min < self.w_max:
            raise ValueError(f"need w_min < w_max, got w_min={self.w_min!r}, w_max={self.w_max!r}")
        trace_decay(self.dt, self.tau_plus, self.trace)  # Euler needs dt ≤ τ: fail here, not mid-run
        trace_decay(self.dt, self.tau_minus, self.trace)

    @property
    def decay_pre(self) -> float:
        """a₊: the presynaptic trace's factor per step."""
        return trace_decay(self.dt, self.tau_plus, self.trace)

    @property
    def decay_post(self) -> float:
        """a₋: the postsynaptic trace's factor per step."""
        return trace_decay(self.dt, self.tau_minus, self.trace)

    def initial_state(self, n_pre: int, n_post: int) -> STDPState:
        """Both traces at zero."""
        for name, n in (("n_pre", n_pre), ("n_post", n_post)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{name} must be an int ≥ 1, got {n!r}")
        return STDPState(np.zeros(int(n_pre)), np.zeros(int(n_post)))

    def step(self, w: np.ndarray, state: STDPState, pre: np.ndarray, post: np.ndarray) -> STDPState:
        """One step (decay, read, add -- the module docstring's order): updates ``w`` (n_pre, n_post) in place and
        returns the new traces. ``pre`` (n_pre,) and ``post`` (n_post,) are this step's spikes (0/1)."""
        x_pre = state.x_pre * self.decay_pre
        x_post = state.x_post * self.decay_post
        fired = np.flatnonzero(post)
        if fired.size:  # potentiation: the columns of the neurons that fired
            dw = self.a_plus * (x_pre - self.x_target)[:, None] * np.ones((1, fired.size))
            if self.bounds == "soft":
                dw *= self.w_max - w[:, fired]
            w[:, fired] += dw
        arrived = np.flatnonzero(pre)
        if arrived.size:  # depression: the rows of the inputs that spiked
            dw = self.a_minus * np.ones((arrived.size, 1)) * x_post[None, :]
            if self.bounds == "soft":
                dw *= w[arrived] - self.w_min
            w[arrived] -= dw
        if self.bounds != "none" and (fired.size or arrived.size):
            np.clip(w, self.w_min, self.w_max, out=w)
        update_trace(x_pre, pre, 1.0, self.pairing)
        update_trace(x_post, post, 1.0, self.pairing)
        return STDPState(x_pre, x_post)


def learning_window(delta_t: Any, params: STDPParams) -> np.ndarray:
    """The closed-form window W(Δt), Δt = t_post - t_pre [ms] (any shape): A₊e^{-Δt/τ₊} (Δt > 0),
    -A₋e^{Δt/τ₋} (Δt < 0), 0 at Δt = 0."""
    d = np.asarray(delta_t, dtype=np.float64)
    ltp = params.a_plus * np.exp(-np.abs(d) / params.tau_plus)
    ltd = -params.a_minus * np.exp(-np.abs(d) / params.tau_minus)
    return np.where(d > 0, ltp, np.where(d < 0, ltd, 0.0))


def _spike_trains(pre: Any, post: Any) -> tuple[np.ndarray, np.ndarray]:
    pre, post = np.asarray(pre, dtype=np.float64), np.asarray(post, dtype=np.float64)
    if pre.ndim != 2 or post.ndim != 2 or pre.shape[0] != post.shape[0]:
        raise ValueError(
            f"pre and post must be spike trains (T, n_pre) and (T, n_post) of the same T, got {pre.shape} and "
            f"{post.shape}"
        )
    if not (np.isin(pre, (0, 1)).all() and np.isin(post, (0, 1)).all()):
        raise ValueError("pre and post must hold spikes: 0 or 1 at every step")
    return pre, post


def run_stdp(w: Any, pre: Any, post: Any, params: STDPParams) -> np.ndarray:
    """Apply the online rule over spike trains pre (T, n_pre) and post (T, n_post) (post spikes given, not simulated:
    the rule alone); returns the final weights (n_pre, n_post), float64 (``w`` is not modified)."""
    pre, post = _spike_trains(pre, post)
    w = np.array(w, dtype=np.float64)
    if w.shape != (pre.shape[1], post.shape[1]):
        raise ValueError(f"w must have shape (n_pre, n_post) = {(pre.shape[1], post.shape[1])}, got {w.shape}")
    state = params.initial_state(pre.shape[1], post.shape[1])
    for t in range(pre.shape[0]):
        state = params.step(w, state, pre[t], post[t])
    return w


def pair_sum_reference(pre_times: Any, post_times: Any, params: STDPParams) -> float:
    """The test oracle, one synapse, no bounds: Δw summed over spike pairs with the closed-form window, in loops.

    "all": every (pre, post) pair. "nearest": each post spike pairs with the latest pre spike before it and each pre
    spike with the latest post spike before it. Spike times in ms (on the simulator's grid for a comparison)."""
    total = 0.0
    pre, post = sorted(float(t) for t in pre_times), sorted(float(t) for t in post_times)
    if params.pairing == "all":
        for tp in pre:
            for tq in post:
                total += float(learning_window(tq - tp, params))
        return total
    for tq in post:
        earlier = [tp for tp in pre if tp < tq]
        if earlier:
            total += float(learning_window(tq - earlier[-1], params))
    for tp in pre:
        earlier = [tq for tq in post if tq < tp]
        if earlier:
            total += float(learning_window(earlier[-1] - tp, params))
    return total
