"""The LIF dynamics over T steps as ONE differentiable op, with backpropagation through time written by hand.

:func:`minisnn.nn.lif.lif_unroll` builds the same computation from primitive Tensor ops (≈ 8 graph nodes per
step); it is the readable reference and the test oracle. This fused version runs the time loop in plain
NumPy and keeps only the pre-reset potentials uₙ for backward: the same numbers, faster and leaner (measured
2–20× for forward + backward depending on the shape; ``benchmarks/bench_train.py``).

Forward, per step n = 1 … T (θ = v_th, v_r = v_reset; the same order as :func:`minisnn.neuron.simulate_lif`)::

    uₙ = β·vₙ₋₁ + g·(Iₙ + ξₙ)               (euler_step; β = 1 − dt/τ, g = dt/C; held neurons: uₙ = v_r)
    sₙ = H(uₙ − θ)
    vₙ = uₙ(1 − sₙ) + v_r·sₙ  |  uₙ − sₙ(θ − v_r)  |  uₙ        (reset "zero" | "subtract" | "none")

Backward (BPTT), from n = T down to 1, with ∂sₙ/∂uₙ := σ'(uₙ − θ) (the surrogate) and δvₙ = ∂L/∂vₙ::

    ∂L/∂uₙ = δvₙ·∂vₙ/∂uₙ + (∂L/∂sₙ + δvₙ·∂vₙ/∂sₙ)·σ'(uₙ − θ)        (0 for held neurons)
        zero:     ∂vₙ/∂uₙ = 1 − sₙ,  ∂vₙ/∂sₙ = v_r − uₙ
        subtract: ∂vₙ/∂uₙ = 1,       ∂vₙ/∂sₙ = −(θ − v_r)
        none:     ∂vₙ/∂uₙ = 1,       ∂vₙ/∂sₙ = 0
        (∂vₙ/∂sₙ = 0 with detach_reset)
    δvₙ₋₁ = β·∂L/∂uₙ,     ∂L/∂Iₙ = g·∂L/∂uₙ   (summed over n for a constant current)

Outputs: "rate" → mean over n of sₙ (so ∂L/∂sₙ = ∂L/∂rate / T), "spikes" → (T, …) stack of sₙ,
"membrane" → v_T (then ∂L/∂sₙ = 0 and δv_T = ∂L/∂v_T).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn.neuron import LIFParams, euler_step
from minisnn.nn.lif import current_noise
from minisnn.tensor import Function, Tensor

OUTPUT_MODES = ("rate", "spikes", "membrane")


class LIFFunction(Function):
    """LIF over T steps, current → rate | spikes | membrane, in one op. See the module docstring."""

    def forward(
        self,
        current: np.ndarray,
        *,
        params: LIFParams,
        derivative: Callable[[np.ndarray], np.ndarray],
        num_steps: int,
        constant: bool,
        noise_std: float,
        rng: np.random.Generator,
        detach_reset: bool,
        output: str,
    ) -> np.ndarray:
        steps = num_steps if constant else current.shape[0]
        shape = current.shape if constant else current.shape[1:]
        dtype = current.dtype
        theta, v_reset = params.v_th, params.v_reset
        refractory = params.ref_steps > 0

        v = np.zeros(shape, dtype)
        pre_reset = np.empty((steps, *shape), dtype)  # uₙ, all backward needs
        held_steps = np.zeros((steps, *shape), bool) if refractory else None
        ref_left = np.zeros(shape, np.int32) if refractory else None
        spikes = np.empty((steps, *shape), dtype) if output == "spikes" else None
        count = np.zeros(shape, dtype) if output == "rate" else None
        for n in range(steps):
            i_n = current if constant else current[n]
            if noise_std > 0:
                noise = current_noise(rng, shape, noise_std, dtype)
                noise += i_n
                i_n = noise
            u = euler_step(v, i_n, params)
            if refractory:
                held = ref_left > 0
                u[held] = v_reset
                held_steps[n] = held
            pre_reset[n] = u
            s = u >= theta
            if params.reset == "zero":  # u is ours (pre_reset[n] holds its copy): reset in place
                u[s] = v_reset
            elif params.reset == "subtract":
                u[s] -= dtype.type(theta - v_reset)
            v = u
            if refractory:
                ref_left = np.where(held, ref_left - 1, ref_left)
                ref_left[s] = params.ref_steps
            if spikes is not None:
                spikes[n] = s
            if count is not None:
                count += s

        self.save_for_backward(pre_reset, held_steps)
        self.options = (params, derivative, steps, shape, constant, detach_reset, output)
        if output == "rate":
            return count / dtype.type(steps)
        if output == "spikes":
            return spikes
        return v

    def backward(self, grad: np.ndarray) -> np.ndarray:
        pre_reset, held_steps = self.saved_tensors
        params, derivative, steps, shape, constant, detach_reset, output = self.options
        theta, v_reset, beta = params.v_th, params.v_reset, params.beta_euler
        dtype = grad.dtype
        delta_v = grad.copy() if output == "membrane" else np.zeros(shape, dtype)
        grad_current = np.zeros(shape if constant else (steps, *shape), dtype)
        grad_rate = grad / dtype.type(steps) if output == "rate" else None  # ∂L/∂sₙ, the same at every step
        for n in reversed(range(steps)):
            u = pre_reset[n]
            s = u >= theta
            grad_s = grad_rate if output == "rate" else grad[n] if output == "spikes" else 0.0
            if params.reset == "zero":
                grad_u = delta_v * ~s
                if not detach_reset:
                    grad_s = grad_s + delta_v * (v_reset - u)
            else:
                grad_u = delta_v.copy()
                if params.reset == "subtract" and not detach_reset:
                    grad_s = grad_s - delta_v * dtype.type(theta - v_reset)
            grad_u += grad_s * derivative(u - theta)
            if held_steps is not None:
                grad_u[held_steps[n]] = 0
            if constant:
                grad_current += grad_u
            else:
                grad_current[n] = grad_u
            delta_v = grad_u * dtype.type(beta)
        grad_current *= dtype.type(params.input_gain)
        return grad_current


def lif_fused(
    current: Tensor,
    params: LIFParams,
    derivative: Callable[[np.ndarray], np.ndarray],
    num_steps: int,
    constant: bool,
    output: str = "rate",
    noise_std: float = 0.0,
    rng: np.random.Generator | None = None,
    detach_reset: bool = False,
) -> Tensor:
    """Run LIF neurons fed by ``current`` for T steps as one op (see the module docstring).

    Args:
        current: ``(*shape)`` held for ``num_steps`` steps when ``constant``, else a time series ``(T, *shape)``.
        derivative: the surrogate's σ'(x) on ndarrays (e.g. ``surrogate.fast_sigmoid(25).derivative``).
        output: "rate" → ``(*shape)``; "spikes" → ``(T, *shape)``; "membrane" → ``(*shape)``, V after the last step.
    """
    if output not in OUTPUT_MODES:
        raise ValueError(f"lif_fused: output must be one of {OUTPUT_MODES}, got {output!r}")
    options: dict[str, Any] = dict(
        params=params, derivative=derivative, num_steps=num_steps, constant=constant, noise_std=noise_std,
        rng=np.random.default_rng(rng), detach_reset=detach_reset, output=output,
    )  # fmt: skip
    return LIFFunction.apply(current, **options)
