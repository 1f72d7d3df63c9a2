"""Neural-network building blocks: Module, Parameter, layers (spiking ones in :mod:`minisnn.nn.spiking`)."""

from minisnn.nn import init
from minisnn.nn.layers import Conv2d, ReLU, Sequential, Sigmoid
from minisnn.nn.module import Module, Parameter, StateDictError

__all__ = ["Conv2d", "Module", "Parameter", "ReLU", "Sequential", "Sigmoid", "StateDictError", "init"]
