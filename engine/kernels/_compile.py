"""Compilation policy of every numba kernel: the one module that imports numba.

Each kernel is written once as a short loop and declared with explicit signatures and
``nogil``. A kernel is compiled — or its machine code loaded from the on-disk cache — when it
is first needed, one declared signature at a time: a command that uses five kernels loads five,
not all forty (:func:`compile_all` compiles every declared signature of the kernels imported so
far, for a service that wants no compilation during its requests; ``LANTIAN_NUMBA_EAGER=1``
compiles each kernel when its module is imported, as numba's own eager decorator does). Only
declared signatures are ever compiled: a call with other argument types is matched to them
with numba's safe casts, or refused with numba's ``TypeError``, exactly as if every signature
had been compiled up front. Each kernel has a plain-numpy twin; the switch :func:`use_numba`
(or the environment variable ``LANTIAN_NUMBA=0``) makes every dispatcher call the twin
instead — for tests and for debugging.

The machine code is cached on disk, outside the source tree, in :func:`kernel_cache_dir`:
``<cache>/numba/<key>``, where ``<cache>`` is ``LANTIAN_CACHE_DIR`` or the user's cache
directory (``$XDG_CACHE_HOME/lantian``, ``~/.cache/lantian``; ``~/Library/Caches/lantian`` on
macOS; ``%LOCALAPPDATA%\\lantian\\Cache`` on Windows) and ``<key>`` names the numba version, the
Python version and the CPU the code was compiled for. A new numba, Python or CPU (a home
directory shared between machines, an image built elsewhere) therefore compiles into a new
directory instead of loading foreign code; numba itself also checks the source of each kernel.
A cache that cannot be written or read is never fatal: the kernel is compiled in memory and a
warning says why (``LANTIAN_NUMBA_CACHE=0`` turns the cache off). Loading from the cache skips
the tables numba's compiler needs and loaded machine code does not (:class:`_KernelCache`): a
command that only loads kernels saves 0.3 s.

Idle OpenMP workers of parallel kernels sleep (``OMP_WAIT_POLICY=PASSIVE``, set before numba
loads OpenMP unless already set) instead of spinning on a core the next serial call needs.

Compiling is logged (INFO, logger ``engine.kernels._compile``: ``lantian -v`` shows it), and
:func:`on_compile` registers a callback told of each compilation as it starts and ends — the
command line draws its progress from it.
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

# Before numba loads OpenMP: its idle workers sleep instead of spinning after each parallel
# kernel. Spinning threads took 5-7x the CPU of a loop of parallel and small serial calls on a
# busy 2-core machine and slowed the serial calls 3x (benchmarks/bench_threads.py). A value the
# user or a dask worker set wins; NUMBA_NUM_THREADS is not touched.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba
from numba import get_num_threads, prange
from numba.core import sigutils, typeinfer
from numba.core.caching import Cache, FunctionCache, NullCache
from numba.core.compiler_lock import global_compiler_lock
from numba.core.registry import CPUDispatcher as _NumbaDispatcher

from engine.kernels._events import listening, notify, on_compile

__all__ = [
    "cache_home",
    "compile_all",
    "dispatch",
    "get_num_threads",
    "jit",
    "kernel_cache_dir",
    "light_load",
    "numba_enabled",
    "on_compile",
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

_kernels: list[_Kernel] = []  # every kernel declared so far, for compile_all()


def compile_all(progress: Callable[[int, int, str], None] | None = None) -> int:
    """Compile (or load from the cache) every declared signature of every kernel imported so far.

    ``progress(done, total, kernel)`` is called before each signature (``done`` of ``total``)
    and once at the end. Returns the number of signatures compiled afresh (0 when the cache
    held them all).
    """
    pending = [
        (kernel, text)
        for kernel in list(_kernels)
        for args, text in kernel._declared.items()
        if args not in kernel.overloads
    ]
    misses = 0
    for done, (kernel, text) in enumerate(pending):
        if progress is not None:
            progress(done, len(pending), kernel.py_func.__qualname__)
        before = sum(kernel._cache_misses.values())
        with global_compiler_lock:
            if sigutils.normalize_signature(text)[0] not in kernel.overloads:
                kernel._compile_one(text)
        misses += sum(kernel._cache_misses.values()) - before
    for kernel in list(_kernels):
        kernel.compile_declared()  # nothing left to compile: closes compilation
    if progress is not None:
        progress(len(pending), len(pending), "")
    return misses


def jit(
    signatures: list[str] | str,
    *,
    parallel: bool = False,
    fastmath: frozenset[str] = frozenset(),
    error_model: str = "python",
    slp_vectorize: bool = False,
) -> Callable[[F], F]:
    """Declare a kernel for ``signatures``, ``nogil``, compiled on first use with the disk cache.

    ``fastmath`` names LLVM fast-math flags (e.g. ``{"contract"}`` to fuse multiply-adds); the
    flags that let LLVM assume no NaN or infinity are refused, since kernels test for NaN.
    ``error_model="numpy"`` makes a division by zero give an infinity or NaN, as numpy does,
    instead of raising (for a kernel that tests its results for them: no test per division).
    ``slp_vectorize`` turns on LLVM's superword-level-parallelism vectoriser for this kernel
    alone (it packs the same statement of independent lanes into one vector instruction).
    numba keeps it off by default since miscompilations were reported (numba PR #8852), so a
    kernel asks for it only where tests hold its results against an independent one.
    """
    if fastmath & _NAN_UNSAFE:
        raise ValueError(
            f"fastmath flags {sorted(fastmath & _NAN_UNSAFE)} would let LLVM drop NaN tests; "
            "name only flags such as 'contract', 'reassoc', 'nsz', 'arcp', 'afn'"
        )
    declared = [signatures] if isinstance(signatures, str) else list(signatures)
    options = {
        "nogil": True,
        "parallel": parallel,
        "fastmath": set(fastmath) or False,
        "error_model": error_model,
    }

    def decorate(func: F) -> F:
        kernel = _Kernel.declare(func, declared, options, slp_vectorize=slp_vectorize)
        if os.environ.get("LANTIAN_NUMBA_EAGER", "0") == "1":
            kernel.compile_declared()
        return cast(F, kernel)

    return decorate


_Dispatcher: Any = _NumbaDispatcher  # numba's own typing of its dispatcher is partial


class _Kernel(_Dispatcher):
    """A numba dispatcher that compiles its declared signatures one by one, when first needed.

    ``compile`` is what numba calls for a Python call without a matching overload and when it
    types a call from another kernel. A declared signature is compiled (or loaded from the
    cache) alone; anything else compiles every declared signature and closes compilation, so
    that numba then matches the call to them with its safe casts or refuses it — the behaviour
    of ``numba.njit(signatures)``, without paying for signatures no one calls.
    """

    _declared: dict[tuple[Any, ...], Any]
    _cache: Any  # numba's FunctionCache, or NullCache when caching is off
    _slp: bool  # compiled with the SLP vectoriser (numba reads its switch per module pass)

    @classmethod
    def declare(
        cls,
        func: Callable[..., Any],
        declared: list[str],
        options: dict,
        *,
        slp_vectorize: bool = False,
    ) -> _Kernel:
        targetoptions = {"nopython": True, "boundscheck": None, **options}
        kernel = cls(py_func=func, locals={}, targetoptions=targetoptions)
        kernel._slp = slp_vectorize
        kernel._declared = {}
        for text in declared:
            args, _ = sigutils.normalize_signature(text)
            kernel._declared[tuple(args)] = text
        path = kernel_cache_dir()
        if path is not None and _has_source_file(func):
            with _numba_cache_dir(path):
                kernel._cache = _KernelCache(func)  # numba's enable_caching(), loading lighter
        _kernels.append(kernel)
        return kernel

    def compile(self, sig: Any) -> Any:
        with global_compiler_lock:
            args, _ = sigutils.normalize_signature(sig)
            existing = self.overloads.get(tuple(args))
            if existing is not None:
                return existing.entry_point
            text = self._declared.get(tuple(args))
            if text is not None:
                return self._compile_one(text)
            if not self._can_compile:
                raise RuntimeError("compilation disabled")
            self.compile_declared()
            # A Python call re-enters the dispatcher (numba matches or refuses the arguments);
            # the typing of a call from another kernel reads the declared signatures.
            return self

    def compile_declared(self) -> int:
        """Compile every declared signature not yet compiled, then close compilation.

        Returns the number compiled afresh (not loaded from the cache).
        """
        with global_compiler_lock:
            misses = sum(self._cache_misses.values())
            for text in self._declared.values():
                args, _ = sigutils.normalize_signature(text)
                if tuple(args) not in self.overloads:
                    self._compile_one(text)
            self._can_compile = False
            return sum(self._cache_misses.values()) - misses

    def _compile_one(self, text: str) -> Any:
        """Compile one declared signature, from the cache if it holds it; never fail on it.

        A cache file that cannot be loaded (truncated, written by a crashed process, foreign)
        is removed with the rest of this key's cache and the kernel compiled in memory; errors
        of the kernel itself still raise.
        """
        name = self.py_func.__qualname__
        started = time.perf_counter()
        misses = sum(self._cache_misses.values())
        announced = listening() and not self._will_load(text)
        if announced:
            notify(name, text, None)
        try:
            with (
                _one_process_at_a_time(self, text),
                typeinfer.register_dispatcher(self),
                _slp_switch(self._slp),
            ):
                entry = super().compile(text)
        except Exception as error:  # numba and pickle raise many types on a bad cache file
            if isinstance(self._cache, NullCache):
                raise
            path = kernel_cache_dir()
            self._cache = NullCache()
            with typeinfer.register_dispatcher(self), _slp_switch(self._slp):
                entry = super().compile(text)  # a kernel's own error raises here
            log.warning(
                "the kernel cache %s failed for %s (%s: %s); it is cleared and rebuilt",
                path,
                name,
                type(error).__name__,
                error,
            )
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
            kernel_cache_dir.cache_clear()
        seconds = time.perf_counter() - started
        if sum(self._cache_misses.values()) > misses:
            log.info("compiled kernel %s (%s) in %.1f s", name, text, seconds)
        if announced or sum(self._cache_misses.values()) > misses:
            notify(name, text, seconds)
        return entry

    def _will_load(self, text: str) -> bool:
        """Whether the disk cache holds ``text`` for this source (an index entry for it)."""
        if isinstance(self._cache, NullCache):
            return False
        try:
            key = self._cache._index_key(text, self.targetctx.codegen())
            return key in self._cache._cache_file._load_index()
        except Exception:  # a private numba API: if it moved, say "compiling" to be safe
            return False

    def _reduce_states(self) -> dict[str, Any]:
        states: dict[str, Any] = super()._reduce_states()
        states.update(
            can_compile=True, sigs=[], declared=list(self._declared.values()), slp=self._slp
        )
        return states

    @classmethod
    def _rebuild(  # type: ignore[override]
        cls,
        uuid: str,
        py_func: Callable[..., Any],
        locals: dict,
        targetoptions: dict,
        can_compile: bool,
        sigs: list,
        declared: list[str] | None = None,
        slp: bool = False,
    ) -> _Kernel:
        """A kernel sent to another process (a dask worker): declared again, cache and all."""
        try:
            return cast(_Kernel, cls._memo[uuid])
        except KeyError:
            pass
        options = {k: v for k, v in targetoptions.items() if k not in ("nopython", "boundscheck")}
        kernel = cls.declare(py_func, list(declared or sigs), options, slp_vectorize=slp)
        kernel._set_uuid(uuid)
        return kernel


_LIGHT_LOAD_NUMBA = frozenset({(0, 68)})
"""numba versions (major, minor) whose load path :class:`_KernelCache` was checked against."""


def light_load() -> bool:
    """Whether cached kernels load without numba's compiler registries (:class:`_KernelCache`)."""
    version = tuple(int(part) for part in numba.__version__.split(".")[:2] if part.isdigit())
    return version in _LIGHT_LOAD_NUMBA and all(
        hasattr(Cache, name) for name in ("_load_overload", "_guard_against_spurious_io_errors")
    )


class _KernelCache(FunctionCache):
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
def _slp_switch(on: bool) -> Iterator[None]:
    """numba's SLP switch set for one compilation (under numba's compiler lock)."""
    if not on:
        yield
        return
    before = _config.SLP_VECTORIZE
    _config.SLP_VECTORIZE = 1
    try:
        yield
    finally:
        _config.SLP_VECTORIZE = before


@contextlib.contextmanager
def _one_process_at_a_time(kernel: _Kernel, text: str) -> Iterator[None]:
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
