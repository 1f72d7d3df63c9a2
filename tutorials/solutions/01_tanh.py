"""Solution to the exercise of tutorial 01: tanh as a minisnn Function, proved right by gradcheck.

    y = tanh(x),   dL/dx = g · (1 − y²)   with g = dL/dy

Run it on its own (``python tutorials/solutions/01_tanh.py``) or from the notebook (``%run solutions/01_tanh.py``);
it checks itself and prints "correct ✔".
"""

import sys
from pathlib import Path

import numpy as np

from minisnn import Function, GradcheckError, Tensor, gradcheck


class Tanh(Function):
    """y = tanh(x);  dL/dx = g · (1 − y²)."""

    def forward(self, x):
        y = np.tanh(x)  # keeps the dtype: float32 in, float32 out
        self.save_for_backward(y)  # save the output: backward needs 1 − y², no second tanh
        return y

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * (1.0 - y * y)


def tanh(x):
    """tanh as a differentiable operation on a Tensor."""
    return Tanh.apply(x)


if __name__ == "__main__":
    rng = np.random.default_rng(0)

    # forward: the values of np.tanh, dtype preserved
    x = Tensor(np.linspace(-3.0, 3.0, 13), requires_grad=True)
    assert np.allclose(tanh(x).data, np.tanh(x.data), atol=1e-12, rtol=0)
    assert tanh(Tensor(np.linspace(-1.0, 1.0, 5), dtype=np.float32)).dtype == np.float32

    # backward: the full Jacobian agrees with central differences (float64)
    assert gradcheck(tanh, [Tensor(rng.standard_normal((3, 4)), requires_grad=True)])

    # saturation: for large |x| the gradient vanishes but stays finite
    big = Tensor(np.array([-50.0, 0.0, 50.0]), requires_grad=True)
    tanh(big).sum().backward()
    assert np.all(np.isfinite(big.grad)) and np.allclose(big.grad, [0.0, 1.0, 0.0])

    # the same check as the notebook's, with a wrong backward, must fail
    class WrongTanh(Tanh):
        def backward(self, grad):
            (y,) = self.saved_tensors
            return grad * (1.0 - y)  # forgot the square

    try:
        gradcheck(WrongTanh.apply, [Tensor(rng.standard_normal(4), requires_grad=True)])
    except GradcheckError:
        pass
    else:
        raise AssertionError("gradcheck should have caught the wrong backward")

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_tanh  # noqa: E402  (tutorials/checks.py, the check the notebook runs)

    assert check_tanh(Tanh)
    print("01_tanh: correct ✔  (forward = np.tanh, dtype kept, gradcheck passed, saturation finite)")
