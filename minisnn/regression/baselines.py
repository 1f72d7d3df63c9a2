"""What a regression network's test error is measured against.

* :func:`constant_rmse` -- predicting the training targets' mean for every x: the error of knowing nothing about x;
* :func:`bayes_rmse` -- the best any reader of the same spikes can do in mean squared error: the posterior mean
  ŷ = E[g(x) | counts] under the uniform prior on [−1, 1] the values are drawn from, with the tuning and g known
  exactly (the counts are sufficient: the steps are independent given x, so spike timing carries nothing more).
  A network that must *learn* g from examples beats it only by chance, on a finite test set;
* :func:`ml_readout_rmse` -- decode x̂ by maximum likelihood (:func:`minisnn.population.decode_ml`) and answer g(x̂):
  close to the Bayes error when the counts are large, worse when they are few (ML is not built for squared error);
* :func:`cramer_rao_rmse` -- the encoding noise in closed form: by the delta method, Var g(x̂) ≈ g'(x)²/I(x) for an
  efficient decoder, so RMSE ≈ √(mean over the test values of g'(x)²/I(x))
  (:func:`minisnn.population.fisher_information`; g' by central differences). A large-count approximation: at
  small T·M the range's ends and the prior cut the errors short, and it can exceed the Bayes error.
"""

from __future__ import annotations

import numpy as np

from minisnn import population
from minisnn.regression.model import VALUE_RANGE, RegressionConfig, population_spikes, target
from minisnn.regression.train import RegressionData


def constant_rmse(train_data: RegressionData, test_data: RegressionData) -> float:
    """RMSE of the constant prediction mean(train y) on the test data."""
    return float(np.sqrt(np.mean((test_data.y - train_data.y.mean()) ** 2)))


def bayes_estimate(config: RegressionConfig, spikes: np.ndarray, grid: int = 2001) -> np.ndarray:
    """E[g(x) | counts] (N,) under the uniform prior: Σ_k w_k g(x_k) over ``grid`` values x_k evenly spaced in
    [−1, 1], w_k ∝ L(x_k) the likelihood of the counts (:func:`minisnn.population.log_likelihood`)."""
    candidates = np.linspace(*VALUE_RANGE, grid)
    ll = population.log_likelihood(spikes, candidates, VALUE_RANGE, config.sigma, f_max=config.f_max)
    w = np.exp(ll - ll.max(axis=-1, keepdims=True))
    return (w @ target(candidates, config.target)) / w.sum(axis=-1)


def bayes_rmse(config: RegressionConfig, test_data: RegressionData, seed: int = 1234) -> float:
    """RMSE of the posterior mean E[g(x) | counts] on the test data (module docstring), the spikes drawn from ``seed``
    as :func:`~minisnn.regression.predict` draws them: the same seed, the same spikes."""
    estimate = bayes_estimate(config, population_spikes(test_data.x, config, seed))
    return float(np.sqrt(np.mean((estimate - test_data.y) ** 2)))


def ml_readout_rmse(config: RegressionConfig, test_data: RegressionData, seed: int = 1234) -> float:
    """RMSE of g(x̂_ML) on the test data, the spikes drawn as :func:`~minisnn.regression.predict` draws them."""
    x_hat = population.decode_ml(
        population_spikes(test_data.x, config, seed), VALUE_RANGE, config.sigma, f_max=config.f_max
    )
    return float(np.sqrt(np.mean((target(x_hat, config.target) - test_data.y) ** 2)))


def cramer_rao_rmse(config: RegressionConfig, x: np.ndarray) -> float:
    """√(mean g'(x)²/I(x)) over the values x (module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5
    slope = (target(x + h, config.target) - target(x - h, config.target)) / (2 * h)
    info = population.fisher_information(x, config.num_neurons, config.num_steps, VALUE_RANGE, config.sigma,
                                         f_max=config.f_max)  # fmt: skip
    return float(np.sqrt(np.mean(slope**2 / info)))
