"""Izhikevich's simple model (2003, "Simple model of spiking neurons", IEEE Trans. Neural Networks 14:1569): two
variables and four parameters that reproduce the firing patterns of cortical neurons.

Equations (v the membrane potential in mV, u a recovery variable in mV/ms, I in mV/ms, time in ms)::

    v' = 0.04 v² + 5 v + 140 - u + I
    u' = a (b v - u)
    if v >= v_peak (30 mV):  v <- c,  u <- u + d

One step (:meth:`IzhikevichParams.step`): explicit Euler for both equations from the values at the start of the step
(dt = 0.1 ms by default; the paper's code takes two 0.5 ms half-steps for v and 1 ms for u, coarser), then the spike
S = H(v - v_peak) and the reset v <- c, u <- u + d·S. The quadratic term makes v run away once past about -40 mV,
so the spike is the blow-up, and v_peak only decides when to reset it: the spike times converge to first order in
dt (the tests measure the order). At rest v = ``v_init`` (-65 mV) and u = b·v.

The published parameter sets (:data:`PRESETS`, the paper's Fig. 2), with I = 10 from rest:

* "RS" regular spiking (a, b, c, d) = (0.02, 0.2, -65, 8): tonic spikes whose intervals lengthen (adaptation);
* "IB" intrinsically bursting (0.02, 0.2, -55, 4): an initial burst, then tonic spikes;
* "CH" chattering (0.02, 0.2, -50, 2): repeated bursts of closely spaced spikes;
* "FS" fast spiking (0.1, 0.2, -65, 2): high-frequency tonic spikes without adaptation;
* "LTS" low-threshold spiking (0.02, 0.25, -65, 2): adapting spikes at high frequency.

Training: the spike function sees v - v_peak in mV, so a surrogate for this model needs a width in mV (e.g.
``surrogate.fast_sigmoid(0.5)``, not the slope 25 made for potentials in units of the threshold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from minisnn.neurons.base import (
    NUMPY_OPS,
    ArrayOps,
    NeuronModel,
    check_choice,
    check_fields,
    check_positive,
    filled,
    register,
)

#: The paper's parameter sets (a, b, c, d) by short name, with the pattern each produces.
PRESETS: dict[str, tuple[tuple[float, float, float, float], str]] = {
    "RS": ((0.02, 0.2, -65.0, 8.0), "regular spiking: adapting tonic spikes"),
    "IB": ((0.02, 0.2, -55.0, 4.0), "intrinsically bursting: an initial burst, then tonic spikes"),
    "CH": ((0.02, 0.2, -50.0, 2.0), "chattering: repeated bursts"),
    "FS": ((0.1, 0.2, -65.0, 2.0), "fast spiking: high-frequency spikes without adaptation"),
    "LTS": ((0.02, 0.25, -65.0, 2.0), "low-threshold spiking: adapting spikes at high frequency"),
}


class IzhikevichState(NamedTuple):
    """State of Izhikevich neurons: ``v`` membrane potential [mV], ``u`` recovery variable [mV/ms]."""

    v: Any
    u: Any


@register
@dataclass(frozen=True)
class IzhikevichParams(NeuronModel):
    """Izhikevich's model (module docstring). Fields: ``a`` [1/ms] the recovery rate, ``b`` [1/ms] the sensitivity of u
    to v, ``c`` [mV] the reset potential, ``d`` [mV/ms] the jump of u at a spike, ``dt`` [ms] the step, ``v_peak``
    [mV] the spike cut-off, ``v_init`` [mV] the potential at rest (u starts at b·v_init), ``method`` "euler" (the
    only integrator). Default: regular spiking, dt = 0.1 ms. ``IzhikevichParams.preset("CH")`` for the others.

    Raises TypeError for a non-number and ValueError for a non-positive dt or a, a dt above 1 ms (the quadratic
    term makes Euler diverge), or c >= v_peak.
    """

    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    dt: float = 0.1
    v_peak: float = 30.0
    v_init: float = -65.0
    method: str = "euler"

    state_type: ClassVar[type] = IzhikevichState

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_fields(self)
        check_positive(self, ("dt", "a"))
        for name in ("b", "c", "d", "v_peak", "v_init"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{owner}: {name} must be finite, got {name}={getattr(self, name)!r}")
        if self.dt > 1.0:
            raise ValueError(f"{owner}: dt must be at most 1 ms (Euler diverges on the quadratic term), got {self.dt}")
        if self.c >= self.v_peak:
            raise ValueError(f"{owner}: c must be < v_peak, got c={self.c!r}, v_peak={self.v_peak!r}")
        check_choice(self, "method", ("euler",))

    @classmethod
    def preset(cls, name: str, dt: float = 0.1) -> IzhikevichParams:
        """A published parameter set by name (:data:`PRESETS`: "RS", "IB", "CH", "FS", "LTS")."""
        if name not in PRESETS:
            raise ValueError(f"IzhikevichParams.preset: name must be one of {list(PRESETS)}, got {name!r}")
        a, b, c, d = PRESETS[name][0]
        return cls(a=a, b=b, c=c, d=d, dt=dt)

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64) -> IzhikevichState:
        """At rest: v = v_init, u = b·v_init."""
        return IzhikevichState(v=filled(shape, self.v_init, dtype), u=filled(shape, self.b * self.v_init, dtype))

    def step(
        self, state: IzhikevichState, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None
    ) -> tuple[Any, IzhikevichState]:
        """One Euler step from the values at the start of the step, then spike and reset (module docstring)."""
        drive = current if noise is None else current + noise
        v, u = state.v, state.u
        v_new = v + (v * v * 0.04 + v * 5.0 + 140.0 - u + drive) * self.dt
        u_new = u + (v * self.b - u) * (self.a * self.dt)
        spikes = ops.spike(v_new, self.v_peak)
        v_new = ops.select(ops.for_reset(spikes), self.c, v_new)
        u_new = u_new + ops.for_reset(spikes) * self.d
        return spikes, IzhikevichState(v_new, u_new)

    def summary(self) -> str:
        name = next((k for k, (abcd, _) in PRESETS.items() if abcd == (self.a, self.b, self.c, self.d)), None)
        label = f"{name}: " if name else ""
        return f"Izhikevich({label}a={self.a:g}, b={self.b:g}, c={self.c:g} mV, d={self.d:g}), dt={self.dt:g} ms"
