"""The output folder of a command: checked, locked for the run, cleaned of what a killed run left behind."""

from __future__ import annotations

import atexit
import fcntl
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


class CLIError(Exception):
    """A user error the command line reports in one line (exit status 2)."""


_LOCKS: dict[str, Any] = {}  # --out folder -> its open lock file, held until the process ends


def lock_out(out: Path) -> None:
    """Hold an exclusive lock on ``out`` (the file ``out/.minisnn.lock``) for the rest of this process, or refuse
    with one line naming the process that holds it. The operating system releases the lock when the process ends,
    however it ends, so a stale lock cannot outlive its run; a normal exit also removes the file."""
    key = str(out.resolve())
    if key in _LOCKS:
        return
    path = out / ".minisnn.lock"
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - kept open on purpose: the lock lives as long as the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise CLIError(f"--out {out} is in use by {holder}; wait for it, or pick another --out") from None
        try:  # the file we locked must still be the one at `path` (its holder may have removed it meanwhile)
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} ({' '.join(['minisnn', *sys.argv[1:3]])}, started {time.strftime('%H:%M:%S')})")
    handle.flush()
    _LOCKS[key] = handle
    if len(_LOCKS) == 1:
        atexit.register(_release_locks)


def _release_locks() -> None:
    for key, handle in list(_LOCKS.items()):
        Path(key, ".minisnn.lock").unlink(missing_ok=True)  # (removed while still held: see lock_out)
        handle.close()
        del _LOCKS[key]


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete the temporary files an atomic write leaves only when its process was killed (``.<name>.*.tmp``, see
    :func:`minisnn.io.atomic_write`); safe because ``out`` is locked (no other run writes there)."""
    stale = [p for p in out.glob(".*.tmp") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def refuse_out_inside_data(out: Path, data: str) -> None:
    """A run must not write into the folder it reads images from: its figures would become training images, the
    split of a plain folder would shift, and the run could no longer resume."""
    if data == "samples" or not Path(data).is_dir():
        return
    root, target = Path(data).resolve(), out.resolve()
    if target == root or root in target.parents:
        raise CLIError(
            f"--out {out} is inside --data {data}: the files the run writes (loss.png, examples.png, ...) would be "
            "read as images of the dataset; pick an --out outside the data folder"
        )


def prepare_out(
    out: Path, resume: bool, overwrite: bool, model_files: tuple[str, ...] = ("model.npz",), data: str | None = None
) -> None:
    """Make sure ``--out`` can take this run: not inside ``--data``, a writable folder, locked for this process,
    without stale temporary files; with ``resume`` a checkpoint to continue (checked before the folder is made, so
    a failed resume leaves no empty folder behind); without it, no trained model that a fresh run (neither
    ``--resume`` nor ``--overwrite``) would silently replace."""
    if data is not None:
        refuse_out_inside_data(out, data)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file, not a folder; pick another --out")
    if resume and model_files and not any((out / name).exists() for name in model_files):
        raise CLIError(f"--resume: no checkpoint at {out / model_files[0]}; run without --resume to start")
    if not resume:
        existing = [name for name in model_files if (out / name).exists()]
        if existing and not overwrite:
            raise CLIError(
                f"--out {out} already holds a trained model ({out / existing[0]}); continue it with --resume, "
                "replace it with --overwrite, or pick another --out"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        raise CLIError(f"--out {out} cannot be written ({error.strerror or error}); pick another --out") from None
    lock_out(out)
    remove_stale_temporaries(out)
