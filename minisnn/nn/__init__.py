"""Neural-network building blocks: Module, Parameter, layers (spiking ones in :mod:`minisnn.nn.spiking`)."""

from minisnn.nn import init
from minisnn.nn.layers import (
    AvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    TimeDistributed,
)
from minisnn.nn.lif import DEFAULT_NEURON, LIF, LIFOutput, NonFiniteCurrentError, Spiking, SpikingOutput, Synaptic
from minisnn.nn.module import Module, Parameter, StateDictError
from minisnn.nn.spiking import SNNConv2d

__all__ = [
    "DEFAULT_NEURON",
    "NonFiniteCurrentError",
    "LIF",
    "AvgPool2d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Linear",
    "MaxPool2d",
    "LIFOutput",
    "Module",
    "Parameter",
    "ReLU",
    "SNNConv2d",
    "Spiking",
    "SpikingOutput",
    "Synaptic",
    "Sequential",
    "Sigmoid",
    "StateDictError",
    "TimeDistributed",
    "init",
]
