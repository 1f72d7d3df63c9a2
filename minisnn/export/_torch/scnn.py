"""The SC-NN inpainting network in torch (minisnn's ``minisnn.inpainting.SCNN``): six 3×3 layers, one of them an
``SNNConv2d``, ReLU after each hidden layer, the classical pre-fill corrected, the known pixels composited back, and
in evaluation mode optionally the 8-view self-ensemble.

**Pre-fills.** The classical fills are NumPy/SciPy solves on the input in minisnn, not learnable and not
differentiated. The exported network takes them as an argument, ``model(inputs, fills)``: computed once per crop in
the data pipeline (``minisnn.export.classical_fills``, minisnn's own sparse solvers: the very numbers minisnn uses)
or, when ``fills`` is None, by the torch solve of :mod:`.fills` (the same linear systems, dense). The self-ensemble
turns the crop's fills with each view (the grid operators are symmetric under flips and quarter turns, so that is
the fill of the turned crop, up to rounding); minisnn solves each view anew.

This file imports only torch: the exported modules run without minisnn.
"""

from __future__ import annotations

import torch

from .fills import classical_fills

FILL_CHANNELS = {"zero": 0, "harmonic": 3, "pde": 3, "dual": 6}


def view(x: torch.Tensor, flip: bool, turns: int, inverse: bool = False) -> torch.Tensor:
    """One of the 8 views of (N, C, H, W): mirrored left-right if ``flip``, then turned ``turns`` quarter turns
    (``torch.rot90(x, turns, (2, 3))``); ``inverse`` undoes it. As minisnn's ``_view``."""

    def quarter(t: torch.Tensor) -> torch.Tensor:  # mirror left-right, then swap H and W
        return t.flip(3).transpose(2, 3)

    if not inverse:
        x = x.flip(3) if flip else x
        for _ in range(turns % 4):
            x = quarter(x)
        return x
    for _ in range((-turns) % 4):
        x = quarter(x)
    return x.flip(3) if flip else x


class SCNN(torch.nn.Module):
    """The exported SC-NN. Call ``model(inputs, fills=None)``: inputs (N, 4, H, W) = masked RGB ⊕ mask
    (1 = missing) → (N, 3, H, W); ``fills`` the classical fills of the inputs for ``prefill`` "harmonic"/"pde"
    (N, 3, H, W) or "dual" (N, 6, H, W) = harmonic ⊕ biharmonic (None: solved here). ``eval_views`` 8 makes the
    evaluation-mode prediction the mean over the 8 flips and quarter turns (training mode: one pass)."""

    def __init__(self, layers: list[torch.nn.Module], prefill: str = "zero", output_activation: str = "relu",
                 eval_views: int = 1):  # fmt: skip
        super().__init__()
        if prefill not in FILL_CHANNELS:
            raise ValueError(f"SCNN: prefill must be one of {tuple(FILL_CHANNELS)}, got {prefill!r}")
        if eval_views not in (1, 8):
            raise ValueError(f"SCNN: eval_views must be 1 or 8, got {eval_views!r}")
        self.layers = torch.nn.ModuleList(layers)
        self.relu = torch.nn.ReLU()
        self.prefill, self.output_activation, self.eval_views = prefill, output_activation, int(eval_views)

    def forward(self, inputs: torch.Tensor, fills: torch.Tensor | None = None) -> torch.Tensor:
        if inputs.ndim != 4 or inputs.shape[1] != 4:
            raise ValueError(f"SCNN: inputs must be (N, 4, H, W) = masked RGB ⊕ mask, got shape {tuple(inputs.shape)}")
        channels = FILL_CHANNELS[self.prefill]
        if channels == 0 and fills is not None:
            raise ValueError("SCNN: prefill='zero' takes no fills (the network sees the hole as zeros)")
        if channels and fills is None:
            fills = classical_fills(inputs, self.prefill)
        elif channels and tuple(fills.shape) != (inputs.shape[0], channels, *inputs.shape[2:]):
            raise ValueError(f"SCNN: fills for prefill={self.prefill!r} must have shape "
                             f"{(inputs.shape[0], channels, *inputs.shape[2:])}, got {tuple(fills.shape)}")  # fmt: skip
        fills = None if fills is None else fills.detach()
        if self.training or self.eval_views == 1:
            return self._one_pass(inputs, fills)
        outputs = []
        for flip in (False, True):
            for turns in range(4):
                turned = None if fills is None else view(fills, flip, turns)
                outputs.append(view(self._one_pass(view(inputs, flip, turns), turned), flip, turns, inverse=True))
        mean = torch.stack(outputs).mean(0)
        mask = inputs[:, 3:4].detach()
        return mean * mask + inputs[:, :3].detach() * (1.0 - mask)

    def _one_pass(self, x: torch.Tensor, fills: torch.Tensor | None) -> torch.Tensor:
        known, mask = x[:, :3].detach(), x[:, 3:4].detach()
        if self.prefill == "dual":
            smooth, curved = fills[:, :3], fills[:, 3:]
            start = 0.5 * (smooth + curved)  # the PDE fill
            h = torch.cat([smooth, curved, mask], 1)
        elif fills is None:
            start, h = None, x
        else:
            start = fills
            h = torch.cat([start, mask], 1)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < last or self.output_activation == "relu":
                h = self.relu(h)
        if start is not None:
            h = h + start
        return h * mask + known * (1.0 - mask)

    def extra_repr(self) -> str:
        return f"prefill={self.prefill!r}, output_activation={self.output_activation!r}, eval_views={self.eval_views}"
