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
  (:func:`~minisnn.inpainting.baselines.pde_fill`), which on natural images beats either alone;
* ``"dual"`` — the network sees *both* classical fills side by side, input (N, 7, H, W) = harmonic fill ⊕
  biharmonic fill ⊕ mask, and corrects their mean (the PDE fill). Harmonic fill wins inside large smooth holes,
  the PDE fill on thin strokes through texture; with both in view the first layer can learn which to trust where.

With a pre-fill, the pre-fill is a fixed, non-learned preprocessing step and the network learns a
*correction* on top of it, f = prefill + conv stack. Any gain over the pre-fill is the network's; the pre-fill's
own gain over harmonic fill is classical numerics, and we report the two separately.

``residual_init`` decides how the correction starts. ``"default"``: the last layer gets PyTorch's default
initialisation like every other layer, so an untrained model returns the pre-fill plus a small random
correction. ``"zero"``: the last layer starts at zero, so an untrained model returns exactly the pre-fill --
which looks tidy and learns nothing: with zero weights in the last layer no gradient reaches the layers
before it, and the correction stayed at +0.00 dB in every run we tried (it was this library's default until the
learning curves showed it; the default initialisation learns +0.3 dB over harmonic fill in the first 2 000 steps).

``eval_views`` decides how a trained model predicts in evaluation mode. ``1``: one forward pass. ``8``: the
*self-ensemble* -- the network fills the crop in each of its 8 views g (mirrored or not, turned by 0°, 90°, 180°,
270°), each prediction is turned back, and the 8 are averaged,

    ŷ = (1/8) Σ_g g⁻¹ f(g x),

which makes the prediction exactly equivariant to flips and quarter turns (as the photos' statistics are) and
averages out part of each pass's error, at 8× the compute (the energy estimate counts all 8 passes). Every term is
the network's own output: no classical step is added. Training mode always makes one pass.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from minisnn import functional as F
from minisnn import io
from minisnn.inpainting.baselines import biharmonic_fill, harmonic_fill, pde_fill
from minisnn.neurons import LIFParams, model_from_dict
from minisnn.nn import Conv2d, Module, ReLU, SNNConv2d
from minisnn.nn.module import StateDictError
from minisnn.paper import table1
from minisnn.surrogate import SURROGATES
from minisnn.surrogate import get as get_surrogate
from minisnn.tensor import Tensor

NUM_LAYERS = 6
PREFILLS = ("zero", "harmonic", "pde", "dual")
#: Channels of the first layer's input: masked RGB or the pre-filled image, ⊕ mask; "dual" shows two fills.
INPUT_CHANNELS = {"zero": 4, "harmonic": 4, "pde": 4, "dual": 7}
RESIDUAL_INITS = ("default", "zero")
OUTPUT_ACTIVATIONS = ("none", "relu")
EVAL_VIEWS = (1, 8)
#: The named configurations, each a classmethod of :class:`SCNN` (``SCNN.reduced()``, ...).
CONFIGS = ("reduced", "paper", "table1")
#: Bounds on a configuration (checked when it is built, so also when a checkpoint is loaded): a checkpoint's
#: header cannot make :meth:`SCNN.from_checkpoint` allocate more than a width-1024 network (~150 MB of weights).
MAX_WIDTH = 1024
MAX_NUM_STEPS = 1024
MAX_DILATION = 256


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type(value).__name__})"


def _bad(name: str, expected: str, value: Any, kind: type[Exception] = ValueError) -> Exception:
    return kind(f"SCNN: config.{name} must be {expected}, got {_describe(value)}")


def _int_in(name: str, value: Any, low: int, high: int, limit: str, what: str = "") -> None:
    if not _is_int(value) or not low <= value <= high:
        raise _bad(name, f"{what}an int in {low}–{high}{limit}", value, ValueError if _is_int(value) else TypeError)


def _check_neuron(neuron: Any) -> None:
    """``config.neuron``: a neuron model as a dict (``model.to_dict()``: its fields -- numbers, and strings for
    ``reset`` and the like -- and optionally ``"model"``, any registered model; default "LIFParams"), checked by the
    one registry (:func:`minisnn.neurons.model_from_dict`)."""
    if not isinstance(neuron, dict):
        raise _bad("neuron", "a dict of the neuron's fields (LIFParams.to_dict())", neuron, TypeError)
    try:
        model_from_dict(neuron, where="config.neuron")
    except (TypeError, ValueError) as err:
        raise type(err)(f"SCNN: {err}") from err


def _check_surrogate(pair: Any) -> None:
    """``config.surrogate``: a (name, parameter) pair, e.g. ("fast_sigmoid", 25.0)."""
    expected = f"a pair [name, parameter] with name one of {sorted(SURROGATES)}, e.g. ['fast_sigmoid', 25.0]"
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], str) and _is_real(pair[1])):
        raise _bad("surrogate", expected, pair, TypeError)
    if pair[0] not in SURROGATES:
        raise _bad("surrogate", expected, pair)
    try:
        get_surrogate(pair[0], pair[1])
    except (TypeError, ValueError) as err:
        raise ValueError(f"SCNN: config.surrogate: {err}") from err


@dataclass(frozen=True)
class SCNNConfig:
    """Everything that defines an SCNN's architecture (saved in checkpoints; compared when loading).

    Fields: ``width`` channels of the hidden layers; ``spiking_layer`` which of the six layers (1–4, a hidden
    one) is the SNNConv2d; ``dilations`` one per layer; ``spiking`` False swaps the SNNConv2d for Conv2d + ReLU
    (the CNN-only ablation); ``num_steps`` T; ``neuron`` the neuron model as a dict (``LIFParams.to_dict()``,
    a plain dict of LIFParams fields also works); ``noise_std`` the noise current's intensity in training,
    ``noise_tau`` its correlation time (None: white noise); ``conv_noise_std`` noise added once to the spiking
    layer's convolution output in training (the seed paper's placement, :mod:`minisnn.paper`); ``input_scale``,
    ``input_offset`` the spiking
    layer's fixed current map (:class:`~minisnn.nn.SNNConv2d`); ``surrogate`` name and parameter; ``prefill``
    "zero" | "harmonic" | "pde" | "dual"; ``output_activation`` "none" | "relu" (the paper puts ReLU after every layer);
    ``residual_init`` "default" | "zero"; ``eval_views`` 1 | 8, the evaluation-mode self-ensemble (both: see the
    module docstring).

    Every field is checked when the configuration is built (TypeError for a wrong type, ValueError for a value
    out of range, both naming ``config.<field>``): ints are ints (``3.0`` is not a layer), ``spiking`` a bool,
    and width ≤ :data:`MAX_WIDTH`, num_steps ≤ :data:`MAX_NUM_STEPS`, dilations ≤ :data:`MAX_DILATION`.
    """

    width: int = 32
    spiking_layer: int = 3
    dilations: tuple[int, ...] = (1, 1, 1, 1, 1, 1)
    spiking: bool = True
    num_steps: int = 8
    neuron: dict[str, Any] = field(default_factory=lambda: LIFParams.paper().to_dict())
    noise_std: float = 0.1
    noise_tau: float | None = None
    conv_noise_std: float = 0.0
    input_scale: float = 1.0
    input_offset: float = 0.0
    surrogate: tuple[str, float] = ("fast_sigmoid", 25.0)
    prefill: str = "zero"
    output_activation: str = "relu"
    residual_init: str = "default"
    eval_views: int = 1

    def __post_init__(self) -> None:
        _int_in("width", self.width, 1, MAX_WIDTH, " (MAX_WIDTH)")
        _int_in("spiking_layer", self.spiking_layer, 1, NUM_LAYERS - 2, "", "a hidden layer, ")
        if not (
            isinstance(self.dilations, (list, tuple))
            and len(self.dilations) == NUM_LAYERS
            and all(_is_int(d) and 1 <= d <= MAX_DILATION for d in self.dilations)
        ):
            raise _bad("dilations", f"{NUM_LAYERS} ints in 1–{MAX_DILATION} (MAX_DILATION)", self.dilations)
        if not isinstance(self.spiking, (bool, np.bool_)):
            raise _bad("spiking", "True or False", self.spiking, TypeError)
        _int_in("num_steps", self.num_steps, 1, MAX_NUM_STEPS, " (MAX_NUM_STEPS)")
        _check_neuron(self.neuron)
        if not (_is_real(self.noise_std) and math.isfinite(self.noise_std) and self.noise_std >= 0):
            raise _bad(
                "noise_std",
                "a finite number ≥ 0",
                self.noise_std,
                TypeError if not _is_real(self.noise_std) else ValueError,
            )
        if self.noise_tau is not None and not (
            _is_real(self.noise_tau) and math.isfinite(self.noise_tau) and self.noise_tau > 0
        ):
            kind = ValueError if _is_real(self.noise_tau) else TypeError
            raise _bad("noise_tau", "None (white noise) or a finite number > 0 [ms]", self.noise_tau, kind)
        if not (_is_real(self.conv_noise_std) and math.isfinite(self.conv_noise_std) and self.conv_noise_std >= 0):
            kind = ValueError if _is_real(self.conv_noise_std) else TypeError
            raise _bad("conv_noise_std", "a finite number ≥ 0", self.conv_noise_std, kind)
        for name in ("input_scale", "input_offset"):
            value = getattr(self, name)
            if not (_is_real(value) and math.isfinite(value)):
                raise _bad(name, "a finite number", value, ValueError if _is_real(value) else TypeError)
        _check_surrogate(self.surrogate)
        if not isinstance(self.prefill, str) or self.prefill not in PREFILLS:
            raise _bad("prefill", f"one of {PREFILLS}", self.prefill)
        if not isinstance(self.residual_init, str) or self.residual_init not in RESIDUAL_INITS:
            raise _bad("residual_init", f"one of {RESIDUAL_INITS}", self.residual_init)
        if not isinstance(self.output_activation, str) or self.output_activation not in OUTPUT_ACTIVATIONS:
            raise _bad("output_activation", f"one of {OUTPUT_ACTIVATIONS}", self.output_activation)
        if not _is_int(self.eval_views) or self.eval_views not in EVAL_VIEWS:
            kind = ValueError if _is_int(self.eval_views) else TypeError
            raise _bad("eval_views", "1 (one pass) or 8 (the mean over the crop's flips and quarter turns)",
                       self.eval_views, kind)  # fmt: skip
        object.__setattr__(self, "eval_views", int(self.eval_views))
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "spiking_layer", int(self.spiking_layer))
        object.__setattr__(self, "num_steps", int(self.num_steps))
        object.__setattr__(self, "spiking", bool(self.spiking))
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))
        object.__setattr__(self, "surrogate", (str(self.surrogate[0]), float(self.surrogate[1])))

    @property
    def receptive_field(self) -> int:
        """Pixels seen by one output pixel along each axis: 1 + 2·Σ dilations (3×3 kernels)."""
        return 1 + 2 * sum(self.dilations)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dilations"] = list(self.dilations)
        d["surrogate"] = list(self.surrogate)
        if d["conv_noise_std"] == 0.0:  # a field added later: left out at its default, so that checkpoints of
            del d["conv_noise_std"]  # configurations that do not use it load in earlier versions of minisnn too
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SCNNConfig:
        """The configuration :meth:`to_dict` wrote (missing keys take their defaults). Raises TypeError or
        ValueError naming the field (``config.<field>``) for anything else."""
        if not isinstance(d, dict):
            raise TypeError(f"SCNN config must be a dict (a JSON object), got {_describe(d)}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"SCNN config: unknown keys {unknown}; known keys are {sorted(known)}")
        return cls(**d)


class SCNN(Module):
    """The six-layer spiking-convolutional inpainting network (see the module docstring).

    Args:
        config: an :class:`SCNNConfig` (or use :meth:`paper` / :meth:`reduced`); keyword overrides allowed.
        rng: Generator or seed for the weights and the spiking layer's noise.

    Call: ``model(inputs)`` with inputs (N, 4, H, W) = masked RGB ⊕ mask (1 = missing) → (N, 3, H, W).
    (With ``prefill="dual"`` the first layer takes 7 channels, built inside ``forward`` from those 4.)
    """

    def __init__(
        self, config: SCNNConfig | None = None, rng: np.random.Generator | int | None = None, **overrides: Any
    ):
        config = SCNNConfig() if config is None else config
        self.config = replace(config, **overrides) if overrides else config
        c = self.config
        rng = np.random.default_rng(rng)
        channels = [INPUT_CHANNELS[c.prefill]] + [c.width] * (NUM_LAYERS - 1) + [3]
        self.layers: list[Module] = []
        for i in range(NUM_LAYERS):
            d = c.dilations[i]
            if c.spiking and i == c.spiking_layer:
                layer: Module = SNNConv2d(
                    channels[i], channels[i + 1], 3, padding=d, dilation=d, num_steps=c.num_steps,
                    neuron=model_from_dict(c.neuron), noise_std=c.noise_std, noise_tau=c.noise_tau,
                    surrogate=get_surrogate(*c.surrogate), input_scale=c.input_scale,
                    input_offset=c.input_offset, conv_noise_std=c.conv_noise_std, rng=rng,
                )  # fmt: skip
            else:
                layer = Conv2d(channels[i], channels[i + 1], 3, padding=d, dilation=d, rng=rng)
            self.layers.append(layer)
        if c.prefill != "zero" and c.residual_init == "zero":  # exactly the pre-fill (and it never learns)
            self.layers[-1].weight.data[:] = 0
            self.layers[-1].bias.data[:] = 0
        self.relu = ReLU()
        self._activity: list[list[int]] | None = None  # [non-zero, total] per layer while counting (count_activity)

    def count_activity(self) -> ActivityCount:
        """A ``with`` block counting the non-zero fraction of each layer's input over every forward pass inside it
        (for the zero-skipping energy baseline): ``with model.count_activity() as act: ...; act.fractions``."""
        return ActivityCount(self)

    @classmethod
    def paper(cls, rng: np.random.Generator | int | None = None, **overrides: Any) -> SCNN:
        """The architecture as the seed paper describes it: 64 channels, 3×3 kernels, no dilation, the
        spiking layer in the middle, LIFParams.paper() (τ = 40 ms, C = 80, R = 0.5, t_ref = 1 ms, dt = 1 ms),
        noise std 0.1, ReLU after every layer, the hole given as zeros. The width and T are not stated in the
        paper: 64 and 8 are our reading."""
        return cls(SCNNConfig(width=64, num_steps=8), rng=rng, **overrides)

    @classmethod
    def table1(
        cls, rng: np.random.Generator | int | None = None, width: int = 16, noise: str = "ou", **overrides: Any
    ) -> SCNN:
        """The paper's architecture with its spiking layer built from our reading of every row of Table 1
        (:func:`minisnn.paper.table1`, where the paper's words and our reading stand side by side): a current-based
        synapse (τ_syn = 60 ms) on the τ_m = 40 ms, C = 80 neuron, refractory 1 ms, T = 100 steps of 1 ms, the input
        map that puts the layer into its 100–200 Hz band (over a 100 ms window from rest), and the noise: ``"ou"``
        (our reading: an OU current σ = 0.1, τ = 10 ms) or ``"paper"`` (the paper's placement: σ = 0.1 added once to
        the convolution's output, before the input map). The width is not in the paper; 16 keeps a T = 100 layer
        affordable on a CPU (64 is ``width=64``)."""
        t1 = table1(noise=noise)
        config = SCNNConfig(
            width=width, num_steps=t1.num_steps, neuron=t1.neuron.to_dict(),
            noise_std=0.0 if t1.noise is None else t1.noise.std, noise_tau=None if t1.noise is None else t1.noise.tau,
            input_scale=t1.input_scale, input_offset=t1.input_offset, conv_noise_std=t1.conv_noise_std,
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
        hole given as zeros (the README reports both, trained the same way). The shipped :meth:`pretrained` SC-NN is
        this configuration with ``prefill="dual"`` (both fills in view: a little slower per step, and better on
        photos unlike the training photos -- the model card)."""
        return cls(REDUCED, rng=rng, **overrides)

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> SCNN:
        """Rebuild a model from a checkpoint written by :func:`~minisnn.inpainting.fit` or ``python -m minisnn
        train`` (its configuration is stored with the weights).

        Raises :class:`~minisnn.io.CheckpointError` (a ValueError) naming the field for a file that is not a
        valid checkpoint, a configuration outside :class:`SCNNConfig`'s checks (types, ``MAX_WIDTH`` …) or
        weights that do not fit the configuration."""
        checkpoint = io.load(path, extra_arrays=False)  # the weights and the config: no optimiser state is read
        if "config" not in checkpoint.extra:
            raise io.CheckpointError(f"{path} is a minisnn checkpoint but not of an SCNN (no config saved with it)")
        try:
            config = SCNNConfig.from_dict(checkpoint.extra["config"])
        except (TypeError, ValueError) as err:  # checked before the model is built: nothing large allocated yet
            raise io.CheckpointError(f"{path}: the saved SCNN configuration is invalid: {err}") from err
        model = cls(config)
        try:
            model.load_state_dict(checkpoint.state_dict)
        except StateDictError as err:
            raise io.CheckpointError(f"{path}: the weights do not match the saved configuration: {err}") from err
        return model

    @classmethod
    def pretrained(cls, name: str = "scnn") -> SCNN:
        """A model shipped with minisnn (package data in ``minisnn/inpainting/pretrained/``; see its
        ``MODEL_CARD.md`` for the data, the command that trained it and its measured quality):

        * ``"scnn"`` -- the reduced SC-NN seeing both classical fills (``prefill="dual"``), trained for 9,000 steps
          on 155 natural photos with the activity regulariser (:func:`minisnn.regularise.rate_floor_penalty`, floor
          0.1 spikes per step, weight 1), so that its spiking layer stays active (about 0.27 spikes per neuron per
          step, half of the neurons silent); it predicts with the 8-view self-ensemble (``eval_views=8``;
          ``set_eval_views(1)`` for one pass);
        * ``"cnn_only"`` -- its CNN-only ablation, trained the same way (no spiking layer, so no regulariser).
        """
        return cls.from_checkpoint(pretrained_path(name))

    def set_eval_views(self, views: int) -> SCNN:
        """Predict in evaluation mode with one pass (``1``) or the 8-view self-ensemble (``8``; module docstring);
        the weights are unchanged. Returns the model."""
        self.config = replace(self.config, eval_views=views)  # checked by SCNNConfig
        return self

    @property
    def spiking_layers(self) -> list[SNNConv2d]:
        return [m for m in self.layers if isinstance(m, SNNConv2d)]

    def forward(self, inputs: Tensor | np.ndarray) -> Tensor:
        x = F.as_tensor(inputs, "inputs")
        if x.ndim != 4 or x.shape[1] != 4:
            raise ValueError(f"SCNN: inputs must be (N, 4, H, W) = masked RGB ⊕ mask, got shape {tuple(x.shape)}")
        if self.training or self.config.eval_views == 1:
            return self._one_pass(x)
        return self._self_ensemble(x)

    def _self_ensemble(self, x: Tensor) -> Tensor:
        """(1/8) Σ_g g⁻¹ f(g x) over the 8 views g (module docstring). The spiking layer runs once per view: a
        recording (:func:`minisnn.nn.record`) gets 8 entries, each in its view's orientation, the first the crop
        itself."""
        outputs = []
        for flip in (False, True):
            for turns in range(4):
                outputs.append(_view(self._one_pass(_view(x, flip, turns)), flip, turns, inverse=True))
        mean = F.stack(outputs).mean(axis=0)
        mask = x.data[:, 3:4]
        return mean * mask + x.data[:, :3] * (1.0 - mask)  # the known pixels exactly, as in one pass

    def _one_pass(self, x: Tensor) -> Tensor:
        known, mask = x.data[:, :3], x.data[:, 3:4]
        kind = self.config.prefill
        if kind == "dual":
            smooth, curved = harmonic_fill(known, mask), biharmonic_fill(known, mask)
            start = (0.5 * (smooth + curved)).astype(known.dtype, copy=False)  # the PDE fill
            h = Tensor(np.concatenate([smooth, curved, mask], axis=1).astype(known.dtype, copy=False))
        else:
            start = prefill(known, mask, kind)
            h = x if start is None else Tensor(np.concatenate([start, mask], axis=1))
        last = NUM_LAYERS - 1
        for i, layer in enumerate(self.layers):
            if self._activity is not None:
                self._activity[i][0] += int(np.count_nonzero(h.data))
                self._activity[i][1] += h.data.size
            h = layer(h)
            if i < last or self.config.output_activation == "relu":
                h = self.relu(h)
        if start is not None:
            h = h + start
        return h * mask + known * (1.0 - mask)  # composite: keep the known pixels

    def extra_repr(self) -> str:
        return f"receptive_field={self.config.receptive_field}"


PRETRAINED = ("scnn", "cnn_only")


class ActivityCount:
    """:meth:`SCNN.count_activity`: the model counts while the block runs; ``fractions`` are read afterwards."""

    def __init__(self, model: SCNN):
        self.model, self.counts = model, [[0, 0] for _ in model.layers]

    def __enter__(self) -> ActivityCount:
        self.model._activity = self.counts
        return self

    def __exit__(self, *exc: Any) -> None:
        self.model._activity = None

    @property
    def fractions(self) -> list[float]:
        """Non-zero fraction of each layer's input over the passes counted (0 for a layer that saw nothing)."""
        return [nz / max(total, 1) for nz, total in self.counts]


def _view(x: Tensor, flip: bool, turns: int, inverse: bool = False) -> Tensor:
    """One of the 8 views of (N, C, H, W): mirrored left-right if ``flip``, then turned by ``turns`` quarter turns
    (as ``np.rot90(·, turns, axes=(2, 3))``); ``inverse`` undoes that view. Differentiable (indexing, transpose)."""

    def mirror(t: Tensor) -> Tensor:
        return t[:, :, :, ::-1]

    def quarter(t: Tensor) -> Tensor:  # np.rot90(t, 1, axes=(2, 3)): mirror left-right, then swap H and W
        return mirror(t).transpose(0, 1, 3, 2)

    if not inverse:
        x = mirror(x) if flip else x
        for _ in range(turns % 4):
            x = quarter(x)
        return x
    for _ in range((-turns) % 4):
        x = quarter(x)
    return mirror(x) if flip else x


#: Where the shipped models and their checksums (``SHA256SUMS``) live.
PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"


def pretrained_path(name: str = "scnn") -> Path:
    """The file of a shipped model (:meth:`SCNN.pretrained`), verified against the SHA-256 recorded beside it in
    ``SHA256SUMS``. FileNotFoundError naming it if it is missing; :class:`~minisnn.io.CheckpointError` naming it if
    its content is not what was shipped (damaged, or replaced by another checkpoint)."""
    if name not in PRETRAINED:
        raise ValueError(f"pretrained: name must be one of {PRETRAINED}, got {name!r}")
    path = PRETRAINED_DIR / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"pretrained model {name!r} is not installed ({path} is missing)")
    sums = PRETRAINED_DIR / "SHA256SUMS"
    expected = {}
    if sums.is_file():
        for line in sums.read_text().splitlines():
            digest, _, file = line.partition("  ")
            expected[file.strip()] = digest.strip()
    if path.name not in expected:
        raise io.CheckpointError(f"pretrained model {name!r}: no checksum for {path.name} in {sums}; reinstall minisnn")
    if hashlib.sha256(path.read_bytes()).hexdigest() != expected[path.name]:
        raise io.CheckpointError(
            f"pretrained model {name!r}: {path} is not the file minisnn shipped (its SHA-256 differs from {sums}): "
            "damaged or replaced; reinstall minisnn"
        )
    return path


def prefill(known: np.ndarray, mask: np.ndarray, kind: str) -> np.ndarray | None:
    """The classical pre-fill of the hole (see the module docstring); None for "zero"; for "dual" the fill the
    network corrects, the PDE fill.

    Args:
        known: (N, 3, H, W) masked image (0 in the hole).  mask: (N, 1, H, W), 1 = missing.
    """
    if kind == "zero":
        return None
    filled = harmonic_fill(known, mask) if kind == "harmonic" else pde_fill(known, mask)  # "pde" and "dual"
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
