"""One table of the numba kernels, read by the kernel tests and by the benchmarks.

Each row (:class:`Kernel`) names a kernel's numba entry and plain-numpy twin (its public
dispatcher, :func:`engine.kernels._compile.dispatch`), an independent reference (an oracle
written from docs/rules.md, plain Python or another library), an input generator taking a seed
and a size, the peers the benchmarks time beside it, and the tolerances.
``tests/engine/test_kernel_table.py`` checks numba against twin against reference on random,
empty and one-element inputs; ``benchmarks/bench_kernels.py`` times every row beside its
peers, and the other benchmark scripts take their data and peers from their rows.

Why here, in the tests: most of a row is test code (the oracles, the generators, the
tolerances), and it imports the test oracles (``tests.engine.test_aqi_oracle``); the engine
never imports it, so it cannot pull peers or test code into the service. The benchmark scripts
import it the way they import the engine (the repository root on ``sys.path``). It imports
nothing beyond the engine's own dependencies at import time: each peer imports its library
(the optional ``bench`` extra: python-aqi, flox, …) only when prepared, and says which modules
it needs (:meth:`Peer.missing`), so tests never need the extra and a benchmark reports a
missing peer instead of failing.
"""

from __future__ import annotations

from tests.kernel_table._aggregate import REGIONAL_MEAN
from tests.kernel_table._aqi import IAQI
from tests.kernel_table._daily import DAILY_MAX, DAILY_MEAN, MDA8
from tests.kernel_table._levels import LEVELS_NATURAL, LEVELS_ROLLING
from tests.kernel_table._measures import MEASURE_LINES
from tests.kernel_table._rasterise import POLYGON_CELL_AREA
from tests.kernel_table._types import (
    EXACT,
    Case,
    Kernel,
    Outputs,
    Peer,
    Tolerance,
    fresh_seed,
    replay,
)

__all__ = [
    "EXACT",
    "KERNELS",
    "Case",
    "Kernel",
    "Outputs",
    "Peer",
    "Tolerance",
    "fresh_seed",
    "kernel",
    "replay",
]

KERNELS: tuple[Kernel, ...] = (
    IAQI,
    DAILY_MEAN,
    DAILY_MAX,
    MDA8,
    REGIONAL_MEAN,
    LEVELS_NATURAL,
    LEVELS_ROLLING,
    MEASURE_LINES,
    POLYGON_CELL_AREA,
)
"""Every row, in the order of the data flow: IAQI, daily statistics, regional means, levels,
measures, then the rasteriser that builds the regional weights."""


def kernel(name: str) -> Kernel:
    """The row named ``name``."""
    for row in KERNELS:
        if row.name == name:
            return row
    raise KeyError(f"no kernel {name!r} in the table; known: {', '.join(k.name for k in KERNELS)}")
