"""Numba kernels on plain arrays, each with a plain-numpy twin.

Kernels know nothing of units, xarray or files. ``_compile`` owns the numba policy; its names
are re-exported here on first use, so that importing ``engine.kernels._events`` (to listen to
compilations) does not import numba.
"""

from __future__ import annotations

from typing import Any

__all__ = ["compile_all", "dispatch", "jit", "numba_enabled", "on_compile", "use_numba"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from engine.kernels import _compile

        return getattr(_compile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
