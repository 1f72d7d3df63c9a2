"""minisnn → torch and back: the builders behind :func:`minisnn.export.to_torch` and :func:`~minisnn.export.from_torch`.

One builder per minisnn layer class, chosen by the layer's exact class (a subclass may change ``forward``: it is
refused, never exported as its parent). Each builder reads the layer's configuration and weights and returns the
torch module of :mod:`minisnn.export._torch` (or of ``torch.nn``) whose forward computes the same numbers; parameter
names are minisnn's, so ``state_dict()`` keys match on both sides.

Imports torch: imported only by the functions of :mod:`minisnn.export`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from minisnn import nn
from minisnn.export import ExportError
from minisnn.export import _torch as twin
from minisnn.neurons import ALIFParams, AlphaParams, IFParams, IzhikevichParams, LIFParams, SynapticParams
from minisnn.nn.module import StateDictError
from minisnn.noise import OUNoise, WhiteNoise
from minisnn.surrogate import Surrogate
from minisnn.surrogate import get as get_surrogate

NOISE_SOURCES = ("torch", "minisnn")
#: The neuron models export writes in torch (by exact class).
MODELS = (LIFParams, SynapticParams, AlphaParams, ALIFParams, IFParams, IzhikevichParams)
_PROBE = np.linspace(-4.0, 4.0, 161)


class Context:
    """What every builder needs: the dtype to cast weights to (None: keep), and the random source for the stochastic
    layers ("torch", or "minisnn": a copy of each layer's NumPy Generator, shared where minisnn shares it)."""

    def __init__(self, noise: str, dtype: Any):
        self.noise, self.dtype = noise, dtype
        self.copies: dict[int, twin.NumpyRandom] = {}

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        out = torch.from_numpy(np.array(array, copy=True))
        return out if self.dtype is None else out.to(self.dtype)

    def parameter(self, array: np.ndarray) -> torch.nn.Parameter:
        return torch.nn.Parameter(self.tensor(array))

    def random(self, generator: np.random.Generator) -> Any:
        if self.noise == "torch":
            return twin.TorchRandom()
        if id(generator) not in self.copies:
            self.copies[id(generator)] = twin.NumpyRandom(copy.deepcopy(generator))
        return self.copies[id(generator)]


def refuse(where: str, module: Any, reason: str) -> ExportError:
    name = type(module).__name__
    layer = f"layer {where!r}" if where else "the module itself"
    return ExportError(f"to_torch: cannot export {layer} ({name}): {reason}")


# ---------------------------------------------------------------------------------------------- ordinary layers
def _linear(m: nn.Linear, where: str, ctx: Context) -> torch.nn.Module:
    out = torch.nn.Linear(m.in_features, m.out_features, bias=m.bias is not None, device="meta")  # no RNG drawn
    out.weight = ctx.parameter(m.weight.data)
    if m.bias is not None:
        out.bias = ctx.parameter(m.bias.data)
    return out


def _conv(m: nn.Conv2d, where: str, ctx: Context) -> torch.nn.Module:
    out = torch.nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
                          dilation=m.dilation, bias=m.bias is not None, device="meta")  # fmt: skip
    out.weight = ctx.parameter(m.weight.data)
    if m.bias is not None:
        out.bias = ctx.parameter(m.bias.data)
    return out


def _sequential(m: nn.Sequential, where: str, ctx: Context) -> torch.nn.Module:
    return torch.nn.Sequential(*(convert(child, _join(where, name), ctx) for name, child in m.named_children()))


def _time_distributed(m: nn.TimeDistributed, where: str, ctx: Context) -> torch.nn.Module:
    return twin.TimeDistributed(convert(m.module, _join(where, "module"), ctx))


def _dropout(m: nn.Dropout, where: str, ctx: Context) -> torch.nn.Module:
    return twin.Dropout(m.p, ctx.random(m.rng))


SIMPLE: dict[type, Callable[[Any], torch.nn.Module]] = {
    nn.ReLU: lambda m: torch.nn.ReLU(),
    nn.Sigmoid: lambda m: torch.nn.Sigmoid(),
    nn.Flatten: lambda m: torch.nn.Flatten(m.start_dim, m.end_dim),
    nn.AvgPool2d: lambda m: torch.nn.AvgPool2d(m.kernel_size, m.stride, m.padding, count_include_pad=True),
    nn.MaxPool2d: lambda m: torch.nn.MaxPool2d(m.kernel_size, m.stride, m.padding),
}


# --------------------------------------------------------------------------------------------------- spiking layers
def neuron(model: Any, where: str, layer: Any) -> Any:
    """The torch twin of a neuron model (its numbers computed here, by minisnn), or an ExportError naming it."""
    kind = type(model)
    if kind not in MODELS:
        raise refuse(where, layer, f"its neuron model {kind.__name__} has no torch twin (export knows "
                     f"{', '.join(m.__name__ for m in MODELS)}, by their exact class: a subclass may step "
                     "differently)")  # fmt: skip
    if kind is IzhikevichParams:
        return twin.Izhikevich(model.a, model.b, model.c, model.d, model.dt, model.v_peak, model.v_init)
    if kind is IFParams:
        return twin.IF(model.dt, model.gain, model.v_th, model.v_reset, model.reset, model.v_init)
    lif = dict(dt=model.dt, decay=model.decay, gain=model.gain, v_th=model.v_th, v_reset=model.v_reset,
               reset=model.reset, refractory=model.refractory, ref_steps=model.ref_steps)  # fmt: skip
    if kind is SynapticParams:
        return twin.Synaptic(model.coefficients(), **lif)
    if kind is AlphaParams:
        phi, gamma = model.coefficients()
        return twin.Alpha(phi.tolist(), gamma.tolist(), **lif)
    if kind is ALIFParams:
        return twin.ALIF(model.rho, model.b, **lif)
    return twin.LIF(**lif)


def surrogate(fn: Any, where: str, layer: Any) -> twin.TorchSurrogate:
    """The torch twin of a spike function: a minisnn :class:`~minisnn.surrogate.Surrogate` (or its ``smooth``), checked
    to be the named factory's own (a hand-made Surrogate with other functions is refused)."""
    smooth = getattr(fn, "__func__", None) is Surrogate.smooth and isinstance(getattr(fn, "__self__", None), Surrogate)
    s = fn.__self__ if smooth else fn
    if not isinstance(s, Surrogate):
        raise refuse(where, layer, f"its spike function {fn!r} is not a minisnn Surrogate (or a Surrogate's smooth); "
                     "export writes the five surrogates of minisnn.surrogate as torch.autograd.Functions")  # fmt: skip
    try:
        reference = get_surrogate(s.name, s.parameter)
    except ValueError as err:
        raise refuse(where, layer, f"its surrogate is not one of minisnn.surrogate's: {err}") from err
    for part in ("derivative", "primitive"):
        if not np.array_equal(getattr(s, part)(_PROBE), getattr(reference, part)(_PROBE), equal_nan=True):
            raise refuse(where, layer, f"its surrogate named {s.name!r} has a {part} other than "
                         f"minisnn.surrogate.{s.name}({s.parameter:g})'s")  # fmt: skip
    return twin.TorchSurrogate(s.name, s.parameter, smooth=smooth)


def _noise(noise: Any, where: str, layer: Any) -> twin.Noise | None:
    if noise is None:
        return None
    if type(noise) is WhiteNoise:
        return twin.Noise(noise.std)
    if type(noise) is OUNoise:
        return twin.Noise(noise.std, noise.tau)
    raise refuse(where, layer, f"its noise {noise!r} is neither minisnn's WhiteNoise nor its OUNoise")


def _spiking(m: nn.Spiking, where: str, ctx: Context) -> torch.nn.Module:
    learned = {}
    for name in m.learn:
        if name not in ("decay", "v_th"):
            raise refuse(where, m, f"it learns {name!r}; export knows the learnable 'decay' and 'v_th'")
        attribute = "decay_logit" if name == "decay" else "v_th"
        learned[attribute] = ctx.tensor(getattr(m, attribute).data)
    options: dict[str, Any] = dict(
        neuron=neuron(m.neuron, where, m), surrogate=surrogate(m.surrogate, where, m), output=m.output,
        num_steps=m.num_steps, noise=_noise(m.noise, where, m), detach_reset=m.detach_reset,
        random=ctx.random(m.rng), learned=learned,
    )  # fmt: skip
    if type(m) is not nn.RecurrentSpiking:
        return twin.Spiking(**options)
    if m.all_to_all:
        return twin.RecurrentSpiking(connection=_linear(m.recurrent, _join(where, "recurrent"), ctx), **options)
    return twin.RecurrentSpiking(recurrent_weight=ctx.tensor(m.recurrent_weight.data), **options)


def _snn_conv(m: nn.SNNConv2d, where: str, ctx: Context) -> torch.nn.Module:
    conv = convert(m.conv, _join(where, "conv"), ctx)
    neurons = convert(m.neurons, _join(where, "neurons"), ctx)
    return twin.SNNConv2d(conv, neurons, m.input_scale, m.input_offset, m.conv_noise_std)


def _scnn(m: Any, where: str, ctx: Context) -> torch.nn.Module:
    layers = [convert(layer, _join(where, f"layers.{i}"), ctx) for i, layer in enumerate(m.layers)]
    c = m.config
    return twin.SCNN(layers, prefill=c.prefill, output_activation=c.output_activation, eval_views=c.eval_views)


@functools.cache
def builders() -> dict[type, Callable[[Any, str, Context], torch.nn.Module]]:
    """Exact minisnn class → its builder (SCNN imported here: the inpainting task sits above nn)."""
    from minisnn.inpainting.model import SCNN

    table: dict[type, Callable[[Any, str, Context], torch.nn.Module]] = {
        nn.Sequential: _sequential, nn.Linear: _linear, nn.Conv2d: _conv, nn.TimeDistributed: _time_distributed,
        nn.Dropout: _dropout, nn.Spiking: _spiking, nn.LIF: _spiking, nn.Synaptic: _spiking,
        nn.RecurrentSpiking: _spiking, nn.SNNConv2d: _snn_conv, SCNN: _scnn,
    }  # fmt: skip
    for kind, build in SIMPLE.items():
        table[kind] = lambda m, where, ctx, build=build: build(m)
    return table


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def convert(module: Any, where: str, ctx: Context) -> torch.nn.Module:
    """The torch twin of ``module`` (named ``where`` in errors), in the same training mode."""
    table = builders()
    build = table.get(type(module))
    if build is None:
        parents = [kind.__name__ for kind in table if isinstance(module, kind)]
        reason = (f"it is a subclass of {parents[0]}, which may compute something else" if parents else
                  "minisnn.export has no torch twin for this class")  # fmt: skip
        raise refuse(where, module, f"{reason}; exportable layers: {sorted(k.__name__ for k in table)}")
    out = build(module, where, ctx)
    out.training = bool(module.training)
    return out


def to_torch(module: Any, noise: str = "torch", dtype: Any = None) -> torch.nn.Module:
    if not isinstance(module, nn.Module):
        raise TypeError(f"to_torch: module must be a minisnn nn.Module, got {type(module).__name__}")
    if noise not in NOISE_SOURCES:
        raise ValueError(f"to_torch: noise must be one of {NOISE_SOURCES}, got noise={noise!r}")
    if dtype is not None:
        dtype = _torch_dtype(dtype)
    return convert(module, "", Context(noise, dtype))


def _torch_dtype(dtype: Any) -> torch.dtype:
    if isinstance(dtype, torch.dtype) and dtype.is_floating_point:
        return dtype
    try:
        kind = np.dtype(dtype)
    except TypeError:
        kind = None
    if kind == np.float64:
        return torch.float64
    if kind == np.float32:
        return torch.float32
    raise ValueError(f"to_torch: dtype must be None, a floating torch dtype or float32/float64, got dtype={dtype!r}")


# ------------------------------------------------------------------------------------------------------- and back
def from_torch(torch_module: Any, into: Any) -> Any:
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"from_torch: torch_module must be a torch.nn.Module, got {type(torch_module).__name__}")
    if not isinstance(into, nn.Module):
        raise TypeError(f"from_torch: into must be a minisnn nn.Module, got {type(into).__name__}")
    wrappers = (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)
    while isinstance(torch_module, wrappers):  # their parameters are named "module.<name>"
        torch_module = torch_module.module
    theirs = torch_module.state_dict()
    own = dict(into.named_parameters())
    missing = [name for name in own if name not in theirs]
    unexpected = [name for name in theirs if name not in own]
    problems = []
    if missing:
        problems.append(f"missing in the torch module: {missing}")
    if unexpected:
        problems.append(f"not parameters of the minisnn {type(into).__name__}: {unexpected}")
    for name, p in own.items():
        if name in theirs:
            value = theirs[name]
            if not (isinstance(value, torch.Tensor) and value.is_floating_point()):
                problems.append(f"{name}: expected a floating-point tensor, got {_describe(value)}")
            elif tuple(value.shape) != p.shape:
                problems.append(f"{name}: expected shape {p.shape} (the minisnn parameter's), got {tuple(value.shape)}")
    if problems:
        raise StateDictError(f"from_torch into {type(into).__name__}: " + "; ".join(problems))
    for name, p in own.items():
        value = theirs[name].detach().to("cpu", torch.float64).numpy()
        p.data = np.array(value, dtype=p.dtype)
    return into


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor"
    return type(value).__name__
