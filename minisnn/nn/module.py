"""``Module`` and ``Parameter``: the containers that hold a network's weights.

A Module finds its parameters by looking through its attributes (recursively into sub-modules and into
lists/tuples of modules), in the order they were assigned, and names them by their path:
``"layers.0.weight"``. That is all ``parameters()``, ``state_dict()`` and ``zero_grad()`` need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minisnn.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module (``requires_grad=True`` by default)."""

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


class StateDictError(KeyError):
    """A state dict does not fit the module: lists missing, unexpected and wrongly shaped keys."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Module:
    """Base class of every layer and network. Subclasses set attributes in ``__init__`` and define ``forward``."""

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ---------------------------------------------------------------- discovery
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (``"layers.0"`` for modules in a list)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{index}", item

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first, with dotted names ("" for self)."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every Parameter, with its dotted path, in assignment order; each appears once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------------- modes
    def zero_grad(self) -> None:
        """Forget accumulated gradients (set every parameter's ``.grad`` to None)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set training mode (e.g. noise on in spiking layers) for this module and all sub-modules."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    # ------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameter name → a copy of its values."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy values into the parameters (converted to each parameter's dtype).

        Shape mismatches are always errors. With ``strict=True``, missing or unexpected keys are errors too;
        one error lists every problem. Returns (missing keys, unexpected keys).
        """
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        wrong_shape = [
            f"{k}: expected {own[k].shape}, got {np.shape(state[k])}"
            for k in own
            if k in state and tuple(np.shape(state[k])) != own[k].shape
        ]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {unexpected}")
        if wrong_shape:
            problems.append(f"wrongly shaped keys: {wrong_shape}")
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        for name, p in own.items():
            if name in state:
                p.data = np.array(state[name], dtype=p.dtype)
        return missing, unexpected

    # ---------------------------------------------------------------- display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)
