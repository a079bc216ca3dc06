"""The disk cache of compiled kernels: where it lives, its key, how kernels load from it.

Part of :mod:`engine.kernels._compile` (which re-exports :func:`cache_home`,
:func:`kernel_cache_dir` and :func:`light_load`); its module docstring tells the policy.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numba
from numba.core.caching import Cache, FunctionCache, NullCache

__all__ = ["cache_home", "cache_key", "kernel_cache_dir", "light_load"]

log = logging.getLogger("engine.kernels._compile")  # one logger for compiling and caching
_config: Any = numba.config  # numba sets its options as module attributes at import


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
    """What compiled code depends on: numba and Python versions, CPU, the kernels' sources.

    ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` (portable builds) replace the host's. numba
    checks only the file of each kernel, while a kernel's machine code also holds the kernels
    it calls from other files (the photochemical kernel holds the solver written out in
    ``_rodas_grs.py``): a digest of every kernel source makes any change recompile.
    """
    from llvmlite import binding

    cpu = _config.CPU_NAME or binding.get_host_cpu_name()
    features = _config.CPU_FEATURES or binding.get_host_cpu_features().flatten()
    digest = hashlib.sha256(features.encode()).hexdigest()[:10]
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    sources = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        sources.update(path.name.encode() + path.read_bytes())
    return f"numba{numba.__version__}-{python}-{cpu}-{digest}-{sources.hexdigest()[:8]}"


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
def numba_cache_dir(path: Path) -> Iterator[None]:
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


_LIGHT_LOAD_NUMBA = frozenset({(0, 68)})
"""numba versions (major, minor) whose load path :class:`KernelCache` was checked against."""


def light_load() -> bool:
    """Whether cached kernels load without numba's compiler registries (:class:`KernelCache`)."""
    version = tuple(int(part) for part in numba.__version__.split(".")[:2] if part.isdigit())
    return version in _LIGHT_LOAD_NUMBA and all(
        hasattr(Cache, name) for name in ("_load_overload", "_guard_against_spurious_io_errors")
    )


class KernelCache(FunctionCache):
    """numba's on-disk cache of a function, loading machine code without the compiler's tables.

    Before loading, numba refreshes the target context as if about to compile: it imports and
    installs every registry of lowering implementations (``numba.np.random``, ``linalg``,
    ``typed``, ``unicode``, …), 0.3 s of CPU once per process, of which machine code loaded
    from the cache needs none. What it does need is the runtime (NRT, initialised here) and
    the symbols numba's modules give LLVM on import: ``numba.core.base`` and
    ``numba.core.externals`` (imported with numba), ``numba.cpython.hashing`` (imported here)
    and the parallel runtime (started by a parallel kernel's own reload hook). A compilation
    still refreshes in full (numba's compiler does so itself). Only for the numba versions in
    :data:`_LIGHT_LOAD_NUMBA`, whose refresh was read for symbols; another numba loads as
    numba does until it is checked.
    """

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        if not light_load():
            return super().load_overload(sig, target_context)
        from numba.core.runtime import rtsys
        from numba.cpython import hashing  # noqa: F401 - gives LLVM the hash secret's symbols

        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)


@contextlib.contextmanager
def one_process_at_a_time(kernel: Any, text: str) -> Iterator[None]:
    """Hold a lock file of this kernel signature while it compiles or loads (POSIX).

    Two processes that need the same kernel at once (``lantian demo-data`` and the compiler it
    starts beside it) would both compile it; with the lock, the second waits and then loads
    what the first wrote to the cache. Without a cache or ``fcntl`` (Windows), no lock.
    """
    path = kernel_cache_dir()
    if path is None or isinstance(kernel._cache, NullCache):
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    code = kernel.py_func.__code__
    what = f"{code.co_filename}:{code.co_firstlineno}:{kernel.py_func.__qualname__}:{text}"
    name = hashlib.sha256(what.encode()).hexdigest()[:20]
    try:
        (path / "locks").mkdir(exist_ok=True)
        handle = open(path / "locks" / f"{name}.lock", "a+b")  # noqa: SIM115 - held below
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def has_source_file(func: Callable[..., Any]) -> bool:
    """Whether numba can cache ``func``: it needs the source file (not ``<stdin>``, a notebook)."""
    try:
        return Path(inspect.getfile(func)).is_file()
    except TypeError:
        return False
