"""Winner-take-all, adaptive thresholds, the Diehl & Cook network on toy patterns, the read-out and the vote."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn.plasticity import (
    DiehlCookConfig,
    DiehlCookNetwork,
    STDPParams,
    assign_labels,
    fit_readout,
    threshold_closed_form,
    threshold_decay,
    update_threshold,
    vote,
    winner_take_all,
    winner_take_all_loop,
)

SMALL = DiehlCookConfig(n_neurons=6, num_steps=30, weight_sum=3.0)


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 9)),
               elements=st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.5, 2.0])),
    st.integers(1, 4),
)  # fmt: skip
def test_winner_take_all_matches_the_loop_and_lets_at_most_k_win(margins, k):
    spikes = winner_take_all(margins, k)
    for row, got in zip(margins, spikes, strict=True):
        np.testing.assert_array_equal(got, winner_take_all_loop(row, k))
        assert got.sum() <= min(k, (row >= 0).sum())
        assert np.all(row[got > 0] >= 0)


def test_ties_go_to_the_lower_index():
    np.testing.assert_array_equal(winner_take_all([0.1, 0.3, 0.3, -1.0], 1), [0, 1, 0, 0])
    np.testing.assert_array_equal(winner_take_all([0.1, 0.3, 0.3, -1.0], 2), [0, 1, 1, 0])
    np.testing.assert_array_equal(winner_take_all([-0.1, -0.3], 1), [0, 0])


def test_the_threshold_rises_with_each_spike_and_decays_with_its_time_constant():
    dt, tau, theta_plus = 0.5, 40.0, 0.3
    spikes = np.zeros(300)
    spikes[[4, 20, 21, 150]] = 1
    theta, history = np.array([0.8]), []
    decay = threshold_decay(dt, tau)
    for s in spikes:
        history.append(update_threshold(theta, np.array([s]), theta_plus, decay)[0])
    times = np.arange(300) * dt
    expected = threshold_closed_form(np.flatnonzero(spikes) * dt, times, theta_plus, tau, theta0=0.8 * decay)
    np.testing.assert_allclose(history, expected, rtol=1e-12)  # the loop's first step decays θ(0) = 0.8 once
    assert history[4] - history[3] == pytest.approx(theta_plus - history[3] * (1 - decay), rel=1e-12)


def pattern_images(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    pattern = np.zeros(16)
    pattern[[1, 2, 5, 6, 9, 10]] = 1.0
    return np.repeat(pattern[None], n, axis=0), pattern


def test_a_neuron_shown_one_pattern_grows_the_weights_of_its_active_inputs():
    images, pattern = pattern_images()
    config = DiehlCookConfig(n_neurons=1, num_steps=50, weight_sum=3.0, w_init_max=0.3)
    network = DiehlCookNetwork(16, config, rng=0)
    before = network.w[:, 0].copy()
    stats = network.train(images, rng=0)
    after = network.w[:, 0]
    assert stats["spikes_per_image"].sum() > 0
    active, silent = pattern > 0, pattern == 0
    assert after[active].min() > before[active].mean()  # every active input grew
    assert after[silent].max() < before[silent].mean()  # every silent input shrank (the offset and normalisation)
    assert after[active].sum() > 0.9 * config.weight_sum
    assert after.sum() == pytest.approx(config.weight_sum, rel=1e-12)  # normalised


def test_two_patterns_are_learned_by_different_neurons():
    left, right = np.zeros(16), np.zeros(16)
    left[[0, 4, 8, 12, 1, 5]] = 1.0
    right[[3, 7, 11, 15, 2, 6]] = 1.0
    images = np.array([left, right] * 40)
    network = DiehlCookNetwork(16, DiehlCookConfig(n_neurons=4, num_steps=40, weight_sum=3.0), rng=1)
    network.train(images, rng=1)
    counts = network.run(np.array([left, right]), rng=2)
    assert counts[0].argmax() != counts[1].argmax()  # competition: a different neuron answers each pattern
    fields = network.receptive_fields((4, 4)).reshape(4, 16)
    winner_left, winner_right = counts[0].argmax(), counts[1].argmax()
    assert fields[winner_left] @ left > fields[winner_left] @ right
    assert fields[winner_right] @ right > fields[winner_right] @ left


def test_the_frozen_network_is_deterministic_for_a_seed_and_changes_nothing():
    images = np.random.default_rng(0).random((12, 16))
    a, b = DiehlCookNetwork(16, SMALL, rng=5), DiehlCookNetwork(16, SMALL, rng=5)
    a.train(images, rng=7)
    b.train(images, rng=7)
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(a.theta, b.theta)
    w, theta = a.w.copy(), a.theta.copy()
    counts = a.run(images, rng=3)
    np.testing.assert_array_equal(counts, b.run(images, rng=3))
    np.testing.assert_array_equal(a.w, w)
    np.testing.assert_array_equal(a.theta, theta)
    assert counts.sum(axis=1).max() <= SMALL.winners * SMALL.num_steps
    assert not np.array_equal(counts, a.run(images, rng=4))  # the input spikes are drawn from the seed
    c = DiehlCookNetwork(16, SMALL, rng=6)
    c.train(images, rng=7)
    assert not np.array_equal(a.w, c.w)


def test_at_most_k_neurons_fire_per_step():
    images = np.random.default_rng(1).random((5, 16))
    for winners in (1, 2):
        network = DiehlCookNetwork(16, SMALL.replace(winners=winners, weight_sum=8.0), rng=0)
        stats = network.train(images, rng=0)
        assert stats["spikes_per_image"].max() <= winners * SMALL.num_steps
        counts = network.run(images, rng=0, batch_size=2)
        assert counts.shape == (5, SMALL.n_neurons)
        assert 0 < counts.sum(axis=1).max() <= winners * SMALL.num_steps


def test_the_readout_learns_separable_features_and_the_vote_follows_the_assignment():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    features = rng.random((60, 5)) * 0.1
    features[np.arange(60), labels] += 2.0  # feature k is high for class k
    readout = fit_readout(features, labels, num_classes=3, steps=200, rng=0)
    assert readout.accuracy(features, labels) == 1.0
    assert readout.logits(features).shape == (60, 3)
    assignment = assign_labels(features, labels, num_classes=3)
    np.testing.assert_array_equal(assignment[:3], [0, 1, 2])
    np.testing.assert_array_equal(vote(features, assignment, num_classes=3), labels)
    counts = np.array([[5.0, 0, 1], [0, 3, 3], [1, 0, 0]])
    np.testing.assert_array_equal(vote(counts, np.array([0, 1, 1]), num_classes=2), [0, 1, 0])


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda: winner_take_all([0.1], 0), ValueError, "k must be an int"),
        (lambda: DiehlCookConfig(n_neurons=0), ValueError, "n_neurons must be"),
        (lambda: DiehlCookConfig(f_max=2000.0), ValueError, "f_max"),
        (lambda: DiehlCookConfig(stdp=STDPParams(dt=0.5)), ValueError, "stdp.dt"),
        (lambda: DiehlCookConfig(stdp="stdp"), TypeError, "stdp must be an STDPParams"),
        (lambda: DiehlCookNetwork(0), ValueError, "n_inputs must be"),
        (lambda: DiehlCookNetwork(16, SMALL).run(np.zeros((2, 9))), ValueError, "16 pixels"),
        (lambda: DiehlCookNetwork(16, SMALL).train(np.full((2, 16), 2.0)), ValueError, r"\[0, 1\]"),
        (lambda: DiehlCookNetwork(16, SMALL).receptive_fields((3, 3)), ValueError, "16 pixels"),
        (lambda: fit_readout(np.zeros((4, 2)), np.zeros(3, int)), ValueError, "must match"),
        (lambda: fit_readout(np.zeros((4, 2)), np.full(4, 12)), ValueError, "labels must be ints"),
        (lambda: assign_labels(np.zeros((4, 2)), np.zeros(3, int)), ValueError, "must match"),
        (lambda: vote(np.zeros((4, 2)), np.zeros(3, int)), ValueError, "must match"),
        (lambda: threshold_decay(1.0, 0.0), ValueError, "tau_theta"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, error, says):
    with pytest.raises(error, match=says):
        call()
