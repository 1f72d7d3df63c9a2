"""Tests for minisnn.integrators: Euler, exponential, Heun (RK2) and RK4 on the sub-threshold LIF equation."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minisnn.integrators import DEFAULT_H, STEPPERS, convergence_order, integrate
from minisnn.neuron import LIFParams, simulate_lif, v_constant_current

ORDERS = {"euler": (1.0, 0.1), "rk2": (2.0, 0.2), "rk4": (4.0, 0.3)}  # expected order, tolerance


@st.composite
def problems(draw) -> tuple[LIFParams, float, float]:
    """Random (params, current, v0) with V(0) - R I well away from 0 relative to the voltage scale."""
    R = draw(st.floats(0.1, 10.0))
    C = draw(st.floats(0.5, 100.0))
    current = draw(st.floats(-20.0, 20.0))
    v0 = draw(st.floats(-2.0, 2.0))
    assume(abs(v0 - R * current) > 0.1 * max(1.0, abs(v0), abs(R * current)))
    return LIFParams(R=R, C=C, dt=0.1 * R * C, v_th=1e9), current, v0


@pytest.mark.parametrize("method", sorted(ORDERS))
@given(problem=problems())
def test_fitted_orders(method: str, problem: tuple[LIFParams, float, float]) -> None:
    params, current, v0 = problem
    dts, errors, order = convergence_order(method, params, current, v0=v0)
    expected, tol = ORDERS[method]
    assert abs(order - expected) < tol, (order, errors)
    assert np.all(np.diff(errors) < 0)  # dts decrease, so errors must too
    assert errors.min() > 1e-12 * max(1.0, abs(v0), abs(params.R * current))  # fit stayed above round-off


@given(problems())
def test_exact_integrator_error_is_round_off(problem: tuple[LIFParams, float, float]) -> None:
    params, current, v0 = problem
    _, errors, _ = convergence_order("exact", params, current, v0=v0)
    assert errors.max() < 1e-12 * max(1.0, abs(v0), abs(params.R * current))


@pytest.mark.parametrize(
    ("method", "g"),
    [
        ("euler", lambda h: 1 - h),
        ("rk2", lambda h: 1 - h + h**2 / 2),
        ("rk4", lambda h: 1 - h + h**2 / 2 - h**3 / 6 + h**4 / 24),
        ("exact", lambda h: math.exp(-h)),
    ],
)
@given(h=st.floats(0.001, 0.9), current=st.floats(-5.0, 5.0), v=st.floats(-5.0, 5.0))
def test_one_step_amplification_is_the_documented_polynomial(method: str, g, h: float, current: float, v: float):
    p = LIFParams(R=2.0, C=5.0, dt=h * 10.0, v_th=1e9)
    ri = p.R * current
    v_next = STEPPERS[method](np.float64(v), np.float64(current), p)
    assert v_next - ri == pytest.approx(g(h) * (v - ri), rel=1e-9, abs=1e-12)


def test_integrate_shapes_broadcasting_and_consistency_with_simulate_lif() -> None:
    p = LIFParams.paper(dt=0.5)
    currents = np.array([0.0, 1.0, 1.9])
    t, v = integrate(currents, p, t_end=20.0, method="euler", v0=0.5)
    assert t.shape == (41,) and v.shape == (41, 3)
    np.testing.assert_array_equal(t, np.arange(41) * 0.5)
    np.testing.assert_array_equal(v[0], [0.5, 0.5, 0.5])
    sim = simulate_lif(np.repeat(currents[:, None], 40, axis=1), p, v0=0.5)  # sub-threshold: same Euler step
    assert sim.spikes.sum() == 0
    np.testing.assert_allclose(v[1:].T, sim.v, rtol=0, atol=1e-15)
    _, v_exact = integrate(currents, p, t_end=20.0, method="exact", v0=0.5)
    np.testing.assert_allclose(v_exact, v_constant_current(t[:, None], currents, p, 0.5), atol=1e-14)


def test_integrate_and_convergence_order_reject_bad_arguments() -> None:
    p = LIFParams.paper()
    with pytest.raises(ValueError, match=r"t_end.*multiple of dt=1\.0.*2\.5"):
        integrate(3.0, p, t_end=2.5)
    with pytest.raises(ValueError, match="t_end"):
        integrate(3.0, p, t_end=0.0)
    with pytest.raises(ValueError, match=r"method.*'midpoint'"):
        integrate(3.0, p, t_end=2.0, method="midpoint")
    with pytest.raises(ValueError, match=r"method.*'rk3'"):
        convergence_order("rk3", p, 3.0)


def test_default_step_sizes_divide_one_time_constant() -> None:
    for method, h in DEFAULT_H.items():
        assert np.all(np.diff(h) < 0), method
        n = 1 / h
        np.testing.assert_array_equal(n, np.round(n))
    p = LIFParams.paper()
    dts, errors, order = convergence_order("euler", p, 5.0, t_end=80.0, dts=[1.0, 0.5, 0.25])
    np.testing.assert_array_equal(dts, [1.0, 0.5, 0.25])
    assert errors.shape == (3,) and 0.9 < order < 1.1
