"""Paired comparisons with uncertainty: is method A better than method B on the same examples?

When two methods are measured on the same crops (or images, or training seeds), the fair question is about the
*difference* on each example, and how much it could change on other examples of the same kind. The paired
bootstrap answers it: resample the examples with replacement (the same resample for both methods), recompute the
statistic, and read the 2.5th and 97.5th percentiles of its distribution (Efron & Tibshirani 1993, percentile
interval). A difference whose 95 % interval contains 0 is not shown by these data.

* :func:`paired_difference` -- the mean of per-example differences a - b (e.g. per-crop PSNR, per-sample
  correctness): an interval **within one trained model**, over the examples it is tested on -- it says nothing
  about another training run of the same recipe;
* :func:`pooled_psnr_difference` -- PSNR_a - PSNR_b where each PSNR comes from the error pooled over all
  examples, 10·log10(Σ squared errors_b / Σ squared errors_a): the number a few near-perfect crops cannot
  dominate;
* :func:`bootstrap` -- any statistic of the resampled example indices;
* :func:`t_interval` -- the mean over a few independent runs (training seeds) with a Student-t interval. Use it, not
  the bootstrap, over seeds: a percentile bootstrap of three numbers covers the true mean only about three times in
  four (its interval is at most their range), not the nominal 95 % (tests/test_stats.py measures both).

Every random choice takes a seed or Generator: the same seed gives the same interval.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Comparison:
    """A statistic with its bootstrap interval: ``estimate`` on all examples, [``low``, ``high``] the
    ``confidence`` percentile interval over ``n_boot`` resamples of the ``n`` examples."""

    estimate: float
    low: float
    high: float
    n: int
    confidence: float = 0.95
    n_boot: int = 2000

    @property
    def significant(self) -> bool:
        """True when the interval excludes 0."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, float | int]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n": self.n,
                "confidence": self.confidence}  # fmt: skip

    def format(self, unit: str = "") -> str:
        """e.g. ``+0.31 dB [+0.12, +0.50] (95 % CI, 200 crops)``."""
        unit = f" {unit}" if unit else ""
        return (
            f"{self.estimate:+.2f}{unit} [{self.low:+.2f}, {self.high:+.2f}] "
            f"({100 * self.confidence:.0f} % paired bootstrap CI over {self.n})"
        )


def bootstrap(
    n: int,
    statistic: Callable[[np.ndarray], float],
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> Comparison:
    """Percentile bootstrap of ``statistic(indices)`` over ``n`` examples.

    ``statistic`` receives an int array of example indices (all of them once for the estimate, then
    ``n_boot`` resamples of size n drawn with replacement) and returns a float.
    """
    for name, value in (("n", n), ("n_boot", n_boot)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"bootstrap: {name} must be an int, got {value!r}")
    if n < 1:
        raise ValueError(f"bootstrap: need at least one example, got n={n}")
    if not callable(statistic):
        raise TypeError(f"bootstrap: statistic must be a function of the example indices, got {statistic!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"bootstrap: confidence must be in (0, 1), got {confidence!r}")
    if n_boot < 1:
        raise ValueError(f"bootstrap: n_boot must be >= 1, got {n_boot!r}")
    rng = np.random.default_rng(rng)
    estimate = float(statistic(np.arange(n)))
    draws = np.array([statistic(rng.integers(0, n, n)) for _ in range(n_boot)], dtype=np.float64)
    tail = (1 - confidence) / 2
    if np.all(np.isfinite(draws)):
        low, high = np.quantile(draws, [tail, 1 - tail])
    else:  # an infinite statistic (a PSNR without error): order statistics, no interpolation between infinities
        low, high = np.quantile(draws, tail, method="lower"), np.quantile(draws, 1 - tail, method="higher")
    return Comparison(estimate, float(low), float(high), n, confidence, n_boot)


def _values(x: ArrayLike, where: str) -> np.ndarray:
    try:
        values = np.asarray(x, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where} must be numbers, one per example: {error}") from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where} must be finite (cap infinite PSNRs first)")
    return values


def _paired(
    a: ArrayLike, b: ArrayLike, func: str, names: tuple[str, str] = ("a", "b")
) -> tuple[np.ndarray, np.ndarray]:
    a = _values(a, f"{func}: {names[0]}")
    b = _values(b, f"{func}: {names[1]}")
    if a.shape != b.shape:
        raise ValueError(
            f"{func}: {names[0]} and {names[1]} need one value per example each (the same examples), "
            f"got {a.size} and {b.size}"
        )
    if a.size == 0:
        raise ValueError(f"{func}: {names[0]} and {names[1]} are empty: need at least one example")
    return a, b


def paired_difference(
    a: ArrayLike, b: ArrayLike, n_boot: int = 2000, confidence: float = 0.95, rng: np.random.Generator | int | None = 0
) -> Comparison:
    """Mean of the per-example differences a - b, with a paired bootstrap interval."""
    a, b = _paired(a, b, "paired_difference")
    diff = a - b
    return bootstrap(diff.size, lambda idx: diff[idx].mean(), n_boot, confidence, rng)


def pooled_psnr_difference(
    sse_a: ArrayLike,
    sse_b: ArrayLike,
    counts: ArrayLike,
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> Comparison:
    """PSNR_a - PSNR_b [dB] with each PSNR from the pooled mean squared error, peak 1:

        PSNR = 10·log10(Σ counts / Σ sse),   so   PSNR_a - PSNR_b = 10·log10(Σ sse_b / Σ sse_a)

    ``sse_*`` is each example's sum of squared errors (e.g. over its hole pixels × channels), ``counts`` the
    number of values summed (the same for both methods). Resampled in pairs.
    """
    a, b = _paired(sse_a, sse_b, "pooled_psnr_difference", ("sse_a", "sse_b"))
    n = _paired(counts, a, "pooled_psnr_difference", ("counts", "sse_a"))[0]
    for name, values in (("sse_a", a), ("sse_b", b), ("counts", n)):
        if np.any(values < 0):
            raise ValueError(f"pooled_psnr_difference: {name} must be >= 0, got min {float(values.min())!r}")

    def statistic(idx: np.ndarray) -> float:
        sa, sb = a[idx].sum(), b[idx].sum()
        if sa == 0 or sb == 0:
            return float("inf") if sa == 0 and sb > 0 else float("-inf") if sb == 0 and sa > 0 else 0.0
        return float(10 * np.log10(sb / sa))

    return bootstrap(a.size, statistic, n_boot, confidence, rng)


def pooled_psnr(sse: ArrayLike, counts: ArrayLike) -> float:
    """10·log10(Σ counts / Σ sse): the PSNR of the pooled mean squared error (peak 1); inf when Σ sse = 0, NaN
    when an sse is NaN (the outputs of a diverged model)."""
    sse = np.asarray(sse, dtype=np.float64).ravel()
    counts = np.asarray(counts, dtype=np.float64).ravel()
    if sse.shape != counts.shape:
        raise ValueError(
            f"pooled_psnr: sse and counts need one value per example each, got {sse.size} and {counts.size}"
        )
    for name, values in (("sse", sse), ("counts", counts)):
        if np.any(values < 0):
            raise ValueError(f"pooled_psnr: {name} must be >= 0, got min {float(values.min())!r}")
    total = float(np.sum(sse))
    if total > 0 and np.sum(counts) == 0:
        raise ValueError("pooled_psnr: counts sum to 0 but sse does not: no values were summed")
    return float("inf") if total == 0 else float(10 * np.log10(float(np.sum(counts)) / total))


@dataclass(frozen=True)
class MeanInterval:
    """A mean over a few independent runs (training seeds) with its Student-t interval:
    mean ± t_{(1+confidence)/2, n-1} · s/√n, s the sample standard deviation (n - 1 in its denominator)."""

    estimate: float
    low: float
    high: float
    n: int
    std: float
    confidence: float = 0.95

    def to_dict(self) -> dict[str, float | int | str]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n": self.n, "std": self.std,
                "confidence": self.confidence, "method": "Student t over runs"}  # fmt: skip

    def format(self, scale: float = 1.0, unit: str = "", digits: int = 2) -> str:
        """e.g. ``93.70 % [91.52, 95.88] (95 % t-interval, 3 seeds)`` with ``scale=100, unit=" %"``."""
        f = f"{{:.{digits}f}}"
        body = f"{f.format(scale * self.estimate)}{unit} [{f.format(scale * self.low)}, {f.format(scale * self.high)}]"
        return f"{body} ({100 * self.confidence:.0f} % t-interval, {self.n} seeds)"


def t_interval(values: ArrayLike, confidence: float = 0.95) -> MeanInterval:
    """The mean of ``values`` (one per independent run, e.g. the test accuracy of each training seed) with a
    Student-t confidence interval -- what a handful of seeds supports: at n = 3 a percentile bootstrap over the runs
    covers far less than its nominal 95 % (the interval of three numbers is at most their range), the t-interval
    covers 95 % when the runs scatter normally. Needs n >= 2 (SciPy for the t quantile, imported on use)."""
    from scipy import stats as scipy_stats

    x = _values(values, "t_interval: values")
    if x.size < 2:
        raise ValueError(f"t_interval: need at least two runs, got {x.size}")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"t_interval: confidence must be in (0, 1), got {confidence!r}")
    mean, std = float(x.mean()), float(x.std(ddof=1))
    half = float(scipy_stats.t.ppf((1 + confidence) / 2, x.size - 1)) * std / np.sqrt(x.size)
    return MeanInterval(mean, mean - half, mean + half, int(x.size), std, float(confidence))
