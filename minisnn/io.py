"""Safe checkpoints: ``.npz`` files with a JSON header, written atomically, loaded without pickle.

File layout (an ordinary ``np.savez`` archive):

* ``__header__``: a 0-d unicode array holding JSON: ``{"format": "minisnn-checkpoint", "version": 1,
  "module": <class name>, "parameters": {name: {"shape": [...], "dtype": "float32"}}, "extra": <metadata>}``;
* ``param/<name>``: one array per parameter;
* ``extra/<path>``: arrays found inside the ``extra`` metadata (e.g. optimiser moments). In the header's
  ``extra`` they are replaced by ``{"__array__": "extra/<path>"}``; everything else must be JSON-serialisable.

Writing goes to a temporary file in the same folder, is flushed to disk, then renamed over the target
(``os.replace`` is atomic): an interrupted save leaves the previous checkpoint intact, never a truncated one.
Loading uses ``allow_pickle=False``, so a checkpoint cannot execute code.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from minisnn.nn.module import Module

FORMAT = "minisnn-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """The file is not a (readable, complete) minisnn checkpoint."""


@dataclass
class Checkpoint:
    """What :func:`load` returns: parameters by name, the ``extra`` metadata, and the header."""

    state_dict: dict[str, np.ndarray]
    extra: dict[str, Any] = field(default_factory=dict)
    module: str = ""
    version: int = VERSION


def _split_arrays(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace arrays inside nested dicts/lists by references, collecting them in ``arrays``."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"save: extra array at {path!r} has dtype object, which would need pickle; not allowed")
        key = f"extra/{path}"
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, dict):
        return {str(k): _split_arrays(v, f"{path}/{k}" if path else str(k), arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_split_arrays(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"save: extra metadata at {path!r} has type {type(value).__name__}; use numbers, strings, lists, dicts "
        "or ndarrays"
    )


def _join_arrays(value: Any, archive: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return archive[value["__array__"]]
        return {k: _join_arrays(v, archive) for k, v in value.items()}
    if isinstance(value, list):
        return [_join_arrays(v, archive) for v in value]
    return value


def save(path: str | os.PathLike, module: Module, **extra: Any) -> Path:
    """Write ``module``'s parameters (and ``extra`` metadata) to ``path`` (``.npz`` is appended if missing).

    Returns the path written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    params = module.state_dict()
    extra_json = _split_arrays(extra, "", arrays) if extra else {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "module": type(module).__name__,
        "parameters": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in params.items()},
        "extra": extra_json,
    }
    header_text = json.dumps(header)
    payload = {"__header__": np.array(header_text), **{f"param/{k}": v for k, v in params.items()}, **arrays}

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return path


def load(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save` (never unpickles anything)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "__header__" not in archive.files:
                raise CheckpointError(f"load: {path} is an .npz file but not a minisnn checkpoint (no header)")
            header = json.loads(str(archive["__header__"]))
            if header.get("format") != FORMAT:
                raise CheckpointError(f"load: {path} is not a minisnn checkpoint (format {header.get('format')!r})")
            if header.get("version", 0) > VERSION:
                raise CheckpointError(
                    f"load: {path} has checkpoint version {header['version']}; this minisnn reads up to {VERSION}"
                )
            state = {}
            for name, meta in header["parameters"].items():
                array = archive[f"param/{name}"]
                if list(array.shape) != meta["shape"] or str(array.dtype) != meta["dtype"]:
                    raise CheckpointError(f"load: {path}: parameter {name!r} does not match its header entry")
                state[name] = array
            extra = _join_arrays(header.get("extra", {}), archive)
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError, ValueError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(
            f"load: {path} is not a readable minisnn checkpoint (truncated or foreign file?): {error}"
        ) from error
    return Checkpoint(state_dict=state, extra=extra, module=header.get("module", ""), version=header["version"])


def _json_safe(value: Any) -> Any:
    """JSON has no inf/NaN: non-finite floats become None (null)."""
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_json(path: str | os.PathLike, data: Any, indent: int = 1) -> Path:
    """Write ``data`` as strict JSON (inf/NaN written as null), atomically (temp file, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(_json_safe(data), indent=indent, allow_nan=False))
    os.replace(tmp, path)
    return path


def load_into(path: str | os.PathLike, module: Module, strict: bool = True) -> Checkpoint:
    """:func:`load` and copy the parameters into ``module`` (a mismatch names the differing keys)."""
    checkpoint = load(path)
    module.load_state_dict(checkpoint.state_dict, strict=strict)
    return checkpoint
