"""The ``LIF`` layer: leaky integrate-and-fire neurons unrolled in time on Tensors (the reference version).

The LIF dynamics are those of :mod:`minisnn.neuron`, on Tensors so that backpropagation through time (BPTT)
works. Per time step n, in the same order as :func:`minisnn.neuron.simulate_lif`:

1. integrate (explicit Euler, the very same :func:`~minisnn.neuron.euler_step`):
   V ← β·V + (dt/C)·(I[n] + ξ[n]),  β = 1 − dt/τ,  ξ[n] ~ N(0, noise_std²) in training mode only;
2. neurons still refractory are held at v_reset (a constant mask: no gradient flows through it);
3. spike S[n] = H(V − v_th), with the surrogate derivative σ'(V − v_th) in backward;
4. reset: "zero": V ← V·(1 − S) + v_reset·S;  "subtract": V ← V − S·(v_th − v_reset);  "none": V unchanged
   (with ``detach_reset=True`` the S in the reset is treated as a constant, as in snnTorch's option);
5. spiking neurons become refractory for ``ref_steps`` following steps.

State (V, refractory counters) starts fresh at every call unless passed in explicitly, so each forward
builds its own graph and there is no "backward through the graph a second time" trap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from minisnn import functional as F
from minisnn import ops
from minisnn.neuron import LIFParams, euler_step
from minisnn.nn.module import Module
from minisnn.surrogate import fast_sigmoid
from minisnn.tensor import Tensor

#: The default neuron of ``LIF`` and ``SNNConv2d``: τ = R·C = 5 ms, dt = 1 ms (β = 0.8, input gain dt/C = 0.2),
#: threshold 1, reset to 0. Like snnTorch's ``Leaky(beta=0.8)`` with its input scaled by 0.2. Steady state
#: V = R·I, so a constant current above the rheobase I = v_th/R = 1 fires. See ``LIFParams.paper()`` for the
#: seed paper's Table 1 values.
DEFAULT_NEURON = LIFParams(R=1.0, C=5.0, dt=1.0)


class LIFOutput(NamedTuple):
    """What :class:`LIF` returns.

    spikes: ``(T, *shape)`` 0/1 Tensor.  v: ``(*shape)`` membrane potential after the last step.
    refractory: ``(*shape)`` int array, steps of refractoriness left (pass back in to continue a simulation).
    v_trace: ``(T, *shape)`` Tensor of V after each step when ``record_v=True``, else None.
    """

    spikes: Tensor
    v: Tensor
    refractory: np.ndarray
    v_trace: Tensor | None


def current_noise(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype: Any) -> np.ndarray:
    """ξ ~ N(0, std²) of ``shape``, drawn directly in ``dtype`` (the same stream for every LIF implementation)."""
    noise = rng.standard_normal(size=shape, dtype=np.float64 if np.dtype(dtype) == np.float64 else np.float32)
    noise *= std
    return noise


class NonFiniteCurrentError(ValueError):
    """A spiking layer received NaN or infinite input current (so its spikes would be meaningless)."""


def check_current(current: Tensor, name: str) -> None:
    if not np.all(np.isfinite(current.data)):
        raise NonFiniteCurrentError(
            f"{name}: the input current contains NaN or inf (check the layer before, or the inputs)"
        )


class LIF(Module):
    """A population of LIF neurons (any shape), unrolled over time with surrogate-gradient spikes.

    Args:
        params: the neuron (:class:`~minisnn.neuron.LIFParams`); default :data:`DEFAULT_NEURON`.
        surrogate: the spike function, e.g. ``surrogate.fast_sigmoid(slope=25)`` (any callable Tensor → Tensor
            works: gradient checks pass ``surrogate.smooth``).
        num_steps: T, used when the input is a constant current.
        noise_std: std of Gaussian noise added to the current at every step in training mode (0 = none).
        detach_reset: treat the spike in the reset as a constant (no gradient through the reset).
        rng: Generator or seed for the noise.

    Call: ``lif(current, v0=None, refractory=None, constant=False, record_v=False) -> LIFOutput``. ``current`` is
    a time series ``(T, *shape)``, or with ``constant=True`` a ``(*shape)`` current held for ``num_steps`` steps.
    """

    def __init__(
        self,
        params: LIFParams | None = None,
        surrogate: Callable[[Tensor], Tensor] | None = None,
        num_steps: int = 8,
        noise_std: float = 0.0,
        detach_reset: bool = False,
        rng: np.random.Generator | int | None = None,
    ):
        self.params = DEFAULT_NEURON if params is None else params
        if not isinstance(self.params, LIFParams):
            raise TypeError(f"LIF: params must be a LIFParams, got {type(self.params).__name__}")
        self.surrogate = fast_sigmoid(25.0) if surrogate is None else surrogate
        if not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
            raise ValueError(f"LIF: num_steps must be an int ≥ 1, got {num_steps!r}")
        if not (np.isfinite(noise_std) and noise_std >= 0):
            raise ValueError(f"LIF: noise_std must be ≥ 0, got {noise_std!r}")
        self.num_steps = int(num_steps)
        self.noise_std = float(noise_std)
        self.detach_reset = bool(detach_reset)
        self.rng = np.random.default_rng(rng)

    def forward(
        self,
        current: Tensor,
        v0: Tensor | float | None = None,
        refractory: np.ndarray | None = None,
        constant: bool = False,
        record_v: bool = False,
    ) -> LIFOutput:
        current = F.as_tensor(current, "current")
        check_current(current, "LIF")
        if constant:
            steps: Sequence[Tensor] = [current] * self.num_steps
            shape = current.shape
        else:
            if current.ndim < 1:
                raise ValueError(f"LIF: a time-series current needs shape (T, ...), got {current.shape}")
            steps = [current[t] for t in range(current.shape[0])]
            shape = current.shape[1:]
        return lif_unroll(
            steps, shape, self.params, self.surrogate, v0=v0, refractory=refractory,
            noise_std=self.noise_std if self.training else 0.0, rng=self.rng,
            detach_reset=self.detach_reset, record_v=record_v,
        )  # fmt: skip

    def extra_repr(self) -> str:
        p = self.params
        return f"tau={p.tau:g} ms, dt={p.dt:g} ms, v_th={p.v_th:g}, reset={p.reset!r}, num_steps={self.num_steps}"


def lif_unroll(
    currents: Sequence[Tensor],
    shape: tuple[int, ...],
    params: LIFParams,
    spike_fn: Callable[[Tensor], Tensor],
    v0: Tensor | float | None = None,
    refractory: np.ndarray | None = None,
    noise_std: float = 0.0,
    rng: np.random.Generator | None = None,
    detach_reset: bool = False,
    record_v: bool = False,
) -> LIFOutput:
    """The LIF dynamics (see the module docstring) over ``len(currents)`` steps, on Tensors.

    Args:
        currents: T Tensors of shape ``shape`` (the same Tensor may repeat for a constant current).
        v0: initial potential (Tensor or number; default 0, the resting potential of dV/dt = (I − V/R)/C).
        refractory: ``(*shape)`` ints, steps of refractoriness left at the start (default none).
    """
    dtype = currents[0].dtype
    v: Tensor = v0 if isinstance(v0, Tensor) else Tensor(np.full(shape, 0.0 if v0 is None else v0, dtype))
    ref_left = np.zeros(shape, dtype=np.int64) if refractory is None else np.array(refractory, dtype=np.int64)
    rng = np.random.default_rng(rng)
    spikes, trace = [], []
    for current in currents:
        if noise_std > 0:
            current = current + current_noise(rng, shape, noise_std, dtype)
        v = euler_step(v, current, params)  # (1)
        held = ref_left > 0
        if held.any():
            v = ops.Where.apply(params.v_reset, v, condition=held)  # (2)
        s = spike_fn(v - params.v_th)  # (3)
        s_reset = s.detach() if detach_reset else s
        if params.reset == "zero":  # (4)
            v = v * (1.0 - s_reset)
            if params.v_reset != 0.0:
                v = v + s_reset * params.v_reset
        elif params.reset == "subtract":
            v = v - s_reset * (params.v_th - params.v_reset)
        fired = s.data > 0
        ref_left = np.where(held, ref_left - 1, ref_left)
        ref_left = np.where(fired, params.ref_steps, ref_left)  # (5)
        spikes.append(s)
        if record_v:
            trace.append(v)
    return LIFOutput(
        spikes=F.stack(spikes, axis=0),
        v=v,
        refractory=ref_left,
        v_trace=F.stack(trace, axis=0) if record_v else None,
    )
