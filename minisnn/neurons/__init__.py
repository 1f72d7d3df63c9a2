"""The neuron wing: one file per neuron model, all on one small protocol (:mod:`minisnn.neurons.base`).

Models (times in ms), each in its own file with its equations, integrator and closed forms:

* :class:`LIFParams` -- leaky integrate-and-fire (:mod:`~minisnn.neurons.lif`, :mod:`~minisnn.neurons.lif_theory`);
* :class:`SynapticParams` -- LIF fed by an exponential synaptic current (:mod:`~minisnn.neurons.synaptic`);
* :class:`AlphaParams` -- LIF fed by an alpha-shaped synaptic current (:mod:`~minisnn.neurons.alpha`);
* :class:`ALIFParams` -- adaptive LIF, a threshold that rises with every spike (:mod:`~minisnn.neurons.alif`);
* :class:`IzhikevichParams` -- Izhikevich's two-variable model in mV (:mod:`~minisnn.neurons.izhikevich`);
* :class:`IFParams` -- integrate-and-fire without leak, the neuron of ANN→SNN conversion
  (:mod:`~minisnn.neurons.integrate_and_fire`).

Each has its parameters and checks, ``initial_state``, the one
``step(state, current, ops, noise) -> (spikes, state)`` and ``to_dict``; :func:`model_from_dict` is the one registry
that turns a dict back into a model. :func:`simulate` runs any model in NumPy. Add your own model: see the
contributing guide ("Add your own neuron").
"""

from minisnn.neurons.alif import ALIFParams, ALIFState
from minisnn.neurons.alpha import AlphaParams, AlphaState
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
from minisnn.neurons.integrate_and_fire import IFParams, IFState, if_rate
from minisnn.neurons.izhikevich import IzhikevichParams, IzhikevichState
from minisnn.neurons.lif import LIFParams, LIFState
from minisnn.neurons.simulate import LIFResult, SimulationResult, simulate, simulate_lif
from minisnn.neurons.synaptic import SynapticParams, SynapticState

__all__ = [
    "NUMPY_OPS",
    "ALIFParams",
    "ALIFState",
    "AlphaParams",
    "AlphaState",
    "ArrayOps",
    "IFParams",
    "IFState",
    "IzhikevichParams",
    "IzhikevichState",
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
    "if_rate",
    "is_neuron_model",
    "model_from_dict",
    "register",
    "registered_models",
    "simulate",
    "simulate_lif",
]
