"""What every neuron model is: the protocol, the shared threshold-and-reset, the array operations, the registry.

**The protocol.** A neuron model is one small object (a frozen dataclass of its parameters, times in ms) with

* ``dt`` -- its time step [ms];
* ``initial_state(shape, dtype) -> state`` -- a NamedTuple of arrays at rest; by convention its field ``v`` is the
  membrane potential (what a layer's ``output="membrane"`` records);
* ``step(state, current, ops=NUMPY_OPS, noise=None) -> (spikes, state)`` -- ONE time step, written once: it runs on
  ndarrays (the simulator), on autodiff Tensors (the unrolled layer: ``ops`` is then
  :class:`minisnn.nn.spiking.TensorOps`, whose ``spike`` has a surrogate gradient) and inside the fused op
  (:mod:`minisnn.nn.lif_fused`), so the update order cannot drift between them;
* ``to_dict()`` -- its parameters and ``"model"`` (the class name), for checkpoints; :func:`model_from_dict` inverts it
  for every :func:`register`-ed class.

Subclass :class:`NeuronModel` to get ``to_dict``, ``bind`` (learnable values) and a readable ``summary``; anything
with ``dt``, ``initial_state`` and ``step`` works in :class:`minisnn.nn.Spiking`.

**The threshold comes from the model or the state.** :func:`fire_and_reset` takes the threshold in force as an
argument (a number, an array or a Tensor), so a moving threshold (the adaptive LIF) uses the same code.

**The fused op is opt-in, per class.** A model that is linear below threshold may declare its sub-threshold
coefficients with :meth:`NeuronModel.linear_form`; only then may a layer run it through the fused BPTT op. The
declaration is *not inherited*: a subclass that does not define ``linear_form`` in its own body gets None (see
``__init_subclass__``), because a subclass that changes ``step`` would otherwise run its own forward with its
parent's hand-written backward -- silently wrong gradients. Every other model runs the unrolled graph.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

# ---------------------------------------------------------------------------------------------- array operations


class ArrayOps:
    """The few array operations a neuron step needs besides ``*``, ``+`` and ``-`` (NumPy versions).

    A step is written against this small interface so that the same code steps ndarrays (here: spikes are boolean
    arrays, S = H(u - θ) = [u >= θ]) and autodiff Tensors (the layers pass a subclass whose ``spike`` is a
    surrogate-gradient spike function and whose ``select`` is differentiable).
    """

    def spike(self, u: Any, threshold: Any) -> Any:
        """S = H(u - threshold): True where u >= threshold."""
        return u >= threshold

    def where(self, condition: np.ndarray, a: Any, b: Any) -> Any:
        """``a`` where the constant boolean ``condition`` holds, else ``b``."""
        return np.where(condition, a, b)

    def select(self, spikes: Any, a: Any, b: Any) -> Any:
        """S·a + (1 - S)·b, the reset's blend; for 0/1 spikes simply ``a`` where S else ``b``."""
        return np.where(spikes, a, b)

    def silence(self, spikes: Any, held: np.ndarray) -> Any:
        """The spikes with the ``held`` (refractory) neurons set to 0."""
        return spikes & ~held

    def for_reset(self, spikes: Any) -> Any:
        """The spikes as the reset uses them (the autodiff version may detach them: ``detach_reset``)."""
        return spikes

    def values(self, x: Any) -> np.ndarray:
        """The plain values of ``x`` (for decisions that are not differentiated: who fired)."""
        return np.asarray(x)


#: The NumPy operations: what a step uses when none are given.
NUMPY_OPS = ArrayOps()


class RecordingOps(ArrayOps):
    """NumPy operations that remember the last potential and threshold a step compared (for the fused op's
    backward, which needs uₙ -- after the refractory clamp -- without the step returning it)."""

    def __init__(self) -> None:
        self.u: Any = None
        self.threshold: Any = None

    def spike(self, u: Any, threshold: Any) -> Any:
        self.u, self.threshold = u, threshold
        return u >= threshold


# ------------------------------------------------------------------------------------ threshold, reset, refractory


def fire_and_reset(
    model: Any, u: Any, v_prev: Any, refractory: np.ndarray | None, ops: ArrayOps, threshold: Any = None
) -> tuple[Any, Any, np.ndarray | None]:
    """The end of a step of every integrate-and-fire model, after the integration gave the potential ``u``:

    1. refractory neurons (counter > 0): ``refractory="clamp"`` u <- v_reset, ``"freeze"`` u <- V of the previous step;
    2. spike S = H(u - θ), θ = ``threshold`` (default ``model.v_th``; an array or a Tensor for a moving threshold),
       and S = 0 for refractory neurons;
    3. reset: "zero" V = S·v_reset + (1 - S)·u; "subtract" V = u - S·(θ - v_reset) (relative to the threshold in
       force); "none" V = u;
    4. counters of refractory neurons count down by one; neurons that fired (u >= θ, decided on the values, never on
       a smooth stand-in of S) become refractory for the next ``model.ref_steps`` steps.

    Reads ``v_reset``, ``reset``, ``refractory`` and ``ref_steps`` from ``model``. ``refractory`` is the int32 counter
    array (None for a model without refractoriness). Returns (S, V, counters).
    """
    p = model
    theta = p.v_th if threshold is None else threshold
    held = None
    if refractory is not None and p.ref_steps > 0:
        held = refractory > 0
        if held.any():
            u = ops.where(held, p.v_reset if p.refractory == "clamp" else v_prev, u)
        else:
            held = None
    spikes = ops.spike(u, theta)
    if held is not None:
        spikes = ops.silence(spikes, held)
    if p.reset == "zero":
        v = ops.select(ops.for_reset(spikes), p.v_reset, u)
    elif p.reset == "subtract" and not _never_fires(theta):  # (an infinite threshold: S = 0, and 0·∞ is NaN)
        v = ops.select(ops.for_reset(spikes), u - (theta - p.v_reset), u)
    else:
        v = u
    if refractory is not None and p.ref_steps > 0:
        fired = ops.values(u) >= ops.values(theta)
        if held is not None:
            fired &= ~held
            refractory = np.where(held, refractory - 1, refractory)
        if fired.any():
            refractory = np.where(fired, np.int32(p.ref_steps), refractory).astype(np.int32, copy=False)
    return spikes, v, refractory


# -------------------------------------------------------------------------------------------------- the base class


class LinearForm(NamedTuple):
    """The sub-threshold step of a model that is linear below threshold, in the fused op's terms::

        uₙ = β·vₙ₋₁ + p·iₙ₋₁ + q·Iₙ (+ gain·ξₙ)      iₙ = α·iₙ₋₁ + b·Iₙ   (a second state i, or none: p = α = b = 0)

    then :func:`fire_and_reset` with the model's fixed ``v_th``."""

    beta: float
    p: float
    q: float
    alpha: float
    b: float


class NeuronModel:
    """Base class of the neuron models (see the module docstring for the protocol).

    Subclasses are frozen dataclasses; their ``__post_init__`` checks their fields. Class attributes:
    ``learnable`` the names of values a layer may replace by learnable Parameters (:meth:`bind`; e.g.
    ``("decay", "v_th")``), ``state_type`` the NamedTuple of its state.
    """

    learnable: ClassVar[tuple[str, ...]] = ()
    state_type: ClassVar[type | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "linear_form" not in cls.__dict__:  # the fused op's licence is never inherited (module docstring)
            cls.linear_form = NeuronModel.linear_form  # type: ignore[method-assign]

    # the protocol ---------------------------------------------------------------------------------------------
    dt: float

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define initial_state(shape, dtype)")

    def step(self, state: Any, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None) -> tuple[Any, Any]:
        raise NotImplementedError(f"{type(self).__name__} must define step(state, current, ops, noise)")

    def linear_form(self) -> LinearForm | None:
        """The sub-threshold coefficients for the fused op, or None (the default): run unrolled."""
        return None

    # conveniences ---------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``{"model": class name, **parameters}`` (the dataclass fields), for checkpoints; :func:`model_from_dict`
        rebuilds the model when its class is registered."""
        return {"model": type(self).__name__, **{f.name: getattr(self, f.name) for f in fields(self)}}  # type: ignore[arg-type]

    def bind(self, **values: Any) -> BoundModel:
        """This model with some of its values (names in ``learnable``) replaced by arrays or Tensors -- the learnable
        dynamics of :class:`minisnn.nn.Spiking`. Its ``step`` is this model's own step."""
        unknown = sorted(set(values) - set(self.learnable))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: cannot learn {unknown}; learnable values are {list(self.learnable) or 'none'}"
            )
        return BoundModel(self, values)

    def summary(self) -> str:
        """A one-line description for a layer's repr: the fields that differ from their defaults."""
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.default is MISSING or value != f.default:
                parts.append(f"{f.name}={value:g}" if isinstance(value, float) else f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class BoundModel:
    """A model whose named values are replaced by arrays or Tensors (learnable dynamics; :meth:`NeuronModel.bind`).

    Every other attribute is the model's; ``step`` is the model's own step run with this object as ``self``, so a
    value the step reads as ``self.decay`` is the bound Tensor and the gradient reaches it.
    """

    def __init__(self, model: NeuronModel, values: dict[str, Any]):
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "values", dict(values))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        return getattr(object.__getattribute__(self, "model"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a bound model is read-only")

    def step(self, state: Any, current: Any, ops: ArrayOps = NUMPY_OPS, noise: Any = None) -> tuple[Any, Any]:
        return type(self.model).step(self, state, current, ops, noise)  # type: ignore[arg-type]

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        return type(self.model).initial_state(self, shape, dtype)  # type: ignore[arg-type]

    def linear_form(self) -> None:
        return None  # learned values live in Tensors: the fused op does not know them


# ------------------------------------------------------------------------------------------------- checks, helpers


def check_number(owner: str, name: str, value: Any) -> float:
    """A real number (not a bool, not a string) as a Python float, or a TypeError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got {name}={value!r} ({type(value).__name__})")
    return float(value)


def check_fields(model: Any) -> None:
    """Turn every ``float`` field of a dataclass model into a Python float (TypeError naming a non-number)."""
    owner = type(model).__name__
    for f in fields(model):
        if f.type in ("float", float):
            object.__setattr__(model, f.name, check_number(owner, f.name, getattr(model, f.name)))


def check_positive(model: Any, names: tuple[str, ...]) -> None:
    """ValueError naming the first of ``names`` that is not positive and finite."""
    for name in names:
        value = getattr(model, name)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{type(model).__name__}: {name} must be positive and finite, got {name}={value!r}")


def check_choice(model: Any, name: str, allowed: tuple[str, ...]) -> None:
    value = getattr(model, name)
    if value not in allowed:
        raise ValueError(f"{type(model).__name__}: {name} must be one of {allowed}, got {name}={value!r}")


def filled(shape: tuple[int, ...], value: Any, dtype: Any) -> np.ndarray:
    """A writable array of ``shape`` filled with ``value`` (a scalar or an array broadcast to ``shape``)."""
    return np.array(np.broadcast_to(np.asarray(value, dtype), shape))


def state_variables(model: Any) -> int:
    """How many state variables one neuron of ``model`` updates per step: its floating-point state fields (V for the
    LIF; V and I_s for the synaptic neuron; V and a for the adaptive LIF; h, I_s and V for the alpha synapse)."""
    state = model.initial_state((1,))
    return sum(1 for value in state._asdict().values() if np.asarray(value).dtype.kind == "f")


def is_neuron_model(obj: Any) -> bool:
    """Whether ``obj`` follows the protocol: ``dt``, callable ``initial_state`` and ``step``."""
    return all(callable(getattr(obj, name, None)) for name in ("initial_state", "step")) and hasattr(obj, "dt")


def fused_form(model: Any) -> LinearForm | None:
    """The model's declared :class:`LinearForm`, or None when it has none (or is not a :class:`NeuronModel`)."""
    declare = getattr(model, "linear_form", None)
    return declare() if isinstance(model, NeuronModel) and callable(declare) else None


# ------------------------------------------------------------------------------------------------------ registry

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make ``model_from_dict`` know a neuron model (by its class name). The built-in models are
    registered; register your own to save it in and load it from checkpoints."""
    if not (isinstance(cls, type) and is_dataclass(cls)):
        raise TypeError(f"register: expected a dataclass neuron model class, got {cls!r}")
    _REGISTRY[cls.__name__] = cls
    return cls


def registered_models() -> dict[str, type]:
    """Name -> class of every registered neuron model."""
    return dict(_REGISTRY)


def model_from_dict(d: Any, where: str = "neuron") -> Any:
    """Rebuild a neuron model from its :meth:`NeuronModel.to_dict` (``"model"`` missing means ``"LIFParams"``).

    Checks before building: a dict, a registered model name, no unknown keys, strings where the model has strings
    and real numbers where it has numbers -- TypeError or ValueError naming ``<where>.<key>``; then the model's own
    checks (ValueError naming the field).
    """
    if not isinstance(d, dict):
        raise TypeError(f"{where} must be a dict of the model's fields (model.to_dict()), got {type(d).__name__}")
    d = dict(d)
    name = d.pop("model", "LIFParams")
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"{where}.model: unknown neuron model {name!r}; registered models are {sorted(_REGISTRY)}")
    cls = _REGISTRY[name]
    types = {f.name: str(f.type) for f in fields(cls) if f.init}
    unknown = sorted(set(d) - set(types), key=str)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; {name} has {list(types)}")
    for key, value in d.items():
        text = types[key]
        if text == "str" and not isinstance(value, str):
            raise TypeError(f"{where}.{key} must be a string, got {value!r} ({type(value).__name__})")
        if text in ("float", "int") and (
            isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
        ):
            raise TypeError(f"{where}.{key} must be a real number, got {value!r} ({type(value).__name__})")
    return cls(**d)


def _never_fires(theta: Any) -> bool:
    """A threshold of +∞ (a read-out that only integrates): its reset term S·(θ − v_reset) is 0, not 0·∞."""
    return isinstance(theta, (int, float, np.floating)) and theta == np.inf
