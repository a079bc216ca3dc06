"""Compile events of the kernels, without importing numba: who listens, and telling them.

:mod:`engine.kernels._compile` calls :func:`notify` as a kernel signature starts compiling
(``seconds`` None) and when it is done; the command line registers a listener with
:func:`on_compile` to show progress, before any kernel module is imported.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["CompileEvent", "listening", "notify", "on_compile"]

CompileEvent = Callable[[str, str, "float | None"], None]
"""``callback(kernel, signature, seconds)``: ``seconds`` None when a compilation starts."""

_listeners: list[CompileEvent] = []


def on_compile(callback: CompileEvent) -> Callable[[], None]:
    """Call ``callback(kernel, signature, seconds)`` around each compilation (not cache loads).

    ``seconds`` is None as a compilation starts and its duration [s] when it ends. Returns a
    function that removes the callback.
    """
    _listeners.append(callback)

    def remove() -> None:
        if callback in _listeners:
            _listeners.remove(callback)

    return remove


def listening() -> bool:
    """Whether any listener is registered."""
    return bool(_listeners)


def notify(kernel: str, signature: str, seconds: float | None) -> None:
    """Tell every listener of a compilation starting (``seconds`` None) or done."""
    for listener in list(_listeners):
        listener(kernel, signature, seconds)
