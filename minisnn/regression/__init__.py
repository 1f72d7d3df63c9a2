"""Regression with a spiking network: a population-coded value in, a continuous value read from the membrane
potential of a non-spiking read-out (issue 23, item 5).

* :mod:`~minisnn.regression.model` -- :class:`RegressionConfig`, :func:`build` (population spikes → LIF hidden layer
  → leaky-integrator read-out, or the non-spiking twin), :func:`encode`, :func:`prediction`, the :data:`TARGETS`;
* :mod:`~minisnn.regression.train` -- :func:`make_data`, :func:`fit` (BPTT on the MSE with the task-independent loop
  of :mod:`minisnn.trainer`), :func:`predict`, :func:`rmse`;
* :mod:`~minisnn.regression.baselines` -- the constant prediction, the Bayes-optimal reader of the same spikes (the
  floor), ML decoding followed by the true function, and the Cramér–Rao approximation.

Uses only the public layers, :mod:`minisnn.population` and the trainer; it knows nothing about the other tasks.
"""

from minisnn.regression.baselines import bayes_estimate, bayes_rmse, constant_rmse, cramer_rao_rmse, ml_readout_rmse
from minisnn.regression.model import (
    READOUTS,
    TARGETS,
    VALUE_RANGE,
    RegressionConfig,
    build,
    encode,
    population_spikes,
    prediction,
    target,
)
from minisnn.regression.train import RegressionBatches, RegressionData, fit, make_data, predict, rmse

__all__ = [
    "READOUTS",
    "TARGETS",
    "VALUE_RANGE",
    "RegressionBatches",
    "RegressionConfig",
    "RegressionData",
    "bayes_estimate",
    "bayes_rmse",
    "build",
    "constant_rmse",
    "cramer_rao_rmse",
    "encode",
    "fit",
    "ml_readout_rmse",
    "make_data",
    "population_spikes",
    "predict",
    "prediction",
    "rmse",
    "target",
]
