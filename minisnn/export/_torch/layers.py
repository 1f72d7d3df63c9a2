"""The exported layers that torch.nn has no twin for: the spiking layers (one time loop, any of the five neuron
models, noise, recurrence, learnable decay and threshold), ``SNNConv2d``, ``TimeDistributed`` and a ``Dropout`` that
draws from a chosen random source.

**Randomness.** Every stochastic layer (noise currents, the convolution noise of ``SNNConv2d``, dropout) draws from
its ``random`` attribute: :class:`TorchRandom` (the default: ``torch.randn``/``torch.rand``, optionally with a
``torch.Generator``; on any device) or :class:`NumpyRandom` (a NumPy ``Generator``: the numbers minisnn draws, in the
order it draws them, so a minisnn layer and its export given Generators in the same state add the same noise).
Replace it at any time: ``layer.random = TorchRandom(torch.Generator().manual_seed(0))``.

**State.** Like minisnn's, a spiking layer keeps nothing between calls: each forward starts at rest.
:meth:`Spiking.run` returns the final state (a dict of tensors under minisnn's field names) and takes one to continue.

This file imports only torch, NumPy and the standard library: the exported modules run without minisnn.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch

from .neurons import Ops, State
from .surrogate import TorchSurrogate

OUTPUTS = ("spikes", "rate", "membrane")


class TorchRandom:
    """Standard normal and uniform numbers from torch (``generator``: a ``torch.Generator``, None = torch's global
    one)."""

    def __init__(self, generator: torch.Generator | None = None):
        self.generator = generator

    def normal(self, shape: tuple[int, ...], dtype: torch.dtype, device: Any) -> torch.Tensor:
        return torch.randn(shape, dtype=dtype, device=device, generator=self.generator)

    def uniform(self, shape: tuple[int, ...], dtype: torch.dtype, device: Any) -> torch.Tensor:
        return torch.rand(shape, dtype=dtype, device=device, generator=self.generator)


class NumpyRandom:
    """Standard normal and uniform numbers from a NumPy ``Generator``, drawn as minisnn draws them
    (``standard_normal(size, dtype=float64 or float32)``, ``random(size)``), then moved to the tensor's device."""

    def __init__(self, generator: np.random.Generator):
        self.generator = generator

    def normal(self, shape: tuple[int, ...], dtype: torch.dtype, device: Any) -> torch.Tensor:
        kind = np.float64 if dtype == torch.float64 else np.float32
        draw = self.generator.standard_normal(size=tuple(shape), dtype=kind)
        return torch.from_numpy(draw).to(device=device, dtype=dtype)

    def uniform(self, shape: tuple[int, ...], dtype: torch.dtype, device: Any) -> torch.Tensor:
        return torch.from_numpy(self.generator.random(tuple(shape))).to(device=device, dtype=dtype)


class Noise:
    """A noise current ξ drawn per step: white, ξ = σ/√dt·ε (``tau`` None), or Ornstein–Uhlenbeck, ξ' = ξ·a +
    σ√(1 − a²)·ε with a = exp(−dt/τ), starting from ξ = σ·ε (minisnn's ``WhiteNoise`` and ``OUNoise``)."""

    def __init__(self, std: float, tau: float | None = None):
        self.std, self.tau = float(std), None if tau is None else float(tau)

    def initial_state(self, random: Any, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor | None:
        if self.tau is None:
            return None
        return random.normal(shape, like.dtype, like.device) * self.std

    def sample(self, state: Any, random: Any, shape: tuple[int, ...], like: torch.Tensor, dt: float) -> tuple:
        """(the new state, ξ for this step)."""
        eps = random.normal(shape, like.dtype, like.device)
        if self.tau is None:
            return None, eps * (self.std / math.sqrt(dt))
        fresh = eps * (self.std * math.sqrt(-math.expm1(-2 * dt / self.tau)))
        xi = state * math.exp(-dt / self.tau) + fresh
        return xi, xi

    def __repr__(self) -> str:
        return f"white noise σ={self.std:g}" if self.tau is None else f"OU noise σ={self.std:g}, τ={self.tau:g} ms"


class SpikingOutput(NamedTuple):
    """What :meth:`Spiking.run` returns: ``spikes`` (T, *shape), ``v`` (*shape) V after the last step,
    ``v_trace`` (T, *shape) V after each step, ``state`` the final state (a dict, to pass back in)."""

    spikes: torch.Tensor
    v: torch.Tensor
    v_trace: torch.Tensor
    state: State


class Spiking(torch.nn.Module):
    """A population of spiking neurons on time-major input (minisnn's ``nn.Spiking``, ``nn.LIF``, ``nn.Synaptic``).

    Input: a time series (T, *shape), or -- with ``num_steps`` -- a current (*shape) held for T = ``num_steps``
    steps. Output: "spikes" (T, *shape) 0/1; "rate" (*shape) spikes per step; "membrane" (T, *shape) V after each
    step. Noise (``noise``) in training mode only, drawn from ``random``. Learnable values (``learn``): the
    Parameters ``decay_logit`` (decay = sigmoid(decay_logit)) and ``v_th``.
    """

    def __init__(self, neuron: Any, surrogate: TorchSurrogate, output: str = "spikes", num_steps: int | None = None,
                 noise: Noise | None = None, detach_reset: bool = False, random: Any = None,
                 learned: dict[str, torch.Tensor] | None = None):  # fmt: skip
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"Spiking: output must be one of {OUTPUTS}, got {output!r}")
        self.neuron, self.surrogate, self.output, self.num_steps = neuron, surrogate, output, num_steps
        self.noise, self.detach_reset = noise, bool(detach_reset)
        self.random = TorchRandom() if random is None else random
        self.learn = tuple(learned or {})
        for name, value in (learned or {}).items():
            setattr(self, name, torch.nn.Parameter(value))

    def learned(self) -> dict[str, Any]:
        """The learnable values in force: ``decay`` = sigmoid(``decay_logit``), ``v_th``."""
        values: dict[str, Any] = {}
        if "decay_logit" in self.learn:
            values["decay"] = torch.sigmoid(self.decay_logit)
        if "v_th" in self.learn:
            values["v_th"] = self.v_th
        return values

    has_feedback = False  # RecurrentSpiking feeds back the spikes of the step before

    def feedback(self, spikes: torch.Tensor) -> torch.Tensor:
        """The recurrent current from the previous step's spikes (:class:`RecurrentSpiking`)."""
        raise NotImplementedError("Spiking has no recurrence")

    def _currents(self, current: torch.Tensor, constant: bool) -> list[torch.Tensor]:
        return [current] * (self.num_steps or 1) if constant else list(current.unbind(0))

    def run(self, current: torch.Tensor, state: State | None = None, constant: bool | None = None) -> SpikingOutput:
        """Everything about one run: spikes, final V, the V trace and the final state (start from ``state``, a dict
        as returned here, or at rest)."""
        constant = self.num_steps is not None if constant is None else bool(constant)
        if constant and self.num_steps is None:
            raise ValueError("Spiking: a constant current needs num_steps")
        currents = self._currents(current, constant)
        shape, like = tuple(currents[0].shape), currents[0]
        state = self.neuron.initial_state(shape, like) if state is None else dict(state)
        ops, learned = Ops(self.surrogate, self.detach_reset), self.learned()
        noise = self.noise if self.training else None
        noise_state = None if noise is None else noise.initial_state(self.random, shape, like)
        previous = torch.zeros_like(like) if self.has_feedback else None
        spikes, trace = [], []
        for step_current in currents:
            xi = None
            if noise is not None:
                noise_state, xi = noise.sample(noise_state, self.random, shape, like, self.neuron.dt)
            if self.has_feedback:
                step_current = step_current + self.feedback(previous)
            s, state = self.neuron.step(state, step_current, ops, noise=xi, learned=learned)
            spikes.append(s)
            trace.append(state["v"])
            previous = s
        trace_stack = torch.stack(trace, 0)
        return SpikingOutput(torch.stack(spikes, 0), state["v"], trace_stack, state)

    def forward(self, current: torch.Tensor, constant: bool | None = None) -> torch.Tensor:
        out = self.run(current, constant=constant)
        if self.output == "spikes":
            return out.spikes
        if self.output == "rate":
            return out.spikes.mean(0)
        return out.v_trace

    def extra_repr(self) -> str:
        parts = [type(self.neuron).__name__, f"surrogate={self.surrogate!r}", f"output={self.output!r}"]
        if self.num_steps is not None:
            parts.append(f"num_steps={self.num_steps}")
        if self.noise is not None:
            parts.append(repr(self.noise))
        if self.learn:
            parts.append(f"learn={list(self.learn)}")
        return ", ".join(parts)


class RecurrentSpiking(Spiking):
    """Spiking neurons fed back their own spikes of the step before: Iₙ ← Iₙ + W·sₙ₋₁ + b (``recurrent``, an
    ``nn.Linear(F, F)``) or Iₙ ← Iₙ + V ⊙ sₙ₋₁ (``recurrent_weight`` (F,)); s₀ = 0."""

    has_feedback = True

    def __init__(self, connection: torch.nn.Linear | None = None, recurrent_weight: torch.Tensor | None = None,
                 **spiking: Any):  # fmt: skip
        super().__init__(**spiking)
        if (connection is None) == (recurrent_weight is None):
            raise ValueError("RecurrentSpiking: give connection (all-to-all) or recurrent_weight (one-to-one)")
        self.all_to_all = connection is not None
        if connection is not None:
            self.recurrent = connection  # minisnn's name: parameters recurrent.weight, recurrent.bias
        else:
            self.recurrent_weight = torch.nn.Parameter(recurrent_weight)

    def feedback(self, spikes: torch.Tensor) -> torch.Tensor:
        if self.all_to_all:
            return self.recurrent(spikes)
        return spikes * self.recurrent_weight


class SNNConv2d(torch.nn.Module):
    """A convolution whose output current drives spiking neurons (minisnn's ``SNNConv2d``):

    I = input_offset + input_scale·(conv(x) + noise)  →  ``neurons`` over T steps  →  output.

    Input (N, C, H, W): one convolution, a current held for the neurons' ``num_steps``; (T, N, C, H, W): a time
    series, all T convolutions in one batched call. ``conv_noise_std``: Gaussian noise added once to the
    convolution's output in training mode, drawn from the neurons' ``random`` before their own noise.
    """

    def __init__(self, conv: torch.nn.Conv2d, neurons: Spiking, input_scale: float = 1.0, input_offset: float = 0.0,
                 conv_noise_std: float = 0.0):  # fmt: skip
        super().__init__()
        self.conv, self.neurons = conv, neurons
        self.input_scale, self.input_offset = float(input_scale), float(input_offset)
        self.conv_noise_std = float(conv_noise_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 5:
            t, n = x.shape[:2]
            current = self.conv(x.reshape(t * n, *x.shape[2:]))
            current = current.reshape(t, n, *current.shape[1:])
            constant = False
        elif x.ndim == 4:
            current, constant = self.conv(x), True
        else:
            raise ValueError(f"SNNConv2d: expected input (N, C, H, W) or (T, N, C, H, W), got shape {tuple(x.shape)}")
        if self.conv_noise_std > 0 and self.training:
            draw = self.neurons.random.normal(tuple(current.shape), torch.float64, current.device)
            current = current + draw.to(current.dtype) * self.conv_noise_std
        if self.input_scale != 1.0:
            current = current * self.input_scale
        if self.input_offset != 0.0:
            current = current + self.input_offset
        return self.neurons(current, constant=constant)

    def extra_repr(self) -> str:
        if self.input_scale == 1.0 and self.input_offset == 0.0:
            return ""
        return f"current = {self.input_offset:g} + {self.input_scale:g}·conv"


class TimeDistributed(torch.nn.Module):
    """Apply a per-sample layer at every step of a time-major input: (T, N, …) → (T·N, …) → module → (T, N, …)."""

    def __init__(self, module: torch.nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, n = x.shape[:2]
        out = self.module(x.reshape(t * n, *x.shape[2:]))
        return out.reshape(t, n, *out.shape[1:])


class Dropout(torch.nn.Module):
    """Inverted dropout: in training keep each element where a uniform draw is ≥ p and scale by 1/(1 − p);
    identity in eval mode and for p = 0 (minisnn's ``nn.Dropout``, the mask drawn from ``random``)."""

    def __init__(self, p: float = 0.5, random: Any = None):
        super().__init__()
        self.p = float(p)
        self.random = TorchRandom() if random is None else random

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = self.random.uniform(tuple(x.shape), torch.float64, x.device) >= self.p
        return x * (keep.to(x.dtype) / (1.0 - self.p))

    def extra_repr(self) -> str:
        return f"p={self.p}"


__all__ = ["Dropout", "Noise", "NumpyRandom", "RecurrentSpiking", "SNNConv2d", "Spiking", "SpikingOutput",
           "TimeDistributed", "TorchRandom"]  # fmt: skip
