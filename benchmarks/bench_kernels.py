"""Benchmark: every kernel of the kernel table beside its peers, on the same data, in one run.

The table (``tests/kernel_table``) gives each kernel's generator, numba entry, numpy twin and
peers (python-aqi, xarray, scipy.sparse, flox, shapely, plain Python); the correctness tests
read the same table. Each row makes one case (seed 2026, the row's benchmark size and
options), then times ours (numba), the twin and every installed peer; a peer that is too slow
for the whole case runs on a sample and its time is scaled (said in the row). Importing the
table compiles the kernels or loads them from numba's cache: that time is reported apart and
every call is made once before it is timed.

Run: ``.venv/bin/python benchmarks/bench_kernels.py [--only iaqi mda8 …] [--scale 0.1]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import bandwidth_floor_seconds, format_seconds, print_table, timeit  # noqa: E402

_t0 = time.perf_counter()
from tests.kernel_table import KERNELS, Case, Kernel  # noqa: E402  (compiles or loads the kernels)

IMPORT_SECONDS = time.perf_counter() - _t0

from engine.kernels import use_numba  # noqa: E402

SEED = 2026


def best_time(call) -> float:  # noqa: ANN001
    """Best of a few calls after a warm-up [s]; a call slower than a second is timed once."""
    t0 = time.perf_counter()
    call()
    first = time.perf_counter() - t0
    return first if first > 1.0 else min(first, timeit(call, repeat=3, warmup=False))


def peer_rows(row: Kernel, case: Case, ours: float, sample: int, floor) -> list[dict]:
    """One table row per peer of ``row``: timed, not applicable, or not installed."""
    rows = []
    for peer in row.peers:
        label = f"{row.name}: numba vs {peer.name}"
        if peer.missing():
            rows.append(dict(case=f"{label} — not installed ({', '.join(peer.missing())})",
                             ours=ours, floor=floor))  # fmt: skip
            continue
        prepared = peer.prepare(case, sample)
        if prepared is None:
            rows.append(dict(case=f"{label} — does not apply to this case", ours=ours))
            continue
        call, share = prepared
        if share < 1.0:  # a slow peer: one call on a sample, scaled to the case
            seconds = timeit(call, repeat=1, warmup=False) / max(share, 1e-12)
            label += f" ({share:.1%} timed, scaled)"
        else:
            seconds = best_time(call)
        rows.append(dict(case=label, ours=ours, peer=seconds, peer_name=peer.name, floor=floor))
    return rows


def bench(row: Kernel, scale: float, sample: int) -> list[dict]:
    size = max(1, int(row.bench_size * scale))
    dtype = row.dtypes[0]
    t0 = time.perf_counter()
    case = row.generate(SEED, size, dtype, **row.bench_options)
    print(f"{row.name}: {case.description} (made in {time.perf_counter() - t0:.1f} s)", flush=True)
    with use_numba(True):
        outputs = row.run(case)
        ours = timeit(lambda: row.run(case), repeat=5)
    with use_numba(False):
        twin = best_time(lambda: row.run(case))
    floor = None
    if row.memory_bound:
        read = sum(a.nbytes for a in case.arrays())
        floor = bandwidth_floor_seconds(read, sum(np.asarray(a).nbytes for a in outputs))
    rows = [dict(case=f"{row.name}: numba vs its numpy twin", ours=ours, peer=twin,
                 peer_name="numpy twin", floor=floor)]  # fmt: skip
    return rows + peer_rows(row, case, ours, sample, floor)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [row.name for row in KERNELS]
    parser.add_argument("--only", nargs="*", choices=names, help="kernels to run (default: all)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's size")
    parser.add_argument("--sample", type=int, default=20_000, help="items timed for slow peers")
    args = parser.parse_args(argv)

    print(f"kernel table import incl. compilation or cache load: "
          f"{format_seconds(IMPORT_SECONDS)} (not timed below)")  # fmt: skip
    rows = []
    for row in KERNELS:
        if args.only and row.name not in args.only:
            continue
        rows += bench(row, args.scale, args.sample)
    print_table("Kernels of the table beside their peers (ratio > 1: ours is faster)", rows)
    print("floor fraction = time to read the inputs and write the outputs once at numpy-copy "
          "bandwidth / our time (memory-bound kernels)")  # fmt: skip


if __name__ == "__main__":
    main()
