"""The torch side of :mod:`minisnn.export`: the modules an exported network is built from.

Self-contained: these files import torch, NumPy (for :class:`~.layers.NumpyRandom` only) and the standard library,
never minisnn, so an exported network runs -- on any device, under DistributedDataParallel -- without minisnn's code
(the tests check the imports and trace a forward and backward pass). Private (``_torch``) because it imports torch:
``import minisnn.export`` does not, and the documentation is built without torch.
"""

from .fills import biharmonic_fill, classical_fills, harmonic_fill
from .layers import (
    Dropout,
    Noise,
    NumpyRandom,
    RecurrentSpiking,
    SNNConv2d,
    Spiking,
    SpikingOutput,
    TimeDistributed,
    TorchRandom,
)
from .neurons import ALIF, IF, LIF, Alpha, Izhikevich, Synaptic
from .scnn import SCNN
from .surrogate import TorchSurrogate

__all__ = [
    "ALIF",
    "IF",
    "LIF",
    "SCNN",
    "Alpha",
    "Dropout",
    "Izhikevich",
    "Noise",
    "NumpyRandom",
    "RecurrentSpiking",
    "SNNConv2d",
    "Spiking",
    "SpikingOutput",
    "Synaptic",
    "TimeDistributed",
    "TorchRandom",
    "TorchSurrogate",
    "biharmonic_fill",
    "classical_fills",
    "harmonic_fill",
]
