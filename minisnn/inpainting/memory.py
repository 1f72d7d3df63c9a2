"""How much memory evaluating a network on a chunk of crops takes -- measured on the model itself, before the chunk
is allocated -- and how much the machine has.

Evaluation (:func:`minisnn.inpainting.evaluate`) runs the networks without a graph, chunk by chunk, recording each
spiking neuron's count, and fills the same crops with the classical baselines; its peak grows with the number of
pixels in a chunk, ``chunk · H · W`` (every activation, every count map, each of the ``eval_views`` outputs and
each fill is one plane per channel), and with the models' width, number of views and neuron model. Rather than a
formula per architecture, :func:`estimate_peak_bytes` measures that peak with :mod:`tracemalloc` (NumPy reports
its arrays to it) by running ``evaluate`` itself on one probe crop of two small sizes, and extrapolates the
straight line ``a + b · pixels`` to the chunk: exact for everything that is one plane per crop, which is
everything the networks allocate. Not seen by :mod:`tracemalloc`: the sparse LU factors of the classical fills
(SciPy's C allocations, one crop at a time, tens of MB at 256 px) -- the share of the memory a caller plans to use
must leave room for them.

:func:`available_bytes` is what the machine can still give: the kernel's ``MemAvailable`` and, when a process
limit is set (``ulimit -v``), what is left under it, less the address space that is reserved beyond the arrays.
"""

from __future__ import annotations

import os
import resource
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minisnn.data.masks import box_mask

#: Crop sizes (pixels per side) of the two measuring runs: large enough that the per-pixel planes dominate.
PROBE_SIZES = (16, 32)


def evaluation_peak_bytes(models: Sequence[object], crop: int, crops: int = 1) -> int:
    """The peak of the memory NumPy allocates while :func:`minisnn.inpainting.evaluate` scores ``models[0]`` (and
    ``models[1]`` as its ablation) and the classical baselines on ``crops`` random ``crop``×``crop`` crops in one
    chunk, in bytes above what was allocated before (evaluation mode, no graph, spike counts recorded, each
    model's ``eval_views``)."""
    from minisnn.data.batches import Batch, make_inputs
    from minisnn.inpainting.evaluate import evaluate

    if not 1 <= len(models) <= 2:
        raise ValueError(f"evaluation_peak_bytes: models must hold a model and at most an ablation, got {len(models)}")
    rng = np.random.default_rng(0)
    images = rng.random((crops, 3, crop, crop), dtype=np.float32)
    masks = np.stack([box_mask(crop, crop, rng=rng) for _ in range(crops)]).astype(np.float32)
    data = Batch(make_inputs(images, masks), images, masks)
    running = tracemalloc.is_tracing()
    if not running:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        evaluate(models[0], data, ablation=models[1] if len(models) > 1 else None, chunk=crops, n_boot=1)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not running:
            tracemalloc.stop()
    return max(0, peak - before)


def peak_line(models: Sequence[object]) -> tuple[float, float]:
    """``(a, b)``: evaluating ``models`` (a model and optionally its ablation) peaks at ``a + b · pixels`` bytes for
    a chunk of ``pixels`` pixels (crops × H × W), measured on the two probes of :data:`PROBE_SIZES` (one crop
    each)."""
    small, large = PROBE_SIZES
    p_small, p_large = evaluation_peak_bytes(models, small), evaluation_peak_bytes(models, large)
    per_pixel = max(0.0, (p_large - p_small) / (large**2 - small**2))
    return max(0.0, p_small - per_pixel * small**2), per_pixel


def estimate_peak_bytes(models: Sequence[object], crop: int, chunk: int) -> int:
    """The evaluation peak for a chunk of ``chunk`` crops of ``crop``×``crop`` pixels, extrapolated along
    :func:`peak_line` (module docstring); nothing of the chunk's size is allocated."""
    fixed, per_pixel = peak_line(models)
    return int(fixed + per_pixel * chunk * crop**2)


#: Under a virtual-memory limit (``ulimit -v``) the address space, not the pages in use, runs out: measured on
#: ``evaluate`` of the pretrained pair at 256 px, the address space grew 1.3-1.5× the traced peak (allocator arenas,
#: the fills' sparse factors) plus about 0.2 GB of libraries and models loaded after the check.
VIRTUAL_OVERHEAD, VIRTUAL_FIXED = 1.5, 300e6


def available_bytes() -> int | None:
    """The memory this process can still use for arrays: the kernel's ``MemAvailable`` (Linux; free pages
    elsewhere) and, when a virtual-memory limit is set (``ulimit -v``), what is left under it -- with its address
    space overhead (:data:`VIRTUAL_OVERHEAD`, :data:`VIRTUAL_FIXED`) taken off --, whichever is less. None when
    nothing is known."""
    candidates = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        try:
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        candidates.append(int(max(0.0, soft - _virtual_size() - VIRTUAL_FIXED) / VIRTUAL_OVERHEAD))
    return min(candidates) if candidates else None


def _virtual_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def largest_chunk(models: Sequence[object], crop: int, chunk: int, budget: float) -> tuple[int, float, float]:
    """The largest chunk ≤ ``chunk`` whose estimated evaluation peak fits in ``budget`` bytes (0 when not even one
    crop fits), with the estimate's fixed part and its part per crop: ``(fits, fixed, per_crop)``."""
    fixed, per_pixel = peak_line(models)
    per_crop = per_pixel * crop**2
    if per_crop <= 0:
        return chunk, fixed, per_crop
    return max(0, min(chunk, int((budget - fixed) // per_crop))), fixed, per_crop
