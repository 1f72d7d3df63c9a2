"""Safe checkpoints: ``.npz`` files with a JSON header, written atomically, loaded without pickle.

File layout (an ordinary ``np.savez`` archive; version 2):

* ``__header__``: a 0-d unicode array holding JSON: ``{"format": "minisnn-checkpoint", "version": 2,
  "module": <class name>, "parameters": {name: {"shape": [...], "dtype": "float32"}},
  "arrays": {"extra/<k>": {"shape": [...], "dtype": ...}}, "extra": <metadata>}``;
* ``param/<name>``: one array per parameter;
* ``extra/<k>``: the arrays found inside the ``extra`` metadata (e.g. optimiser moments), numbered 0, 1, 2, …
  In the header's ``extra`` each is replaced by a reference ``{"__array__": "extra/<k>"}``; everything else
  must be JSON: dicts with string keys, lists (tuples come back as lists), strings, numbers, bools, None.

Round trip: metadata comes back as it was saved. Arrays are numbered rather than named after their place in
the metadata, so ``a={"b": x}`` and ``**{"a/b": y}`` stay distinct; a user dict key spelled ``__array__`` (or
``~__array__``, ``~~__array__``, …) is stored with one more leading ``~``, so a user dict such as
``{"__array__": "param/weight"}`` can never be mistaken for a reference. Version 1 files (no ``arrays`` table,
arrays named ``extra/<path>``, no escaping) still load.

Loading validates the header against the schema above *before* anything is allocated: types, the version,
the nesting depth of the JSON (:data:`MAX_JSON_DEPTH`), each array's element count
(:data:`MAX_ARRAY_ELEMENTS`), the total size (:data:`MAX_TOTAL_BYTES`), and every zip member's declared
uncompressed size against the header's shape × itemsize (so a zip bomb is refused before it is inflated).
Any violation is a :class:`CheckpointError` naming the field (the checks live in
:mod:`minisnn.checkpoint_reader`). The limits are module attributes: raise them
(``minisnn.io.MAX_TOTAL_BYTES = 2**33``) to load larger models. Loading never unpickles anything.

Writing goes to a temporary file in the same folder, is flushed to disk, then renamed over the target
(``os.replace`` is atomic): an interrupted save leaves the previous checkpoint intact, never a truncated one.
A new file gets the mode any new file gets under the user's umask (``0o666 & ~umask``); an overwritten file
keeps its mode. A folder that cannot be written, or a path that is a folder, raises an ``OSError`` subclass
naming the path.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from minisnn.checkpoint_reader import (
    DTYPES,
    FORMAT,
    MAX_DIMS,
    READABLE_VERSIONS,
    Archive,
    CheckpointError,
    Limits,
    check_header,
    describe,
    error,
    open_archive,
    read_header,
)
from minisnn.nn.module import Module

__all__ = ["Checkpoint", "CheckpointError", "DTYPES", "FORMAT", "READABLE_VERSIONS", "VERSION", "atomic_write"]
__all__ += ["load", "load_into", "save", "write_json"]
__all__ += ["MAX_ARRAY_ELEMENTS", "MAX_HEADER_BYTES", "MAX_JSON_DEPTH", "MAX_TOTAL_BYTES"]

VERSION = 2

#: Largest ``__header__`` member (bytes of UTF-32 text: 4 per character), i.e. 16 M characters of JSON.
MAX_HEADER_BYTES = 64 * 2**20
#: Deepest nesting of lists/dicts in the header (the checkpoint's own structure needs 4 plus the metadata's).
MAX_JSON_DEPTH = 64
#: Most elements in one array (64 M: 256 MB of float32).
MAX_ARRAY_ELEMENTS = 2**26
#: Most bytes of all the arrays of one checkpoint together (1 GiB).
MAX_TOTAL_BYTES = 2**30

_ARRAY = "__array__"
_ESCAPED = re.compile(r"~*__array__")  # user keys that get one more "~" on save (and lose it on load)


@dataclass
class Checkpoint:
    """What :func:`load` returns: parameters by name, the ``extra`` metadata, and the header."""

    state_dict: dict[str, np.ndarray]
    extra: dict[str, Any] = field(default_factory=dict)
    module: str = ""
    version: int = VERSION


# ---- saving --------------------------------------------------------------------------------------------------


def _split_arrays(value: Any, path: str, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """Replace arrays inside nested dicts/lists by numbered references, collecting them in ``arrays``."""
    where = path or "extra"
    if depth > MAX_JSON_DEPTH - 4:  # the header adds 2 levels, a reference 1
        raise ValueError(f"save: extra metadata at {where!r} is nested more than {MAX_JSON_DEPTH - 4} levels deep")
    if isinstance(value, np.ndarray):
        _check_savable(f"extra array at {where!r}", value)
        key = f"extra/{len(arrays)}"
        arrays[key] = value
        return {_ARRAY: key}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(
                    f"save: extra metadata at {where!r} has a key {k!r} of type {type(k).__name__}; keys must be "
                    "strings (JSON would silently turn it into one)"
                )
            child = f"{path}/{k}" if path else k
            out["~" + k if _ESCAPED.fullmatch(k) else k] = _split_arrays(v, child, arrays, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_split_arrays(v, f"{path}/{i}" if path else str(i), arrays, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"save: extra metadata at {where!r} has type {type(value).__name__}; use numbers, strings, lists, dicts "
        "or ndarrays"
    )


def _check_savable(what: str, array: np.ndarray) -> None:
    """Refuse what :func:`load` would refuse, so that every checkpoint :func:`save` writes can be loaded."""
    if str(array.dtype) not in DTYPES:
        hint = ", which would need pickle; not allowed" if array.dtype == object else ""
        raise TypeError(f"save: {what} has dtype {array.dtype}{hint}; use one of {sorted(DTYPES)}")
    if array.size > MAX_ARRAY_ELEMENTS or array.ndim > MAX_DIMS:
        raise ValueError(
            f"save: {what} has shape {array.shape}: more than MAX_ARRAY_ELEMENTS = {MAX_ARRAY_ELEMENTS} elements "
            f"or {MAX_DIMS} dimensions (raise minisnn.io.MAX_ARRAY_ELEMENTS to save and load it)"
        )


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:  # Linux: read it without changing it
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _path_error(err: OSError, path: Path, what: str) -> OSError:
    """The same kind of OSError (PermissionError, IsADirectoryError, …) with a message naming ``path``."""
    reason = err.strerror or str(err)
    if err.errno is None:
        return OSError(f"cannot write {what} {str(path)!r}: {reason}")
    return OSError(err.errno, f"cannot write {what} ({reason})", str(path))


def _check_target(path: Path, what: str) -> None:
    """Create the parent folders; refuse a target that is a folder or lies under a file, naming the path."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"cannot write {what} ({str(parent)!r} is a file)", str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _path_error(err, path, what) from err
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"cannot write {what} (a folder of that name exists)", str(path))


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], what: str = "file") -> Path:
    """Write ``path`` through ``write(binary_file)`` atomically: a temporary file in the same folder, flushed
    to disk, then renamed over ``path``. On any failure ``path`` is untouched and no temporary file is left.

    The file gets the mode a new file gets under the umask (``0o666 & ~umask``), or keeps an existing file's.
    """
    _check_target(path, what)
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666 & ~_umask()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _path_error(err, path, what) from err
    try:
        with os.fdopen(fd, "wb") as f:
            os.chmod(tmp_name, mode)  # mkstemp creates 0600
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException as err:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        if isinstance(err, OSError):
            raise _path_error(err, path, what) from err
        raise
    return path


def save(path: str | os.PathLike, module: Module, **extra: Any) -> Path:
    """Write ``module``'s parameters (and ``extra`` metadata) to ``path`` (``.npz`` is appended if missing).

    Returns the path written. Raises TypeError for metadata JSON cannot hold exactly (see the module
    docstring), ValueError for metadata nested too deep, and an OSError naming ``path`` when it cannot be
    written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays: dict[str, np.ndarray] = {}
    params = module.state_dict()
    for name, value in params.items():
        _check_savable(f"parameter {name!r}", value)
    extra_json = _split_arrays(extra, "", arrays) if extra else {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "module": type(module).__name__,
        "parameters": {k: _entry(v) for k, v in params.items()},
        "arrays": {k: _entry(v) for k, v in arrays.items()},
        "extra": extra_json,
    }
    text = json.dumps(header)
    total = sum(a.nbytes for a in (*params.values(), *arrays.values()))
    if 4 * len(text) > MAX_HEADER_BYTES or total > MAX_TOTAL_BYTES:
        raise ValueError(
            f"save: the checkpoint would hold {4 * len(text)} bytes of header and {total} bytes of arrays, more than "
            f"MAX_HEADER_BYTES = {MAX_HEADER_BYTES} or MAX_TOTAL_BYTES = {MAX_TOTAL_BYTES} (minisnn.io)"
        )
    payload = {"__header__": np.array(text), **{f"param/{k}": v for k, v in params.items()}, **arrays}
    return atomic_write(path, lambda f: np.savez(f, **payload), "checkpoint")


def _entry(array: np.ndarray) -> dict[str, Any]:
    return {"shape": list(array.shape), "dtype": str(array.dtype)}


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
    """Write ``data`` as strict JSON (inf/NaN written as null), atomically (see :func:`atomic_write`)."""
    text = json.dumps(_json_safe(data), indent=indent, allow_nan=False).encode("utf-8")
    return atomic_write(Path(path), lambda f: f.write(text), "JSON file")


# ---- loading -------------------------------------------------------------------------------------------------


def _join_arrays(value: Any, where: str, resolve: Callable[[str, str], np.ndarray], version: int) -> Any:
    """Undo :func:`_split_arrays`: references → arrays, escaped keys → the user's keys."""
    if isinstance(value, dict):
        if (version >= 2 and _ARRAY in value) or (version == 1 and set(value) == {_ARRAY}):
            return resolve(value, where)
        out = {}
        for key, item in value.items():
            if version >= 2 and key.startswith("~") and _ESCAPED.fullmatch(key[1:]):
                key = key[1:]  # an escaped user key (see _split_arrays)
            out[key] = _join_arrays(item, f"{where}.{key}", resolve, version)
        return out
    if isinstance(value, list):
        return [_join_arrays(v, f"{where}.{i}", resolve, version) for i, v in enumerate(value)]
    return value


def load(path: str | os.PathLike, extra_arrays: bool = True) -> Checkpoint:
    """Read a checkpoint written by :func:`save`: the header is validated first (see the module docstring).

    Only a regular file no larger than the limits allow is opened; every parameter must be finite. Each archive
    member is read once, however often the metadata refers to it (the references then share one array). With
    ``extra_arrays=False`` the arrays inside the metadata (an optimiser's moments, a sampler's state) are not read
    at all -- each reference comes back as None: what evaluation needs, the weights and the configuration.

    Raises:
        FileNotFoundError: no file at ``path``; IsADirectoryError / PermissionError: it cannot be read.
        CheckpointError: anything else wrong with the file, naming the header field or the archive member.
    """
    path = Path(path)
    limits = Limits(MAX_HEADER_BYTES, MAX_JSON_DEPTH, MAX_ARRAY_ELEMENTS, MAX_TOTAL_BYTES)
    with open_archive(path, limits) as zf:
        archive = Archive(path, zf, limits)
        header = read_header(archive)
        members = check_header(path, header, limits)
        version = header["version"]
        state = {name: archive.read(f"param/{name}", members[f"param/{name}"]) for name in header["parameters"]}
        for name, array in state.items():
            if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
                raise error(path, f"parameter {name!r} holds NaN or inf: these weights are broken (a diverged run?)")
        read: dict[str, np.ndarray] = {}

        def resolve(reference: dict[str, Any], where: str) -> np.ndarray | None:
            key = reference.get(_ARRAY)
            declared = key in members if version >= 2 else isinstance(key, str) and key.startswith("extra/")
            if set(reference) != {_ARRAY} or not declared:
                raise error(path, f"header field {where!r} is not a valid array reference: {describe(reference)}")
            if not extra_arrays:
                return None
            if key not in read:  # each member counted (and inflated) once
                read[key] = archive.read(key, members.get(key), MAX_ARRAY_ELEMENTS * 8)
            return read[key]

        extra = _join_arrays(header.get("extra", {}), "extra", resolve, version)
    return Checkpoint(state_dict=state, extra=extra, module=header.get("module", ""), version=version)


def load_into(path: str | os.PathLike, module: Module, strict: bool = True) -> Checkpoint:
    """:func:`load` and copy the parameters into ``module`` (a mismatch names the differing keys)."""
    checkpoint = load(path)
    module.load_state_dict(checkpoint.state_dict, strict=strict)
    return checkpoint
