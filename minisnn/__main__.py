"""``python -m minisnn``: the command line (:mod:`minisnn.cli`)."""

import sys

try:
    from minisnn.cli import build_parser, main
except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported
    sys.exit(130)

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
