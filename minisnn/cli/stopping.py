"""How a command stops early: Ctrl-C (status 130) and SIGTERM (143), each after the trainer saved a checkpoint."""

from __future__ import annotations

import signal
from typing import Any


def stop_status(stop: BaseException) -> int:
    """The exit status of a run stopped by a signal: 143 for SIGTERM, 130 for Ctrl-C (128 + the signal number)."""
    return 128 + int(getattr(stop, "signum", signal.SIGINT))


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a training loop (inside one, the trainer saves a checkpoint first)."""

    signum = signal.SIGTERM


def on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated("terminated (SIGTERM)")


def interrupted_hint(stop: KeyboardInterrupt, resume: bool) -> str:
    """What to say after Ctrl-C stopped a training run: suggest ``--resume`` only if there is something to resume
    (the trainer's :class:`~minisnn.trainer.Interrupted` names the checkpoint, if any)."""
    checkpoint = getattr(stop, "checkpoint", None)
    said = str(stop) or "interrupted"  # (an exception is truthy even when its message is empty)
    if checkpoint is not None or (resume and not hasattr(stop, "checkpoint")):  # (a resumed run, stopped early)
        return f"{said}; continue with the same command and --resume"
    return f"{said}; nothing to resume: to start again, run the same command"
