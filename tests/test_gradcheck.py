"""gradcheck itself: it must catch wrong backwards, mutation, and non-zero grads from zero upstream."""

import numpy as np
import pytest

from minisnn import Function, GradcheckError, Tensor, gradcheck


class WrongSquare(Function):
    """x² with a deliberately wrong backward (x instead of 2x)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad):
        return grad * self.x


class LeakyBackward(Function):
    """Correct for non-zero grads but adds a constant: breaks the zero-upstream check."""

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        return 2 * grad + 1e-3


def test_passes_a_correct_function():
    x = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    assert gradcheck(lambda t: (t * t).sum(axis=0), [x])


def test_catches_a_wrong_backward_and_names_the_input_and_values():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 .*numerical 6.*analytic 3"):
        gradcheck(WrongSquare.apply, [x])


def test_catches_a_wrong_backward_in_projection_mode():
    x = Tensor(np.linspace(0.5, 2, 300), requires_grad=True)
    with pytest.raises(GradcheckError, match="random projection"):
        gradcheck(WrongSquare.apply, [x], max_full_outputs=10)


def test_catches_nonzero_gradient_from_zero_upstream():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match="zero upstream"):
        gradcheck(LeakyBackward.apply, [x], atol=1e-2)


def test_catches_in_place_mutation():
    def mutating(t):
        t.data[0] += 1.0
        return t * 1.0

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match="modified input 0"):
        gradcheck(mutating, [x], atol=10)


def test_rejects_float32_and_nothing_to_check():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda t: t * 2, [Tensor(np.ones(2, np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda t: t * 2, [Tensor(np.ones(2))])


def test_restores_existing_grads_and_handles_constant_inputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = np.array([7.0, 7.0])
    assert gradcheck(lambda t, c: t * c, [x, np.array([3.0, 4.0])])
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])
