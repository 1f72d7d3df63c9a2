"""Event digits: the bundled digits seen by a simulated event camera, made the way N-MNIST was made from MNIST.

**What N-MNIST did** (Orchard, Jayawant, Cohen & Thakor 2015, "Converting static image datasets to spiking
neuromorphic datasets using saccades", Frontiers in Neuroscience 9:437): each MNIST digit was shown on a monitor
to an ATIS event camera on a pan-tilt mount that made three quick saccades tracing a triangle (about 100 ms each,
300 ms per digit). A still image makes no events; the motion turns every edge into a change of brightness, and
each pixel that sees its log intensity change by a threshold emits an event with a polarity (ON: brighter, OFF:
darker). The 28×28 digits became 34×34 recordings (the motion needs the border), MNIST's split was kept.

**What we do** (offline, seeded, in NumPy): the 8×8 digit of :func:`~minisnn.data.digits` (the same stratified
train/test split: no test digit is ever seen in training) is upsampled to ``digit_size`` (12) and centred on a
black ``size``×``size`` canvas (16: a border of 2 pixels, about N-MNIST's proportion). It moves along a closed
triangle of three saccades, its corners (dy, dx) = (A/2, −A), (A/2, A), (−A, 0) pixels (A = ``amplitude``; y down),
each corner jittered per digit by N(0, ``jitter``²) and clipped to the border; T = ``num_steps`` steps visit T + 1
positions, a third of the time per saccade: p_0 … p_T = p_0. Frame t is the canvas shifted by p_t with bilinear
interpolation (a sub-pixel shift blends neighbouring pixels; zeros come in from outside). The events of step
t = 1 … T are the delta modulation of consecutive frames (:func:`~minisnn.encoding.delta_on_off`): ON where
frame_t − frame_{t−1} ≥ ``threshold``, OFF where ≤ −threshold.

What we simplified: brightness is **linear** intensity, not log intensity: our digits are exactly black (0) on
the background, where a log is undefined, and a log with an offset would make the faint interpolation fringes
(0 → 0.02) look like strong edges; a uniform monitor brightness, as in N-MNIST's set-up, makes the two differ
only in where along an edge the threshold is crossed. Time is discrete (T frames, not microsecond timestamps), at
most one event per pixel, polarity and step (a DVS pixel may fire several for a large change), no sensor noise,
no refractory period, no per-pixel threshold mismatch.

The events are uint8 0/1 frames ``(T, N, 2, size, size)``: channel 0 ON, channel 1 OFF, time-major.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minisnn.encoding import delta_on_off

from .digits import SPLITS, digits


class EventDigits(NamedTuple):
    """Events (T, N, 2, H, W) uint8 (channel 0 ON, 1 OFF), labels (N,) int64, the saccade path (T + 1, N, 2)
    float32 (dy, dx) in pixels, and the frames' threshold."""

    events: np.ndarray
    labels: np.ndarray
    path: np.ndarray
    threshold: float

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.labels)


def saccade_corners(amplitude: float) -> np.ndarray:
    """The triangle's corners (3, 2), (dy, dx) in pixels, y down: (A/2, −A), (A/2, A), (−A, 0)."""
    a = float(amplitude)
    return np.array([[a / 2, -a], [a / 2, a], [-a, 0.0]])


def saccade_path(num_steps: int, corners: np.ndarray) -> np.ndarray:
    """Positions (T + 1, ..., 2) along the closed triangle ``corners`` (3, ..., 2), each saccade (side) taking a
    third of the time, as in N-MNIST: at step t, u = 3t/T, side k = min(⌊u⌋, 2), p_t = c_k + (u − k)(c_{k+1} − c_k)
    with c_3 = c_0; so p_0 = p_T = c_0."""
    closed = np.concatenate([corners, corners[:1]])  # (4, ..., 2)
    path = []
    for t in range(num_steps + 1):
        u = 3 * t / num_steps
        k = min(int(u), 2)
        path.append(closed[k] + (u - k) * (closed[k + 1] - closed[k]))
    return np.stack(path)


def shift_bilinear(images: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Shift each image (N, C, H, W) by its own (dy[n], dx[n]) pixels (down, right) with bilinear interpolation;
    zeros come in from outside. out[n, c, y, x] = Σ k(y − dy − y') k(x − dx − x') img[n, c, y', x'] with the tent
    ``k(u) = max(0, 1 − abs(u))``: separable, as (H, H) and (W, W) interpolation matrices per image."""
    n, _, h, w = images.shape
    ys, xs = np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64)
    rows = np.maximum(0.0, 1 - np.abs(ys[None, :, None] - dy[:, None, None] - ys[None, None, :]))  # (N, H, H)
    cols = np.maximum(0.0, 1 - np.abs(xs[None, :, None] - dx[:, None, None] - xs[None, None, :]))  # (N, W, W)
    out = np.einsum("nij,ncjk,nlk->ncil", rows, images.astype(np.float64), cols, optimize=True)
    return out.astype(images.dtype)


def event_digits(
    split: str = "train",
    num_steps: int = 12,
    size: int = 16,
    digit_size: int = 12,
    amplitude: float = 1.5,
    jitter: float = 0.25,
    threshold: float = 0.1,
    test_fraction: float = 0.25,
    seed: int = 0,
    rng: np.random.Generator | int | None = 0,
) -> EventDigits:
    """The event digits of ``split`` ("train", "test", "all"; the split of :func:`~minisnn.data.digits` with
    ``test_fraction`` and ``seed``), moved along jittered saccade triangles drawn from ``rng`` (module docstring).

    Args:
        num_steps: T ≥ 3 event steps (T + 1 frames; a third of the path per saccade).
        size: the canvas side; digit_size: the digit's side on it (≥ 8, ≤ size).
        amplitude: A, the triangle's half-width in pixels; jitter: std of each corner's jitter in pixels.
        threshold: the brightness change (linear intensity in [0, 1]) that makes an event.
    Returns:
        :class:`EventDigits` with events (T, N, 2, size, size) uint8.
    """
    if split not in SPLITS:
        raise ValueError(f"event_digits: split must be one of {SPLITS}, got split={split!r}")
    for name, value, low in (("num_steps", num_steps, 3), ("size", size, 8), ("digit_size", digit_size, 8)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"event_digits: {name} must be an int >= {low}, got {name}={value!r}")
    if digit_size > size:
        raise ValueError(f"event_digits: digit_size must be <= size, got digit_size={digit_size}, size={size}")
    margin = (size - digit_size) / 2
    if not (np.isfinite(amplitude) and 0 <= amplitude <= margin):
        raise ValueError(f"event_digits: amplitude must be in [0, {margin:g}] pixels (the border (size - "
                         f"digit_size)/2), got amplitude={amplitude!r}")  # fmt: skip
    if not (np.isfinite(jitter) and jitter >= 0):
        raise ValueError(f"event_digits: jitter must be finite and >= 0 pixels, got jitter={jitter!r}")
    if not (np.isfinite(threshold) and 0 < threshold <= 1):
        raise ValueError(f"event_digits: threshold must be in (0, 1], got threshold={threshold!r}")
    data = digits(split, size=int(digit_size), test_fraction=test_fraction, seed=seed)
    n = len(data)
    lo = (size - digit_size) // 2
    canvas = np.zeros((n, 1, size, size), np.float32)
    canvas[:, :, lo : lo + digit_size, lo : lo + digit_size] = data.images
    generator = np.random.default_rng(rng)
    corners = saccade_corners(amplitude)[:, None] + generator.normal(0.0, jitter, (3, n, 2))  # (3, N, 2)
    corners = np.clip(corners, -margin, margin)
    path = saccade_path(int(num_steps), corners)  # (T + 1, N, 2)
    # one pair of frames at a time (memory: two frames, not T + 1): step t compares frame t with frame t - 1
    events = np.empty((int(num_steps), n, 2, size, size), np.uint8)
    previous = shift_bilinear(canvas, path[0, :, 0], path[0, :, 1])
    for t in range(1, int(num_steps) + 1):
        frame = shift_bilinear(canvas, path[t, :, 0], path[t, :, 1])
        events[t - 1] = delta_on_off(np.stack([previous, frame]), threshold, padding=True, axis=2)[1]
        previous = frame
    return EventDigits(events, data.labels, path.astype(np.float32), float(threshold))
