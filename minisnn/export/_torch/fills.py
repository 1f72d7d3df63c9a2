"""The classical pre-fills of the SC-NN in torch: harmonic (Δu = 0) and biharmonic (Δ²u = 0, clipped) fills.

The same linear systems as minisnn's ``minisnn.inpainting.baselines`` -- ``P[h, h] u_h = −P[h, k] u_k`` for the
hole pixels h, with P = L or L², L the 5-point Laplacian with reflective (Neumann) border -- solved by a dense LU
(``torch.linalg.solve``, float64) where minisnn uses a sparse one (SciPy's SuperLU): the same fills up to rounding
amplified by the systems' conditioning, which grows with the hole (measured against minisnn: 4e-15 for the harmonic,
7e-13 for the biharmonic fill of a 32×32 hole in a 64×64 image; 2e-15 on 9×9 images).

With B = L[h, S] (the hole's rows, on the hole and its 4-neighbours S, outside which they vanish) the systems are
L[h, h] = B[:, h] and (L²)[h, h] = B Bᵀ (L is symmetric); the right-hand sides are −(L u_k)[h] and −(L L u_k)[h],
u_k the image with the hole zeroed, L applied as the stencil Σ_{in-image neighbours q}(u_q − u_p) (replicate padding).

Cost: a dense n_h × n_h solve per image (n_h hole pixels): fine for training crops (a 1000-pixel hole: ~30 ms on
a CPU); for large holes compute the fills with minisnn's sparse solvers in the data pipeline
(``minisnn.export.classical_fills``) and pass them in.

This file imports only torch: the exported modules run without minisnn.
"""

from __future__ import annotations

import torch

STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def laplacian(u: torch.Tensor) -> torch.Tensor:
    """(L u)[p] = Σ over p's in-image 4-neighbours q of (u[q] − u[p]), on (..., H, W)."""
    flat = u.reshape(-1, 1, *u.shape[-2:])
    padded = torch.nn.functional.pad(flat, (1, 1, 1, 1), mode="replicate")[:, 0]
    centre = flat[:, 0]
    total = (padded[:, :-2, 1:-1] - centre) + (padded[:, 2:, 1:-1] - centre)
    total = total + (padded[:, 1:-1, :-2] - centre) + (padded[:, 1:-1, 2:] - centre)
    return total.reshape(u.shape)


def _hole_rows(hole: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """B = L[h, S] (dense, float64) and the positions of the hole's own columns in S."""
    height, width = hole.shape
    ring = hole.clone()
    ring[1:] |= hole[:-1]
    ring[:-1] |= hole[1:]
    ring[:, 1:] |= hole[:, :-1]
    ring[:, :-1] |= hole[:, 1:]
    column = torch.full(hole.shape, -1, dtype=torch.long, device=hole.device)
    column[ring] = torch.arange(int(ring.sum()), device=hole.device)
    ys, xs = hole.nonzero(as_tuple=True)  # raster order, as np.flatnonzero
    rows = torch.arange(len(ys), device=hole.device)
    matrix = torch.zeros(len(ys), int(ring.sum()), dtype=torch.float64, device=hole.device)
    degree = torch.zeros(len(ys), dtype=torch.float64, device=hole.device)
    for dy, dx in STEPS:
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        matrix[rows[inside], column[ny[inside], nx[inside]]] = 1.0
        degree += inside
    own = column[ys, xs]
    matrix[rows, own] = -degree
    return matrix, own


def _fill(known: torch.Tensor, mask: torch.Tensor, power: int, clip: bool) -> torch.Tensor:
    if known.ndim != 4 or mask.shape != (known.shape[0], 1, *known.shape[2:]):
        raise ValueError(f"fill: expected known (N, C, H, W) and mask (N, 1, H, W), got {tuple(known.shape)} and "
                         f"{tuple(mask.shape)}")  # fmt: skip
    out = known.detach().clone()
    for i in range(known.shape[0]):
        hole = mask[i, 0].detach() != 0
        if not bool(hole.any()):
            continue
        if bool(hole.all()):
            raise ValueError(f"mask[{i}] marks every pixel as missing; at least one known pixel is needed to fill it")
        u = torch.where(hole, 0.0, known[i].detach().to(torch.float64))
        matrix, own = _hole_rows(hole)
        applied = laplacian(u)
        if power == 1:
            system, rhs = matrix[:, own], -applied[:, hole]
        else:
            system, rhs = matrix @ matrix.T, -laplacian(applied)[:, hole]
        values = torch.linalg.solve(system, rhs.T).T  # (C, n_hole)
        if clip:
            seen = u[:, ~hole]
            values = torch.minimum(torch.maximum(values, seen.amin(1, keepdim=True)), seen.amax(1, keepdim=True))
        out[i][:, hole] = values.to(out.dtype)
    return out


def harmonic_fill(known: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Harmonic fill of the hole (mask 1 = missing) from the known pixels: (L u)[p] = 0 in the hole. Known pixels
    are returned unchanged; (N, C, H, W), (N, 1, H, W) → (N, C, H, W) in ``known``'s dtype (solved in float64)."""
    return _fill(known, mask, 1, clip=False)


def biharmonic_fill(known: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Biharmonic fill: (L² u)[p] = 0 in the hole, clipped per channel to the range of the known pixels
    (scikit-image's ``inpaint_biharmonic``, minisnn's ``biharmonic_fill``). Shapes as :func:`harmonic_fill`."""
    return _fill(known, mask, 2, clip=True)


def classical_fills(inputs: torch.Tensor, prefill: str) -> torch.Tensor:
    """What an SC-NN with ``prefill`` corrects, from its inputs (N, 4, H, W) = masked RGB ⊕ mask: "harmonic" the
    harmonic fill (N, 3, H, W); "pde" the mean of the harmonic and biharmonic fills (N, 3, H, W); "dual" both,
    harmonic ⊕ biharmonic (N, 6, H, W). Not differentiated (the fills are fixed preprocessing, as in minisnn)."""
    known, mask = inputs[:, :3].detach(), inputs[:, 3:4].detach()
    if prefill == "harmonic":
        return harmonic_fill(known, mask)
    smooth, curved = harmonic_fill(known, mask), biharmonic_fill(known, mask)
    if prefill == "pde":
        return 0.5 * (smooth + curved)
    if prefill == "dual":
        return torch.cat([smooth, curved], 1)
    raise ValueError(f"classical_fills: prefill must be 'harmonic', 'pde' or 'dual', got {prefill!r}")
