"""The training state a checkpoint carries for an exact resume, checked field by field before any of it is used.

A checkpoint written by :func:`minisnn.trainer.train` holds, besides the weights, ``step`` (the steps done),
``optimizer`` (:meth:`minisnn.optim.Optimizer.state_dict`), ``batches`` (the batch stream's ``get_state()``),
``rng_states`` (module name → NumPy bit-generator state), ``history`` (:class:`minisnn.trainer.History` as a dict)
and the run's ``config``, ``settings`` and ``data`` (the listing's fingerprint). A file edited by hand, damaged, or
written by something else must not reach the restore code as a TypeError three calls deep, nor be accepted with a
negative step: :func:`check_training_state` raises one :class:`ValueError` naming the field, what it must be and
what it holds; :func:`restoring` turns whatever a restore call still raises into the same kind of message.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

#: The fields :func:`minisnn.trainer.train` needs to resume a run.
RESUME_FIELDS = ("step", "optimizer", "batches", "rng_states", "history")
#: Optional fields that, when present, must be dicts.
DICT_FIELDS = ("config", "settings", "data")
HISTORY_LISTS = ("step", "train_loss", "lr", "val_step")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def check_training_state(extra: Mapping[str, Any], path: str | Path) -> None:
    """Check the types and ranges of every resume field of a checkpoint's ``extra`` (its JSON header).

    Raises:
        ValueError: ``resume: <path>: <field> must be ..., got ...`` for the first field that is wrong; a checkpoint
            without a resume field holds weights only and says so.
    """

    def bad(field: str, expected: str, value: Any) -> ValueError:
        return ValueError(f"resume: {path}: {field} must be {expected}, got {_shown(value)}")

    for key in RESUME_FIELDS:
        if key not in extra:
            raise ValueError(f"resume: {path} holds weights only (no {key!r}); it cannot be resumed")
    step = extra["step"]
    if not _is_whole(step) or step < 0:
        raise bad("step", "a whole number >= 0", step)
    for key in ("optimizer", "batches", "rng_states", "history", *DICT_FIELDS):
        if key in extra and not isinstance(extra[key], Mapping):
            raise bad(key, "a dict", extra[key])
    optimizer = extra["optimizer"]
    if not isinstance(optimizer.get("type"), str):
        raise bad("optimizer.type", "the optimiser's class name (a string)", optimizer.get("type"))
    for name, state in extra["rng_states"].items():
        if not (isinstance(state, Mapping) and isinstance(state.get("bit_generator"), str) and "state" in state):
            raise bad(f"rng_states[{name!r}]", "a NumPy bit-generator state (bit_generator, state, ...)", state)
    _check_history(extra["history"], step, bad)


def _check_history(history: Mapping[str, Any], step: int, bad: Any) -> None:
    for key in HISTORY_LISTS:
        values = history.get(key, [])
        if not isinstance(values, list):
            raise bad(f"history.{key}", "a list", values)
        whole = key in ("step", "val_step")
        for value in values:
            if not (_is_whole(value) if whole else _is_number(value)):
                raise bad(f"history.{key}", "a list of " + ("whole numbers" if whole else "numbers"), values)
    lengths = {key: len(history.get(key, [])) for key in ("step", "train_loss", "lr")}
    if len(set(lengths.values())) > 1:
        raise bad("history", "step, train_loss and lr of one length", lengths)
    steps = history.get("step", [])
    if steps and (max(steps) > step or min(steps) < 1):
        raise bad("history.step", f"steps between 1 and the checkpoint's step {step}", steps)
    val = history.get("val", {})
    if not isinstance(val, Mapping):
        raise bad("history.val", "a dict of metric name -> list", val)
    for name, values in val.items():
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise bad(f"history.val[{name!r}]", "a list of numbers", values)
        if len(values) != len(history.get("val_step", [])):
            raise bad(f"history.val[{name!r}]", f"one value per validation step ({len(history['val_step'])})", values)
    seconds = history.get("seconds", 0.0)
    if not (_is_number(seconds) and seconds is not None and math.isfinite(seconds) and seconds >= 0):
        raise bad("history.seconds", "a number of seconds >= 0", seconds)


@contextmanager
def restoring(field: str, path: str | Path) -> Iterator[None]:
    """Turn what restoring ``field`` raises -- a wrong key, type or size deep inside the restore code -- into one
    ``ValueError`` naming the checkpoint and the field."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as error:
        detail = str(error) or type(error).__name__
        raise ValueError(f"resume: {path}: {field} cannot be restored: {detail}") from None


def set_bit_generator_state(generator: np.random.Generator, state: Any, field: str) -> None:
    """``generator.bit_generator.state = state``, refusing a state of another bit generator by name."""
    expected = type(generator.bit_generator).__name__
    if not isinstance(state, Mapping) or state.get("bit_generator") != expected:
        got = state.get("bit_generator") if isinstance(state, Mapping) else state
        raise ValueError(f"{field} must be a {expected} state, got {_shown(got)}")
    generator.bit_generator.state = dict(state)
