"""Compilation policy of every numba kernel: the one module that imports numba.

Each kernel is written once as a short loop and compiled eagerly with explicit signatures and
``nogil``, so importing a kernel module warms the JIT (the service imports them at start;
benchmarks time nothing that compiles). Each kernel has a plain-numpy twin; the switch
:func:`use_numba` (or the environment variable ``LANTIAN_NUMBA=0``) makes every dispatcher
call the twin instead — for tests and for debugging.

The machine code is cached on disk, outside the source tree, in :func:`kernel_cache_dir`:
``<cache>/numba/<key>``, where ``<cache>`` is ``LANTIAN_CACHE_DIR`` or the user's cache
directory (``$XDG_CACHE_HOME/lantian``, ``~/.cache/lantian``; ``~/Library/Caches/lantian`` on
macOS; ``%LOCALAPPDATA%\\lantian\\Cache`` on Windows) and ``<key>`` names the numba version, the
Python version and the CPU the code was compiled for. A new numba, Python or CPU (a home
directory shared between machines, an image built elsewhere) therefore compiles into a new
directory instead of loading foreign code; numba itself also checks the source of each kernel.
A cache that cannot be written or read is never fatal: the kernel is compiled in memory and a
warning says why (``LANTIAN_NUMBA_CACHE=0`` turns the cache off).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
from numba import get_num_threads, prange

__all__ = [
    "cache_home",
    "dispatch",
    "get_num_threads",
    "jit",
    "kernel_cache_dir",
    "numba_enabled",
    "prange",
    "use_numba",
]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_config: Any = numba.config  # numba sets its options as module attributes at import
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


def cache_home() -> Path:
    """Lantian's cache directory: ``LANTIAN_CACHE_DIR``, else the platform's user cache dir.

    Not created here. Holds the compiled kernels (``numba/``) and, for the command line, the
    coverage weights of region sets (``weights/``).
    """
    explicit = os.environ.get("LANTIAN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "lantian" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lantian"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lantian"


def cache_key() -> str:
    """What compiled code depends on: numba and Python versions, CPU name and features.

    ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` (portable builds) replace the host's.
    """
    from llvmlite import binding

    cpu = _config.CPU_NAME or binding.get_host_cpu_name()
    features = _config.CPU_FEATURES or binding.get_host_cpu_features().flatten()
    digest = hashlib.sha256(features.encode()).hexdigest()[:10]
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"numba{numba.__version__}-{python}-{cpu}-{digest}"


@functools.cache
def kernel_cache_dir() -> Path | None:
    """The directory of compiled kernels for this numba, Python and CPU; None if unusable.

    Created on first use. None (kernels compiled in memory, every run) when
    ``LANTIAN_NUMBA_CACHE=0`` or when the directory cannot be created or written, with a
    warning naming it and the fix.
    """
    if os.environ.get("LANTIAN_NUMBA_CACHE", "1") == "0":
        return None
    path = cache_home() / "numba" / cache_key()
    try:
        fresh = not path.is_dir()
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as error:
        log.warning(
            "cannot cache compiled kernels in %s (%s): kernels compile at every start; set "
            "LANTIAN_CACHE_DIR to a writable directory",
            path,
            error,
        )
        return None
    if fresh:
        log.info(
            "compiling numba kernels into %s (first run with this numba, Python and CPU: about "
            "a minute; later runs load them in about a second)",
            path,
        )
    return path


@contextlib.contextmanager
def _numba_cache_dir(path: Path) -> Iterator[None]:
    """Point numba's cache locator at ``path`` while a kernel is decorated, and only then.

    numba reads ``config.CACHE_DIR`` when it chooses where a function caches; restoring it
    keeps the caches of the user's own numba functions where the user put them.
    """
    previous = _config.CACHE_DIR
    _config.CACHE_DIR = str(path)
    try:
        yield
    finally:
        _config.CACHE_DIR = previous


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
    options = {"nogil": True, "parallel": parallel, "fastmath": set(fastmath) or False}

    def decorate(func: F) -> F:
        started = time.perf_counter()
        compiled = _compile(func, signatures, options)
        seconds = time.perf_counter() - started
        stats = getattr(compiled, "stats", None)
        misses = sum(stats.cache_misses.values()) if stats is not None else 0
        if misses:
            log.info(
                "compiled kernel %s (%d signature%s) in %.1f s",
                func.__qualname__,
                misses,
                "" if misses == 1 else "s",
                seconds,
            )
        return cast(F, compiled)

    return decorate


def _compile(func: Callable[..., Any], signatures: list[str] | str, options: dict) -> Any:
    """``numba.njit(signatures, cache=True, **options)(func)``, never failing on the cache.

    A cache file that cannot be loaded (truncated, written by a crashed process, foreign) is
    removed with the rest of this key's cache and the kernel compiled again; should caching
    itself fail, the kernel is compiled in memory. Errors of the kernel itself still raise.
    """
    path = kernel_cache_dir()
    if path is None or not _has_source_file(func):
        return numba.njit(signatures, cache=False, **options)(func)
    try:
        with _numba_cache_dir(path):
            return numba.njit(signatures, cache=True, **options)(func)
    except Exception as error:  # numba and pickle raise many types on a bad cache file
        cached_error = error
    compiled = numba.njit(signatures, cache=False, **options)(func)  # a kernel's own error raises
    log.warning(
        "the kernel cache %s failed for %s (%s: %s); it is cleared and rebuilt",
        path,
        func.__qualname__,
        type(cached_error).__name__,
        cached_error,
    )
    shutil.rmtree(path, ignore_errors=True)
    kernel_cache_dir.cache_clear()
    return compiled


def _has_source_file(func: Callable[..., Any]) -> bool:
    """Whether numba can cache ``func``: it needs the source file (not ``<stdin>``, a notebook)."""
    try:
        return Path(inspect.getfile(func)).is_file()
    except TypeError:
        return False


def dispatch(compiled: Callable[..., Any], twin: Callable[..., Any]) -> Callable[..., Any]:
    """Return a function calling ``compiled`` or its numpy ``twin`` as the switch says."""

    @functools.wraps(twin)
    def call(*args: Any, **kwargs: Any) -> Any:
        return (compiled if _enabled else twin)(*args, **kwargs)

    call.compiled = compiled  # type: ignore[attr-defined]
    call.twin = twin  # type: ignore[attr-defined]
    return call
