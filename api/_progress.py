"""Progress of long steps on stderr for the command line: a status line on a terminal, quiet
otherwise (``lantian -v`` logs the same steps as lines instead).

Plain text, no dependency: ``\\r`` rewrites the line, and the line is cleared before anything
else is printed.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["CompileProgress", "bar", "status"]


def bar(done: int, total: int, width: int = 24) -> str:
    """``[#########---------------]  7/19``."""
    filled = width if total <= 0 else round(width * done / total)
    return f"[{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total}"


def status(text: str, stream: TextIO | None = None) -> None:
    """Rewrite the status line with ``text`` (``""`` clears it) — on a terminal only."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return
    stream.write("\r\033[K" + text[: _columns() - 1])
    stream.flush()


def _columns() -> int:
    try:
        import shutil

        return shutil.get_terminal_size().columns
    except (OSError, ValueError):
        return 80


class CompileProgress:
    """A listener of :func:`engine.kernels._events.on_compile`: which kernel compiles, how many
    are done and for how long, on one status line of a terminal; a summary line at the end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.done = 0
        self.started: float | None = None

    def __call__(self, kernel: str, signature: str, seconds: float | None) -> None:
        if self.started is None:
            self.started = time.perf_counter()
            self._say(
                "compiling numba kernels on their first use; they are cached for later runs\n"
            )
        if seconds is None:
            elapsed = time.perf_counter() - self.started
            status(f"compiling kernel {kernel} ({self.done} done, {elapsed:.0f} s) …", self.stream)
        else:
            self.done += 1

    def close(self) -> None:
        """Clear the status line and say how many kernels compiled in how long."""
        if self.started is None:
            return
        status("", self.stream)
        elapsed = time.perf_counter() - self.started
        self._say(f"compiled {self.done} kernel signatures in {elapsed:.0f} s\n")

    def _say(self, text: str) -> None:
        if self.stream.isatty():
            status("", self.stream)
            self.stream.write(text)
            self.stream.flush()
