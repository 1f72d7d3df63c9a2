"""The leaky integrate-and-fire (LIF) neuron in plain NumPy: parameters, one time step, simulation, closed forms.

The model is an RC circuit driven by a current I(t) (time in ms throughout)::

    C dV/dt = I - V/R          equivalently   tau dV/dt = -V + R I,   tau = R C   [ms]

with a threshold: when V >= v_th the neuron emits a spike, V is reset and the neuron may stay refractory for
``t_ref`` ms. R and C are in arbitrary but consistent units (R*C must come out in ms); V is in units of the
threshold and I in units of V/R.

This module imports nothing from the rest of minisnn. The autodiff ``LIF`` layer imports :class:`LIFParams`
and :func:`euler_step` from here, so the Euler update is written exactly once. The comparison of integrators
(Euler, exponential, Heun, RK4) lives in :mod:`minisnn.integrators`.
"""

import math
import warnings
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

RESET_MODES = ("zero", "subtract", "none")
State = TypeVar("State")  # an ndarray, a float, or an autodiff Tensor: anything with * and + by a float


@dataclass(frozen=True)
class LIFParams:
    """Parameters of a LIF neuron with time step ``dt`` (all times in ms).

    Fields: ``R`` membrane resistance, ``C`` membrane capacitance, ``dt`` time step [ms], ``v_th`` threshold,
    ``v_reset`` reset potential, ``t_ref`` refractory period [ms], ``reset`` one of ``"zero"`` (V <- v_reset),
    ``"subtract"`` (V <- V - (v_th - v_reset)) or ``"none"`` (V unchanged).

    Derived: ``tau = R*C`` [ms], ``beta_euler = 1 - dt/tau``, ``beta_exact = exp(-dt/tau)``,
    ``rheobase = v_th/R``, ``input_gain = dt/C``, ``ref_steps = ceil(t_ref/dt - 1e-9)``.

    Raises ValueError for non-positive or non-finite R, C or dt, non-finite v_th, v_reset or t_ref,
    t_ref < 0, an unknown reset, or v_reset >= v_th. Warns (RuntimeWarning) when dt >= tau (explicit Euler
    overshoots: beta_euler <= 0) and, more strongly, when dt >= 2*tau (Euler unstable: ``|beta_euler| >= 1``).
    """

    R: float
    C: float
    dt: float
    v_th: float = 1.0
    v_reset: float = 0.0
    t_ref: float = 0.0
    reset: str = "zero"

    def __post_init__(self) -> None:
        for name in ("R", "C", "dt", "v_th", "v_reset", "t_ref"):  # store plain Python floats
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("R", "C", "dt"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"LIFParams: {name} must be positive and finite, got {name}={value!r}")
        for name in ("v_th", "v_reset", "t_ref"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"LIFParams: {name} must be finite, got {name}={value!r}")
        if self.t_ref < 0:
            raise ValueError(f"LIFParams: t_ref must be >= 0 ms, got t_ref={self.t_ref!r}")
        if self.reset not in RESET_MODES:
            raise ValueError(f"LIFParams: reset must be one of {RESET_MODES}, got reset={self.reset!r}")
        if self.v_reset >= self.v_th:
            raise ValueError(f"LIFParams: v_reset must be < v_th, got v_reset={self.v_reset!r}, v_th={self.v_th!r}")
        if self.dt >= 2 * self.tau:
            warnings.warn(
                f"LIFParams: dt={self.dt} >= 2*tau={2 * self.tau}: explicit Euler is unstable "
                f"(beta_euler = 1 - dt/tau = {self.beta_euler:.4g}, |beta_euler| >= 1); use a smaller dt "
                "or the exact step",
                RuntimeWarning,
                stacklevel=3,
            )
        elif self.dt >= self.tau:
            warnings.warn(
                f"LIFParams: dt={self.dt} >= tau={self.tau}: explicit Euler no longer decays smoothly "
                f"(beta_euler = 1 - dt/tau = {self.beta_euler:.4g} <= 0: at dt = tau it jumps to the steady "
                "state in one step, beyond it overshoots and oscillates); use a smaller dt or the exact step",
                RuntimeWarning,
                stacklevel=3,
            )

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
    def ref_steps(self) -> int:
        """Refractory period in whole steps, ceil(t_ref/dt - 1e-9) (the 1e-9 absorbs 2.1/0.3 = 7.000...01)."""
        return math.ceil(self.t_ref / self.dt - 1e-9)

    @classmethod
    def paper(cls, dt: float = 1.0) -> "LIFParams":
        """The neuron of the seed paper's Table 1 (hybrid spiking-convolutional inpainting network).

        Table 1 -> field: threshold 1 -> v_th=1; reset potential 0 -> v_reset=0, reset="zero"; refractory
        period 1 ms -> t_ref=1.0; capacitance 80 -> C=80; membrane time constant 40 ms -> R = tau/C = 40/80 = 0.5.
        The table gives no time step: we choose dt = 1 ms (so ref_steps = 1). The other entries (noise, rate
        range, synaptic time constant) are in :class:`PaperTable1`.
        """
        return cls(R=0.5, C=80.0, dt=dt, v_th=1.0, v_reset=0.0, t_ref=1.0, reset="zero")

    def translate(self) -> dict[str, dict[str, Any]]:
        """The same neuron in snnTorch, SpikingJelly and Norse terms; see :func:`translate`."""
        return translate(self)


@dataclass(frozen=True)
class PaperTable1:
    """The non-neuron entries of the seed paper's Table 1, and where each goes in minisnn.

    - ``noise_std = 0.1`` -> ``SNNConv2d(noise_std=0.1)``. The table says "noise 0.1" with no unit or
      distribution; we read it as the standard deviation of a Gaussian added to the input current at every
      time step (train mode only).
    - ``rate_range_hz = (100, 200)`` -> the rate encoder's ``f_min``/``f_max`` [Hz]. With ``LIFParams.paper()``
      these rates need constant currents of about 9.9 and 21 (see :func:`current_for_rate`).
    - ``tau_syn_ms = 60.0`` -> an optional exponential synaptic current filter, tau_syn dI_syn/dt = -I_syn + I;
      the default layer does not use it (it drives V with I directly).

    Ambiguities and our reading: the capacitance unit is not given, so we take C = 80 in the same arbitrary
    units as the current, and tau_m = 40 ms with C = 80 fixes R = 0.5; the time step is not given (we use
    dt = 1 ms); the noise magnitude 0.1 has no unit (read as above).
    """

    noise_std: float = 0.1
    rate_range_hz: tuple[float, float] = (100.0, 200.0)
    tau_syn_ms: float = 60.0


def translate(params: LIFParams) -> dict[str, dict[str, Any]]:
    """The same neuron in other libraries' terms (sub-threshold update, threshold and same-step reset).

    We map onto each library's membrane ``U = V - v_reset`` (``"membrane_offset"``), so that its threshold is
    v_th - v_reset and its reset value is 0; this makes "subtract" match too. With v_reset = 0 (the default
    and the paper) all offsets vanish. Each entry gives constructor arguments plus ``input_scale`` and
    ``input_offset``: feed the library ``x = input_scale * I + input_offset``.
    Ours: V[n+1] = beta V[n] + (dt/C) I[n], beta = 1 - dt/tau.

    - ``"snntorch"``: ``snntorch.Leaky(beta, threshold, reset_mechanism, reset_delay=False)`` computes
      U[t+1] = beta U[t] + x[t] with the input unscaled, so beta = 1 - dt/tau (the Euler form the snnTorch
      tutorials derive; some users take exp(-dt/tau), which is the exact step only if the input is also
      scaled by R(1 - exp(-dt/tau))), x = (dt/C) I - (dt/tau) v_reset, threshold = v_th - v_reset.
      ``reset_delay=False`` resets in the same step as ours; the default ``True`` resets one step later.
      ``snntorch.Lapicque(R=R, C=C, time_step=dt)`` integrates I (unscaled) with this same Euler step,
      although the ``beta`` attribute it stores is exp(-dt/RC).
    - ``"spikingjelly"``: ``LIFNode(tau=tau/dt, decay_input=True, v_threshold, v_reset)`` computes
      U[t] = U[t-1] + (x[t] - (U[t-1] - V_reset))/tau_steps with V_reset = 0 (hard) or None (soft, leak to 0);
      with x = R I - v_reset this is our step V + (R I - V) dt/tau = V + (dt/C)(I - V/R) for U = V - v_reset.
      Reset "zero" -> v_reset=0.0 (hard reset); "subtract" -> v_reset=None (soft reset, subtracts
      v_threshold). SpikingJelly requires tau_steps > 1, i.e. dt < tau.
    - ``"norse"``: ``LIFBoxParameters(tau_mem_inv, v_leak=0, v_th, v_reset=0)`` with ``dt`` computes
      dv = dt tau_mem_inv (x + v_leak - v), so x = R I - v_reset. Norse's defaults are in seconds
      (dt=0.001, tau_mem_inv=100 1/s); only the product dt*tau_mem_inv = dt/tau matters, so we give both ms and
      s values. Reset "zero" -> ``reset_value``, "subtract" -> ``reset_subtract``. Norse's ``LIFParameters``
      adds a synaptic current: the input jumps into i after the voltage update and decays with tau_syn.

    snnTorch and Norse spike when U > threshold (strict), SpikingJelly and minisnn when V >= v_th. None of the
    three models above has a refractory period (``t_ref`` is ignored; Norse's ``LIFRefrac`` has one), and
    SpikingJelly has no "none" reset (``reset`` is then None).
    """
    p = params
    shift = p.v_reset
    hard = {"zero": True, "subtract": False, "none": None}[p.reset]
    return {
        "membrane_offset": {"v_reset": shift},
        "snntorch": {
            "beta": p.beta_euler,
            "threshold": p.v_th - shift,
            "reset_mechanism": p.reset,
            "reset_delay": False,
            "input_scale": p.dt / p.C,
            "input_offset": -(p.dt / p.tau) * shift,
        },
        "spikingjelly": {
            "tau": p.tau / p.dt,
            "decay_input": True,
            "v_threshold": p.v_th - shift,
            "v_reset": 0.0 if hard else None,
            "reset": {True: "hard", False: "soft", None: None}[hard],
            "input_scale": p.R,
            "input_offset": -shift,
        },
        "norse": {
            "tau_mem_inv": 1.0 / p.tau,
            "dt": p.dt,
            "dt_times_tau_mem_inv": p.dt / p.tau,
            "tau_mem_inv_per_s": 1000.0 / p.tau,
            "dt_s": p.dt / 1000.0,
            "v_leak": 0.0,
            "v_th": p.v_th - shift,
            "v_reset": 0.0,
            "reset_method": {"zero": "reset_value", "subtract": "reset_subtract", "none": None}[p.reset],
            "input_scale": p.R,
            "input_offset": -shift,
        },
    }


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


@dataclass
class LIFResult:
    """Output of :func:`simulate_lif`.

    ``v``: membrane potential after each step (after reset), shape of the input current; ``spikes``: 0/1 float,
    same shape; ``spike_times``: spike times [ms] -- a 1-D array for 1-D input, else a list with one array per
    batch row; ``rate_hz``: spike count / (T*dt) * 1000 (float for 1-D input, else shape (B,));
    ``t``: time of each step [ms], t[n] = (n+1)*dt, shape (T,); ``params``: the LIFParams used.
    """

    v: np.ndarray
    spikes: np.ndarray
    spike_times: np.ndarray | list[np.ndarray]
    rate_hz: float | np.ndarray
    t: np.ndarray
    params: LIFParams


def _apply_reset(v: np.ndarray, spike: np.ndarray, params: LIFParams) -> np.ndarray:
    if params.reset == "zero":
        return np.where(spike, params.v_reset, v)
    if params.reset == "subtract":
        return v - spike * (params.v_th - params.v_reset)
    return v


def simulate_lif(current: ArrayLike, params: LIFParams, v0: ArrayLike = 0.0, method: str = "euler") -> LIFResult:
    """Simulate LIF neurons driven by ``current`` (one value per step), shape (T,) or (B, T).

    ``v0`` is the initial potential: a scalar, or shape (B,) for batched input. For each step n, in this
    order (the autodiff LIF layer follows the same order):

    1. integrate: V <- euler_step(V, I[n]) for ``method="euler"``, exact_step(V, I[n]) for ``"exact"``;
    2. neurons still refractory are held at V <- v_reset (and cannot spike);
    3. spike where V >= v_th;
    4. reset spiking neurons: "zero": V <- v_reset; "subtract": V <- V - (v_th - v_reset); "none": unchanged;
    5. spiking neurons become refractory for the following ``ref_steps`` steps.

    Step n ends at time t = (n+1)*dt [ms]. Raises ValueError for a wrong ndim, an empty time axis,
    non-finite current or v0, a v0 that does not match the batch, or an unknown method.
    """
    i = np.asarray(current, dtype=np.float64)
    if i.ndim not in (1, 2) or i.shape[-1] == 0:
        raise ValueError(f"simulate_lif: current must have shape (T,) or (B, T) with T >= 1, got shape {i.shape}")
    if not np.all(np.isfinite(i)):
        raise ValueError("simulate_lif: current contains NaN or inf")
    if method not in _STEPS:
        raise ValueError(f"simulate_lif: method must be one of {tuple(_STEPS)}, got method={method!r}")
    step = _STEPS[method]
    batch = i.reshape(-1, i.shape[-1])  # (B, T)
    n_batch, n_steps = batch.shape
    v_init = np.asarray(v0, dtype=np.float64)
    if v_init.ndim > 1 or (v_init.ndim == 1 and (i.ndim == 1 or v_init.shape[0] != n_batch)):
        raise ValueError(f"simulate_lif: v0 must be a scalar or shape ({n_batch},), got shape {v_init.shape}")
    if not np.all(np.isfinite(v_init)):
        raise ValueError("simulate_lif: v0 contains NaN or inf")

    v = np.broadcast_to(v_init, (n_batch,)).copy()
    ref_left = np.zeros(n_batch, dtype=np.int64)  # refractory steps still to serve
    vs = np.empty((n_batch, n_steps))
    spikes = np.zeros((n_batch, n_steps))
    for n in range(n_steps):
        v = step(v, batch[:, n], params)  # (1)
        refractory = ref_left > 0
        v = np.where(refractory, params.v_reset, v)  # (2)
        ref_left = np.where(refractory, ref_left - 1, ref_left)
        spike = (v >= params.v_th) & ~refractory  # (3)
        v = _apply_reset(v, spike, params)  # (4)
        ref_left = np.where(spike, params.ref_steps, ref_left)  # (5)
        vs[:, n] = v
        spikes[:, n] = spike

    t = (np.arange(n_steps) + 1) * params.dt
    times = [t[row > 0] for row in spikes]
    rate = spikes.sum(axis=1) / (n_steps * params.dt) * 1000.0
    if i.ndim == 1:
        return LIFResult(vs[0], spikes[0], times[0], float(rate[0]), t, params)
    return LIFResult(vs, spikes, times, rate, t, params)


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
    continuous time (V is exactly v_th at the crossing). The rate tends to 1000/t_ref as I -> inf, never above.
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
