"""Start-up of ``python -m minisnn``: a Ctrl-C while the command line is still being imported ends the program
quietly with status 130 (no KeyboardInterrupt traceback through NumPy's or SciPy's imports).

``minisnn/__init__.py`` installs :func:`quiet_interrupt` as the SIGINT handler, before anything else is imported,
only when the interpreter was started as ``python -m minisnn`` (``sys.orig_argv``); the command line puts Python's
own handler back (:func:`restore_interrupts`) just before the command runs, where Ctrl-C saves a checkpoint.
Importing minisnn in any other way changes nothing.
"""

from __future__ import annotations

import signal
import sys
import threading


def started_as_command_line() -> bool:
    """True when this interpreter runs ``python [options] -m minisnn ...``."""
    argv = list(getattr(sys, "orig_argv", []))[1:]
    while argv:
        arg = argv.pop(0)
        if arg == "-m":
            return argv[:1] == ["minisnn"]
        if arg in ("-X", "-W"):  # options that take a value
            argv = argv[1:]
        elif not arg.startswith("-") or arg == "-c":  # a script or -c: not the command line
            return False
    return False


def quiet_interrupt(signum: int, frame: object) -> None:
    """The SIGINT handler while the command line starts: end now, status 130, no traceback."""
    print("\ninterrupted", file=sys.stderr)
    sys.exit(130)


def install() -> None:
    if started_as_command_line() and threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (not when Ctrl-C is ignored)
            signal.signal(signal.SIGINT, quiet_interrupt)


def restore_interrupts() -> None:
    """Python's own SIGINT handler (KeyboardInterrupt) again, if :func:`install` replaced it."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is quiet_interrupt:
        signal.signal(signal.SIGINT, signal.default_int_handler)


install()
