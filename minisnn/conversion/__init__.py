"""ANN→SNN conversion: a trained ReLU network becomes a rate-coded network of integrate-and-fire neurons.

The idea (Cao et al. 2015; Diehl et al. 2015; Rueckauer et al. 2017): an IF neuron without leak, with reset by
subtraction, fed a constant input z per step, fires floor(T·z) times in T steps -- its rate is **a ReLU quantised to
multiples of 1/T** and clipped at 1 (:func:`~minisnn.neurons.if_rate`). So a trained ANN's weights can be kept, its
ReLUs replaced by IF neurons, and each layer's scale fixed so that the rates stay below one spike per step:

* :mod:`~minisnn.conversion.normalise` -- data-based normalisation: λ_l = the 99.9th percentile of the non-zero
  activations of ReLU layer l on training images (Rueckauer et al.'s robust normalisation; 100 = Diehl et al.'s max);
* :mod:`~minisnn.conversion.convert` -- :func:`convert` (W_l·λ_{l−1}/λ_l, b_l/λ_l, IF neurons, biases as constant
  currents, a membrane read-out) and :meth:`ConvertedNetwork.run` (direct or rate-coded input), the fast path;
* :mod:`~minisnn.conversion.reference` -- :func:`simulate_reference`, the same network as loops from the ANN and the
  scales, one neuron at a time: the test oracle.

Uses only the public layers (``nn``), the neuron wing (:class:`~minisnn.neurons.IFParams`) and ``encoding``; it knows
nothing about any task (the digit classifiers' ``evaluate`` accepts a converted network as it is).
"""

from minisnn.conversion.convert import ENCODERS, ConvertedNetwork, ConvertedRun, convert
from minisnn.conversion.normalise import (
    DEFAULT_PERCENTILE,
    SUPPORTED,
    ann_layers,
    layer_scales,
    relu_activations,
    robust_scale,
)
from minisnn.conversion.reference import if_step_loop, simulate_reference

__all__ = [
    "DEFAULT_PERCENTILE",
    "ENCODERS",
    "SUPPORTED",
    "ConvertedNetwork",
    "ConvertedRun",
    "ann_layers",
    "convert",
    "if_step_loop",
    "layer_scales",
    "relu_activations",
    "robust_scale",
    "simulate_reference",
]
