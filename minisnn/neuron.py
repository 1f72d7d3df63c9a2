"""The leaky integrate-and-fire (LIF) neuron in plain NumPy: parameters, THE step, simulation, closed forms.

The model is an RC circuit driven by a current I(t) (time in ms throughout)::

    C dV/dt = I - V/R          equivalently   tau dV/dt = -V + R I,   tau = R C   [ms]

with a threshold: when V >= v_th the neuron emits a spike, V is reset and the neuron may stay refractory for
``t_ref`` ms. R and C are in arbitrary but consistent units (R*C must come out in ms); V is in units of the
threshold and I in units of V/R.

**One step, written once.** :meth:`LIFParams.step` is the only place the order of a time step is written
(integrate → refractoriness → spike → reset → refractory counters). It runs on ndarrays (the simulator
:func:`simulate`), on autodiff Tensors (the unrolled ``nn.LIF`` layer, which passes Tensor versions of the few
array operations it needs, :class:`ArrayOps`) and inside the fused BPTT op of :mod:`minisnn.nn.lif_fused`.
The current-based synapse (:class:`~minisnn.synaptic.SynapticParams`) is a subclass that only changes the
integration; the threshold, refractoriness and reset are the shared :func:`fire_and_reset`.

This module imports nothing from the rest of minisnn. Integrator comparisons live in
:mod:`minisnn.integrators`, noise in :mod:`minisnn.noise`, other libraries' names in :mod:`minisnn.translate`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike

RESET_MODES = ("zero", "subtract", "none")
REFRACTORY_MODES = ("clamp", "freeze")
METHODS = ("euler", "exact")
State = TypeVar("State")  # an ndarray, a float, or an autodiff Tensor: anything with * and + by a float


def _check_number(owner: str, name: str, value: Any) -> float:
    """A real number (not a bool, not a string) as a Python float, or a TypeError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got {name}={value!r} ({type(value).__name__})")
    return float(value)


@dataclass(frozen=True)
class LIFParams:
    """A LIF neuron with time step ``dt`` (all times in ms), and how it is stepped.

    Fields: ``R`` membrane resistance, ``C`` membrane capacitance, ``dt`` time step [ms], ``v_th`` threshold
    (``math.inf`` makes a non-spiking leaky integrator, e.g. for read-out layers), ``v_reset`` reset
    potential, ``t_ref`` refractory period [ms], ``reset`` one of ``"zero"`` (V <- v_reset), ``"subtract"``
    (V <- V - (v_th - v_reset)) or ``"none"`` (V unchanged); ``refractory`` what V does while refractory:
    ``"clamp"`` (held at v_reset, Gerstner's absolute refractoriness; the default) or ``"freeze"`` (kept at
    its value after the reset, not integrated: Brian2's ``(unless refractory)``); ``method`` the integrator of
    one step, ``"euler"`` (explicit Euler, the default) or ``"exact"`` (exponential, exact for a current held
    constant over the step).

    With reset "zero" the two refractory modes coincide. With "subtract" or "none" they differ: clamping
    throws the overshoot above threshold away (so subtract and none then spike exactly like zero), freezing
    keeps it (subtract carries the overshoot over the refractory period; none fires again right after it).

    Derived: ``tau = R*C`` [ms], ``beta_euler = 1 - dt/tau``, ``beta_exact = exp(-dt/tau)``,
    ``rheobase = v_th/R``, ``input_gain = dt/C``, ``exact_gain = R(1 - exp(-dt/tau))``,
    ``ref_steps = ceil(t_ref/dt - 1e-9)``; ``decay`` and ``gain`` are the pair of the chosen ``method``.

    Raises TypeError for a field that is not a real number (a string, a bool) and ValueError for
    non-positive or non-finite R, C or dt, a non-finite v_reset or t_ref, a v_th that is NaN, t_ref < 0,
    an unknown reset/refractory/method, v_reset >= v_th, or dt/tau too small or too large to represent.
    Warns (RuntimeWarning) when dt >= tau with Euler (it overshoots: beta_euler <= 0) and, more strongly,
    when dt >= 2*tau (Euler unstable: ``|beta_euler| >= 1``).
    """

    R: float
    C: float
    dt: float
    v_th: float = 1.0
    v_reset: float = 0.0
    t_ref: float = 0.0
    reset: str = "zero"
    refractory: str = "clamp"
    method: str = "euler"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in fields(self):
            if f.type in ("float", float):
                object.__setattr__(self, f.name, _check_number(owner, f.name, getattr(self, f.name)))
        self._check_positive(("R", "C", "dt"))
        for name in ("v_reset", "t_ref"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{owner}: {name} must be finite, got {name}={value!r}")
        if math.isnan(self.v_th) or self.v_th == -math.inf:
            raise ValueError(f"{owner}: v_th must be a number or +inf (no spikes), got v_th={self.v_th!r}")
        if self.t_ref < 0:
            raise ValueError(f"{owner}: t_ref must be >= 0 ms, got t_ref={self.t_ref!r}")
        if not math.isfinite(self.t_ref / self.dt) or self.t_ref / self.dt > 1e9:
            raise ValueError(f"{owner}: t_ref/dt must be at most 1e9 steps, got t_ref={self.t_ref!r}, dt={self.dt!r}")
        for name, allowed in (("reset", RESET_MODES), ("refractory", REFRACTORY_MODES), ("method", METHODS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{owner}: {name} must be one of {allowed}, got {name}={value!r}")
        if self.v_reset >= self.v_th:
            raise ValueError(f"{owner}: v_reset must be < v_th, got v_reset={self.v_reset!r}, v_th={self.v_th!r}")
        self._check_ratio("tau", self.tau)
        if self.method == "euler":
            self._warn_euler("tau", self.tau, "beta_euler", self.beta_euler)

    # -------------------------------------------------------------------------------- validation helpers
    def _check_positive(self, names: tuple[str, ...]) -> None:
        for name in names:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{type(self).__name__}: {name} must be positive and finite, got {name}={value!r}")

    def _check_ratio(self, name: str, tau: float) -> None:
        ratio = self.dt / tau if tau > 0 else math.inf
        if not (math.isfinite(ratio) and 1e-12 < ratio < 1e12):
            raise ValueError(
                f"{type(self).__name__}: dt/{name} must lie in (1e-12, 1e12), got dt={self.dt!r}, {name}={tau!r}"
            )

    def _warn_euler(self, name: str, tau: float, beta_name: str, beta: float) -> None:
        owner = type(self).__name__
        if self.dt >= 2 * tau:
            warnings.warn(
                f"{owner}: dt={self.dt} >= 2*{name}={2 * tau}: explicit Euler is unstable "
                f"({beta_name} = 1 - dt/{name} = {beta:.4g}, |{beta_name}| >= 1); use a smaller dt "
                "or method='exact'",
                RuntimeWarning,
                stacklevel=4,
            )
        elif self.dt >= tau:
            warnings.warn(
                f"{owner}: dt={self.dt} >= {name}={tau}: explicit Euler no longer decays smoothly "
                f"({beta_name} = 1 - dt/{name} = {beta:.4g} <= 0: at dt = {name} it jumps to the steady "
                "state in one step, beyond it overshoots and oscillates); use a smaller dt or method='exact'",
                RuntimeWarning,
                stacklevel=4,
            )

    # ------------------------------------------------------------------------------------ derived values
    @property
    def tau(self) -> float:
        """Membrane time constant tau = R*C [ms]."""
        return self.R * self.C

    @property
    def beta_euler(self) -> float:
        """Euler decay factor per step, beta = 1 - dt/tau (snnTorch's ``beta``)."""
        return 1.0 - self.dt / self.tau

    @property
    def beta_exact(self) -> float:
        """Exact decay factor per step, exp(-dt/tau)."""
        return math.exp(-self.dt / self.tau)

    @property
    def rheobase(self) -> float:
        """Smallest constant current that eventually reaches threshold from rest: v_th / R."""
        return self.v_th / self.R

    @property
    def input_gain(self) -> float:
        """Euler gain on the current, dt/C: one step of current I raises V by I*dt/C."""
        return self.dt / self.C

    @property
    def exact_gain(self) -> float:
        """Exact-step gain on the current, R*(1 - exp(-dt/tau)), computed as -R*expm1(-dt/tau)."""
        return -self.R * math.expm1(-self.dt / self.tau)

    @property
    def decay(self) -> float:
        """V's decay factor per step for this ``method``: beta_euler or beta_exact."""
        return self.beta_euler if self.method == "euler" else self.beta_exact

    @property
    def gain(self) -> float:
        """The gain of a membrane current held over one step for this ``method``: input_gain or exact_gain."""
        return self.input_gain if self.method == "euler" else self.exact_gain

    @property
    def ref_steps(self) -> int:
        """Refractory period in whole steps, ceil(t_ref/dt - 1e-9) (the 1e-9 absorbs 2.1/0.3 = 7.000...01)."""
        return math.ceil(self.t_ref / self.dt - 1e-9)

    @property
    def max_rate_hz(self) -> float:
        """The highest rate a simulation can reach: one spike every ref_steps + 1 steps, 1000/((ref_steps+1) dt).

        In continuous time the f-I curve tends to 1000/t_ref; on a grid a spike needs at least one integration
        step after the ref_steps held ones (for the paper's neuron, dt = t_ref = 1 ms: 500 Hz, not 1000 Hz).
        """
        return 1000.0 / ((self.ref_steps + 1) * self.dt)

    # ------------------------------------------------------------------------------------- the dynamics
    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float64, v0: ArrayLike = 0.0) -> LIFState:
        """State at rest: V = ``v0`` (broadcast to ``shape``), no neuron refractory."""
        v = np.array(np.broadcast_to(np.asarray(v0, dtype), shape))
        return LIFState(v=v, refractory=np.zeros(shape, np.int32))

    def step(
        self, state: LIFState, current: Any, ops: ArrayOps | None = None, noise: Any = None
    ) -> tuple[LIFState, Any, Any]:
        """One time step of C dV/dt = I + ξ - V/R with threshold, reset and refractoriness.

        In this order (the only place it is written):

        1. integrate: u = decay·V + gain·(I + ξ)  (Euler: decay = 1 - dt/tau, gain = dt/C; exact: exp(-dt/tau),
           R(1 - exp(-dt/tau))), ξ an optional noise current (:mod:`minisnn.noise`);
        2. to 5. :func:`fire_and_reset`: refractory neurons are clamped or frozen, spike S = H(u - v_th) (none
           while refractory), reset, refractory counters.

        Args:
            state: :class:`LIFState` (V and the refractory counters).
            current: I for this step, broadcastable to V.
            ops: the array operations (default :data:`NUMPY_OPS`; the autodiff layer passes Tensor ones).
            noise: ξ for this step, or None.

        Returns:
            (new state, spikes S, u = V before the reset). On ndarrays S is a boolean array.
        """
        ops = NUMPY_OPS if ops is None else ops
        drive = current if noise is None else current + noise
        u = exact_step(state.v, drive, self) if self.method == "exact" else euler_step(state.v, drive, self)
        v, refractory, spikes, u = fire_and_reset(self, u, state.v, state.refractory, ops)
        return LIFState(v, refractory), spikes, u

    # ------------------------------------------------------------------------------------------- presets
    @classmethod
    def paper(cls, dt: float = 1.0) -> LIFParams:
        """Today's reading of the seed paper's Table 1 as a plain LIF neuron (no synaptic current, no noise).

        Table 1 -> field: threshold 1 -> v_th=1; reset potential 0 -> v_reset=0, reset="zero"; refractory
        period 1 ms -> t_ref=1.0; capacitance 80 -> C=80; membrane time constant 40 ms -> R = tau/C = 40/80 = 0.5.
        The table gives no time step: we choose dt = 1 ms (so ref_steps = 1). Every row of the table, the
        60 ms post-synaptic current and the 10 ms noise included, is used by :func:`minisnn.paper.table1`.
        """
        return cls(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero")

    def translate(self) -> dict[str, dict[str, Any]]:
        """The same neuron in snnTorch, SpikingJelly and Norse terms; see :func:`minisnn.translate.translate`."""
        from minisnn.translate import translate

        return translate(self)

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``"model"`` (the class name), for checkpoints; :func:`neuron_from_dict` inverts it."""
        return {"model": type(self).__name__, **asdict(self)}


class LIFState(NamedTuple):
    """State of a population of LIF neurons.

    v: membrane potential, any shape (ndarray or Tensor).  refractory: int32 ndarray of the same shape, the
    number of steps each neuron is still refractory for.
    """

    v: Any
    refractory: np.ndarray


class ArrayOps:
    """The few array operations a neuron step needs besides ``*``, ``+`` and ``-`` (NumPy versions).

    :meth:`LIFParams.step` is written against this small interface so that the same code steps ndarrays
    (here: spikes are boolean arrays, H(u - v_th) = [u >= v_th]) and autodiff Tensors (``nn`` passes a subclass
    whose ``spike`` is a surrogate-gradient spike function and whose ``select`` is differentiable).
    """

    @staticmethod
    def spike(u: Any, v_th: float) -> Any:
        """S = H(u - v_th): True where u >= v_th."""
        return u >= v_th

    @staticmethod
    def where(condition: np.ndarray, a: Any, b: Any) -> Any:
        """``a`` where the constant boolean ``condition`` holds, else ``b``."""
        return np.where(condition, a, b)

    @staticmethod
    def select(spikes: Any, a: Any, b: Any) -> Any:
        """S·a + (1 - S)·b, the reset's blend; for 0/1 spikes simply ``a`` where S else ``b``."""
        return np.where(spikes, a, b)

    @staticmethod
    def silence(spikes: Any, held: np.ndarray) -> Any:
        """The spikes with the ``held`` (refractory) neurons set to 0."""
        return spikes & ~held

    @staticmethod
    def for_reset(spikes: Any) -> Any:
        """The spikes as the reset uses them (the autodiff version may detach them: ``detach_reset``)."""
        return spikes

    @staticmethod
    def values(x: Any) -> np.ndarray:
        """The plain values of ``x`` (for decisions that are not differentiated: who fired)."""
        return x


#: The NumPy operations: what :meth:`LIFParams.step` uses when none are given.
NUMPY_OPS = ArrayOps()


def fire_and_reset(
    params: LIFParams, u: Any, v_prev: Any, refractory: np.ndarray, ops: ArrayOps
) -> tuple[Any, np.ndarray, Any, Any]:
    """Steps 2-5 of every LIF-type model, after the integration gave ``u``:

    2. refractory neurons (counter > 0): "clamp" u <- v_reset, "freeze" u <- V of the previous step;
    3. spike S = H(u - v_th), and S = 0 for refractory neurons;
    4. reset: "zero" V = S·v_reset + (1 - S)·u; "subtract" V = u - S·(v_th - v_reset); "none" V = u;
    5. counters of refractory neurons count down by one; neurons that fired (u >= v_th, decided on the values,
       never on a smooth stand-in of S) become refractory for the next ``ref_steps`` steps.

    Returns (V, refractory counters, S, u after step 2).
    """
    p = params
    held = None
    if p.ref_steps > 0:
        held = refractory > 0
        if held.any():
            u = ops.where(held, p.v_reset if p.refractory == "clamp" else v_prev, u)
        else:
            held = None
    spikes = ops.spike(u, p.v_th)
    if held is not None:
        spikes = ops.silence(spikes, held)
    if p.reset != "none":
        s = ops.for_reset(spikes)
        v = ops.select(s, p.v_reset, u) if p.reset == "zero" else ops.select(s, u - (p.v_th - p.v_reset), u)
    else:
        v = u
    if p.ref_steps > 0:
        fired = np.asarray(ops.values(u)) >= p.v_th
        if held is not None:
            fired &= ~held
            refractory = np.where(held, refractory - 1, refractory)
        if fired.any():
            refractory = np.where(fired, np.int32(p.ref_steps), refractory).astype(np.int32, copy=False)
    return v, refractory, spikes, u


def euler_step(v: State, current: Any, params: LIFParams) -> State:
    """One explicit Euler step of C dV/dt = I - V/R (no threshold).

    V[n+1] = beta * V[n] + (dt/C) * I[n], with beta = 1 - dt/tau; this is V[n] + (dt/C)(I[n] - V[n]/R).
    Uses only ``*`` and ``+`` with Python floats, so it works on ndarrays (any broadcastable shapes)
    and on autodiff Tensors alike.
    """
    return v * params.beta_euler + current * params.input_gain


def exact_step(v: State, current: Any, params: LIFParams) -> State:
    """One exact step for a current held constant over the step (exponential integrator).

    V[n+1] = V[n] * exp(-dt/tau) + R * I[n] * (1 - exp(-dt/tau)); the gain R(1 - exp(-dt/tau)) is
    computed with expm1 for accuracy. Same operator-only style as :func:`euler_step`.
    """
    return v * params.beta_exact + current * params.exact_gain


_STEPS = {"euler": euler_step, "exact": exact_step}


def neuron_from_dict(d: dict[str, Any]) -> LIFParams:
    """Rebuild a neuron from :meth:`LIFParams.to_dict` (a dict without ``"model"`` means a plain LIFParams)."""
    d = dict(d)
    model = d.pop("model", "LIFParams")
    if model == "LIFParams":
        return LIFParams(**d)
    if model == "SynapticParams":
        from minisnn.synaptic import SynapticParams

        return SynapticParams(**d)
    raise ValueError(f"neuron: unknown model {model!r}; known models are 'LIFParams' and 'SynapticParams'")


# -------------------------------------------------------------------------------------------- simulation
@dataclass
class LIFResult:
    """Output of :func:`simulate` / :func:`simulate_lif`.

    ``v``: membrane potential after each step (after reset), shape of the input current; ``spikes``: 0/1 float,
    same shape; ``spike_times``: spike times [ms] -- a 1-D array for 1-D input, else a list with one array per
    batch row; ``rate_hz``: spike count / (T*dt) * 1000 (float for 1-D input, else shape (B,));
    ``t``: time of each step [ms], t[n] = (n+1)*dt, shape (T,); ``params``: the neuron used;
    ``i_syn``: the synaptic current after each step for a :class:`~minisnn.synaptic.SynapticParams` neuron,
    else None.
    """

    v: np.ndarray
    spikes: np.ndarray
    spike_times: np.ndarray | list[np.ndarray]
    rate_hz: float | np.ndarray
    t: np.ndarray
    params: LIFParams
    i_syn: np.ndarray | None = None


def simulate(
    current: ArrayLike,
    params: LIFParams,
    v0: ArrayLike = 0.0,
    noise: Any = None,
    rng: np.random.Generator | int | None = None,
) -> LIFResult:
    """Simulate neurons of any model (``params.step``) driven by ``current`` (one value per step), (T,) or (B, T).

    ``v0`` is the initial potential: a scalar, or shape (B,) for batched input. ``noise`` is a noise process
    from :mod:`minisnn.noise` (e.g. ``WhiteNoise(0.5)``) sampled with ``rng``, or None. Step n ends at time
    t = (n+1)*dt [ms]. Raises ValueError for a wrong ndim, an empty time axis, non-finite current or v0, or a
    v0 that does not match the batch.
    """
    i = np.asarray(current, dtype=np.float64)
    if i.ndim not in (1, 2) or i.shape[-1] == 0:
        raise ValueError(f"simulate: current must have shape (T,) or (B, T) with T >= 1, got shape {i.shape}")
    if not np.all(np.isfinite(i)):
        raise ValueError("simulate: current contains NaN or inf")
    batch = i.reshape(-1, i.shape[-1])  # (B, T)
    n_batch, n_steps = batch.shape
    v_init = np.asarray(v0, dtype=np.float64)
    if v_init.ndim > 1 or (v_init.ndim == 1 and (i.ndim == 1 or v_init.shape[0] != n_batch)):
        raise ValueError(f"simulate: v0 must be a scalar or shape ({n_batch},), got shape {v_init.shape}")
    if not np.all(np.isfinite(v_init)):
        raise ValueError("simulate: v0 contains NaN or inf")

    state = params.initial_state((n_batch,), np.float64, v_init)
    rng = np.random.default_rng(rng)
    noise_state = None if noise is None else noise.initial_state(rng, (n_batch,), np.float64, params.dt)
    vs = np.empty((n_batch, n_steps))
    spikes = np.zeros((n_batch, n_steps))
    synaptic = hasattr(state, "i_syn")
    i_syn = np.empty((n_batch, n_steps)) if synaptic else None
    for n in range(n_steps):
        xi = None
        if noise is not None:
            noise_state, xi = noise.sample(noise_state, rng, params.dt)
        state, s, _ = params.step(state, batch[:, n], noise=xi)
        vs[:, n] = state.v
        spikes[:, n] = s
        if i_syn is not None:
            i_syn[:, n] = state.i_syn

    t = (np.arange(n_steps) + 1) * params.dt
    times = [t[row > 0] for row in spikes]
    rate = spikes.sum(axis=1) / (n_steps * params.dt) * 1000.0
    if i.ndim == 1:
        return LIFResult(vs[0], spikes[0], times[0], float(rate[0]), t, params, None if i_syn is None else i_syn[0])
    return LIFResult(vs, spikes, times, rate, t, params, i_syn)


def simulate_lif(current: ArrayLike, params: LIFParams, v0: ArrayLike = 0.0, method: str | None = None) -> LIFResult:
    """:func:`simulate` without noise; ``method`` ("euler" or "exact"), when given, overrides ``params.method``.

    Per step, in the order of :meth:`LIFParams.step`: integrate, hold refractory neurons, spike where
    V >= v_th, reset, start the refractory period.
    """
    if method is not None:
        if method not in METHODS:
            raise ValueError(f"simulate_lif: method must be one of {METHODS}, got method={method!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the caller's params already warned, if at all
            params = replace(params, method=method)
    return simulate(current, params, v0)


# ------------------------------------------------------------------------------------------ closed forms
def v_constant_current(t: ArrayLike, current: ArrayLike, params: LIFParams, v0: ArrayLike = 0.0) -> np.ndarray:
    """Sub-threshold solution for constant current: V(t) = R I + (v0 - R I) exp(-t/tau) (no threshold).

    ``t`` [ms], ``current`` and ``v0`` broadcast together; returns an array of the broadcast shape.
    """
    ri = params.R * np.asarray(current, dtype=np.float64)
    return ri + (np.asarray(v0, dtype=np.float64) - ri) * np.exp(-np.asarray(t, dtype=np.float64) / params.tau)


def rheobase(params: LIFParams) -> float:
    """Rheobase current v_th / R: constant currents above it make the neuron fire, below it never."""
    return params.rheobase


def time_to_first_spike(current: ArrayLike, params: LIFParams, v0: float = 0.0) -> np.ndarray:
    """Time [ms] for V(t) (constant current, from v0 < v_th) to reach v_th: tau ln((R I - v0)/(R I - v_th)).

    Computed as tau * log1p((v_th - v0)/(R I - v_th)), the same quantity, accurate for large currents.
    inf where R I <= v_th (the neuron never reaches threshold). Vectorised over ``current``.
    """
    if not v0 < params.v_th:
        raise ValueError(f"time_to_first_spike: v0 must be < v_th={params.v_th}, got v0={v0!r}")
    ri = params.R * np.asarray(current, dtype=np.float64)
    above = ri > params.v_th
    gap = np.where(above, ri - params.v_th, 1.0)  # placeholder 1.0 where masked out below
    return np.where(above, params.tau * np.log1p((params.v_th - v0) / gap), np.inf)[()]


def isi(current: ArrayLike, params: LIFParams) -> np.ndarray:
    """Inter-spike interval [ms] for constant current: t_ref + tau ln((R I - v_reset)/(R I - v_th)).

    After each spike the neuron sits at v_reset for t_ref, then charges to threshold. inf below rheobase.
    This is continuous time; a simulation with step dt rounds each part up to whole steps.
    """
    return params.t_ref + time_to_first_spike(current, params, v0=params.v_reset)


def firing_rate(current: ArrayLike, params: LIFParams) -> np.ndarray:
    """f-I curve [Hz]: 1000 / (t_ref + tau ln((R I - v_reset)/(R I - v_th))), and 0 where R I <= v_th.

    Vectorised over ``current``. Continuous time, reset to v_reset; "subtract" gives the same curve in
    continuous time (V is exactly v_th at the crossing). The rate tends to 1000/t_ref as I -> inf, never above;
    a simulation on a grid of step dt saturates lower, at :attr:`LIFParams.max_rate_hz`.
    Raises ValueError for reset="none" with ref_steps = 0 (V stays above threshold: no finite rate).
    """
    if params.reset == "none" and params.ref_steps == 0:
        raise ValueError("firing_rate: reset='none' with ref_steps=0 has no finite firing rate")
    with np.errstate(divide="ignore"):
        return (1000.0 / isi(current, params))[()]


def current_for_rate(rate_hz: ArrayLike, params: LIFParams) -> np.ndarray:
    """Inverse f-I curve: the constant current whose :func:`firing_rate` is ``rate_hz`` (0 < rate < 1000/t_ref).

    Solving 1000/rate = t_ref + tau ln((R I - v_reset)/(R I - v_th)) for I, with charge time
    T = 1000/rate - t_ref [ms]: I = (v_th + (v_th - v_reset) / (exp(T/tau) - 1)) / R (exp(T/tau) - 1 via expm1).
    """
    f = np.asarray(rate_hz, dtype=np.float64)
    charge = 1000.0 / f - params.t_ref
    if np.any(f <= 0) or np.any(charge <= 0):
        top = 1000.0 / params.t_ref if params.t_ref > 0 else np.inf
        raise ValueError(f"current_for_rate: rate_hz must be in (0, {top}) Hz, got {rate_hz!r}")
    return ((params.v_th + (params.v_th - params.v_reset) / np.expm1(charge / params.tau)) / params.R)[()]
