"""Hypothesis strategies and small helpers shared by the tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minisnn import Tensor

finite = dict(allow_nan=False, allow_infinity=False)


def values(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, **finite)


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@st.composite
def arrays(draw, shape, low: float = -2.0, high: float = 2.0, layout: bool = True) -> np.ndarray:
    """float64 arrays; with ``layout`` sometimes non-contiguous (a transposed or strided view), as minitorch does."""
    if not isinstance(shape, tuple):
        shape = draw(shape)
    kind = draw(st.sampled_from(["contiguous", "transposed", "strided"])) if layout and len(shape) >= 1 else "c"
    if kind == "transposed" and len(shape) >= 2:
        base = draw(hnp.arrays(np.float64, shape[::-1], elements=values(low, high)))
        return base.transpose()
    if kind == "strided":
        big = (*shape[:-1], 2 * shape[-1])
        base = draw(hnp.arrays(np.float64, big, elements=values(low, high)))
        return base[..., ::2]
    return draw(hnp.arrays(np.float64, shape, elements=values(low, high)))


def away_from(array: np.ndarray, points, margin: float = 1e-3) -> np.ndarray:
    """Push values within ``margin`` of any of ``points`` (kinks, ties) away from them, in place."""
    for p in np.atleast_1d(points):
        close = np.abs(array - p) < margin
        array[close] = p + np.where(array[close] >= p, margin, -margin) * 2
    return array


def distinct(array: np.ndarray, gap: float = 0.1) -> np.ndarray:
    """Replace values by their rank × gap (same order, all distinct: no ties for max), keeping the layout."""
    ranks = np.argsort(np.argsort(array, axis=None, kind="stable"), kind="stable")
    array[...] = (ranks * gap - 1.0).reshape(array.shape)
    return array


def leaf(array: np.ndarray) -> Tensor:
    return Tensor(array, requires_grad=True)


def assert_close_tree(actual, expected, rtol: float, path: str = "", atol: float = 0.0) -> None:
    """Assert two JSON-like trees (dicts, lists, strings, numbers) are equal, floats within ``rtol``.

    For results computed along different paths (chunk or batch sizes, threads): BLAS blocks a float32 GEMM
    differently for other batch sizes on some CPUs, so such results agree to about 1e-7 relative, not bit for bit.
    Keys, strings, integers, booleans and None must match exactly. ``atol`` is for trees of quantities that may be
    near zero (differences of PSNRs, in dB), where a relative tolerance alone asks for more than the rounding allows.
    """
    where = path or "<root>"
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{where}: keys {actual!r} vs {expected!r}"
        for key in expected:
            assert_close_tree(actual[key], expected[key], rtol, f"{path}.{key}", atol)
    elif isinstance(expected, list | tuple):
        assert isinstance(actual, list | tuple) and len(actual) == len(expected), f"{where}: {actual!r} vs {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close_tree(a, e, rtol, f"{path}[{i}]", atol)
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{where}: {actual!r} vs {expected!r}"
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
        assert close, f"{where}: {actual!r} vs {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, f"{where}: {actual!r} vs {expected!r}"
