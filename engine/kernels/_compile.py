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
the tables numba's compiler needs and loaded machine code does not (``KernelCache`` in
:mod:`engine.kernels._cache`, where the cache lives): a command that only loads kernels saves
0.3 s.

Idle OpenMP workers of parallel kernels sleep (``OMP_WAIT_POLICY=PASSIVE``, set before numba
loads OpenMP unless already set) instead of spinning on a core the next serial call needs.

Compiling is logged (INFO, logger ``engine.kernels._compile``: ``lantian -v`` shows it), and
:func:`on_compile` registers a callback told of each compilation as it starts and ends — the
command line draws its progress from it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

# Before numba loads OpenMP: its idle workers sleep instead of spinning after each parallel
# kernel. Spinning threads took 5-7x the CPU of a loop of parallel and small serial calls on a
# busy 2-core machine and slowed the serial calls 3x (benchmarks/bench_threads.py). A value the
# user or a dask worker set wins; NUMBA_NUM_THREADS is not touched.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba
from numba import get_num_threads, prange
from numba.core import sigutils, typeinfer
from numba.core.caching import NullCache
from numba.core.compiler_lock import global_compiler_lock
from numba.core.registry import CPUDispatcher as _NumbaDispatcher

from engine.kernels._cache import (
    KernelCache,
    cache_home,
    has_source_file,
    kernel_cache_dir,
    light_load,
    numba_cache_dir,
    one_process_at_a_time,
)
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
        if path is not None and has_source_file(func):
            with numba_cache_dir(path):
                kernel._cache = KernelCache(func)  # numba's enable_caching(), loading lighter
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
                one_process_at_a_time(self, text),
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


def dispatch(compiled: Callable[..., Any], twin: Callable[..., Any]) -> Callable[..., Any]:
    """Return a function calling ``compiled`` or its numpy ``twin`` as the switch says."""

    @functools.wraps(twin)
    def call(*args: Any, **kwargs: Any) -> Any:
        return (compiled if _enabled else twin)(*args, **kwargs)

    call.compiled = compiled  # type: ignore[attr-defined]
    call.twin = twin  # type: ignore[attr-defined]
    return call
