"""The parser of ``python -m minisnn`` and :func:`main`, which turns every outcome into one line and an exit status.

Exit statuses: 0 done; 2 a user error (one line ``error: ...`` naming the flag, file or field); 1 a run that
diverged (its last good checkpoint named), or an unexpected error -- a bug, reported as such with where to find
the traceback (``--debug``); 130 Ctrl-C and 143 SIGTERM, each after saving a checkpoint.
"""

from __future__ import annotations

import argparse
import io as text_io
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from minisnn import __version__
from minisnn._startup import restore_interrupts

from . import classify, demo, evaluate, train
from .flags import Parser
from .outdir import CLIError
from .stopping import on_sigterm, stop_status

COMMANDS = {"train": train, "evaluate": evaluate, "demo": demo, "classify": classify}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m minisnn", description="minisnn: spiking inpainting from scratch")
    parser.add_argument("--version", action="version", version=f"minisnn {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for command in COMMANDS.values():
        command.add_parser(commands)
    return parser


def tolerate_unencodable_output() -> None:
    """Let stdout print what its encoding cannot (``−``, ``×``, ``σ`` to a cp1252 pipe, an undecodable file name):
    such characters become ``?`` instead of ending the run after all its work."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, text_io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


@contextmanager
def floating_point_problems() -> Iterator[Counter[str]]:
    """Count NumPy's floating-point warnings (overflow, invalid value, divide by zero) instead of printing them: a
    diverging run ends with one line that includes the tally, not with screens of RuntimeWarnings."""
    seen: Counter[str] = Counter()

    def note(kind: str, flag: int) -> None:
        seen[kind] += 1

    previous = np.seterrcall(note)
    try:
        with np.errstate(over="call", invalid="call", divide="call", under="ignore"):
            yield seen
    finally:
        np.seterrcall(previous)


def _tally(seen: Counter[str]) -> str:
    if not seen:
        return ""
    kinds = ", ".join(f"{kind} ×{count}" for kind, count in seen.most_common())
    return f" (NumPy's floating-point warnings during the run: {kinds})"


def _smaller(args: argparse.Namespace) -> str:
    """What to make smaller after a MemoryError: the size flags this command has, with their values."""
    flags = [f"--{name.replace('_', '-')} ({getattr(args, name)})" for name in SIZE_FLAGS if getattr(args, name, None)]
    return f"try smaller values of {', '.join(flags)}" if flags else "free some memory and try again"


#: The flags that set how much a command holds at once, in the order to try them.
SIZE_FLAGS = ("chunk", "batch_size", "crop", "num_crops", "val_crops", "hidden", "eval_views", "num_steps")


def main(argv: list[str] | None = None) -> int:
    """Run a command; user errors end with status 2 and one line on stderr (``--debug``: the traceback)."""
    from minisnn.nn import StateDictError
    from minisnn.trainer import TrainingDiverged

    tolerate_unencodable_output()
    args = build_parser().parse_args(argv)
    previous_term = None
    if threading.current_thread() is threading.main_thread():  # (a test runner may call main() from a thread)
        previous_term = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        restore_interrupts()  # from here Ctrl-C is a KeyboardInterrupt: the command saves what it has
        with floating_point_problems() as seen:
            return args.func(args)
    except KeyboardInterrupt as stop:
        if args.debug:
            raise
        print(f"\ninterrupted{': ' + str(stop) if str(stop) else ''}", file=sys.stderr)
        return stop_status(stop)
    except TrainingDiverged as error:
        if args.debug:
            raise
        print(f"error: {error}{_tally(seen)}", file=sys.stderr)
        return 1
    except MemoryError as error:  # the estimates leave headroom; a limit or another process can still take it
        if args.debug:
            raise
        print(f"error: out of memory{': ' + str(error) if str(error) else ''}; {_smaller(args)}", file=sys.stderr)
        return 2
    except (CLIError, ValueError, OSError, ImportError, StateDictError) as error:
        if args.debug:
            raise
        message = str(error) if not isinstance(error, OSError) or not error.filename else (
            f"{error.filename}: {error.strerror or error}"
        )  # fmt: skip
        print(f"error: {message}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug: say so, and where the traceback is, rather than passing it off as user error
        if args.debug:
            raise
        command = " ".join(["python -m minisnn --debug", *(sys.argv[1:] if argv is None else argv)])
        print(
            f"error: unexpected {type(error).__name__}: {error}. This is a bug in minisnn {__version__}, not in "
            f"what you typed: please report it with the command and the traceback that `{command}` prints",
            file=sys.stderr,
        )
        return 1
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
