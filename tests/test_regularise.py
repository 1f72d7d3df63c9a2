"""The rate-floor activity regulariser: value against the loop reference, gradcheck, errors, and that it revives
a silent spiking layer."""

import re

import numpy as np
import pytest
from helpers import arrays, leaf
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import Tensor, gradcheck
from minisnn.nn import SNNConv2d
from minisnn.optim import Adam
from minisnn.regularise import rate_floor_penalty, rate_floor_penalty_reference


@st.composite
def rate_case(draw):
    shape = draw(hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=3))
    rate = draw(arrays(shape, low=0.0, high=1.0))
    floor = draw(st.floats(0.0, 1.0))
    return rate, floor


@given(rate_case())
def test_rate_floor_penalty_matches_the_loop_reference(case):
    rate, floor = case
    value = rate_floor_penalty(Tensor(rate), floor).item()
    assert value == pytest.approx(rate_floor_penalty_reference(rate, floor), rel=1e-12, abs=1e-15)


@given(rate_case())
def test_rate_floor_penalty_gradcheck(case):
    rate, floor = case
    channel_mean = rate.mean(axis=(0, 2, 3))
    assume(np.all(np.abs(channel_mean - floor) > 1e-3))  # away from the max(0, ·) kink
    assert gradcheck(lambda r: rate_floor_penalty(r, floor), [leaf(rate)])


def test_rate_floor_penalty_is_zero_above_the_floor_and_quadratic_below():
    rate = np.zeros((2, 3, 4, 4))
    rate[:, 0] = 0.3  # above a floor of 0.1: free
    rate[:, 1] = 0.05  # deficit 0.05
    # channel 2 silent: deficit 0.1
    assert rate_floor_penalty(Tensor(rate), 0.1).item() == pytest.approx((0.05**2 + 0.1**2) / 3)
    assert rate_floor_penalty(Tensor(rate), 0.0).item() == 0.0


@pytest.mark.parametrize(
    ("shape", "floor", "message"),
    [((2, 3, 4), 0.1, "rate must be (N, O, H, W)"), ((1, 1, 2, 2), 1.5, "floor must be a rate in [0, 1]"),
     ((1, 1, 2, 2), -0.1, "floor must be a rate in [0, 1]"), ((1, 1, 2, 2), True, "floor must be a rate")],
)  # fmt: skip
def test_rate_floor_penalty_errors(shape, floor, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rate_floor_penalty(Tensor(np.zeros(shape)), floor)


def test_the_penalty_revives_a_silent_layer_through_the_surrogate():
    """A layer whose currents are all below threshold (0 % firing): minimising the penalty alone moves its
    weights until the channels fire at the floor or above; the surrogate carries the gradient."""
    rng = np.random.default_rng(0)
    layer = SNNConv2d(2, 3, 3, padding=1, num_steps=8, noise_std=0.0, rng=1)
    layer.conv.bias.data[:] = -0.5  # far below threshold: silent
    x = Tensor(rng.uniform(0, 1, (4, 2, 6, 6)).astype(np.float32))
    assert layer(x).data.mean() == 0.0
    optimizer = Adam(layer.parameters(), lr=0.02)
    for _ in range(200):
        optimizer.zero_grad()
        rate_floor_penalty(layer(x), 0.1).backward()
        optimizer.step()
    channel_rates = layer(x).data.mean(axis=(0, 2, 3))
    assert np.all(channel_rates >= 0.09), channel_rates
