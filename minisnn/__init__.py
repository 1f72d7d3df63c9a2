"""minisnn: a NumPy-only, from-scratch library for learning spiking neural networks.

The pieces, bottom up: :class:`Tensor` (reverse-mode autodiff), :mod:`minisnn.functional` (ops, im2col
convolution, losses), :func:`gradcheck`, :mod:`minisnn.nn` (modules, ``Conv2d``, ``SNNConv2d``),
:mod:`minisnn.neurons` (the neuron models; :mod:`minisnn.neuron` the LIF theory),
:mod:`minisnn.surrogate`, :mod:`minisnn.optim`, :mod:`minisnn.io`.
"""

# first: under `python -m minisnn`, a Ctrl-C during the imports below ends quietly (status 130)
from minisnn import _startup  # noqa: F401, I001  (isort: keep first)
from minisnn import encoding, functional, io, neuron, neurons, nn, noise, optim, spikestats, surrogate, synaptic
from minisnn.gradcheck import GradcheckError, gradcheck
from minisnn.neurons import LIFParams, SynapticParams
from minisnn.nn import LIF, Conv2d, SNNConv2d, Synaptic
from minisnn.noise import OUNoise, WhiteNoise
from minisnn.tensor import Function, Tensor, is_grad_enabled, no_grad, tensor

__version__ = "0.1.0"  # the one place the version is defined (pyproject.toml reads it)

__all__ = [
    "LIF",
    "Conv2d",
    "Function",
    "LIFParams",
    "OUNoise",
    "Synaptic",
    "SynapticParams",
    "WhiteNoise",
    "noise",
    "synaptic",
    "SNNConv2d",
    "encoding",
    "neuron",
    "neurons",
    "spikestats",
    "surrogate",
    "GradcheckError",
    "Tensor",
    "functional",
    "gradcheck",
    "io",
    "is_grad_enabled",
    "nn",
    "no_grad",
    "optim",
    "tensor",
]
