"""Other libraries' names for minisnn's neurons: snnTorch, SpikingJelly and Norse (each checked in the tests by
writing that library's documented update by hand and comparing spikes and potentials step by step, and -- when the
library is installed -- by running it: tests/neurons/test_library_twins.py).

* :func:`translate` -- any model with a twin: it dispatches on the model's class;
* :func:`translate_lif` -- a :class:`~minisnn.neurons.lif.LIFParams` neuron (``method="euler"``);
* :func:`translate_synaptic` -- a :class:`~minisnn.neurons.synaptic.SynapticParams` neuron (``method="euler"``);
* :func:`translate_izhikevich` -- an :class:`~minisnn.neurons.izhikevich.IzhikevichParams` neuron (Norse).

The adaptive LIF (:class:`~minisnn.neurons.alif.ALIFParams`) and the alpha synapse
(:class:`~minisnn.neurons.alpha.AlphaParams`) have no twin in these libraries; :data:`NO_TWIN` names the nearest
look-alikes and how they differ (the docs page "Neuron models" has the whole table, Brian2 included).

Two look-alikes that are *not* the same model:

* snnTorch's ``Lapicque(R=R, C=C, time_step=dt, reset_mechanism="zero")`` integrates with this Euler step but
  computes its reset from the *previous* step's membrane: a neuron that fires at step n keeps its
  above-threshold value at n and is set to 0 at step n+1 whatever its input. It therefore fires exactly like
  minisnn's neuron with one refractory step (``t_ref = dt``, ``refractory="clamp"``, ``reset="zero"``), not
  with ``t_ref = 0``; its membrane differs only at the spike steps (above threshold there, v_reset here).
  Its default ``reset_mechanism="subtract"`` (also delayed) has no minisnn equivalent.
* snnTorch's ``Leaky`` defaults to ``reset_delay=True`` (the same one-step-late reset); ``reset_delay=False``
  resets in the same step, as minisnn does.
* ``detach_reset`` is SpikingJelly's option (``BaseNode(detach_reset=...)``, default False). snnTorch has no such
  option, and its two reset timings differ: with ``reset_delay=True`` (the default) the reset comes from
  ``SpikingNeuron.mem_reset``, which returns ``spike_grad(...).detach()`` -- no gradient through the reset, like
  minisnn's ``detach_reset=True``; with ``reset_delay=False`` the same-step reset subtracts the spike itself, not
  detached -- minisnn's default ``detach_reset=False`` (the tests compare the gradients of ``RLeaky`` and ``Leaky``).
"""

from __future__ import annotations

import math
from typing import Any

from minisnn.neurons.alif import ALIFParams
from minisnn.neurons.alpha import AlphaParams
from minisnn.neurons.izhikevich import IzhikevichParams
from minisnn.neurons.lif import LIFParams
from minisnn.neurons.synaptic import SynapticParams

#: Models without a twin in snnTorch, Norse or SpikingJelly: the nearest look-alikes and how they differ.
NO_TWIN = {
    "ALIFParams": (
        "Norse's LSNN (lsnn_feed_forward_step) is the same idea (Bellec et al. 2018) but feeds the input through a "
        "synaptic current, relaxes its threshold towards v_th by an Euler step and resets V to v_reset; snnTorch and "
        "SpikingJelly have no threshold adaptation (a learnable threshold is another thing)"
    ),
    "AlphaParams": (
        "snnTorch's Alpha is not it: below threshold it is the exponential synapse (translate_synaptic's "
        "'snntorch_alpha'); NEST's iaf_psc_alpha and a Brian2 model with two equal synaptic filters are"
    ),
}


def translate(params: Any) -> dict[str, Any]:
    """The same neuron in other libraries' terms: :func:`translate_lif`, :func:`translate_synaptic` or
    :func:`translate_izhikevich` by the model's class (a subclass that keeps its parent's ``step`` counts as its
    parent). Raises ValueError for a model without a twin (:data:`NO_TWIN` says why and what comes nearest) and
    TypeError for something that is not a neuron model."""
    for cls, function in ((SynapticParams, translate_synaptic), (IzhikevichParams, translate_izhikevich),
                          (LIFParams, translate_lif)):  # fmt: skip
        if isinstance(params, cls) and type(params).step is cls.step:
            return function(params)
    name = type(params).__name__
    for cls in (ALIFParams, AlphaParams):
        if isinstance(params, cls):
            raise ValueError(
                f"translate: {name} has no twin in snnTorch, Norse or SpikingJelly: {NO_TWIN[cls.__name__]}"
            )
    raise TypeError(f"translate: expected a minisnn neuron model with a twin, got {name}")


def translate_lif(params: LIFParams) -> dict[str, dict[str, Any]]:
    """The same LIF neuron in other libraries' terms (sub-threshold update, threshold and same-step reset).

    We map onto each library's membrane ``U = V - v_reset`` (``"membrane_offset"``), so that its threshold is
    v_th - v_reset and its reset value is 0; this makes "subtract" match too. The library's initial membrane is then
    U0 = V0 - v_reset (a neuron at rest at V0 = 0 starts at U0 = -v_reset, not at 0). With v_reset = 0 (the default
    and the paper) all offsets vanish. Each entry gives constructor arguments plus ``input_scale`` and
    ``input_offset``: feed the library ``x = input_scale * I + input_offset``.
    Ours: V[n+1] = beta V[n] + (dt/C) I[n], beta = 1 - dt/tau.

    - ``"snntorch"``: ``snntorch.Leaky(beta, threshold, reset_mechanism, reset_delay=False)`` computes
      U[t+1] = beta U[t] + x[t] with the input unscaled, so beta = 1 - dt/tau (the Euler form the snnTorch
      tutorials derive; some users take exp(-dt/tau), which is the exact step only if the input is also
      scaled by R(1 - exp(-dt/tau))), x = (dt/C) I - (dt/tau) v_reset, threshold = v_th - v_reset.
      ``reset_delay=False`` resets in the same step as ours; the default ``True`` resets one step later.
      ``snntorch.Lapicque(R=R, C=C, time_step=dt)`` integrates I (unscaled) with this same Euler step,
      although the ``beta`` attribute it stores is exp(-dt/RC) -- but its reset is one step late, so it
      matches minisnn with ``t_ref = dt`` (see the module docstring), not this neuron.
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


def translate_synaptic(params: Any) -> dict[str, dict[str, Any]]:
    """A :class:`~minisnn.synaptic.SynapticParams` neuron (``method="euler"``) in snnTorch and Norse terms.

    Ours (Euler): u[n] = beta V[n-1] + g I_s[n-1],  I_s[n] = alpha I_s[n-1] + b I[n]  with g = dt/C,
    beta = 1 - dt/tau_m, alpha = 1 - dt/tau_syn, b = dt/tau_syn (then threshold, reset). Mapped on the
    membrane U = V - v_reset as in :func:`translate`.

    - ``"norse"``: ``LIFParameters(tau_syn_inv=1/tau_syn, tau_mem_inv=1/tau_m, v_leak=-v_reset, v_th=v_th -
      v_reset, v_reset=0)`` with ``dt``: Norse's ``lif_feed_forward_step`` computes v' = v + dt tau_mem_inv
      (v_leak - v + i) from the *old* current, then i' = i (1 - dt tau_syn_inv) + x -- our order, with
      Norse's i = R I_s (in volts) and the input x[n] = R b I[n] (``input_scale`` = R dt/tau_syn).
    - ``"snntorch"``: ``Synaptic(alpha, beta, threshold, reset_mechanism, reset_delay=False)`` computes
      syn[n] = alpha syn[n-1] + x[n], mem[n] = beta mem[n-1] + syn[n]: the *updated* current reaches the
      membrane in the same step. With syn[n] = g I_s[n-1] - (1 - beta) v_reset it is our step when fed our
      input one step later, x[n] = g b I[n-1] - (1 - alpha)(1 - beta) v_reset (``input_delay`` = 1 step,
      ``input_scale`` = g b, I[-1] = 0), starting from syn = -(1 - beta) v_reset (``initial_syn``, passed
      to snnTorch as the initial ``syn`` state; 0 when v_reset = 0).

    - ``"snntorch_alpha"``: ``Alpha(alpha, beta, threshold)`` -- despite its name, below threshold the same neuron:
      its mem[n] = τ_α(syn_exc[n] + syn_inh[n]) = τ_α Σ_k (αᵏ - βᵏ) x[n-k], τ_α = ln α/(ln β - ln α) + 1, and our
      V[n] = g b Σ_k (αᵏ - βᵏ)/(α - β) I[n-k]; so mem = V for x = g b/((α - β) τ_α)·I (``input_scale``). Only
      for α > β (τ_syn > τ_m, which snnTorch requires) and v_reset = 0, else None. Its resets are another model's
      (one step late, and "zero" clears both traces): equal spikes only up to the first reset.

    Both spike when U > threshold (strict); neither has a refractory period. Raises ValueError for
    ``method="exact"``: no library above has a step with the exact coefficients.
    """
    p = params
    if p.method != "euler":
        raise ValueError("translate_synaptic: only method='euler' has counterparts in snnTorch and Norse")
    shift = p.v_reset
    g, b = p.input_gain, p.dt / p.tau_syn
    hard = {"zero": True, "subtract": False, "none": None}[p.reset]
    alpha_twin = None
    a, beta = p.alpha_euler, p.beta_euler
    if 0 < beta < a < 1 and shift == 0:
        tau_alpha = math.log(a) / (math.log(beta) - math.log(a)) + 1
        alpha_twin = {"alpha": a, "beta": beta, "threshold": p.v_th, "input_scale": g * b / ((a - beta) * tau_alpha)}
    return {
        "membrane_offset": {"v_reset": shift},
        "snntorch_alpha": alpha_twin,
        "snntorch": {
            "alpha": p.alpha_euler,
            "beta": p.beta_euler,
            "threshold": p.v_th - shift,
            "reset_mechanism": p.reset,
            "reset_delay": False,
            "input_scale": g * b,
            "input_offset": -(1 - p.alpha_euler) * (1 - p.beta_euler) * shift,
            "input_delay": 1,
            "initial_syn": -(1 - p.beta_euler) * shift,
        },
        "norse": {
            "tau_syn_inv": 1.0 / p.tau_syn,
            "tau_mem_inv": 1.0 / p.tau,
            "dt": p.dt,
            "v_leak": -shift,
            "v_th": p.v_th - shift,
            "v_reset": 0.0,
            "reset_method": {True: "reset_value", False: "reset_subtract", None: None}[hard],
            "input_scale": p.R * b,
            "input_offset": 0.0,
        },
    }


def translate_izhikevich(params: IzhikevichParams, norse_dt_s: float = 0.001) -> dict[str, dict[str, Any]]:
    """An :class:`~minisnn.neurons.izhikevich.IzhikevichParams` neuron in Norse's terms.

    ``"norse"``: ``IzhikevichParameters(a, b, c, d, sq=0.04, mn=5, bias=140, v_th=v_peak, tau_inv)`` with
    ``izhikevich_feed_forward_step(I, state, p, dt=norse_dt_s)``: its step v' = v + tau_inv·dt·(sq v² + mn v + bias
    - u + I), u' = u + tau_inv·dt·a(b v - u), both from the values at the start of the step, then v <- c, u <- u + d
    where v' > v_th -- ours, with tau_inv·dt = our dt in ms (``tau_inv = dt_ms / norse_dt_s``); start it from
    ``IzhikevichState(v=v_init, u=b·v_init)``. It spikes when v > v_th (strict), we when v >= v_peak.
    SpikingJelly's ``IzhikevichNode`` is the same family in another parametrisation (tau, v_c, a0, ...): not mapped.
    """
    p = params
    return {
        "norse": {
            "a": p.a, "b": p.b, "c": p.c, "d": p.d, "sq": 0.04, "mn": 5.0, "bias": 140.0, "v_th": p.v_peak,
            "tau_inv": p.dt / norse_dt_s, "dt": norse_dt_s, "v_init": p.v_init, "u_init": p.b * p.v_init,
        },
    }  # fmt: skip
