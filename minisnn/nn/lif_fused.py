"""Spiking neurons over T steps as ONE differentiable op, with backpropagation through time written by hand.

:func:`minisnn.nn.lif.unroll` builds the same computation from primitive Tensor ops (≈ 10 graph nodes per step);
it is the readable reference and the test oracle. Here the time loop runs in plain NumPy, calling the neuron's
own ``step`` (so the update order is still written in one place, :mod:`minisnn.neuron`), and keeps only the
pre-reset potentials uₙ (and which neurons were refractory) for backward: the same numbers, faster and leaner.

Both neuron models are linear below threshold. Per step n = 1 … T (θ = v_th, v_r = v_reset; ``coefficients``)::

    uₙ   = β·vₙ₋₁ + p·iₙ₋₁ + q·Iₙ + gain·ξₙ      (LIF: p = 0, q = gain, no iₙ)
    iₙ   = α·iₙ₋₁ + b·Iₙ                          (the synaptic current; it integrates even while refractory)
    refractory neurons: uₙ = v_r ("clamp") or uₙ = vₙ₋₁ ("freeze"), and sₙ = 0
    sₙ   = H(uₙ − θ)
    vₙ   = uₙ(1 − sₙ) + v_r·sₙ  |  uₙ − sₙ(θ − v_r)  |  uₙ        (reset "zero" | "subtract" | "none")

Backward (BPTT), from n = T down to 1, with ∂sₙ/∂uₙ := σ'(uₙ − θ) (the surrogate; 0 for refractory neurons),
δvₙ = ∂L/∂vₙ and δiₙ = ∂L/∂iₙ arriving from step n + 1::

    ∂L/∂uₙ = δvₙ·∂vₙ/∂uₙ + (∂L/∂sₙ + δvₙ·∂vₙ/∂sₙ)·σ'(uₙ − θ)
        zero:     ∂vₙ/∂uₙ = 1 − sₙ,  ∂vₙ/∂sₙ = v_r − uₙ
        subtract: ∂vₙ/∂uₙ = 1,       ∂vₙ/∂sₙ = −(θ − v_r)
        none:     ∂vₙ/∂uₙ = 1,       ∂vₙ/∂sₙ = 0            (∂vₙ/∂sₙ = 0 with detach_reset)
    integrating neurons:  δvₙ₋₁ = β·∂L/∂uₙ,   δiₙ₋₁ = p·∂L/∂uₙ + α·δiₙ,   ∂L/∂Iₙ = q·∂L/∂uₙ + b·δiₙ
    refractory, freeze:   δvₙ₋₁ = ∂L/∂uₙ,     δiₙ₋₁ = α·δiₙ,               ∂L/∂Iₙ = b·δiₙ
    refractory, clamp:    δvₙ₋₁ = 0,          δiₙ₋₁ = α·δiₙ,               ∂L/∂Iₙ = b·δiₙ
    (∂L/∂Iₙ summed over n for a constant current)

Outputs: "rate" → mean over n of sₙ (so ∂L/∂sₙ = ∂L/∂rate / T), "spikes" → (T, …) stack of sₙ, "v_final" → v_T
(then ∂L/∂sₙ = 0 and δv_T = ∂L/∂v_T), "v_trace" → (T, …) stack of vₙ (δvₙ gets ∂L/∂vₙ added at each step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn.neuron import NUMPY_OPS, LIFParams
from minisnn.noise import Noise
from minisnn.synaptic import SynapticParams
from minisnn.tensor import Function, Tensor

MODES = ("rate", "spikes", "v_final", "v_trace")


def coefficients(neuron: LIFParams) -> tuple[float, float, float, float, float]:
    """(β, p, q, α, b) of the neuron's step (see the module docstring); LIF: (decay, 0, gain, 0, 0)."""
    if isinstance(neuron, SynapticParams):
        return neuron.coefficients()
    return neuron.decay, 0.0, neuron.gain, 0.0, 0.0


class SpikingFunction(Function):
    """Neurons over T steps, current → rate | spikes | v_final | v_trace, in one op. See the module docstring."""

    def forward(
        self,
        current: np.ndarray,
        *,
        neuron: LIFParams,
        derivative: Callable[[np.ndarray], np.ndarray],
        num_steps: int,
        constant: bool,
        noise: Noise | None,
        rng: np.random.Generator,
        detach_reset: bool,
        output: str,
        final_state: list[Any],
    ) -> np.ndarray:
        steps = num_steps if constant else current.shape[0]
        shape = current.shape if constant else current.shape[1:]
        dtype = current.dtype
        refractory = neuron.ref_steps > 0

        state = neuron.initial_state(shape, dtype)
        noise_state = None if noise is None else noise.initial_state(rng, shape, dtype, neuron.dt)
        pre_reset = np.empty((steps, *shape), dtype)  # uₙ, all backward needs (with the held masks)
        held_steps = np.zeros((steps, *shape), bool) if refractory else None
        spikes = np.empty((steps, *shape), dtype) if output == "spikes" else None
        trace = np.empty((steps, *shape), dtype) if output == "v_trace" else None
        count = np.zeros(shape, dtype) if output == "rate" else None
        for n in range(steps):
            xi = None
            if noise is not None:
                noise_state, xi = noise.sample(noise_state, rng, neuron.dt)
            if refractory:
                held_steps[n] = state.refractory > 0
            state, s, u = neuron.step(state, current if constant else current[n], NUMPY_OPS, noise=xi)
            pre_reset[n] = u
            if spikes is not None:
                spikes[n] = s
            if count is not None:
                count += s
            if trace is not None:
                trace[n] = state.v

        self.save_for_backward(pre_reset, held_steps)
        self.neuron, self.derivative, self.steps, self.shape = neuron, derivative, steps, shape
        self.constant, self.detach_reset, self.output = constant, detach_reset, output
        final_state.append(state)
        if output == "rate":
            return count / dtype.type(steps)
        if output == "spikes":
            return spikes
        if output == "v_trace":
            return trace
        return np.asarray(state.v)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        pre_reset, held_steps = self.saved_tensors
        neuron, output, dtype = self.neuron, self.output, grad.dtype
        theta, v_reset = neuron.v_th, neuron.v_reset
        beta, p, q, alpha, b = (dtype.type(c) for c in coefficients(neuron))
        synaptic = isinstance(neuron, SynapticParams)
        freeze = neuron.refractory == "freeze"
        delta_v = grad.copy() if output == "v_final" else np.zeros(self.shape, dtype)
        delta_i = np.zeros(self.shape, dtype) if synaptic else None
        grad_current = np.zeros(self.shape if self.constant else (self.steps, *self.shape), dtype)
        grad_rate = grad / dtype.type(self.steps) if output == "rate" else None  # ∂L/∂sₙ, the same every step
        for n in reversed(range(self.steps)):
            u = pre_reset[n]
            held = held_steps[n] if held_steps is not None else None
            if output == "v_trace":
                delta_v = delta_v + grad[n]
            s = u >= theta
            if held is not None:
                s &= ~held
            grad_s = grad_rate if output == "rate" else grad[n] if output == "spikes" else 0.0
            if neuron.reset == "zero":
                grad_u = delta_v * ~s
                if not self.detach_reset:
                    grad_s = grad_s + delta_v * (v_reset - u)
            else:
                grad_u = delta_v.copy()
                if neuron.reset == "subtract" and not self.detach_reset:
                    grad_s = grad_s - delta_v * dtype.type(theta - v_reset)
            surrogate = grad_s * self.derivative(u - theta)
            if held is not None:
                surrogate[held] = 0
            grad_u += surrogate
            # what flows through the integration uₙ = β·vₙ₋₁ + p·iₙ₋₁ + q·Iₙ (not for refractory neurons)
            through = grad_u if held is None else np.where(held, dtype.type(0), grad_u)
            drive = through * q  # ∂L/∂Iₙ
            if synaptic:
                drive += delta_i * b
                delta_i = delta_i * alpha + through * p
            delta_v = through * beta
            if held is not None and freeze:  # a frozen neuron's uₙ is vₙ₋₁
                delta_v = np.where(held, grad_u, delta_v)
            if self.constant:
                grad_current += drive
            else:
                grad_current[n] = drive
        return grad_current


def spiking_fused(
    current: Tensor,
    neuron: LIFParams,
    derivative: Callable[[np.ndarray], np.ndarray],
    num_steps: int,
    constant: bool,
    output: str = "rate",
    noise: Noise | None = None,
    rng: np.random.Generator | None = None,
    detach_reset: bool = False,
) -> tuple[Tensor, Any]:
    """Run neurons fed by ``current`` for T steps as one op (see the module docstring).

    Args:
        current: ``(*shape)`` held for ``num_steps`` steps when ``constant``, else a time series ``(T, *shape)``.
        derivative: the surrogate's σ'(x) on ndarrays (e.g. ``surrogate.fast_sigmoid(25).derivative``).
        output: "rate" → ``(*shape)``; "spikes" → ``(T, *shape)``; "v_final" → ``(*shape)``;
            "v_trace" → ``(T, *shape)``.
        noise: a noise process (:mod:`minisnn.noise`) drawn from ``rng``, or None.
    Returns:
        (the output Tensor, the final state as ndarrays).
    """
    if output not in MODES:
        raise ValueError(f"spiking_fused: output must be one of {MODES}, got {output!r}")
    final_state: list[Any] = []
    options: dict[str, Any] = dict(
        neuron=neuron, derivative=derivative, num_steps=num_steps, constant=constant, noise=noise,
        rng=np.random.default_rng(rng), detach_reset=detach_reset, output=output, final_state=final_state,
    )  # fmt: skip
    return SpikingFunction.apply(current, **options), final_state[0]
