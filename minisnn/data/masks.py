r"""Inpainting masks: ``1`` = missing pixel, ``0`` = known. Each mask is float32 ``(1, H, W)``.

Generators (all seeded through ``rng: numpy.random.Generator | int | None``; same seed → same mask):

* :func:`box_mask` — one rectangular hole, as in Context Encoders (Pathak et al., CVPR 2016).
* :func:`freeform_mask` — DeepFill v2's free-form brush strokes (Yu et al., ICCV 2019).
* :func:`mixed_mask` — a box with probability ``p_box`` (default 0.5), free-form strokes otherwise.
* :func:`make_mask` / :func:`make_masks` — dispatch on ``kind`` for one mask / a batch ``(N, 1, H, W)``.

The **hole fraction** of a mask :math:`m \in \{0,1\}^{H\times W}` is

.. math:: f(m) = \frac{1}{HW}\sum_{y,x} m_{y,x},

and every generator takes ``hole_range=(lo, hi)``: masks are redrawn (at most ``max_attempts`` times,
continuing the same random stream, so the result is still a function of the seed) until
:math:`lo \le f(m) \le hi`; if none fits, a ``ValueError`` says so. Defaults: ``(0.1, 0.3)`` for boxes,
``(0.05, 0.5)`` for free-form strokes; ``hole_range=None`` accepts any non-empty mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "MASK_KINDS",
    "BOX_HOLE_RANGE",
    "FREEFORM_HOLE_RANGE",
    "hole_fraction",
    "box_mask",
    "freeform_mask",
    "mixed_mask",
    "make_mask",
    "make_masks",
]

MASK_KINDS: tuple[str, ...] = ("box", "freeform", "mixed")
BOX_HOLE_RANGE: tuple[float, float] = (0.1, 0.3)
FREEFORM_HOLE_RANGE: tuple[float, float] = (0.05, 0.5)

RNG = np.random.Generator | int | None


def hole_fraction(mask: np.ndarray) -> float:
    r"""Fraction of missing pixels :math:`f(m) = \frac{1}{HW}\sum m` (over all elements), in float64."""
    m = np.asarray(mask)
    if m.size == 0:
        raise ValueError("hole_fraction: mask is empty")
    return float(np.count_nonzero(m)) / m.size


def _check_hw(h: int, w: int) -> tuple[int, int]:
    for name, v in (("h", h), ("w", w)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"mask size {name} must be a positive int, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"mask size {name} must be a positive int, got {v}")
    return int(h), int(w)


def _check_hole_range(hole_range: tuple[float, float] | None) -> tuple[float, float]:
    if hole_range is None:
        return (0.0, 1.0)
    try:
        lo, hi = (float(v) for v in hole_range)
    except (TypeError, ValueError):
        raise TypeError(f"hole_range must be a pair (lo, hi) of floats or None, got {hole_range!r}") from None
    if not 0.0 <= lo <= hi <= 1.0:
        raise ValueError(f"hole_range must satisfy 0 <= lo <= hi <= 1, got {hole_range!r}")
    return lo, hi


def _in_range(mask: np.ndarray, lo: float, hi: float) -> bool:
    f = hole_fraction(mask)
    return f > 0.0 and lo <= f <= hi


def box_mask(
    h: int,
    w: int,
    rng: RNG = None,
    hole_range: tuple[float, float] | None = BOX_HOLE_RANGE,
    centered: bool = False,
    aspect_range: tuple[float, float] = (0.5, 2.0),
    max_attempts: int = 100,
) -> np.ndarray:
    r"""One rectangular hole (Context-Encoder style), float32 ``(1, h, w)``.

    The box area is drawn as a target fraction :math:`a \sim U(lo, hi)` and its aspect ratio
    (width/height) log-uniformly from ``aspect_range``. The box height is
    :math:`b_h = \mathrm{round}(\sqrt{a\,HW / \text{aspect}})`, clipped to
    :math:`[\lceil lo\,H \rceil, H]` (a shorter box could not reach ``lo`` even at full width); the width
    :math:`b_w` is the integer nearest :math:`aHW/b_h` among those in ``[1, W]`` with
    :math:`lo \le b_h b_w/(HW) \le hi` — so very elongated images get elongated boxes. With
    ``centered=True`` the box sits in the middle (Context Encoders' centre hole: top ``(H-b_h)//2``, left
    ``(W-b_w)//2``); otherwise its
    top-left corner is uniform over all positions that keep it inside the image.

    Raises:
        ValueError: no integer box of this image size has a hole fraction in ``hole_range``.
    """
    h, w = _check_hw(h, w)
    lo, hi = _check_hole_range(hole_range)
    a_lo, a_hi = (float(v) for v in aspect_range)
    if not 0 < a_lo <= a_hi:
        raise ValueError(f"aspect_range must satisfy 0 < lo <= hi, got {aspect_range!r}")
    gen = np.random.default_rng(rng)
    area = h * w
    for _ in range(max_attempts):
        target = gen.uniform(lo, hi)
        aspect = math.exp(gen.uniform(math.log(a_lo), math.log(a_hi)))
        bh_min = max(1, math.ceil(lo * area / w - 1e-9))  # shorter boxes could not reach lo even at full width
        bh = int(np.clip(round(math.sqrt(target * area / aspect)), min(bh_min, h), h))
        bw_min = max(1, math.ceil(lo * area / bh - 1e-9))
        bw_max = min(w, math.floor(hi * area / bh + 1e-9))
        bw = int(np.clip(round(target * area / bh), bw_min, bw_max))
        if bw_min > bw_max or not lo <= bh * bw / area <= hi:
            continue
        if centered:
            top, left = (h - bh) // 2, (w - bw) // 2
        else:
            top, left = int(gen.integers(0, h - bh + 1)), int(gen.integers(0, w - bw + 1))
        mask = np.zeros((1, h, w), dtype=np.float32)
        mask[0, top : top + bh, left : left + bw] = 1.0
        return mask
    raise ValueError(
        f"box_mask: no box in a {h}x{w} image has a hole fraction in hole_range={hole_range} "
        f"(tried {max_attempts} times); widen hole_range or use a larger image"
    )


def _brush_strokes(
    h: int,
    w: int,
    gen: np.random.Generator,
    max_strokes: int,
    min_num_vertex: int,
    max_num_vertex: int,
    mean_angle: float,
    angle_range: float,
    min_width: float,
    max_width: float,
    reference_size: int,
) -> np.ndarray:
    """One draw of DeepFill v2's brush-stroke generator; uint8 (h, w) in {0, 1}."""
    average_radius = math.sqrt(h * h + w * w) / 8
    scale = min(h, w) / reference_size
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(gen.integers(1, max_strokes + 1))):
        num_vertex = int(gen.integers(min_num_vertex, max_num_vertex + 1))
        angle_min = mean_angle - gen.uniform(0, angle_range)
        angle_max = mean_angle + gen.uniform(0, angle_range)
        angles = []
        for i in range(num_vertex):
            a = gen.uniform(angle_min, angle_max)
            angles.append(2 * math.pi - a if i % 2 == 0 else a)
        vertices = [(int(gen.integers(0, w)), int(gen.integers(0, h)))]
        for angle in angles:
            r = float(np.clip(gen.normal(average_radius, average_radius / 2), 0, 2 * average_radius))
            x = float(np.clip(vertices[-1][0] + r * math.cos(angle), 0, w))
            y = float(np.clip(vertices[-1][1] + r * math.sin(angle), 0, h))
            vertices.append((int(x), int(y)))
        width = max(1, int(gen.uniform(min_width * scale, max_width * scale)))
        draw.line(vertices, fill=1, width=width)
        half = width // 2
        for x, y in vertices:  # round joints
            draw.ellipse((x - half, y - half, x + half, y + half), fill=1)
    mask = np.asarray(canvas, dtype=np.uint8)
    if gen.random() > 0.5:
        mask = mask[:, ::-1]
    if gen.random() > 0.5:
        mask = mask[::-1, :]
    return mask


def freeform_mask(
    h: int,
    w: int,
    rng: RNG = None,
    hole_range: tuple[float, float] | None = FREEFORM_HOLE_RANGE,
    max_strokes: int = 3,
    min_num_vertex: int = 4,
    max_num_vertex: int = 11,
    mean_angle: float = 2 * math.pi / 5,
    angle_range: float = 2 * math.pi / 15,
    min_width: float = 12,
    max_width: float = 40,
    reference_size: int = 256,
    max_attempts: int = 100,
) -> np.ndarray:
    r"""Free-form brush strokes (DeepFill v2), float32 ``(1, h, w)``.

    Yu, Lin, Yang, Shen, Lu, Huang, "Free-Form Image Inpainting with Gated Convolution", ICCV 2019
    (appendix algorithm; reference implementation ``brush_stroke_mask`` in JiahuiYu/generative_inpainting).
    Per mask, :math:`K \sim U\{1..\text{max\_strokes}\}` strokes (the reference's ``max_tries``); per stroke:

    * :math:`n \sim U\{\text{min\_num\_vertex}..\text{max\_num\_vertex}\}` segments (4–11);
    * :math:`\theta_{min} = \mu - U(0, \delta)`, :math:`\theta_{max} = \mu + U(0, \delta)` with
      :math:`\mu = 2\pi/5` (``mean_angle``), :math:`\delta = 2\pi/15` (``angle_range``); segment
      :math:`i` has angle :math:`\theta_i \sim U(\theta_{min}, \theta_{max})`, replaced by
      :math:`2\pi - \theta_i` for even :math:`i` (the stroke zig-zags);
    * start point uniform in the image; segment length
      :math:`r_i = \mathrm{clip}(\mathcal N(\bar r, \bar r/2), 0, 2\bar r)` with
      :math:`\bar r = \sqrt{H^2 + W^2}/8`; vertices clipped to the image;
    * brush width :math:`\lfloor U(12 s, 40 s) \rfloor` px (at least 1) with :math:`s = \min(H, W)/256`:
      the reference's 12–40 px at 256x256, scaled to the crop so masks look alike at every size;
    * drawn as a Pillow polyline of that width with a disc at every vertex (round joints).

    Finally the mask is flipped left-right and top-bottom, each with probability 1/2.

    Differences from the reference code, all deliberate: the length spread is :math:`\bar r/2` where the
    reference writes ``average_radius // 2`` (floor division: equal up to < 1 px at 256x256, but zero spread
    on small crops); the reference's flips call ``Image.transpose`` without using its result (so never flip)
    — we apply them, which removes the strokes' left-to-right drift; and image height and width are not
    swapped on non-square images. Strokes are redrawn until the hole fraction lies in ``hole_range``.

    Raises:
        ValueError: no mask in ``max_attempts`` draws had a hole fraction in ``hole_range``.
    """
    h, w = _check_hw(h, w)
    lo, hi = _check_hole_range(hole_range)
    if not 1 <= min_num_vertex <= max_num_vertex:
        raise ValueError(f"need 1 <= min_num_vertex <= max_num_vertex, got {min_num_vertex} and {max_num_vertex}")
    if max_strokes < 1:
        raise ValueError(f"max_strokes must be >= 1, got {max_strokes}")
    if not 0 < min_width <= max_width:
        raise ValueError(f"need 0 < min_width <= max_width, got {min_width} and {max_width}")
    gen = np.random.default_rng(rng)
    for _ in range(max_attempts):
        m = _brush_strokes(
            h,
            w,
            gen,
            max_strokes,
            min_num_vertex,
            max_num_vertex,
            mean_angle,
            angle_range,
            min_width,
            max_width,
            reference_size,
        )
        if _in_range(m, lo, hi):
            return np.ascontiguousarray(m[None], dtype=np.float32)
    raise ValueError(
        f"freeform_mask: no stroke mask for a {h}x{w} image had a hole fraction in hole_range={hole_range} "
        f"after {max_attempts} draws; widen hole_range or change the stroke parameters"
    )


def mixed_mask(
    h: int,
    w: int,
    rng: RNG = None,
    p_box: float = 0.5,
    hole_range: tuple[float, float] | None | str = "default",
) -> np.ndarray:
    """A :func:`box_mask` with probability ``p_box`` (default 0.5), else a :func:`freeform_mask`.

    ``hole_range="default"`` uses each generator's own default (boxes ``(0.1, 0.3)``, strokes
    ``(0.05, 0.5)``); a pair or ``None`` is passed to whichever generator is chosen. Float32 ``(1, h, w)``.
    """
    if not 0.0 <= p_box <= 1.0:
        raise ValueError(f"p_box must be a probability in [0, 1], got {p_box}")
    gen = np.random.default_rng(rng)
    kw = {} if isinstance(hole_range, str) and hole_range == "default" else {"hole_range": hole_range}
    if gen.random() < p_box:
        return box_mask(h, w, gen, **kw)
    return freeform_mask(h, w, gen, **kw)


_GENERATORS: dict[str, Callable[..., np.ndarray]] = {
    "box": box_mask,
    "freeform": freeform_mask,
    "mixed": mixed_mask,
}


def make_mask(kind: str, h: int, w: int, rng: RNG = None, **kwargs) -> np.ndarray:
    """Dispatch to the generator for ``kind`` (``"box"``, ``"freeform"`` or ``"mixed"``); ``(1, h, w)``.

    Extra keyword arguments go to that generator (e.g. ``hole_range=(0.2, 0.4)``, ``centered=True``).
    """
    if not isinstance(kind, str) or kind not in _GENERATORS:
        raise ValueError(f"mask kind must be one of {', '.join(map(repr, MASK_KINDS))}; got {kind!r}")
    return _GENERATORS[kind](h, w, rng, **kwargs)


def make_masks(kind: str, n: int, h: int, w: int, rng: RNG = None, **kwargs) -> np.ndarray:
    """``n`` masks drawn one after another from one stream: float32 ``(n, 1, h, w)``."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    gen = np.random.default_rng(rng)
    out = np.empty((int(n), 1, h, w), dtype=np.float32)
    for k in range(int(n)):
        out[k] = make_mask(kind, h, w, gen, **kwargs)
    return out
