"""Spiking neurons over T steps as ONE differentiable op, with backpropagation through time written by hand.

:func:`minisnn.nn.spiking.unroll` builds the same computation from primitive Tensor ops (≈ 10 graph nodes per step);
it is the readable reference and the test oracle. Here the time loop runs in plain NumPy, calling the model's own
``step`` (so the update order is still written in one place, the model's file) and keeps only the pre-reset
potentials uₙ (and which neurons were refractory) for backward: the same numbers, faster and leaner.

**Which models.** Only models that *declare* they are linear below threshold, with a fixed threshold
(:meth:`~minisnn.neurons.base.NeuronModel.linear_form`, declared per class and never inherited: LIF and the synaptic
neuron). :func:`supports` says whether a model qualifies; :class:`~minisnn.nn.Spiking` runs every other model
unrolled, and :func:`spiking_fused` refuses one rather than give it the wrong backward.

Per step n = 1 … T (θ = v_th, v_r = v_reset; the :class:`~minisnn.neurons.base.LinearForm` (β, p, q, α, b))::

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
Besides its output the op can hand back plain arrays for a recording (``keep``: "spikes", "v_trace"). When no
gradient is wanted (``no_grad``, or inputs that need none) the backward's buffers are never allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn.neurons.base import LinearForm, RecordingOps, fused_form
from minisnn.noise import Noise
from minisnn.tensor import Function, Tensor, is_grad_enabled

MODES = ("rate", "spikes", "v_final", "v_trace")
KEEPS = ("spikes", "v_trace", "counts")


def supports(model: Any) -> bool:
    """Whether ``model`` declares a :class:`~minisnn.neurons.base.LinearForm` (its class's own ``linear_form``)."""
    return fused_form(model) is not None


class SpikingFunction(Function):
    """Neurons over T steps, current → rate | spikes | v_final | v_trace, in one op. See the module docstring."""

    def forward(
        self,
        current: np.ndarray,
        *,
        neuron: Any,
        form: LinearForm,
        derivative: Callable[[np.ndarray], np.ndarray],
        num_steps: int,
        constant: bool,
        noise: Noise | None,
        rng: np.random.Generator,
        detach_reset: bool,
        output: str,
        keep: tuple[str, ...],
        side: dict[str, Any],
    ) -> np.ndarray:
        steps = num_steps if constant else current.shape[0]
        shape = current.shape if constant else current.shape[1:]
        dtype = current.dtype
        refractory = neuron.ref_steps > 0
        backward_needed = is_grad_enabled() and any(self.needs_input_grad)

        state = neuron.initial_state(shape, dtype)
        ops = RecordingOps()
        noise_state = None if noise is None else noise.initial_state(rng, shape, dtype, neuron.dt)
        # uₙ and the held masks: all backward needs (not allocated when no gradient is wanted)
        pre_reset = np.empty((steps, *shape), dtype) if backward_needed else None
        held_steps = np.zeros((steps, *shape), bool) if refractory and backward_needed else None
        spikes = np.empty((steps, *shape), dtype) if output == "spikes" or "spikes" in keep else None
        trace = np.empty((steps, *shape), dtype) if output == "v_trace" or "v_trace" in keep else None
        count = np.zeros(shape, dtype) if output == "rate" or "counts" in keep else None
        for n in range(steps):
            xi = None
            if noise is not None:
                noise_state, xi = noise.sample(noise_state, rng, neuron.dt)
            if held_steps is not None:
                held_steps[n] = state.refractory > 0
            s, state = neuron.step(state, current if constant else current[n], ops, noise=xi)
            if pre_reset is not None:
                pre_reset[n] = ops.u
            if spikes is not None:
                spikes[n] = s
            if count is not None:
                count += s
            if trace is not None:
                trace[n] = state.v

        self.save_for_backward(pre_reset, held_steps)
        self.neuron, self.form, self.derivative, self.steps, self.shape = neuron, form, derivative, steps, shape
        self.constant, self.detach_reset, self.output = constant, detach_reset, output
        side["state"] = state
        side.update({name: array for name, array in (("spikes", spikes), ("v_trace", trace)) if name in keep})
        if "counts" in keep:
            side["counts"] = count.astype(np.int32)  # spikes per neuron over the T steps (exact: sums of 0/1)
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
        beta, p, q, alpha, b = (dtype.type(c) for c in self.form)
        synaptic = p != 0 or b != 0
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
                if neuron.reset == "subtract" and not self.detach_reset and theta != np.inf:  # (∞: never resets)
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
    neuron: Any,
    derivative: Callable[[np.ndarray], np.ndarray],
    num_steps: int,
    constant: bool,
    output: str = "rate",
    noise: Noise | None = None,
    rng: np.random.Generator | None = None,
    detach_reset: bool = False,
    keep: tuple[str, ...] = (),
) -> tuple[Tensor, dict[str, Any]]:
    """Run neurons fed by ``current`` for T steps as one op (see the module docstring).

    Args:
        current: ``(*shape)`` held for ``num_steps`` steps when ``constant``, else a time series ``(T, *shape)``.
        neuron: a model that :func:`supports` the fused op (TypeError otherwise).
        derivative: the surrogate's σ'(x) on ndarrays (e.g. ``surrogate.fast_sigmoid(25).derivative``).
        output: "rate" → ``(*shape)``; "spikes" → ``(T, *shape)``; "v_final" → ``(*shape)``;
            "v_trace" → ``(T, *shape)``.
        noise: a noise process (:mod:`minisnn.noise`) drawn from ``rng``, or None.
        keep: plain arrays to hand back besides the output: "spikes" and/or "v_trace" ``(T, *shape)``, "counts"
            ``(*shape)`` the spikes per neuron over the T steps (int32).
    Returns:
        (the output Tensor, a dict with the final ``"state"`` (ndarrays) and the kept arrays).
    """
    if output not in MODES:
        raise ValueError(f"spiking_fused: output must be one of {MODES}, got {output!r}")
    unknown = sorted(set(keep) - set(KEEPS))
    if unknown:
        raise ValueError(f"spiking_fused: keep must name some of {KEEPS}, got {unknown}")
    form = fused_form(neuron)
    if form is None:
        raise TypeError(
            f"spiking_fused: {type(neuron).__name__} declares no linear_form(), so the fused op's hand-written "
            "backward does not describe it; run it unrolled (nn.Spiking does so by itself)"
        )
    side: dict[str, Any] = {}
    options: dict[str, Any] = dict(
        neuron=neuron, form=form, derivative=derivative, num_steps=num_steps, constant=constant, noise=noise,
        rng=np.random.default_rng(rng), detach_reset=detach_reset, output=output, keep=tuple(keep), side=side,
    )  # fmt: skip
    return SpikingFunction.apply(current, **options), side
