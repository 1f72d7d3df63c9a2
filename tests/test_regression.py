"""The regression task: a population-coded value in, a continuous value out of a non-spiking read-out."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minisnn import Tensor, gradcheck, nn, population
from minisnn import functional as F
from minisnn import regression as R


def small(**overrides):
    return R.RegressionConfig(**{"num_neurons": 8, "num_steps": 10, "hidden": 16, **overrides})


def test_training_beats_the_constant_prediction_on_held_out_values():
    config = small()
    train, test = R.make_data(400, rng=0), R.make_data(200, rng=1)
    model = R.build(config, rng=0)
    before = R.rmse(model, config, test)
    R.fit(model, config, train, 150, batch_size=32, lr=1e-2, progress=False)
    after = R.rmse(model, config, test)
    # measured: about 0.3 after 150 steps against 0.7 for the constant; the bound leaves room for load-free noise
    assert after < 0.6 * R.constant_rmse(train, test) and after < before


@pytest.mark.parametrize("spiking", [True, False])
def test_training_is_deterministic_per_seed(spiking):
    config, train = small(spiking=spiking), R.make_data(100, rng=0)
    weights = []
    for _ in range(2):
        model = R.build(config, rng=3)
        R.fit(model, config, train, 5, batch_size=8, seed=4, progress=False)
        weights.append({k: v.copy() for k, v in model.state_dict().items()})
    for k in weights[0]:
        np.testing.assert_array_equal(weights[0][k], weights[1][k])


def test_resuming_from_a_checkpoint_repeats_the_uninterrupted_run(tmp_path):
    config, train = small(), R.make_data(100, rng=0)
    kw = dict(batch_size=8, progress=False, lr_schedule="constant")  # a cosine run of 4 steps is complete at 4
    straight = R.build(config, rng=1)
    R.fit(straight, config, train, 8, **kw)
    R.fit(R.build(config, rng=1), config, train, 4, out_dir=tmp_path, checkpoint_every=4, **kw)
    resumed = R.build(config, rng=2)  # other initial weights: the checkpoint's must replace them
    R.fit(resumed, config, train, 8, out_dir=tmp_path, checkpoint_every=4, resume=True, **kw)
    for k, v in straight.state_dict().items():
        np.testing.assert_array_equal(v, resumed.state_dict()[k])


@given(st.integers(0, 2**31), st.integers(1, 12), st.floats(-5, 5))
@settings(deadline=None)
def test_the_readout_never_spikes_and_is_a_leaky_integrator(seed, steps, scale):
    # V_t = β V_{t−1} + (dt/C)·I_t with β = 1 − dt/τ, no threshold: the closed form of the filter, for any current
    config = small(num_steps=steps)
    readout = R.build(config, rng=seed)[-1]
    current = scale * np.random.default_rng(seed).normal(size=(steps, 3, 1))
    v = readout(Tensor(current)).data
    beta, gain = 1 - 1 / config.tau_readout, 1 / config.tau_readout
    want = np.zeros((3, 1))
    for t in range(steps):
        want = beta * want + gain * current[t]
        np.testing.assert_allclose(v[t], want, rtol=1e-5, atol=1e-5)
    with nn.record(readout, membrane=True) as rec:
        readout(Tensor(100 + np.abs(current)))
    assert rec.spikes().sum() == 0 and rec.membrane().max() > 1  # far above the threshold 1 of the hidden layer


@given(st.integers(0, 2**31), st.integers(1, 8), st.integers(1, 4), st.integers(1, 6), st.sampled_from(R.READOUTS))
@settings(deadline=None)
def test_readout_path_gradients_match_finite_differences(seed, steps, batch, hidden, readout):
    # hidden spikes fixed (no spike can flip): ŷ = read-out(spikes·Wᵀ + b), its mean over T or its last V, float64
    rng = np.random.default_rng(seed)
    config = small(num_steps=steps, hidden=hidden, readout=readout)
    layer = R.build(config, rng=seed)[-1]
    spikes = Tensor((rng.random((steps, batch, hidden)) < 0.4).astype(np.float64))
    w = Tensor(rng.normal(size=(1, hidden)), requires_grad=True)
    b = Tensor(rng.normal(size=(1,)), requires_grad=True)
    assert gradcheck(lambda w, b: R.prediction(layer(F.linear(spikes, w, b)), config), [w, b])


def test_encode_gives_spikes_for_the_snn_and_rates_of_the_same_spikes_for_the_twin():
    x = np.array([-1.0, 0.2, 1.0])
    spikes = R.encode(x, small(), rng=5)
    assert spikes.shape == (10, 3, 8) and spikes.dtype == np.float32
    np.testing.assert_allclose(R.encode(x, small(spiking=False), rng=5), spikes.mean(axis=0), atol=1e-7)
    twin = R.build(small(spiking=False), rng=0)
    assert R.prediction(twin(Tensor(spikes.mean(axis=0))), small(spiking=False)).shape == (3,)


def test_targets_and_data():
    data = R.make_data(50, "bump", rng=2)
    assert len(data) == 50 and np.all(np.abs(data.x) <= 1)
    np.testing.assert_allclose(data.y, np.exp(-(data.x**2) / 0.18))
    np.testing.assert_allclose(R.target([0.5], "sin"), [1.0])
    np.testing.assert_allclose(R.target([-0.5], "abs"), [0.5])


def test_the_bayes_reader_is_the_floor_and_the_bound_fits_at_large_counts():
    # few counts: the posterior mean beats ML-then-g (ML is not built for squared error) and the constant
    test = R.make_data(3000, rng=7)
    few = small(num_neurons=4, num_steps=5)
    assert R.bayes_rmse(few, test) < min(R.ml_readout_rmse(few, test), R.constant_rmse(test, test))
    # many counts: all three agree within 10 % (delta method, ML efficient)
    many = small(num_neurons=16, num_steps=200)
    bayes, ml, bound = R.bayes_rmse(many, test), R.ml_readout_rmse(many, test), R.cramer_rao_rmse(many, test.x)
    assert bayes == pytest.approx(bound, rel=0.1) and ml == pytest.approx(bound, rel=0.1)


def test_bayes_estimate_is_the_posterior_mean_by_the_loop():
    config = small(num_neurons=3, num_steps=4)
    spikes = population.population_encode(np.array([0.3, -0.8]), 3, 4, rng=1, width=config.sigma)
    grid = np.linspace(-1, 1, 41)
    got = R.bayes_estimate(config, spikes, grid=41)
    p = population.gaussian_tuning_loop(grid, population.centres(3), config.sigma, config.f_max)
    for i, n in enumerate(spikes.sum(axis=0)):
        like = [math.prod(p[k, j] ** n[j] * (1 - p[k, j]) ** (4 - n[j]) for j in range(3)) for k in range(41)]
        want = sum(lk * math.sin(math.pi * g) for lk, g in zip(like, grid, strict=True)) / sum(like)
        assert got[i] == pytest.approx(want, abs=1e-10)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"num_neurons": 1}, "num_neurons must be an int >= 2"),
        ({"num_steps": 0}, "num_steps must be an int >= 1"),
        ({"hidden": 2.5}, "hidden must be an int >= 1"),
        ({"readout": "spikes"}, "readout must be one of"),
        ({"spiking": "no"}, "spiking must be True or False"),
        ({"target": "cos"}, "target must be one of"),
        ({"tau": 1.0}, "tau must be > 1 ms"),
        ({"width": 0.0}, "width must be a number > 0"),
        ({"f_max": 5000.0}, "spike probability"),
    ],
)
def test_bad_configurations_are_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        R.RegressionConfig(**overrides)


def test_bad_data_arguments_are_named():
    with pytest.raises(ValueError, match="n must be a positive int"):
        R.make_data(0)
    with pytest.raises(ValueError, match="target must be one of"):
        R.target([0.0], "tan")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        R.RegressionBatches(R.make_data(3), small(), 0, seed=0)


def test_config_round_trips_through_a_dict():
    config = small(width=0.2, readout="final", target="abs")
    assert R.RegressionConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown keys"):
        R.RegressionConfig.from_dict({**config.to_dict(), "colour": 1})


@pytest.mark.parametrize("spiking", [True, False])
def test_predict_reads_the_spikes_the_baselines_read_in_any_chunks(spiking):
    # predict and the baselines draw the same spikes from the same seed (a paired comparison), whatever the chunking
    config, x = small(spiking=spiking), np.linspace(-1, 1, 7)
    model = R.build(config, rng=0)
    spikes = R.population_spikes(x, config, 42)
    inputs = spikes if spiking else spikes.mean(axis=0)
    want = R.prediction(model(Tensor(inputs)), config).data
    for chunk in (1, 3, 512):
        np.testing.assert_allclose(R.predict(model, config, x, seed=42, chunk=chunk), want, rtol=1e-6, atol=1e-6)
    ml = population.decode_ml(spikes, width=config.sigma)
    assert R.ml_readout_rmse(config, R.RegressionData(x, R.target(x)), seed=42) == pytest.approx(
        np.sqrt(np.mean((np.sin(np.pi * ml) - np.sin(np.pi * x)) ** 2))
    )
