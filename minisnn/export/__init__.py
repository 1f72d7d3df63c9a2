"""Export a minisnn network to PyTorch and bring its trained weights back: the graduation path::

    import torch
    from minisnn import export
    twin = export.to_torch(model)                 # a torch.nn.Module, the same weights, the same forward
    ...                                           # train it with PyTorch: a GPU, DistributedDataParallel, ...
    export.from_torch(twin, into=model)           # the trained weights back into the minisnn model

:func:`to_torch` builds the network from torch operations only: the modules it returns are defined in a small
self-contained package (``minisnn/export/_torch/``, importing only torch and NumPy), so their forward and backward
passes run no minisnn code. Torch is imported only when these functions are called: ``import minisnn`` and
``import minisnn.export`` never import it.

**What is exported**, layer by layer, chosen by exact class (a subclass may compute something else: refused):

* ``Sequential``, ``Linear``, ``Conv2d``, ``ReLU``, ``Sigmoid``, ``Flatten``, ``AvgPool2d``, ``MaxPool2d`` → their
  ``torch.nn`` twins (pooling with PyTorch's own semantics, which minisnn follows: ``count_include_pad=True``);
* ``TimeDistributed`` and ``Dropout`` → small torch modules of the same behaviour (dropout keeps an element where
  a uniform draw is ≥ p, as minisnn);
* ``Spiking``, ``LIF``, ``Synaptic``, ``RecurrentSpiking`` → one torch time loop with every neuron model of
  :mod:`minisnn.neurons` (``LIFParams``, ``SynapticParams``, ``AlphaParams``, ``ALIFParams``, ``IFParams``,
  ``IzhikevichParams``; Euler or exact integrators, as their coefficients are computed by minisnn at export), every
  reset ("zero", "subtract", "none"), refractoriness ("clamp", "freeze"), ``detach_reset``, noise (white or OU),
  outputs "spikes", "rate", "membrane", a held current (``num_steps``) or a time series, learnable
  ``decay``/``v_th``, all-to-all and one-to-one recurrence;
* the surrogates of :mod:`minisnn.surrogate` (and their ``smooth`` stand-ins) as ``torch.autograd.Function``
  classes with the same σ'(x);
* ``SNNConv2d`` (with its input map and convolution noise) and the networks built from these: the digit classifiers
  of :func:`minisnn.classification.build` (MLP and CNN, spiking and ANN, the row task with recurrence and ALIF) and
  :class:`minisnn.inpainting.SCNN`, pre-fills and the 8-view self-ensemble included.

Anything else -- your own Module, neuron model or spike function -- raises :class:`ExportError` naming the layer
(its dotted path) and what export cannot write in torch. Parameter names are minisnn's: the twin's ``state_dict()``
has the keys of ``model.state_dict()``.

**Exactness.** In float64 the twin's forward equals minisnn's (spikes identical, values to rounding) and its
gradients equal minisnn's BPTT (the fused op's hand-written backward included) to rounding; tests/test_export.py
and tests/test_export_networks.py hold this for every layer and the three networks, and the round trip
minisnn → torch → minisnn is the identity on the weights. A non-spiking read-out (threshold +inf) is never reset,
in minisnn and in the twin alike (its reset term S·(θ − v_reset) is 0, not 0·∞).

**Noise and other randomness** (noise currents, ``SNNConv2d``'s convolution noise, dropout) is drawn from each
stochastic layer's ``random`` attribute, chosen by ``to_torch(..., noise=...)``: ``"torch"`` (default) draws with
torch (``torch.randn``; set ``layer.random = TorchRandom(generator)`` for a seeded ``torch.Generator``), which is
what training on a GPU wants; ``"minisnn"`` gives each layer a copy of its minisnn layer's NumPy Generator in its
current state (layers that share a Generator share the copy), so the twin draws exactly the numbers, in the order,
that the minisnn model would draw next: the same noise, the same outputs and gradients in training mode.

**Pre-fills** (``SCNN``'s "harmonic", "pde", "dual"): classical NumPy/SciPy solves on the input, neither learnable
nor differentiated. The exported SC-NN takes them as an argument, ``twin(inputs, fills)``, computed in the data
pipeline by :func:`classical_fills` (minisnn's own sparse solvers: exactly minisnn's numbers, fast for any hole)
-- or, when ``fills`` is left out, solved inside the twin by a torch implementation of the same linear systems
(dense LU, O(hole²) memory: fine for training crops; equal to minisnn's fills to rounding times the systems'
conditioning, which grows with the hole: measured 4e-15 for the harmonic and 7e-13 for the biharmonic fill of a
32×32 hole). Its self-ensemble turns the crop's fills with each of the 8 views (the fill of a turned crop is the
turned fill, to rounding).

**State**: as in minisnn, a spiking layer starts each forward at rest and keeps nothing; the twin's ``run(current,
state=None)`` returns the final state (a dict under minisnn's field names) and continues from one.

Not exported: recordings (``nn.record``: use forward hooks in torch), minisnn's input checks (a NaN current is
not refused by the twin: no device sync per step), and the optimiser's state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ExportError", "classical_fills", "from_torch", "to_torch"]


class ExportError(TypeError):
    """A layer (or its neuron model, spike function or noise) that :func:`to_torch` cannot write in torch; the
    message names the layer by its dotted path."""


def to_torch(module: Any, noise: str = "torch", dtype: Any = None) -> Any:
    """The ``torch.nn.Module`` twin of a minisnn module: torch operations only, the weights copied, the same
    training mode.

    Args:
        module: a minisnn :class:`~minisnn.nn.Module` built from the exportable layers (module docstring).
        noise: where the stochastic layers draw their numbers: ``"torch"`` (torch's generator) or ``"minisnn"``
            (copies of the minisnn layers' NumPy Generators: the same draws as minisnn's next forward passes).
        dtype: None keeps each weight's dtype (float32 as trained); ``torch.float64`` (or ``np.float64``) casts
            every weight, e.g. for exactness checks.

    Returns:
        The twin, with minisnn's parameter names -- a ``torch.nn.Sequential`` for a ``Sequential``, the exported
        SC-NN (called as ``twin(inputs, fills=None)``) for an ``SCNN``, and so on.

    Raises:
        ExportError: (a TypeError) naming the first layer that cannot be exported, and why.
        ImportError: PyTorch is not installed.
    """
    from minisnn.export._convert import to_torch as convert

    return convert(module, noise=noise, dtype=dtype)


def from_torch(torch_module: Any, into: Any) -> Any:
    """Copy the weights of a ``torch.nn.Module`` (e.g. a twin from :func:`to_torch`, trained; a
    ``DistributedDataParallel`` or ``DataParallel`` wrapper is unwrapped) into the minisnn module ``into``.

    Every parameter of ``into`` must have a floating-point tensor of the same name and shape in the torch module's
    ``state_dict()``, and the torch module nothing else; the values are cast to each minisnn parameter's dtype.
    Nothing is copied unless everything fits.

    Returns:
        ``into``, holding the torch module's weights.

    Raises:
        minisnn.nn.module.StateDictError: naming every missing, unexpected and wrongly shaped parameter (expected and
            given shapes).
        TypeError: an argument is not a module.
    """
    from minisnn.export._convert import from_torch as copy_back

    return copy_back(torch_module, into)


def classical_fills(inputs: np.ndarray, prefill: str) -> np.ndarray | None:
    """The classical fills an exported SC-NN with ``prefill`` takes as ``fills``, computed by minisnn's own solvers
    (NumPy/SciPy; no torch needed -- e.g. in DataLoader workers).

    Args:
        inputs: (N, 4, H, W) = masked RGB ⊕ mask (1 = missing), as the SC-NN takes them.
        prefill: "zero" (returns None: nothing to fill), "harmonic" → (N, 3, H, W) the harmonic fill; "pde" →
            (N, 3, H, W) the mean of the harmonic and biharmonic fills; "dual" → (N, 6, H, W) harmonic ⊕
            biharmonic. In the inputs' dtype, exactly the arrays minisnn's SCNN computes for one pass.
    """
    from minisnn.inpainting.baselines import biharmonic_fill, harmonic_fill
    from minisnn.inpainting.model import PREFILLS
    from minisnn.inpainting.model import prefill as one_fill

    if prefill not in PREFILLS:
        raise ValueError(f"classical_fills: prefill must be one of {PREFILLS}, got {prefill!r}")
    inputs = np.asarray(inputs)
    if inputs.ndim != 4 or inputs.shape[1] != 4:
        raise ValueError(f"classical_fills: inputs must be (N, 4, H, W) = masked RGB ⊕ mask, got shape {inputs.shape}")
    known, mask = inputs[:, :3], inputs[:, 3:4]
    if prefill == "dual":
        return np.concatenate([harmonic_fill(known, mask), biharmonic_fill(known, mask)], axis=1).astype(
            known.dtype, copy=False
        )
    return one_fill(known, mask, prefill)
