"""The leaky integrate-and-fire (LIF) neuron in one namespace, for the LIF lessons: the model, THE step, the simulator
and the closed forms (the code lives in :mod:`minisnn.neurons`: :mod:`~minisnn.neurons.lif`,
:mod:`~minisnn.neurons.lif_theory`, :mod:`~minisnn.neurons.simulate`, :mod:`~minisnn.neurons.base`).

    C dV/dt = I - V/R,   tau = R C [ms];   spike when V >= v_th, then reset and an optional refractory period.
"""

from minisnn.neurons.base import NUMPY_OPS, ArrayOps, fire_and_reset, model_from_dict
from minisnn.neurons.lif import METHODS, REFRACTORY_MODES, RESET_MODES, LIFParams, LIFState, euler_step, exact_step
from minisnn.neurons.lif_theory import (
    current_for_rate,
    firing_rate,
    isi,
    rheobase,
    time_to_first_spike,
    v_constant_current,
)
from minisnn.neurons.simulate import LIFResult, SimulationResult, simulate, simulate_lif

#: The one registry (:func:`minisnn.neurons.model_from_dict`) under the name earlier checkpoints' code used.
neuron_from_dict = model_from_dict

__all__ = [
    "METHODS",
    "NUMPY_OPS",
    "REFRACTORY_MODES",
    "RESET_MODES",
    "ArrayOps",
    "LIFParams",
    "LIFResult",
    "LIFState",
    "SimulationResult",
    "current_for_rate",
    "euler_step",
    "exact_step",
    "fire_and_reset",
    "firing_rate",
    "isi",
    "model_from_dict",
    "neuron_from_dict",
    "rheobase",
    "simulate",
    "simulate_lif",
    "time_to_first_spike",
    "v_constant_current",
]
