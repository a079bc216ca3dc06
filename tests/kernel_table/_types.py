"""The row type of the kernel table and what a row is made of."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import secrets
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Outputs = tuple[np.ndarray, ...]


def fresh_seed() -> int:
    """A new random seed, or ``LANTIAN_SEED`` when set (to replay a failure)."""
    return int(os.environ.get("LANTIAN_SEED") or secrets.randbits(32))


def replay(seed: int) -> str:
    """The words that let a failure message name its seed."""
    return f"seed {seed}: replay with LANTIAN_SEED={seed}"


@dataclasses.dataclass(frozen=True)
class Case:
    """Inputs of one kernel call, made by a row's generator from a seed and a size."""

    inputs: dict[str, Any]
    seed: int
    size: int
    description: str  # shape and dtype, for benchmark headings and failure messages

    def arrays(self) -> list[np.ndarray]:
        """The input arrays (for the bandwidth floor of a benchmark)."""
        return [v for v in self.inputs.values() if isinstance(v, np.ndarray)]


class Tolerance(NamedTuple):
    """How close two results must be: ``rtol`` / ``atol`` for float outputs (float32 outputs
    use ``rtol_float32`` when given); integer and boolean outputs always exactly."""

    rtol: float = 0.0
    atol: float = 0.0
    rtol_float32: float | None = None


EXACT = Tolerance()
"""Bit for bit (NaN equal to NaN)."""


@dataclasses.dataclass(frozen=True)
class Peer:
    """Another implementation of a kernel's job, timed beside it by the benchmarks.

    ``prepare(case, sample)`` does the setup outside the timing and returns the call and the
    share of the case it covers (a slow peer runs on about ``sample`` items of the case and the
    benchmark scales its time by ``1 / share``), or ``None`` when the peer does not apply to
    that case. ``requires`` names the modules it imports (the optional ``bench`` extra).
    """

    name: str
    prepare: Callable[[Case, int], tuple[Callable[[], Any], float] | None]
    requires: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """Modules of ``requires`` that are not installed."""
        return [m for m in self.requires if importlib.util.find_spec(m) is None]


@dataclasses.dataclass(frozen=True)
class Kernel:
    """One row of the table: a kernel and everything that tests and benchmarks need of it.

    ``entry`` is the kernel's public dispatcher (``entry.compiled`` the numba kernel,
    ``entry.twin`` the plain-numpy twin); ``run(case)`` calls it and returns its outputs, the
    switch :func:`engine.kernels.use_numba` choosing which implementation runs.
    ``reference(case)`` is an independent oracle giving the same outputs (or the first of
    them). ``generate(seed, size, dtype, **options)`` makes a case: ``size`` counts the items
    named by ``size_of``; options (keyword-only, drawn from the seed when omitted) let a
    benchmark fix the shape of its data.
    """

    name: str
    entry: Callable[..., Any]
    run: Callable[[Case], Outputs]
    reference: Callable[[Case], Outputs]
    generate: Callable[..., Case]
    size_of: str
    peers: tuple[Peer, ...] = ()
    dtypes: tuple[Any, ...] = (np.float64,)
    twin_tolerance: Tolerance = EXACT
    reference_tolerance: Tolerance = EXACT
    test_sizes: tuple[int, ...] = (50, 5000)  # random tests; the larger takes parallel paths
    reference_size: int = 50  # the references are plain Python: small cases
    bench_size: int = 100_000
    bench_options: dict[str, Any] = dataclasses.field(default_factory=dict)  # for generate
    memory_bound: bool = False  # the benchmark reports the fraction of the bandwidth floor

    @property
    def numba(self) -> Callable[..., Any]:
        return self.entry.compiled  # type: ignore[attr-defined]

    @property
    def twin(self) -> Callable[..., Any]:
        return self.entry.twin  # type: ignore[attr-defined]
