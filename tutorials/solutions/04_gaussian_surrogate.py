"""Solution to the exercise of Tutorial 4: a Gaussian surrogate gradient.

Run on its own: ``python tutorials/solutions/04_gaussian_surrogate.py``. It builds the surrogate, repeats the
notebook's checks (formula, limits, dtype, ``minisnn.gradcheck`` of ``surrogate.smooth``) as assertions, and uses
it in an LIF layer.

    sigma'(x) = exp(-x² / (2 s²)) / (s sqrt(2 pi))          (unit area, peak 1/(s sqrt(2 pi)) at x = 0)
    sigma(x)  = (1 + erf(x / (s sqrt 2))) / 2               (rises from 0 to 1; sigma(0) = 1/2)

NumPy has no erf, so we vectorise math.erf (scipy.special.erf would do too). Both functions return the dtype
they are given, so the surrogate also works in float32 training.
"""

import math
import sys
from pathlib import Path

import numpy as np

import minisnn
from minisnn import LIFParams, Tensor, nn
from minisnn import surrogate as sg

_erf = np.vectorize(math.erf, otypes=[float])


def gaussian(s=0.3):
    def derivative(x):
        x = np.asarray(x)
        return (np.exp(-(x**2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))).astype(x.dtype)

    def primitive(x):
        x = np.asarray(x)
        return (0.5 * (1.0 + _erf(x / (s * math.sqrt(2.0))))).astype(x.dtype)

    return sg.Surrogate("gaussian", s, "exp(-x²/2s²) / (s√(2π))", derivative, primitive)


if __name__ == "__main__":
    s = 0.3
    sur = gaussian(s)
    x = np.linspace(-1.5, 1.5, 61)
    expected = np.exp(-(x**2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))
    assert np.allclose(sur.derivative(x), expected, rtol=1e-6, atol=1e-9)
    assert np.allclose(sur.primitive(np.array([-10.0, 0.0, 10.0])), [0.0, 0.5, 1.0], atol=1e-6)
    for dtype in (np.float32, np.float64):
        probe = np.linspace(-1, 1, 5).astype(dtype)
        assert sur.derivative(probe).dtype == dtype and sur.primitive(probe).dtype == dtype
    points = Tensor(np.linspace(-1.0, 1.0, 9) + 0.013, requires_grad=True, dtype=np.float64)
    assert minisnn.gradcheck(sur.smooth, [points])  # sigma' is the derivative of sigma

    # in use: gradient of the spike count of one LIF neuron (constant I = 1.4, 12 steps) w.r.t. each input step
    current = Tensor(np.full((12, 1), 1.4), requires_grad=True, dtype=np.float64)
    nn.LIF(LIFParams(R=1.0, C=5.0, dt=1.0), surrogate=sur)(current).sum().backward()  # (T, 1) spikes
    assert np.all(np.isfinite(current.grad)) and np.all(current.grad > 0)
    print(sur)
    print("dN/dI_n with the Gaussian surrogate:", np.round(current.grad[:, 0], 4))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_gaussian  # noqa: E402  (tutorials/checks.py, the check the notebook runs)

    assert check_gaussian(gaussian)
