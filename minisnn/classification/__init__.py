"""Digit classification with spiking networks (and their ANN twins): models, training, evaluation.

Uses only the public API (``nn``, ``functional``, ``encoding``, ``data.digits``, ``trainer``); it knows nothing
about inpainting, and inpainting knows nothing about it.
"""

from minisnn.classification.evaluate import confusion_matrix, evaluate
from minisnn.classification.model import (
    ARCHITECTURES,
    ENCODERS,
    READOUTS,
    ClassifierConfig,
    build,
    dataset,
    encode,
    logits,
)
from minisnn.classification.train import EncodedBatches, accuracy, fit, predict_logits

__all__ = [
    "ARCHITECTURES",
    "ENCODERS",
    "READOUTS",
    "ClassifierConfig",
    "EncodedBatches",
    "accuracy",
    "build",
    "confusion_matrix",
    "dataset",
    "encode",
    "evaluate",
    "fit",
    "logits",
    "predict_logits",
]
