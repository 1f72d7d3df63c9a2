"""Linear, AvgPool2d, MaxPool2d, Flatten and Dropout layers; a tiny classifier trains end to end."""

import math

import numpy as np
import pytest
from helpers import leaf
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck, nn, optim
from minisnn import functional as F


# ---------------------------------------------------------------------------------------------------- Linear
def test_linear_init_is_kaiming_uniform_like_pytorch():
    layer = nn.Linear(64, 128, rng=5)
    bound = 1 / math.sqrt(64)
    w = layer.weight.data
    assert w.dtype == np.float32 and w.shape == (128, 64) and layer.bias.shape == (128,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # std of U(-b, b) is b/√3
    assert np.abs(layer.bias.data).max() <= bound
    np.testing.assert_array_equal(nn.Linear(64, 128, rng=5).weight.data, w)  # seeded
    assert nn.Linear(3, 2, bias=False, dtype=np.float64).bias is None
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


@given(st.sampled_from([(5,), (2, 5), (3, 2, 5)]), st.booleans())
def test_linear_layer_gradcheck_on_any_leading_axes(shape, bias):
    layer = nn.Linear(5, 3, bias=bias, rng=0, dtype=np.float64)
    x = leaf(np.random.default_rng(len(shape)).standard_normal(shape))
    params = [layer.weight] + ([layer.bias] if bias else [])
    assert gradcheck(lambda x, *p: F.linear(x, *p), [x, *params])
    assert layer(x).shape == (*shape[:-1], 3)
    np.testing.assert_array_equal(layer(x).data, F.linear(x, *params).data)


def test_linear_layer_error_and_repr():
    layer = nn.Linear(4, 3)
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=True)"
    assert repr(nn.Linear(4, 3, bias=False)) == "Linear(in_features=4, out_features=3, bias=False)"
    with pytest.raises(
        ValueError, match=r"Linear\(in_features=4, out_features=3, bias=True\): expected input of shape "
        r"\(\.\.\., 4\), got \(2, 5\)"
    ):  # fmt: skip
        layer(Tensor(np.ones((2, 5), np.float32)))
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="Linear: out_features must be a positive int, got 2.5"):
        nn.Linear(3, 2.5)


def test_linear_layer_equals_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(6, 4, rng=0, dtype=np.float64)
    theirs = torch.nn.Linear(6, 4, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    x = np.random.default_rng(1).standard_normal((3, 2, 6))  # time-major (T, N, F)
    ours(Tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), atol=1e-10)


# --------------------------------------------------------------------------------------------------- pooling
def test_pool_layers_call_the_functional_form_and_print_their_geometry():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 5)))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).data, F.max_pool2d(x, 2).data)
    np.testing.assert_array_equal(nn.AvgPool2d(3, 2, 1)(x).data, F.avg_pool2d(x, 3, 2, 1).data)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.AvgPool2d((3, 2), 1, (1, 0))) == "AvgPool2d(kernel_size=(3, 2), stride=(1, 1), padding=(1, 0))"
    assert nn.MaxPool2d(2).parameters() == []


def test_pool_layers_validate_when_built():
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be an int ≥ 1 or a pair of them, got 0"):
        nn.MaxPool2d(0)
    with pytest.raises(ValueError, match=r"AvgPool2d: padding must be at most half the kernel size"):
        nn.AvgPool2d(2, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: x must be 4-D"):
        nn.AvgPool2d(2)(Tensor(np.ones((3, 4, 4))))


# --------------------------------------------------------------------------------------------------- Flatten
@pytest.mark.parametrize(
    ("shape", "start", "end"),
    [((2, 3, 4, 5), 1, -1), ((2, 3, 4, 5), 0, -1), ((2, 3, 4, 5), 1, 2), ((2, 3, 4, 5), -3, -2), ((2, 3), 1, 1)],
)
def test_flatten_is_torch_flatten(shape, start, end):
    x = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    expected_shape = (*shape[: start % len(shape)], -1, *shape[end % len(shape) + 1 :])
    y = nn.Flatten(start, end)(Tensor(x))
    np.testing.assert_array_equal(y.data, x.reshape(expected_shape))
    torch = pytest.importorskip("torch")
    assert y.shape == tuple(torch.nn.Flatten(start, end)(torch.tensor(x)).shape)


def test_flatten_defaults_gradient_and_errors():
    x = leaf(np.random.default_rng(0).standard_normal((2, 3, 2, 2)))
    assert nn.Flatten()(x).shape == (2, 12)
    assert F.flatten(Tensor(np.ones(()))).shape == (1,)
    assert gradcheck(lambda t: nn.Flatten()(t) * 2.0, [x])
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    with pytest.raises(ValueError, match=r"flatten: start_dim \(2\) must not come after end_dim \(1\)"):
        F.flatten(Tensor(np.ones((2, 3, 4))), 2, 1)
    with pytest.raises(ValueError, match=r"flatten: start_dim must be an int in \[-1, 1\) .* \(3,\), got 1"):
        nn.Flatten()(Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="Flatten: start_dim must be an int, got 1.5"):
        nn.Flatten(1.5)


# --------------------------------------------------------------------------------------------------- Dropout
def test_dropout_train_scales_survivors_and_keeps_the_mean():
    x = Tensor(np.full((200, 500), 2.0, np.float32))
    y = nn.Dropout(0.3, rng=0)(x).data
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], 2.0 / 0.7, rtol=1e-6)  # survivors scaled by 1/(1 − p)
    assert abs(1 - kept.mean() - 0.3) < 0.01  # about p of the elements dropped
    assert abs(y.mean() - 2.0) < 0.02  # the mean is kept


def test_dropout_eval_and_p_zero_are_the_identity():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5)))
    layer = nn.Dropout(0.5, rng=0).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert F.dropout(x, 0.9, training=False) is x
    assert nn.Sequential(nn.Dropout(0.5)).eval()[0].training is False


def test_dropout_is_reproducible_per_seed_and_fresh_per_call():
    x = Tensor(np.ones((8, 8)))
    a, b = nn.Dropout(0.5, rng=42), nn.Dropout(0.5, rng=42)
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)  # same seed → same mask
    assert not np.array_equal(first, a(x).data)  # the layer's Generator moves on: a new mask next call
    np.testing.assert_array_equal(F.dropout(x, 0.5, rng=7).data, F.dropout(x, 0.5, rng=7).data)


def test_dropout_gradient_is_the_mask_times_the_scale():
    x = leaf(np.random.default_rng(0).standard_normal((6, 7)))
    y = nn.Dropout(0.25, rng=3)(x)
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad, (y.data != 0) / 0.75)
    assert gradcheck(lambda t: F.dropout(t, 0.25, rng=3), [x])  # a fixed seed makes it deterministic


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", True, float("nan")])
def test_dropout_p_must_be_in_0_1(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\), got"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=r"dropout: p must be a probability in \[0, 1\), got"):
        F.dropout(Tensor(np.ones(3)), p)


# ------------------------------------------------------------------------------------------------ end to end
def test_a_small_classifier_learns_a_fixed_batch():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((16, 1, 8, 8)).astype(np.float32))
    labels = rng.integers(0, 4, size=16)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1, rng=2),
        nn.Linear(4 * 2 * 2, 4, rng=3),
    )
    optimiser = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(40):
        optimiser.zero_grad()
        loss = F.cross_entropy(model(x), labels, label_smoothing=0.05)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]
    model.eval()
    assert F.accuracy(model(x), labels) >= 0.75
