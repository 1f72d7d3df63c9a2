"""Module plumbing, Conv2d and Sequential."""

import math

import numpy as np
import pytest
from helpers import leaf
from hypothesis import given
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck, nn
from minisnn import functional as F


class TwoLayers(nn.Module):
    def __init__(self):
        self.first = nn.Conv2d(2, 3, 3, padding=1, rng=0)
        self.blocks = [nn.ReLU(), nn.Conv2d(3, 1, 1, rng=1)]
        self.scale = nn.Parameter(np.array([2.0], dtype=np.float32))

    def forward(self, x):
        for block in [self.first, *self.blocks]:
            x = block(x)
        return x * self.scale


def test_parameters_are_discovered_recursively_with_dotted_names():
    names = [name for name, _ in TwoLayers().named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "blocks.1.weight", "blocks.1.bias"]
    assert TwoLayers().num_parameters() == 1 + 3 * 2 * 9 + 3 + 3 + 1


def test_zero_grad_train_eval():
    model = TwoLayers()
    model(Tensor(np.ones((1, 2, 4, 4), np.float32))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_copies_values():
    a, b = TwoLayers(), TwoLayers()
    b.first.weight.data += 1
    b.load_state_dict(a.state_dict())
    for (_, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
        assert not np.shares_memory(pa.data, pb.data)


def test_load_state_dict_mismatch_lists_missing_unexpected_and_wrong_shapes():
    state = TwoLayers().state_dict()
    del state["scale"]
    state["extra.weight"] = np.zeros(3)
    state["first.bias"] = np.zeros(4)
    with pytest.raises(nn.StateDictError) as info:
        TwoLayers().load_state_dict(state)
    message = str(info.value)
    assert "missing keys: ['scale']" in message
    assert "unexpected keys: ['extra.weight']" in message
    assert "first.bias: expected (3,), got (4,)" in message
    # non-strict still refuses wrong shapes but tolerates missing/unexpected keys
    del state["first.bias"]
    missing, unexpected = TwoLayers().load_state_dict(state, strict=False)
    assert missing == ["scale", "first.bias"] and unexpected == ["extra.weight"]


def test_conv2d_init_is_kaiming_uniform_like_pytorch():
    layer = nn.Conv2d(16, 32, 3, rng=123)
    bound = 1 / math.sqrt(16 * 9)
    w = layer.weight.data
    assert w.dtype == np.float32 and w.shape == (32, 16, 3, 3)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # std of U(-b, b) is b/√3
    assert np.abs(layer.bias.data).max() <= bound
    np.testing.assert_array_equal(nn.Conv2d(16, 32, 3, rng=123).weight.data, w)  # seeded


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 2]), st.integers(0, 2), st.sampled_from([1, 2]))
def test_conv2d_layer_gradcheck(c, o, stride, padding, dilation):
    layer = nn.Conv2d(c, o, (3, 2), stride=stride, padding=padding, dilation=dilation, rng=0, dtype=np.float64)
    x = leaf(np.random.default_rng(c * 10 + o).standard_normal((2, c, 6, 5)))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), [x, layer.weight, layer.bias])
    np.testing.assert_array_equal(layer(x).data, F.conv2d(x, layer.weight, layer.bias, stride, padding, dilation).data)


def test_conv2d_layer_errors_name_the_layer_and_shapes():
    layer = nn.Conv2d(4, 8, 3)
    with pytest.raises(
        ValueError, match=r"Conv2d\(4, 8, kernel_size=\(3, 3\)\): expected input of shape \(N, 4, H, W\)"
    ):
        layer(Tensor(np.ones((1, 3, 8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"got \(4, 8, 8\) \(a single image\? add a batch axis"):
        layer(Tensor(np.ones((4, 8, 8), np.float32)))
    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        nn.Conv2d(0, 8, 3)


def test_sequential_applies_in_order_and_names_parameters_by_index():
    model = nn.Sequential(nn.Conv2d(1, 2, 1, rng=0), nn.ReLU(), nn.Conv2d(2, 1, 1, rng=1))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = Tensor(np.random.default_rng(0).standard_normal((1, 1, 3, 3)).astype(np.float32))
    expected = model[2](F.relu(model[0](x)))
    np.testing.assert_array_equal(model(x).data, expected.data)
    model.eval()
    assert len(model) == 3 and len(list(model)) == 3  # the training flag is not a module
    with pytest.raises(TypeError, match="argument 1 must be a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
