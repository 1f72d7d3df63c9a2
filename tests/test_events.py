"""Delta modulation (against its loop reference and snnTorch's spikegen.delta) and the event digits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import encoding
from minisnn.data import digits, event_digits
from minisnn.data.event_digits import saccade_corners, saccade_path, shift_bilinear

# values on a grid of eighths: every difference is exact in float32, so the ties d = ±threshold really occur
grid_signals = hnp.arrays(
    np.float32,
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
    elements=st.integers(-16, 16).map(lambda k: k / 8),
)
thresholds = st.integers(1, 8).map(lambda k: k / 8)


@given(grid_signals, thresholds, st.booleans(), st.booleans())
def test_delta_matches_its_loop_reference(x, threshold, padding, off_spike):
    fast = encoding.delta(x, threshold, padding=padding, off_spike=off_spike)
    np.testing.assert_array_equal(fast, encoding.delta_loop(x, threshold, padding=padding, off_spike=off_spike))
    assert fast.dtype == x.dtype and fast.shape == x.shape


@given(grid_signals, thresholds, st.booleans())
def test_delta_matches_snntorch_spikegen_delta(x, threshold, padding):
    torch = pytest.importorskip("torch")
    spikegen = pytest.importorskip("snntorch.spikegen")
    for off_spike in (False, True):
        theirs = spikegen.delta(torch.from_numpy(x), threshold=threshold, padding=padding, off_spike=off_spike)
        ours = encoding.delta(x, threshold, padding=padding, off_spike=off_spike)
        np.testing.assert_array_equal(ours, theirs.numpy())


@given(grid_signals.filter(lambda a: a.ndim >= 2), thresholds, st.booleans())
def test_on_off_channels_split_the_signed_events(x, threshold, padding):
    signed = encoding.delta(x, threshold, padding=padding, off_spike=True)
    two = encoding.delta_on_off(x, threshold, padding=padding, axis=1)
    c = x.shape[1]
    assert two.shape == (x.shape[0], 2 * c, *x.shape[2:]) and set(np.unique(two)) <= {0, 1}
    np.testing.assert_array_equal(two[:, :c] - two[:, c:], signed)


def test_delta_semantics_by_hand():
    x = np.array([1, 2, 2.9, 3, 3.9])  # snnTorch's docstring example
    np.testing.assert_array_equal(encoding.delta(x, 1), [1, 1, 0, 0, 0])  # step 0 against zeros; 2 − 1 = 1 ≥ 1
    np.testing.assert_array_equal(encoding.delta(x, 1, padding=True), [0, 1, 0, 0, 0])
    y = np.array([1, 2, 0, 2, 2.9])
    np.testing.assert_array_equal(encoding.delta(y, 1, off_spike=True), [1, 1, -1, 1, 0])
    np.testing.assert_array_equal(encoding.delta(y, 1), [1, 1, 0, 1, 0])  # OFF ignored by default
    # the previous step, not the first: a slow ramp of 0.5 per step never reaches threshold 1
    np.testing.assert_array_equal(encoding.delta(np.arange(6) * 0.5, 1, padding=True), np.zeros(6))


def test_delta_rejects_bad_input():
    with pytest.raises(TypeError, match="floating-point"):
        encoding.delta(np.arange(3))
    with pytest.raises(ValueError, match="threshold must be finite and > 0"):
        encoding.delta(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="finite"):
        encoding.delta(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="T >= 1"):
        encoding.delta(np.ones((0, 2)))
    with pytest.raises(ValueError, match="time axis"):
        encoding.delta_on_off(np.ones((3, 2)), axis=0)
    with pytest.raises(ValueError, match="axis must be an int"):
        encoding.delta_on_off(np.ones((3, 2)), axis=2)


# ----------------------------------------------------------------------------------------------- the event digits
@pytest.fixture(scope="module")
def small():
    return event_digits("test", num_steps=6)


def test_event_digits_shapes_dtypes_and_the_split_of_digits(small):
    test = digits("test")
    assert small.events.shape == (6, 450, 2, 16, 16) and small.events.dtype == np.uint8
    assert set(np.unique(small.events)) == {0, 1} and small.path.shape == (7, 450, 2)
    np.testing.assert_array_equal(small.labels, test.labels)  # the same images, in the same order
    train = event_digits("train", num_steps=3)
    np.testing.assert_array_equal(train.labels, digits("train").labels)
    test_12 = {row.tobytes() for row in digits("test", size=12).images.reshape(450, -1)}
    train_12 = {row.tobytes() for row in digits("train", size=12).images.reshape(1347, -1)}
    assert len(test_12 & train_12) <= 2  # no test digit in training (the data has a few duplicates of its own)
    assert np.all(small.events.sum(axis=(0, 2, 3, 4)) > 0)  # every digit makes events


def test_event_digits_are_seeded(small):
    again = event_digits("test", num_steps=6)
    np.testing.assert_array_equal(again.events, small.events)
    other = event_digits("test", num_steps=6, rng=1)
    assert not np.array_equal(other.events, small.events)
    np.testing.assert_array_equal(small.path[0], small.path[-1])  # the triangle closes
    assert np.abs(small.path).max() <= 2.0  # inside the 2-pixel border


def test_a_still_digit_makes_no_events():
    still = event_digits("test", num_steps=3, amplitude=0.0, jitter=0.0)
    assert still.events.sum() == 0


def test_polarity_of_a_moving_edge():
    """A bright bar moving right by one pixel: ON at the column it enters, OFF at the column it leaves."""
    image = np.zeros((1, 1, 8, 8), np.float32)
    image[..., 2:4] = 1.0
    moved = shift_bilinear(image, np.zeros(1), np.ones(1))
    np.testing.assert_allclose(moved[0, 0, :, 3:5], 1.0, atol=1e-6)
    events = encoding.delta_on_off(np.stack([image, moved]), 0.5, padding=True, axis=2)[1, 0]
    assert np.all(events[0, :, 4] == 1) and events[0].sum() == 8  # ON: column 4 is new
    assert np.all(events[1, :, 2] == 1) and events[1].sum() == 8  # OFF: column 2 went dark
    half = shift_bilinear(image, np.zeros(1), np.full(1, 0.5))  # a half-pixel shift blends the two columns
    np.testing.assert_allclose(half[0, 0, 0, 1:6], [0, 0.5, 1, 0.5, 0], atol=1e-6)


def test_saccade_path_visits_the_corners_in_thirds():
    corners = saccade_corners(1.5)
    np.testing.assert_allclose(corners, [[0.75, -1.5], [0.75, 1.5], [-1.5, 0]])
    path = saccade_path(6, corners)
    np.testing.assert_allclose(path[[0, 2, 4, 6]], corners[[0, 1, 2, 0]])
    np.testing.assert_allclose(path[1], corners[:2].mean(axis=0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"split": "val"}, "split must be one of"),
        ({"num_steps": 2}, "num_steps must be an int >= 3"),
        ({"digit_size": 20}, "digit_size must be <= size"),
        ({"amplitude": 3.0}, r"amplitude must be in \[0, 2\]"),
        ({"jitter": -1.0}, "jitter must be finite and >= 0"),
        ({"threshold": 0.0}, r"threshold must be in \(0, 1\]"),
    ],
)
def test_event_digits_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        event_digits(**kwargs)
