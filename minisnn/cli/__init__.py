"""Command line: ``python -m minisnn train | evaluate | demo | classify`` (``python -m minisnn <command> --help``).

One file per command, each with its parser section (``add_parser``) and its ``run``; :mod:`.main` builds the
parser and turns every outcome into an exit status. Every anticipated user error -- a bad flag value, a missing or
unreadable dataset, a checkpoint that is not one, an output folder that is a file, read-only or inside ``--data``,
an existing model that a fresh run would replace -- ends the program with exit status 2 and one line
``error: ...`` naming the flag, file or field; ``--debug`` shows the traceback instead. A run that diverges (a NaN
loss or validation) stops with status 1 and keeps its last good checkpoint; Ctrl-C stops with status 130 after
saving, SIGTERM (a scheduler's stop, ``kill``) with status 143 after saving. An output folder is locked while a
command writes into it: a second run into the same ``--out`` is refused, naming the one that holds it. Anything
else is a bug: status 1 and a line that says so.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
