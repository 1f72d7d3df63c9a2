"""Image inpainting with the hybrid spiking-convolutional network: model, training, metrics, baselines."""

from minisnn.inpainting import baselines, metrics
from minisnn.inpainting.baselines import BASELINES, biharmonic_fill, harmonic_fill, mean_fill, pde_fill
from minisnn.inpainting.energy import energy_estimate
from minisnn.inpainting.evaluate import METRIC_KEYS, evaluate, metrics_table
from minisnn.inpainting.model import REDUCED, SCNN, SCNNConfig
from minisnn.inpainting.train import History, TrainingDiverged, TrainSettings, fit, predict

__all__ = [
    "BASELINES",
    "METRIC_KEYS",
    "REDUCED",
    "SCNN",
    "History",
    "SCNNConfig",
    "TrainSettings",
    "TrainingDiverged",
    "baselines",
    "biharmonic_fill",
    "energy_estimate",
    "evaluate",
    "fit",
    "harmonic_fill",
    "mean_fill",
    "metrics",
    "metrics_table",
    "pde_fill",
    "predict",
]
