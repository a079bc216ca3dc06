"""Compilation policy of every numba kernel: the one module that imports numba.

Each kernel is written once as a short loop and compiled eagerly with explicit signatures,
``nogil`` and an on-disk cache, so importing a kernel module warms the JIT (the service imports
them at start; benchmarks time nothing that compiles). Each kernel has a plain-numpy twin; the
switch :func:`use_numba` (or the environment variable ``LANTIAN_NUMBA=0``) makes every
dispatcher call the twin instead — for tests and for debugging.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import numba
from numba import get_num_threads, prange

__all__ = ["dispatch", "get_num_threads", "jit", "numba_enabled", "prange", "use_numba"]

F = TypeVar("F", bound=Callable[..., Any])

_enabled = os.environ.get("LANTIAN_NUMBA", "1") != "0"


def numba_enabled() -> bool:
    """Whether dispatchers call the numba kernels (``True``) or their numpy twins."""
    return _enabled


@contextlib.contextmanager
def use_numba(enabled: bool) -> Iterator[None]:
    """Temporarily select the numba kernels (``True``) or their numpy twins (``False``)."""
    global _enabled
    previous, _enabled = _enabled, enabled
    try:
        yield
    finally:
        _enabled = previous


_NAN_UNSAFE = frozenset({"fast", "nnan", "ninf"})


def jit(
    signatures: list[str] | str, *, parallel: bool = False, fastmath: frozenset[str] = frozenset()
) -> Callable[[F], F]:
    """Compile a kernel eagerly for ``signatures`` with ``nogil`` and the on-disk cache.

    ``fastmath`` names LLVM fast-math flags (e.g. ``{"contract"}`` to fuse multiply-adds); the
    flags that let LLVM assume no NaN or infinity are refused, since kernels test for NaN.
    """
    if fastmath & _NAN_UNSAFE:
        raise ValueError(
            f"fastmath flags {sorted(fastmath & _NAN_UNSAFE)} would let LLVM drop NaN tests; "
            "name only flags such as 'contract', 'reassoc', 'nsz', 'arcp', 'afn'"
        )

    def decorate(func: F) -> F:
        compiled = numba.njit(
            signatures, nogil=True, cache=True, parallel=parallel, fastmath=set(fastmath) or False
        )(func)
        return cast(F, compiled)

    return decorate


def dispatch(compiled: Callable[..., Any], twin: Callable[..., Any]) -> Callable[..., Any]:
    """Return a function calling ``compiled`` or its numpy ``twin`` as the switch says."""

    @functools.wraps(twin)
    def call(*args: Any, **kwargs: Any) -> Any:
        return (compiled if _enabled else twin)(*args, **kwargs)

    call.compiled = compiled  # type: ignore[attr-defined]
    call.twin = twin  # type: ignore[attr-defined]
    return call
