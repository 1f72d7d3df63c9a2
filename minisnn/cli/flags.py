"""The argument parser's house style and the value types of the flags: every error names the flag (argparse adds
``argument --flag:``), says what was expected -- with the bounds -- and what was given."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

#: Upper bounds of the count and size flags (stated in their errors): far above any use, far below what would
#: exhaust a machine's memory before a line of output.
MAX_CROP, MAX_BATCH, MAX_STEPS, MAX_CROPS, MAX_SEED = 4096, 1024, 10_000_000, 100_000, 2**32 - 1
MAX_TIME_STEPS, MAX_WIDTH = 1024, 1024
#: The largest learning rate a flag takes: Adam moves each weight by about lr per step, so anything above this is a
#: typo (1e30 once ran to the end with weights of 4e30 and a chance-level model).
MAX_LR = 10.0


class Parser(argparse.ArgumentParser):
    """argparse with the house error format: one line ``error: ...`` and exit status 2, no usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    """argparse type: an int >= 1 (for limits such as ``--max-images``, which allocate nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def int_in(low: int, high: int) -> Callable[[str], int]:
    """argparse type: an int in [low, high], the bounds stated in the error (so a huge count is refused before
    anything is allocated)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}–{high}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}–{high}, got {text!r}")
        return value

    parse.__name__ = f"int_in_{low}_{high}"
    return parse


def float_in(low: float, high: float, low_open: bool = False) -> Callable[[str], float]:
    """argparse type: a finite float in [low, high] (or (low, high] with ``low_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        inside = (low < value if low_open else low <= value) and value <= high
        if not (math.isfinite(value) and inside):
            bracket = "(" if low_open else "["
            raise argparse.ArgumentTypeError(f"expected a finite number in {bracket}{low:g}, {high:g}], got {text!r}")
        return value

    parse.__name__ = f"float_in_{low}_{high}"
    return parse


def seed(text: str) -> int:
    """argparse type: a random seed, an int in 0–2**32−1."""
    return int_in(0, MAX_SEED)(text)
