"""SGD and Adam against their update equations (and against PyTorch when it happens to be installed)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import Tensor, nn, optim
from minisnn import functional as F

gradient_sequences = hnp.arrays(np.float64, (5, 3), elements=st.floats(-3, 3, allow_nan=False))


def run(optimizer_class, grads, **kwargs):
    p = nn.Parameter(np.array([0.5, -1.0, 2.0]))
    opt = optimizer_class([p], **kwargs)
    trajectory = []
    for g in grads:
        p.grad = g.copy()
        opt.step()
        trajectory.append(p.data.copy())
    return np.array(trajectory)


@given(gradient_sequences, st.floats(0.001, 0.5), st.sampled_from([0.0, 0.9]), st.sampled_from([0.0, 0.01]))
def test_sgd_follows_its_update_equation(grads, lr, momentum, weight_decay):
    got = run(optim.SGD, grads, lr=lr, momentum=momentum, weight_decay=weight_decay)
    p, buf = np.array([0.5, -1.0, 2.0]), None
    for t, g in enumerate(grads):
        g = g + weight_decay * p
        buf = g if buf is None else momentum * buf + g
        p = p - lr * (buf if momentum else g)
        np.testing.assert_allclose(got[t], p, rtol=1e-12, atol=1e-12)


@given(gradient_sequences, st.floats(1e-4, 0.1), st.sampled_from([(0.9, 0.999), (0.5, 0.9)]), st.sampled_from([0, 0.1]))
def test_adam_follows_its_update_equation(grads, lr, betas, weight_decay):
    got = run(optim.Adam, grads, lr=lr, betas=betas, weight_decay=weight_decay)
    b1, b2, eps = betas[0], betas[1], 1e-8
    p, m, v = np.array([0.5, -1.0, 2.0]), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(got[t - 1], p, rtol=1e-9, atol=1e-12)


def test_adam_matches_pytorch_when_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((10, 4, 3))
    p_np = nn.Parameter(rng.standard_normal((4, 3)))
    p_torch = torch.tensor(p_np.data.copy(), requires_grad=True)
    ours = optim.Adam([p_np], lr=1e-2, weight_decay=0.01)
    theirs = torch.optim.Adam([p_torch], lr=1e-2, weight_decay=0.01)
    for g in grads:
        p_np.grad = g
        p_torch.grad = torch.tensor(g)
        ours.step()
        theirs.step()
    np.testing.assert_allclose(p_np.data, p_torch.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_float32_parameters_stay_float32():
    p = nn.Parameter(np.ones(3, np.float32))
    for opt in (optim.Adam([p]), optim.SGD([p], lr=0.1, momentum=0.9)):
        p.grad = np.ones(3, np.float32)
        opt.step()
        opt.step()
        assert p.data.dtype == np.float32


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((6, 3))
    reference = run(optim.Adam, grads, lr=0.01)
    p = nn.Parameter(np.array([0.5, -1.0, 2.0]))
    first = optim.Adam([p], lr=0.01)
    for g in grads[:3]:
        p.grad = g.copy()
        first.step()
    second = optim.Adam([p], lr=0.01)
    second.load_state_dict(first.state_dict())
    for g in grads[3:]:
        p.grad = g.copy()
        second.step()
    np.testing.assert_array_equal(p.data, reference[-1])
    with pytest.raises(ValueError, match="from 'Adam', not SGD"):
        optim.SGD([p], lr=0.1).load_state_dict(first.state_dict())


def test_parameters_without_grad_are_skipped_and_bad_arguments_rejected():
    p, q = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([p, q])
    p.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(q.data, [1, 1])
    with pytest.raises(ValueError, match="lr must be > 0"):
        optim.Adam([p], lr=0)
    with pytest.raises(ValueError, match="params is empty"):
        optim.SGD([], lr=0.1)


def test_a_small_conv_net_learns_a_blur():
    """Real training: Adam fits a 3x3 conv to a box blur; the loss drops by orders of magnitude."""
    rng = np.random.default_rng(0)
    images = rng.random((8, 1, 12, 12)).astype(np.float32)
    target = F.conv2d(Tensor(images), Tensor(np.full((1, 1, 3, 3), 1 / 9, np.float32)), padding=1).data
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=1), nn.ReLU(), nn.Conv2d(4, 1, 1, rng=2))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(300):
        opt.zero_grad()
        loss = F.mse_loss(model(Tensor(images)), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 100


def test_hyperparameters_are_checked_when_given_and_when_loaded():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(TypeError, match=r"SGD: lr must be a real number.*'0.1' \(str\)"):
        optim.SGD([p], lr="0.1")
    with pytest.raises(ValueError, match=r"Adam: lr must be > 0 and finite, got inf"):
        optim.Adam([p], lr=float("inf"))
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair of numbers in \[0, 1\)"):
        optim.Adam([p], betas=(0.9, 1.0))
    optim.Adam([p], lr=np.float32(0.1), betas=np.array([0.5, 0.9]), eps=0)  # NumPy numbers and arrays are fine
    state = optim.Adam([p]).state_dict()
    for key, bad in (("lr", "0.1"), ("betas", [0.9]), ("eps", float("nan")), ("step_count", -1)):
        with pytest.raises((TypeError, ValueError), match=rf"Adam: {key} must be"):
            optim.Adam([p]).load_state_dict({**state, key: bad})


# ---- issue 21, row 27 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=1e-3), lambda ps: optim.SGD(ps, lr=0.1)])
def test_the_same_parameter_twice_is_refused_not_stepped_twice(make):
    from minisnn.nn import Linear

    layer = Linear(2, 3)
    with pytest.raises(ValueError, match=r"the same parameter twice \(entries 0 and 2, shape \(3, 2\)\)"):
        make([layer.weight, layer.bias, layer.weight])
    make(layer.parameters())  # tied weights appear once in parameters(): accepted


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1e-3])
def test_a_learning_rate_set_after_construction_is_checked(value):
    from minisnn.nn import Linear

    opt = optim.Adam(Linear(2, 2).parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="Adam: lr must be > 0 and finite"):
        opt.lr = value
    assert opt.lr == 1e-3  # unchanged
    opt.lr = 5e-4
    assert opt.state_dict()["lr"] == 5e-4


def test_a_state_with_non_finite_moments_is_refused_and_changes_nothing():
    w = nn.Parameter(np.ones((2, 3)))
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.full((2, 3), 0.5)
    opt.step()
    before = opt.state_dict()
    bad = opt.state_dict()
    bad["exp_avg_sq"][0][1, 2] = np.inf
    bad["step_count"] = 7
    with pytest.raises(ValueError, match=r"exp_avg_sq\[0\] holds NaN or inf"):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["step_count"] == before["step_count"]
    assert all(np.array_equal(a, b) for a, b in zip(after["exp_avg_sq"], before["exp_avg_sq"], strict=True))
