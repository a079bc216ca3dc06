"""The ``lantian`` command line.

Every module of :mod:`api.commands` that defines ``register(subparsers)`` adds one sub-command;
its parser sets ``handler`` to a function taking the parsed arguments and returning an exit
code. Errors that Lantian raises on purpose end the program with a one-line message and exit
status 2 — never a traceback.

Start-up stays fast: only the module of the command being run is imported. The name and the
one-line help of the other commands are read from their source (the first
``add_parser("NAME", help="...")`` of ``register``), so ``lantian --help`` lists every command
without importing numba, xarray or pydantic. A command whose name or help is not a literal
there is imported instead.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import gc
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import api
import api.commands
from engine.errors import LantianError

__all__ = ["build_parser", "command_index", "main"]

_GLOBAL_FLAGS = frozenset({"-v", "--verbose"})


@functools.cache
def command_index() -> dict[str, tuple[str, str | None]]:
    """Every sub-command: name → (module of :mod:`api.commands`, one-line help).

    Read from the source of each module without importing it; a module whose ``register``
    names its command by anything but literals is imported to learn it.
    """
    index: dict[str, tuple[str, str | None]] = {}
    for info in sorted(pkgutil.iter_modules(api.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        found = _declared_command(Path(api.commands.__path__[0]) / f"{info.name}.py")
        if found is None:
            found = _imported_command(info.name)
        if found is not None:
            index[found[0]] = (info.name, found[1])
    return index


def _declared_command(path: Path) -> tuple[str, str | None] | None:
    """``(name, help)`` of the first ``add_parser`` call in ``register``, if both are literals."""
    try:
        tree = ast.parse(path.read_text("utf-8"), str(path))
    except (OSError, SyntaxError):
        return None
    register = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register"), None
    )
    if register is None:
        return None
    calls = sorted(
        (
            n
            for n in ast.walk(register)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "add_parser"
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )
    if not calls or not calls[0].args or not isinstance(calls[0].args[0], ast.Constant):
        return None
    name = calls[0].args[0].value
    helps = [k.value for k in calls[0].keywords if k.arg == "help"]
    if not isinstance(name, str):
        return None
    if not helps:
        return name, None
    if not (isinstance(helps[0], ast.Constant) and isinstance(helps[0].value, str)):
        return None
    return name, helps[0].value


def _imported_command(module_name: str) -> tuple[str, str | None] | None:
    module = importlib.import_module(f"api.commands.{module_name}")
    register = getattr(module, "register", None)
    if register is None:
        return None
    probe = argparse.ArgumentParser().add_subparsers()
    register(probe)
    name = next(iter(probe.choices))
    helps = [a.help for a in probe._choices_actions]
    return name, helps[0] if helps else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser.

    Parameters
    ----------
    command : str, optional
        The sub-command about to run: only its module is imported and registered in full; the
        others appear by name and help. Default: every sub-command registered in full.
    """
    parser = argparse.ArgumentParser(
        prog="lantian",
        description="Lantian (蓝天): heavy-pollution response levels and emission measures.",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="report progress on stderr (compiling kernels, building coverage weights, reading)",
    )
    parser.add_argument("--version", action="version", version=f"lantian {api.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in command_index().items():
        if command is None or name == command:
            module = importlib.import_module(f"api.commands.{module_name}")
            module.register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv``: the first word after the global flags."""
    for word in argv:
        if word in _GLOBAL_FLAGS:
            continue
        return None if word.startswith("-") else word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit status.

    Without ``argv``: the program's own command line (``sys.argv``); the process ends when
    this returns.
    """
    program = argv is None
    if program:
        gc.disable()  # until the command is known (_collector)
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(word in _GLOBAL_FLAGS for word in argv[: _first_word(argv)])
    # Before the command's module is imported: its imports may compile kernels (-v says so).
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    command = _command_in(argv)
    parser = build_parser(command if command in command_index() else "")
    args = parser.parse_args(argv)
    one_off = getattr(args, "one_off", None)
    with _collector(program, one_off is not None and bool(one_off(args))):
        return _run(args, verbose)


def _run(args: argparse.Namespace, verbose: bool) -> int:
    progress = _show_compilations(verbose)
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
    finally:
        if progress is not None:
            progress.close()


@contextlib.contextmanager
def _collector(program: bool, one_off: bool) -> Iterator[None]:
    """Python's cyclic garbage collector for a command of the ``program``: on, unless ``one_off``.

    Untouched when :func:`main` is called with its arguments (a test, a script): the caller's
    process goes on.

    A one-off run imports xarray, pandas, numba and pydantic, decodes its inputs and loads
    kernels: some 10⁵ objects that live until the process ends. The collector walks them
    again and again as they appear and finds little to free (0.15 s of CPU in ``lantian
    levels``); reference counting still frees everything outside a cycle. After the run the
    objects are frozen (:func:`gc.freeze`), so that the interpreter's collections at exit,
    which free every module's objects one by one, skip them (0.3 s): the operating system
    takes the memory back at once. Output is flushed by the command itself and ``atexit``
    handlers run as usual; only finalizers of objects in reference cycles do not run at
    exit, which a one-off command (no file open for writing at its end) does not need.
    """
    if not program:
        yield
        return
    if not one_off:
        gc.enable()  # main turned it off until the command was known
        yield
        return
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _show_compilations(verbose: bool) -> Any:
    """On a terminal, a status line while kernels compile (``-v`` logs them instead)."""
    if verbose or not sys.stderr.isatty():
        return None
    from api._progress import CompileProgress
    from engine.kernels._events import on_compile  # numba is not imported by this

    progress = CompileProgress()
    on_compile(progress)
    return progress


def _first_word(argv: Sequence[str]) -> int:
    """Index of the first word of ``argv`` that is not a global flag (``len`` if none)."""
    return next((i for i, w in enumerate(argv) if w not in _GLOBAL_FLAGS), len(argv))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
