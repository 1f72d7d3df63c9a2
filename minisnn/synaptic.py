"""The current-based LIF neuron ("synaptic" neuron) in one namespace for the lessons: the model and its closed forms
(the code lives in :mod:`minisnn.neurons.synaptic`).

    tau_syn dI_s/dt = -I_s + I,    C dV/dt = I_s - V/R
"""

from minisnn.neurons.synaptic import (
    SynapticParams,
    SynapticState,
    exact_coefficients,
    i_step_response,
    psc_kernel,
    psp_kernel,
    steady_state_firing_rate,
    time_to_first_spike,
    v_step_response,
)

__all__ = [
    "SynapticParams",
    "SynapticState",
    "exact_coefficients",
    "i_step_response",
    "psc_kernel",
    "psp_kernel",
    "steady_state_firing_rate",
    "time_to_first_spike",
    "v_step_response",
]
