"""Losses and functional helpers."""

import numpy as np
import pytest
from helpers import arrays, leaf, shapes
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck
from minisnn import functional as F


@given(arrays(shapes(min_dims=1)), st.data(), st.sampled_from(["mean", "sum", "none"]), st.booleans())
def test_mse_loss_gradcheck_and_value(pred, data, reduction, weighted):
    target = data.draw(arrays(pred.shape))
    weight_shape = tuple(1 if data.draw(st.booleans()) else n for n in pred.shape)
    weight = data.draw(arrays(weight_shape, 0.0, 3.0)) if weighted else None
    assert gradcheck(lambda p, t: F.mse_loss(p, t, reduction, weight), [leaf(pred), leaf(target)])
    e = (pred - target) ** 2 * (1.0 if weight is None else weight)
    expected = {"mean": e.mean(), "sum": e.sum(), "none": e}[reduction]
    np.testing.assert_allclose(F.mse_loss(Tensor(pred), target, reduction, weight).data, expected, rtol=1e-12)


def test_mse_loss_errors():
    with pytest.raises(ValueError, match=r"pred has shape \(2, 3\) but target has shape \(3,\)"):
        F.mse_loss(Tensor(np.ones((2, 3))), np.ones(3))
    with pytest.raises(ValueError, match="reduction must be"):
        F.mse_loss(Tensor(np.ones(3)), np.ones(3), reduction="avg")
    with pytest.raises(ValueError, match=r"weight of shape \(2, 3\) does not broadcast"):
        F.mse_loss(Tensor(np.ones((1, 3))), np.ones((1, 3)), weight=np.ones((2, 3)))
    with pytest.raises(TypeError, match="target must hold floating-point"):
        F.mse_loss(Tensor(np.ones(3)), np.ones(3, dtype=np.int32))
