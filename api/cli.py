"""The ``lantian`` command line.

Every module of :mod:`api.commands` that defines ``register(subparsers)`` adds one sub-command;
its parser sets ``handler`` to a function taking the parsed arguments and returning an exit
code. Errors that Lantian raises on purpose end the program with a one-line message and exit
status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence

import api
import api.commands
from engine.errors import LantianError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command of :mod:`api.commands`."""
    parser = argparse.ArgumentParser(
        prog="lantian",
        description="Lantian (蓝天): heavy-pollution response levels and emission measures.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--version", action="version", version=f"lantian {api.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(api.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"api.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (LantianError, OSError, ValueError) as error:
        if args.verbose:
            logging.getLogger("lantian").exception("details")
        print(f"lantian {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
