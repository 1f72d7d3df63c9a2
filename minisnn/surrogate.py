r"""Spike functions with surrogate gradients.

A spiking neuron emits S = H(x), the Heaviside step of x = V − v_th (a spike where x ≥ 0). Its derivative is
0 almost everywhere (and infinite at 0), so backpropagation through H learns nothing. A *surrogate gradient*
keeps H in the forward pass and, in the backward pass only, replaces H'(x) by the derivative σ'(x) of a
smooth step σ (Neftci, Mostafa & Zenke 2019):

    forward:  S = H(x) = [x ≥ 0]          backward:  dL/dx = dL/dS · σ'(x)

Each factory below returns a :class:`Surrogate`; calling it on a Tensor applies the spike function:

    >>> spike = fast_sigmoid(slope=25)
    >>> s = spike(v - v_th)          # 0/1 forward, σ'(x) backward

``surrogate.derivative(x)`` is σ'(x) on ndarrays, ``surrogate.primitive(x)`` is the smooth σ(x) it stands
for, and ``surrogate.smooth(x)`` applies σ itself as a differentiable Tensor op (a stand-in for the spike in
gradient checks: its exact derivative is σ').

=================  ==============================================  =====================================
minisnn            σ'(x)                                           same function elsewhere
=================  ==============================================  =====================================
fast_sigmoid(k)    1 / (1 + k|x|)²                                 snnTorch ``fast_sigmoid(slope=k)``;
                   (Zenke & Ganguli 2018, "SuperSpike")            Norse ``superspike`` (its alpha = k);
                                                                   SpikingJelly ``SoftSign(alpha)`` is the
                                                                   same shape scaled to unit area:
                                                                   α / (2 (1 + α|x|)²)
arctan(α)          (α/2) / (1 + (παx/2)²)                          snnTorch ``atan(alpha)``; SpikingJelly
                   (Fang et al. 2021)                              ``ATan(alpha)`` (both default α = 2)
sigmoid(k)         k·s(kx)·(1 − s(kx)), s the logistic function    snnTorch ``sigmoid(slope)``;
                                                                   SpikingJelly ``Sigmoid(alpha)``
triangle(w)        max(0, 1 − \|x\|/w) / w                         SpikingJelly ``PiecewiseQuadratic``.
                   (Bellec et al. 2018, "pseudo-derivative")       NOT snnTorch's ``triangular``, whose backward
                                                                   is a sign-flipping constant: +θ for
                                                                   x < 0, −θ for x ≥ 0
rectangle(w)       1/w where \|x\| < w/2, else 0                   "straight-through within a window";
                   (Wu et al. 2018, STBP)                          snnTorch ``straight_through_estimator``
                                                                   passes the gradient with no window
=================  ==============================================  =====================================

Beware the clashing names: what snnTorch and Norse call *fast sigmoid* / *SuperSpike* is not the logistic
function's derivative (it is the derivative of the "fast sigmoid" x / (1 + k|x|), a different S-shaped curve),
and SpikingJelly's *Sigmoid* is the true logistic derivative that snnTorch calls ``sigmoid``. snnTorch's
``triangular`` shares only its name with the triangle here (see the table). The scale differs too:
fast_sigmoid's σ' has area 2/k (σ rises from −1/k to 1/k, not from 0 to 1), so its gradients are small for
large k; the other four have unit area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minisnn.tensor import Function, Tensor


class SpikeFunction(Function):
    """S = H(x) = [x ≥ 0] forward; dL/dx = dL/dS · σ'(x) backward, σ' given by the surrogate."""

    def forward(self, x: np.ndarray, surrogate: Surrogate) -> np.ndarray:
        self.save_for_backward(x)
        self.surrogate = surrogate
        return (x >= 0).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * self.surrogate.derivative(x).astype(grad.dtype, copy=False)


class SmoothStep(Function):
    """y = σ(x) forward, dL/dx = dL/dy · σ'(x) backward: the smooth function a surrogate stands for."""

    def forward(self, x: np.ndarray, surrogate: Surrogate) -> np.ndarray:
        self.save_for_backward(x)
        self.surrogate = surrogate
        return np.asarray(surrogate.primitive(x)).astype(x.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return grad * self.surrogate.derivative(x).astype(grad.dtype, copy=False)


@dataclass(frozen=True)
class Surrogate:
    """A spike function H(x) with surrogate derivative σ'(x). Build one with the factories in this module.

    Attributes:
        name: e.g. ``"fast_sigmoid"``.
        parameter: the shape parameter (slope k, α or width w).
        formula: σ'(x) as text.
        derivative: σ'(x) on ndarrays (same dtype out).
        primitive: σ(x) on ndarrays, with σ' its exact derivative.
    """

    name: str
    parameter: float
    formula: str
    derivative: Callable[[np.ndarray], np.ndarray]
    primitive: Callable[[np.ndarray], np.ndarray]

    def __call__(self, x: Tensor) -> Tensor:
        """Heaviside spike of ``x`` (= V − v_th) with this surrogate gradient."""
        return SpikeFunction.apply(x, surrogate=self)

    def smooth(self, x: Tensor) -> Tensor:
        """σ(x) as a differentiable op (for gradient checks of spiking layers)."""
        return SmoothStep.apply(x, surrogate=self)

    def __repr__(self) -> str:
        return f"{self.name}({self.parameter:g}): σ'(x) = {self.formula}"


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating)) and np.isfinite(value) and value > 0):
        raise ValueError(f"surrogate: {name} must be a positive number, got {value!r}")
    return float(value)


def fast_sigmoid(slope: float = 25.0) -> Surrogate:
    """σ'(x) = 1 / (1 + k|x|)², the derivative of σ(x) = x / (1 + k|x|) (SuperSpike; Zenke & Ganguli 2018)."""
    k = _positive("slope", slope)
    return Surrogate(
        "fast_sigmoid",
        k,
        "1 / (1 + k|x|)²",
        derivative=lambda x: 1.0 / (1.0 + k * np.abs(x)) ** 2,
        primitive=lambda x: x / (1.0 + k * np.abs(x)),
    )


def arctan(alpha: float = 2.0) -> Surrogate:
    """σ'(x) = (α/2) / (1 + (παx/2)²), the derivative of σ(x) = arctan(παx/2)/π + 1/2 (Fang et al. 2021)."""
    a = _positive("alpha", alpha)
    return Surrogate(
        "arctan",
        a,
        "(α/2) / (1 + (παx/2)²)",
        derivative=lambda x: (a / 2) / (1.0 + (np.pi * a * x / 2) ** 2),
        primitive=lambda x: np.arctan(np.pi * a * x / 2) / np.pi + 0.5,
    )


def sigmoid(slope: float = 25.0) -> Surrogate:
    """σ'(x) = k·s(kx)(1 − s(kx)) with s(z) = 1/(1 + e⁻ᶻ): the derivative of σ(x) = s(kx)."""
    k = _positive("slope", slope)

    def logistic(z: np.ndarray) -> np.ndarray:
        return 0.5 * (np.tanh(0.5 * z) + 1.0)

    def derivative(x: np.ndarray) -> np.ndarray:
        s = logistic(k * x)
        return k * s * (1.0 - s)

    return Surrogate("sigmoid", k, "k·s(kx)·(1 − s(kx))", derivative, lambda x: logistic(k * x))


def triangle(width: float = 1.0) -> Surrogate:
    """``σ'(x) = max(0, 1 − |x|/w) / w`` (unit area), the derivative of a piecewise-quadratic step."""
    w = _positive("width", width)

    def primitive(x: np.ndarray) -> np.ndarray:
        z = np.clip(x / w, -1.0, 1.0)
        return 0.5 + z - np.sign(z) * z * z / 2  # σ(x) = ∫_{−w}^{x} σ'(t) dt, with z = x/w

    return Surrogate(
        "triangle",
        w,
        "max(0, 1 − |x|/w) / w",
        derivative=lambda x: np.maximum(0.0, 1.0 - np.abs(x) / w) / w,
        primitive=primitive,
    )


def rectangle(width: float = 1.0) -> Surrogate:
    """``σ'(x) = 1/w for |x| < w/2, else 0`` (straight-through within a window), the derivative of a linear ramp."""
    w = _positive("width", width)
    return Surrogate(
        "rectangle",
        w,
        "1/w where |x| < w/2, else 0",
        derivative=lambda x: (np.abs(x) < w / 2).astype(np.result_type(x, np.float32)) / w,
        primitive=lambda x: np.clip(x / w + 0.5, 0.0, 1.0),
    )


SURROGATES: dict[str, Callable[..., Surrogate]] = {
    "fast_sigmoid": fast_sigmoid,
    "arctan": arctan,
    "sigmoid": sigmoid,
    "triangle": triangle,
    "rectangle": rectangle,
}


def get(name: str, parameter: float | None = None, **parameters: float) -> Surrogate:
    """A surrogate by name (``"fast_sigmoid"``, ``"arctan"``, ``"sigmoid"``, ``"triangle"``, ``"rectangle"``).

    ``parameter`` is the factory's one shape parameter (slope k, α or width w), e.g. ``get("arctan", 3.0)``;
    keyword form works too: ``get("arctan", alpha=3.0)``. So ``get(s.name, s.parameter)`` rebuilds ``s``.
    """
    if name not in SURROGATES:
        raise ValueError(f"surrogate: unknown name {name!r}; choose one of {sorted(SURROGATES)}")
    factory = SURROGATES[name]
    return factory(parameter, **parameters) if parameter is not None else factory(**parameters)
