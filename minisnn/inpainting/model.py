"""The hybrid spiking-convolutional inpainting network (SC-NN).

Six 3×3 layers — five :class:`~minisnn.nn.Conv2d` and one :class:`~minisnn.nn.SNNConv2d` — with ReLU after
each hidden layer; input (N, 4, H, W) = masked RGB ⊕ mask, output (N, 3, H, W). Padding equals the dilation,
so every layer keeps the H×W size. The receptive field of the stack is 1 + 2·Σ dilations pixels.

The prediction is **composited**: known pixels are kept and the network's output fills the hole only,

    ŷ = x ⊙ (1 − m) + f(input) ⊙ m.

``prefill`` decides what the network sees inside the hole:

* ``"zero"`` — the paper's input: missing pixels are 0, and the network predicts the hole from scratch;
* ``"harmonic"`` — the hole pre-filled by the classical harmonic fill (Δu = 0);
* ``"pde"`` — pre-filled by the mean of the harmonic and the biharmonic (Δ²u = 0) fills
  (:func:`~minisnn.inpainting.baselines.pde_fill`), which on natural images beats either alone.

With a pre-fill, the pre-fill is a fixed, non-learned preprocessing step and the network learns a
*correction* on top of it, f = prefill + conv stack. Any gain over the pre-fill is the network's; the pre-fill's
own gain over harmonic fill is classical numerics, and we report the two separately.

``residual_init`` decides how the correction starts. ``"default"``: the last layer gets PyTorch's default
initialisation like every other layer, so an untrained model returns the pre-fill plus a small random
correction. ``"zero"``: the last layer starts at zero, so an untrained model returns exactly the pre-fill --
which looks tidy and learns nothing: with zero weights in the last layer no gradient reaches the layers
before it, and the correction stayed at +0.00 dB in every run we tried (it was this library's default until the
learning curves showed it; the default initialisation learns +0.3 dB over harmonic fill in the first 2 000 steps).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import io
from minisnn.inpainting.baselines import harmonic_fill, pde_fill
from minisnn.neuron import LIFParams, neuron_from_dict
from minisnn.nn import Conv2d, Module, ReLU, SNNConv2d
from minisnn.paper import table1
from minisnn.surrogate import get as get_surrogate
from minisnn.tensor import Tensor

NUM_LAYERS = 6
PREFILLS = ("zero", "harmonic", "pde")
RESIDUAL_INITS = ("default", "zero")


@dataclass(frozen=True)
class SCNNConfig:
    """Everything that defines an SCNN's architecture (saved in checkpoints; compared when loading).

    Fields: ``width`` channels of the hidden layers; ``spiking_layer`` which of the six layers (1–4, a hidden
    one) is the SNNConv2d; ``dilations`` one per layer; ``spiking`` False swaps the SNNConv2d for Conv2d + ReLU
    (the CNN-only ablation); ``num_steps`` T; ``neuron`` the neuron model as a dict (``LIFParams.to_dict()``,
    a plain dict of LIFParams fields also works); ``noise_std`` the noise current's intensity in training,
    ``noise_tau`` its correlation time (None: white noise); ``input_scale``, ``input_offset`` the spiking
    layer's fixed current map (:class:`~minisnn.nn.SNNConv2d`); ``surrogate`` name and parameter; ``prefill``
    "zero" | "harmonic" | "pde"; ``output_activation`` "none" | "relu" (the paper puts ReLU after every layer);
    ``residual_init`` "default" | "zero" (see the module docstring).
    """

    width: int = 32
    spiking_layer: int = 3
    dilations: tuple[int, ...] = (1, 1, 1, 1, 1, 1)
    spiking: bool = True
    num_steps: int = 8
    neuron: dict[str, Any] = field(default_factory=lambda: LIFParams.paper().to_dict())
    noise_std: float = 0.1
    noise_tau: float | None = None
    input_scale: float = 1.0
    input_offset: float = 0.0
    surrogate: tuple[str, float] = ("fast_sigmoid", 25.0)
    prefill: str = "zero"
    output_activation: str = "relu"
    residual_init: str = "default"

    def __post_init__(self) -> None:
        if not (isinstance(self.width, int) and self.width >= 1):
            raise ValueError(f"SCNN: width must be a positive int, got {self.width!r}")
        if self.spiking_layer not in range(1, NUM_LAYERS - 1):
            raise ValueError(f"SCNN: spiking_layer must be a hidden layer, 1–4, got {self.spiking_layer!r}")
        if len(self.dilations) != NUM_LAYERS or not all(isinstance(d, int) and d >= 1 for d in self.dilations):
            raise ValueError(f"SCNN: dilations must be {NUM_LAYERS} ints ≥ 1, got {self.dilations!r}")
        if self.prefill not in PREFILLS:
            raise ValueError(f"SCNN: prefill must be one of {PREFILLS}, got {self.prefill!r}")
        if self.residual_init not in RESIDUAL_INITS:
            raise ValueError(f"SCNN: residual_init must be one of {RESIDUAL_INITS}, got {self.residual_init!r}")
        if self.output_activation not in ("none", "relu"):
            raise ValueError(f"SCNN: output_activation must be 'none' or 'relu', got {self.output_activation!r}")
        object.__setattr__(self, "dilations", tuple(self.dilations))
        object.__setattr__(self, "surrogate", (str(self.surrogate[0]), float(self.surrogate[1])))
        neuron_from_dict(self.neuron)  # validate

    @property
    def receptive_field(self) -> int:
        """Pixels seen by one output pixel along each axis: 1 + 2·Σ dilations (3×3 kernels)."""
        return 1 + 2 * sum(self.dilations)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dilations"] = list(self.dilations)
        d["surrogate"] = list(self.surrogate)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SCNNConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"SCNN config: unknown keys {unknown}; known keys are {sorted(known)}")
        d = dict(d)
        if "dilations" in d:
            d["dilations"] = tuple(d["dilations"])
        if "surrogate" in d:
            d["surrogate"] = tuple(d["surrogate"])
        return cls(**d)


class SCNN(Module):
    """The six-layer spiking-convolutional inpainting network (see the module docstring).

    Args:
        config: an :class:`SCNNConfig` (or use :meth:`paper` / :meth:`reduced`); keyword overrides allowed.
        rng: Generator or seed for the weights and the spiking layer's noise.

    Call: ``model(inputs)`` with inputs (N, 4, H, W) = masked RGB ⊕ mask (1 = missing) → (N, 3, H, W).
    """

    def __init__(
        self, config: SCNNConfig | None = None, rng: np.random.Generator | int | None = None, **overrides: Any
    ):
        config = SCNNConfig() if config is None else config
        self.config = replace(config, **overrides) if overrides else config
        c = self.config
        rng = np.random.default_rng(rng)
        channels = [4] + [c.width] * (NUM_LAYERS - 1) + [3]
        self.layers: list[Module] = []
        for i in range(NUM_LAYERS):
            d = c.dilations[i]
            if c.spiking and i == c.spiking_layer:
                layer: Module = SNNConv2d(
                    channels[i], channels[i + 1], 3, padding=d, dilation=d, num_steps=c.num_steps,
                    neuron=neuron_from_dict(c.neuron), noise_std=c.noise_std, noise_tau=c.noise_tau,
                    surrogate=get_surrogate(*c.surrogate), input_scale=c.input_scale,
                    input_offset=c.input_offset, rng=rng,
                )  # fmt: skip
            else:
                layer = Conv2d(channels[i], channels[i + 1], 3, padding=d, dilation=d, rng=rng)
            self.layers.append(layer)
        if c.prefill != "zero" and c.residual_init == "zero":  # exactly the pre-fill (and it never learns)
            self.layers[-1].weight.data[:] = 0
            self.layers[-1].bias.data[:] = 0
        self.relu = ReLU()
        # set to a list of [non-zero, total] pairs (one per layer) to count each layer's non-zero inputs
        self.activity: list[list[int]] | None = None
        self.train()  # spikes are recorded (for statistics) in evaluation mode only

    def train(self, mode: bool = True) -> SCNN:
        """Training mode (noise on, spikes not recorded) or, with ``mode=False``, evaluation mode."""
        super().train(mode)
        for layer in self.spiking_layers:
            layer.record_spikes = not mode
        return self

    @classmethod
    def paper(cls, rng: np.random.Generator | int | None = None, **overrides: Any) -> SCNN:
        """The architecture as the seed paper describes it: 64 channels, 3×3 kernels, no dilation, the
        spiking layer in the middle, LIFParams.paper() (τ = 40 ms, C = 80, R = 0.5, t_ref = 1 ms, dt = 1 ms),
        noise std 0.1, ReLU after every layer, the hole given as zeros. The width and T are not stated in the
        paper: 64 and 8 are our reading."""
        return cls(SCNNConfig(width=64, num_steps=8), rng=rng, **overrides)

    @classmethod
    def table1(cls, rng: np.random.Generator | int | None = None, width: int = 16, **overrides: Any) -> SCNN:
        """The paper's architecture with its spiking layer built from every row of Table 1
        (:func:`minisnn.paper.table1`): a current-based synapse (τ_syn = 60 ms) on the τ_m = 40 ms, C = 80 neuron,
        refractory 1 ms, OU noise (σ = 0.1, τ = 10 ms), T = 100 steps of 1 ms, and the input map that puts the layer
        into its 100–200 Hz band. The width is not in the paper; 16 keeps a T = 100 layer affordable on a CPU
        (64 is ``width=64``)."""
        t1 = table1()
        config = SCNNConfig(
            width=width, num_steps=t1.num_steps, neuron=t1.neuron.to_dict(), noise_std=t1.noise.std,
            noise_tau=t1.noise.tau, input_scale=t1.input_scale, input_offset=t1.input_offset,
        )  # fmt: skip
        return cls(config, rng=rng, **overrides)

    @classmethod
    def reduced(cls, rng: np.random.Generator | int | None = None, **overrides: Any) -> SCNN:
        """A CPU-sized configuration that trains in minutes on 2 cores (:data:`REDUCED`).

        Width 24, dilations (1, 2, 4, 8, 4, 1) (receptive field 41 px, enough to see across a 64×64 crop's
        hole), the spiking layer 4th, T = 8 steps of an integrating neuron (τ = 20 ms, dt = 1 ms, subtract
        reset: the rate grows linearly with the current, so the layer acts like a ReLU quantised to 1/T) fed by
        8 × the convolution's output (``input_scale=8``, a fixed gain like Table 1's input map: at initialisation
        the hidden activations are a few hundredths, and without the gain the layer starts 100 % silent -- measured
        on the held-out photos -- and the network after it learns nothing; with it the layer fires about 0.2 spikes
        per neuron per step), fast-sigmoid surrogate with slope 5 (wide enough that silent neurons still get
        gradient), noise 0.1,
        and the hole pre-filled by harmonic fill (``prefill="harmonic"``; the best classical fill on our held-out
        validation photos, ahead of the PDE and biharmonic fills), the network learning a correction from the
        default initialisation (``residual_init="default"``). Pass ``prefill="zero"`` for the paper's input, the
        hole given as zeros (the README reports both, trained the same way)."""
        return cls(REDUCED, rng=rng, **overrides)

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> SCNN:
        """Rebuild a model from a checkpoint written by :func:`~minisnn.inpainting.fit` or ``python -m minisnn
        train`` (its configuration is stored with the weights)."""
        checkpoint = io.load(path)
        if "config" not in checkpoint.extra:
            raise ValueError(f"{path} is a minisnn checkpoint but not of an SCNN (no config saved with it)")
        model = cls(SCNNConfig.from_dict(checkpoint.extra["config"]))
        model.load_state_dict(checkpoint.state_dict)
        return model

    @classmethod
    def pretrained(cls, name: str = "scnn") -> SCNN:
        """A model shipped with minisnn (package data in ``minisnn/inpainting/pretrained/``; see its
        ``MODEL_CARD.md`` for the data, the command that trained it and its measured quality):

        * ``"scnn"`` -- the reduced SC-NN trained on 155 natural photos (the spiking network);
        * ``"cnn_only"`` -- its CNN-only ablation, trained the same way.
        """
        return cls.from_checkpoint(pretrained_path(name))

    @property
    def spiking_layers(self) -> list[SNNConv2d]:
        return [m for m in self.layers if isinstance(m, SNNConv2d)]

    def forward(self, inputs: Tensor | np.ndarray) -> Tensor:
        x = F.as_tensor(inputs, "inputs")
        if x.ndim != 4 or x.shape[1] != 4:
            raise ValueError(f"SCNN: inputs must be (N, 4, H, W) = masked RGB ⊕ mask, got shape {tuple(x.shape)}")
        known, mask = x.data[:, :3], x.data[:, 3:4]
        start = prefill(known, mask, self.config.prefill)
        h = x if start is None else Tensor(np.concatenate([start, mask], axis=1))
        last = NUM_LAYERS - 1
        for i, layer in enumerate(self.layers):
            if self.activity is not None:
                self.activity[i][0] += int(np.count_nonzero(h.data))
                self.activity[i][1] += h.data.size
            h = layer(h)
            if i < last or self.config.output_activation == "relu":
                h = self.relu(h)
        if start is not None:
            h = h + start
        return h * mask + known * (1.0 - mask)  # composite: keep the known pixels

    def extra_repr(self) -> str:
        return f"receptive_field={self.config.receptive_field}"


PRETRAINED = ("scnn", "cnn_only")


def pretrained_path(name: str = "scnn") -> Path:
    """The file of a shipped model (:meth:`SCNN.pretrained`); FileNotFoundError naming it if it is missing."""
    if name not in PRETRAINED:
        raise ValueError(f"pretrained: name must be one of {PRETRAINED}, got {name!r}")
    path = Path(__file__).resolve().parent / "pretrained" / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"pretrained model {name!r} is not installed ({path} is missing)")
    return path


def prefill(known: np.ndarray, mask: np.ndarray, kind: str) -> np.ndarray | None:
    """The classical pre-fill of the hole (see the module docstring); None for "zero".

    Args:
        known: (N, 3, H, W) masked image (0 in the hole).  mask: (N, 1, H, W), 1 = missing.
    """
    if kind == "zero":
        return None
    filled = harmonic_fill(known, mask) if kind == "harmonic" else pde_fill(known, mask)
    return filled.astype(known.dtype, copy=False)


#: The reduced configuration: see :meth:`SCNN.reduced`.
REDUCED = SCNNConfig(
    width=24,
    spiking_layer=3,
    dilations=(1, 2, 4, 8, 4, 1),
    num_steps=8,
    neuron=LIFParams(R=20.0, C=1.0, dt=1.0, reset="subtract").to_dict(),
    noise_std=0.1,
    input_scale=8.0,
    surrogate=("fast_sigmoid", 5.0),
    prefill="harmonic",
    output_activation="none",
    residual_init="default",
)
