"""The neuron wing: one file per neuron model, all on one small protocol (:mod:`minisnn.neurons.base`).

Models (times in ms): :class:`LIFParams` (leaky integrate-and-fire), :class:`SynapticParams` (LIF fed by an
exponential synaptic current). Each has its parameters and checks, ``initial_state``, the one
``step(state, current, ops, noise) -> (spikes, state)`` and ``to_dict``; :func:`model_from_dict` is the one registry
that turns a dict back into a model. :func:`simulate` runs any model in NumPy. Add your own model: see the
contributing guide ("Add your own neuron").
"""

from minisnn.neurons.base import (
    NUMPY_OPS,
    ArrayOps,
    BoundModel,
    LinearForm,
    NeuronModel,
    fire_and_reset,
    is_neuron_model,
    model_from_dict,
    register,
    registered_models,
)
from minisnn.neurons.lif import LIFParams, LIFState
from minisnn.neurons.simulate import LIFResult, SimulationResult, simulate, simulate_lif
from minisnn.neurons.synaptic import SynapticParams, SynapticState

__all__ = [
    "NUMPY_OPS",
    "ArrayOps",
    "BoundModel",
    "LIFParams",
    "LIFResult",
    "LIFState",
    "LinearForm",
    "NeuronModel",
    "SimulationResult",
    "SynapticParams",
    "SynapticState",
    "fire_and_reset",
    "is_neuron_model",
    "model_from_dict",
    "register",
    "registered_models",
    "simulate",
    "simulate_lif",
]
