"""Neural-network building blocks: Module, Parameter, layers; spiking layers in :mod:`minisnn.nn.spiking` (the one
time loop), :mod:`minisnn.nn.recurrent`, :mod:`minisnn.nn.snn_conv`; recordings in :mod:`minisnn.nn.recording`."""

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
from minisnn.nn.module import Module, Parameter, StateDictError
from minisnn.nn.recording import Recording, record
from minisnn.nn.recurrent import RecurrentSpiking
from minisnn.nn.snn_conv import SNNConv2d
from minisnn.nn.spiking import (
    DEFAULT_NEURON,
    LIF,
    OUTPUTS,
    LIFOutput,
    NonFiniteCurrentError,
    Spiking,
    SpikingOutput,
    Synaptic,
)

__all__ = [
    "DEFAULT_NEURON",
    "OUTPUTS",
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
    "Recording",
    "RecurrentSpiking",
    "SNNConv2d",
    "Spiking",
    "SpikingOutput",
    "Synaptic",
    "Sequential",
    "Sigmoid",
    "StateDictError",
    "TimeDistributed",
    "init",
    "record",
]
