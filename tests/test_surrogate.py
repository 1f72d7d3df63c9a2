"""Surrogate gradients: Heaviside forward, σ' backward, and σ' = d/dx of the smooth step it stands for."""

import numpy as np
import pytest
from helpers import arrays, leaf, shapes
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck, surrogate

ALL = [
    surrogate.fast_sigmoid(25.0),
    surrogate.fast_sigmoid(2.0),
    surrogate.arctan(2.0),
    surrogate.sigmoid(5.0),
    surrogate.triangle(1.0),
    surrogate.rectangle(1.0),
]
NAMES = [repr(s) for s in ALL]


@pytest.mark.parametrize("sg", ALL, ids=NAMES)
@given(x=arrays(shapes(max_dims=2), -2.0, 2.0))
def test_derivative_is_the_derivative_of_the_primitive(sg, x):
    # kinks of triangle (0, ±w) and rectangle (±w/2) are not differentiable: keep away from them
    for kink in (0.0, sg.parameter, -sg.parameter, sg.parameter / 2, -sg.parameter / 2):
        x = np.where(np.abs(x - kink) < 1e-3, kink + 2e-3, x)
    assert gradcheck(sg.smooth, [leaf(x)])


@pytest.mark.parametrize("sg", ALL, ids=NAMES)
def test_forward_is_heaviside_and_backward_is_the_surrogate(sg):
    x = Tensor(np.array([-1.0, -0.01, 0.0, 0.01, 1.0]), requires_grad=True)
    s = sg(x)
    np.testing.assert_array_equal(s.data, [0, 0, 1, 1, 1])
    upstream = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    s.backward(upstream)
    np.testing.assert_allclose(x.grad, upstream * sg.derivative(x.data))


@pytest.mark.parametrize("sg", [s for s in ALL if s.name != "fast_sigmoid"], ids=lambda s: s.name)
def test_unit_area_surrogates_integrate_to_one(sg):
    x = np.linspace(-400, 400, 2_000_001)
    area = np.trapezoid(sg.derivative(x), x)
    assert abs(area - 1) < 5e-3  # arctan's tail decays like 1/x²: its area over ±400 falls short by ~1e-3


def test_fast_sigmoid_formula_and_area():
    sg = surrogate.fast_sigmoid(25)
    np.testing.assert_allclose(sg.derivative(np.array([0.0, 0.04, -0.04])), [1.0, 0.25, 0.25])
    x = np.linspace(-1000, 1000, 4_000_001)
    assert abs(np.trapezoid(sg.derivative(x), x) - 2 / 25) < 1e-4  # σ rises from −1/k to 1/k


@given(st.floats(-3, 3))
def test_documented_formulas(x):
    a = np.array([x])
    np.testing.assert_allclose(surrogate.arctan(2).derivative(a), 1 / (1 + (np.pi * a) ** 2))
    s = 1 / (1 + np.exp(-5 * a))
    np.testing.assert_allclose(surrogate.sigmoid(5).derivative(a), 5 * s * (1 - s))
    np.testing.assert_allclose(surrogate.triangle(0.5).derivative(a), max(0.0, 1 - abs(x) / 0.5) / 0.5)
    np.testing.assert_allclose(surrogate.rectangle(0.5).derivative(a), (abs(x) < 0.25) / 0.5)


def test_dtype_is_preserved():
    x = Tensor(np.linspace(-1, 1, 5, dtype=np.float32), requires_grad=True)
    for sg in ALL:
        x.grad = None
        s = sg(x)
        s.sum().backward()
        assert s.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("factory", [surrogate.fast_sigmoid, surrogate.arctan, surrogate.sigmoid, surrogate.triangle])
@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_non_positive_parameters_are_rejected(factory, bad):
    with pytest.raises(ValueError, match="must be a positive number"):
        factory(bad)


def test_get_by_name():
    assert surrogate.get("arctan", alpha=3).parameter == 3
    with pytest.raises(ValueError, match="unknown name 'superspike'; choose one of"):
        surrogate.get("superspike")


@pytest.mark.parametrize("sg", ALL, ids=NAMES)
def test_get_rebuilds_a_surrogate_from_its_name_and_parameter(sg):
    again = surrogate.get(sg.name, sg.parameter)
    x = np.linspace(-2, 2, 41)
    np.testing.assert_array_equal(again.derivative(x), sg.derivative(x))
