"""Reading a checkpoint archive with every size checked before anything is allocated or inflated.

:func:`minisnn.io.load` is the way in; this module holds its checks (see :mod:`minisnn.io` for the file
layout and the limits):

* :func:`open_archive` — the file is a zip archive (a ``.npy`` file, a folder or a foreign file are named);
* :meth:`Archive.read` — one member: its declared uncompressed size is compared with the header's shape ×
  itemsize *before* it is inflated, then its own ``.npy`` header with the checkpoint header, then the data is
  read into an array of the checked size;
* :func:`read_header` — the JSON header: size, nesting depth (parsed with RecursionError caught), then
  :func:`check_header`, the schema (types, version, shapes, dtypes, element counts, total bytes).

Every violation is a :class:`CheckpointError` naming the header field or the archive member.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

FORMAT = "minisnn-checkpoint"
READABLE_VERSIONS = (1, 2)
#: The dtypes a checkpoint may hold.
DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"]
)
MAX_DIMS = 32  # NumPy 1.x's limit
_NPY_PREFIX_MAX = 16_384  # magic + length + the .npy header dict (NumPy parses at most 10 000 bytes of it)

Member = tuple[tuple[int, ...], np.dtype]  # (shape, dtype)


class CheckpointError(ValueError):
    """The file is not a (readable, complete, well-formed) minisnn checkpoint."""


@dataclass(frozen=True)
class Limits:
    """The bounds :func:`minisnn.io.load` enforces (its module attributes, read at each call)."""

    header_bytes: int
    json_depth: int
    array_elements: int
    total_bytes: int

    @property
    def file_bytes(self) -> int:
        """The largest file worth opening: every array and the header at their limits, and 64 MiB of zip framing."""
        return self.total_bytes + self.header_bytes + 64 * 2**20


def error(path: Path, message: str) -> CheckpointError:
    return CheckpointError(f"load: {path}: {message}")


def describe(value: Any) -> str:
    """``repr(value)`` (shortened) and its type, for messages."""
    text = repr(value)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type(value).__name__})"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def json_depth(value: Any, stop: int) -> int:
    """Nesting depth of lists/dicts, counted without recursion (stops counting beyond ``stop``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if deepest > stop:
                break
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_entry(path: Path, name: str, entry: Any, limits: Limits) -> Member:
    """Validate one ``{"shape": [...], "dtype": "..."}`` entry of the header."""
    if not isinstance(entry, dict) or set(entry) != {"shape", "dtype"}:
        expected = "an object {'shape': [...], 'dtype': ...}"
        raise error(path, f"header field {name!r} must be {expected}, got {describe(entry)}")
    shape, dtype = entry["shape"], entry["dtype"]
    field = f"header field '{name}.shape'"
    if not isinstance(shape, list) or not all(is_int(n) for n in shape):
        raise error(path, f"{field} must be a list of ints, got {describe(shape)}")
    if len(shape) > MAX_DIMS:
        raise error(path, f"{field} has {len(shape)} dimensions; at most {MAX_DIMS} are allowed")
    if any(n < 0 for n in shape):
        raise error(path, f"{field} must hold sizes ≥ 0, got {shape}")
    count = math.prod(shape)
    if count > limits.array_elements:
        limit = f"MAX_ARRAY_ELEMENTS = {limits.array_elements} (minisnn.io.MAX_ARRAY_ELEMENTS)"
        raise error(path, f"{field} = {shape} has {count} elements, more than {limit}")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise error(path, f"header field '{name}.dtype' must be one of {sorted(DTYPES)}, got {describe(dtype)}")
    return tuple(shape), np.dtype(dtype)


def check_header(path: Path, header: Any, limits: Limits) -> dict[str, Member]:
    """Validate the header's schema; returns the archive members it declares: name → (shape, dtype)."""
    if not isinstance(header, dict):
        raise error(path, f"the header must be a JSON object, got a JSON {type(header).__name__}")
    if header.get("format") != FORMAT:
        raise CheckpointError(f"load: {path} is not a minisnn checkpoint (format {header.get('format')!r})")
    version = header.get("version")
    if not is_int(version):
        raise error(path, f"header field 'version' must be an int, got {describe(version)}")
    lowest, highest = min(READABLE_VERSIONS), max(READABLE_VERSIONS)
    if version > highest:
        raise CheckpointError(
            f"load: {path} has checkpoint version {version}; this minisnn reads versions {lowest}–{highest} "
            "(was it written by a newer minisnn?)"
        )
    if version not in READABLE_VERSIONS:
        raise error(path, f"header field 'version' must be one of {list(READABLE_VERSIONS)}, got {version}")
    allowed = {"format", "version", "module", "parameters", "extra"} | ({"arrays"} if version >= 2 else set())
    unknown = sorted(set(header) - allowed)
    if unknown:
        raise error(path, f"unknown header fields {unknown}; a version {version} header has {sorted(allowed)}")
    if not isinstance(header.get("module", ""), str):
        raise error(path, f"header field 'module' must be a string, got {describe(header['module'])}")
    if not isinstance(header.get("extra", {}), dict):
        raise error(path, f"header field 'extra' must be a JSON object, got {describe(header['extra'])}")
    members = {}
    for table, prefix in (("parameters", "param/"), ("arrays", "")):
        entries = header.get(table, {})
        if not isinstance(entries, dict):
            raise error(path, f"header field {table!r} must be a JSON object {{name: {{'shape', 'dtype'}}}}, got "
                        f"{describe(entries)}")  # fmt: skip
        for name, entry in entries.items():
            if table == "arrays" and not name.startswith("extra/"):
                raise error(path, f"header field 'arrays' may only list 'extra/...' members, got {name!r}")
            members[prefix + name] = check_entry(path, f"{table}.{name}", entry, limits)
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in members.values())
    if total > limits.total_bytes:
        limit = f"MAX_TOTAL_BYTES = {limits.total_bytes} (minisnn.io.MAX_TOTAL_BYTES)"
        raise error(path, f"the header declares {total} bytes of arrays, more than {limit}")
    return members


class Archive:
    """An open checkpoint archive, read member by member (each size checked before it is inflated)."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, limits: Limits):
        self.path, self.zf, self.limits, self.bytes_read = path, zf, limits, 0

    def read(self, name: str, expected: Member | None, limit: int = 0) -> np.ndarray:
        """Member ``name`` (without ``.npy``), whose shape and dtype the header declares as ``expected`` —
        or, for the header itself and version-1 metadata arrays, ``None`` and at most ``limit`` data bytes."""
        path = self.path
        try:
            info = self.zf.getinfo(name + ".npy")
        except KeyError:
            raise error(path, f"no member {name!r} in the archive (the header refers to it)") from None
        if expected is not None:
            limit = math.prod(expected[0]) * expected[1].itemsize
        if info.file_size > limit + _NPY_PREFIX_MAX:
            declared = f"the header's shape {list(expected[0])} × {expected[1]}" if expected else "the limit"
            raise error(path, f"member {name!r} declares {info.file_size} bytes uncompressed, but {declared} "
                        f"allows {limit} bytes of data: refusing to inflate it (a zip bomb?)")  # fmt: skip
        try:
            with self.zf.open(info) as f:
                shape, dtype, fortran = self._npy_header(f, name)
                nbytes = math.prod(shape) * dtype.itemsize
                if expected is not None and (shape, dtype) != expected:
                    raise error(path, f"member {name!r} holds shape {shape} {dtype}; the header says "
                                f"{expected[0]} {expected[1]}")  # fmt: skip
                if expected is None and (math.prod(shape) > self.limits.array_elements or nbytes > limit):
                    raise error(path, f"member {name!r} holds shape {shape} {dtype}: more than "
                                f"MAX_ARRAY_ELEMENTS or {limit} bytes")  # fmt: skip
                if f.tell() + nbytes != info.file_size:
                    raise error(path, f"member {name!r} declares {info.file_size} bytes uncompressed, but its "
                                f"shape {shape} {dtype} needs {f.tell() + nbytes}")  # fmt: skip
                self.bytes_read += nbytes
                if self.bytes_read > self.limits.total_bytes + self.limits.header_bytes:
                    raise error(path, f"the arrays exceed MAX_TOTAL_BYTES = {self.limits.total_bytes}")
                array = np.empty(shape, dtype, order="F" if fortran else "C")
                self._read_into(f, array.ravel(order="K").view(np.uint8), name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
            if isinstance(err, CheckpointError):
                raise
            raise error(path, f"member {name!r} is damaged (truncated or corrupted file?): {err}") from err
        except (RuntimeError, NotImplementedError) as err:  # an encrypted member, an unknown compression method
            plain = "minisnn writes plain .npz: stored members, no encryption"
            raise error(path, f"member {name!r} cannot be read: {err} ({plain})") from err
        return array

    def _read_into(self, f: IO[bytes], raw: np.ndarray, name: str) -> None:
        view, done = memoryview(raw), 0
        while done < raw.size:
            chunk = f.read(min(1 << 20, raw.size - done))
            if not chunk:
                raise error(self.path, f"member {name!r} ends early (truncated file?)")
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        f.read(1)  # reach the end of the member: zipfile checks its CRC there

    def _npy_header(self, f: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype, bool]:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise error(self.path, f"member {name!r} has an unsupported .npy format version {version}")
        allowed = (dtype.kind == "U" and shape == ()) if name == "__header__" else str(dtype) in DTYPES
        if not allowed or len(shape) > MAX_DIMS:
            raise error(self.path, f"member {name!r} holds an array of dtype {dtype}, shape {shape}; not allowed")
        return tuple(shape), dtype, bool(fortran)


def open_archive(path: Path, limits: Limits | None = None) -> zipfile.ZipFile:
    """The checkpoint file as a zip archive; clear errors for anything else. Only a regular file is opened (a
    device such as /dev/zero, a FIFO, a socket are refused before they are read: one never ends, one blocks), and
    only one no larger than ``limits.file_bytes`` (before the zip directory is parsed)."""
    try:
        info = os.stat(path)  # follows a symbolic link: what would be read
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no checkpoint at {path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "load: expected a checkpoint file, got a folder", str(path))
    if not stat.S_ISREG(info.st_mode):
        mode = info.st_mode
        device = stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if device
            else "a socket"
            if stat.S_ISSOCK(mode)
            else ("not a regular file")
        )
        raise CheckpointError(f"load: {path} is {kind}, not a checkpoint file: refusing to read it")
    if limits is not None and info.st_size > limits.file_bytes:
        raise CheckpointError(
            f"load: {path} is {info.st_size} bytes, more than any checkpoint within MAX_TOTAL_BYTES = "
            f"{limits.total_bytes} can be (minisnn.io): refusing to read it"
        )
    with open(path, "rb") as f:  # an unreadable file raises PermissionError naming it
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise CheckpointError(
            f"load: {path} is a .npy file (one NumPy array), not a minisnn checkpoint (an .npz archive written "
            "by minisnn.io.save)"
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, RuntimeError,
            NotImplementedError) as err:  # fmt: skip
        raise CheckpointError(
            f"load: {path} is not a readable minisnn checkpoint (truncated or foreign file?): {err}"
        ) from err


def read_header(archive: Archive) -> dict[str, Any]:
    """The header's JSON, size- and depth-checked, then schema-checked by :func:`check_header`."""
    path, limits = archive.path, archive.limits
    if "__header__.npy" not in archive.zf.namelist():
        raise CheckpointError(f"load: {path} is an .npz file but not a minisnn checkpoint (no header)")
    text = str(archive.read("__header__", None, limits.header_bytes)[()])
    try:
        header = json.loads(text)
        depth = json_depth(header, limits.json_depth)
    except RecursionError:  # deeper than the interpreter's recursion limit
        header, depth = None, math.inf
    except ValueError as err:  # JSONDecodeError, or an integer of more than 4300 digits
        raise error(path, f"the header is not valid JSON: {err}") from err
    if depth > limits.json_depth:
        limit = f"MAX_JSON_DEPTH = {limits.json_depth} (minisnn.io.MAX_JSON_DEPTH)"
        raise error(path, f"the header is nested more than {limit} levels deep")
    return header
