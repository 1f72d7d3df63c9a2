"""Mini-batches of a labelled array dataset (e.g. :func:`~minisnn.data.digits`), reshuffled every epoch.

``LabelledBatches(images, labels, batch_size, rng)`` yields ``(images[idx], labels[idx])`` forever: each epoch is
a fresh seeded permutation cut into batches (the last, smaller batch of an epoch is dropped, so every batch has
``batch_size`` examples). :meth:`~LabelledBatches.get_state` / :meth:`~LabelledBatches.set_state` save and
restore the exact position (for the trainer's exact resume).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minisnn.training_state import set_bit_generator_state


class LabelledBatches:
    """Endless seeded mini-batches ``(x, y)`` of ``(images, labels)``; one epoch = ⌊N / batch_size⌋ batches."""

    def __init__(
        self, images: np.ndarray, labels: np.ndarray, batch_size: int, rng: np.random.Generator | int | None = None
    ) -> None:
        if len(images) != len(labels):
            raise ValueError(f"LabelledBatches: {len(images)} images but {len(labels)} labels")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"LabelledBatches: batch_size must be a positive int, got {batch_size!r}")
        if batch_size > len(images):
            raise ValueError(f"LabelledBatches: batch_size={batch_size} exceeds the {len(images)} examples")
        self.images, self.labels = images, labels
        self.batch_size = int(batch_size)
        self.rng = np.random.default_rng(rng)
        self.epoch = 0
        self._order = self.rng.permutation(len(images))
        self._position = 0

    @property
    def batches_per_epoch(self) -> int:
        return len(self.images) // self.batch_size

    def __iter__(self) -> LabelledBatches:
        return self

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        if self._position + self.batch_size > len(self._order):
            self.epoch += 1
            self._order = self.rng.permutation(len(self.images))
            self._position = 0
        idx = self._order[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        return self.images[idx], self.labels[idx]

    def get_state(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state, "order": self._order.tolist(), "position": self._position,
                "epoch": self.epoch}  # fmt: skip

    def set_state(self, state: dict[str, Any]) -> None:
        order = np.asarray(state["order"], dtype=np.int64)
        n = len(self.images)
        if order.shape != (n,):
            raise ValueError(f"set_state: the state is for {order.size} examples, this dataset has {n}")
        if not np.array_equal(np.sort(order), np.arange(n)):
            raise ValueError("set_state: order must be a permutation of the examples")
        position, epoch = int(state["position"]), int(state["epoch"])
        if not 0 <= position <= n or epoch < 0:
            raise ValueError(f"set_state: position must be in 0..{n} and epoch >= 0, got {position} and {epoch}")
        set_bit_generator_state(self.rng, state["rng"], "rng")
        self._order, self._position, self.epoch = order, position, epoch
