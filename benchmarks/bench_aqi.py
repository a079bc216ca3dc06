"""Benchmark: IAQI of a national daily field (0.05°, ~900 k cells, 7 days).

The data, the kernel and the peers come from the kernel table (``tests/kernel_table``, row
``iaqi``): float32 daily PM2.5, mostly realistic (gamma) with values over the whole table,
rounding ties, breakpoints and 3 % NaN. Ours: the exact integer numba kernel
:mod:`engine.kernels.aqi` (threads) and the public :func:`engine.aqi.iaqi`. Peers in the same
run: the ``python-aqi`` package called per value (``ALGO_MEP``; a sample is timed and scaled to
the field; reported missing when not installed — it is in the optional ``bench`` extra), and a
plain numpy vectorised formula (float arithmetic and ``ceil`` — the "obvious" version, which is
also inexact at breakpoints). The floor is the time to read the field once and write the int32
result once at numpy-copy bandwidth.

Run: ``.venv/bin/python benchmarks/bench_aqi.py [--cells 900000] [--days 7] [--sample 20000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import bandwidth_floor_seconds, print_table, timeit  # noqa: E402

start = time.perf_counter()
from engine import aqi as lantian_aqi  # noqa: E402  (loads the cached JIT)

IMPORT_SECONDS = time.perf_counter() - start

from engine.kernels import use_numba  # noqa: E402
from tests.kernel_table import kernel as table_row  # noqa: E402

SEED = 20261130
ROW = table_row("iaqi")


def _case(standard: str, size: int, sample: int) -> list[dict]:
    """Rows of one standard: the kernel and the public function beside each peer."""
    case = ROW.generate(SEED, size, np.float32, pollutant="pm25_24h", standard=standard)
    field = case.inputs["concentration"]
    floor = bandwidth_floor_seconds(field.nbytes, field.size * 4)
    with use_numba(True):
        t_kernel = timeit(lambda: ROW.run(case), repeat=20)
    t_api = timeit(lambda: lantian_aqi.iaqi("pm25_24h", field, standard), repeat=20)
    exact = lantian_aqi.iaqi("pm25_24h", field, standard)
    rows = [dict(case=f"{standard} engine.aqi.iaqi (API)", ours=t_api, floor=floor)]
    for peer in ROW.peers:
        if peer.missing():
            rows.append(dict(case=f"{standard} kernel vs {peer.name}: not installed "
                                  f"({', '.join(peer.missing())}; the bench extra)",
                             ours=t_kernel, floor=floor))  # fmt: skip
            continue
        call, share = peer.prepare(case, sample)
        if share < 1.0:
            t_peer = timeit(call, repeat=1) / share
            name = f"{peer.name}, {share:.1%} timed, scaled"
        else:
            t_peer = timeit(call, repeat=3)
            name = peer.name
            print(f"{standard}: the {peer.name} differs from the exact IAQI on "
                  f"{int((exact != call()).sum()):,} of {field.size:,} values")  # fmt: skip
        rows.append(dict(case=f"{standard} kernel vs {peer.name}", ours=t_kernel, peer=t_peer,
                         peer_name=name, floor=floor))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=900_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sample", type=int, default=20_000, help="values timed for python-aqi")
    args = parser.parse_args(argv)

    n = args.days * args.cells
    print(f"field: {args.days} days x {args.cells:,} cells = {n:,} float32 daily PM2.5 values")
    print(f"engine.aqi import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")
    rows = []
    for standard in ("HJ633-2012", "HJ633-2026"):
        rows += _case(standard, n, args.sample)
    try:
        import aqi as python_aqi  # the peer (pip: python-aqi)

        check = python_aqi.to_iaqi(python_aqi.POLLUTANT_PM25, "100", algo=python_aqi.ALGO_MEP)
        print(f"python-aqi PM2.5 = 100 → {check} (HJ 633-2012: 132)")
    except ImportError:
        pass
    print_table(f"IAQI of PM2.5, {args.days} days x {args.cells:,} cells", rows)


if __name__ == "__main__":
    main()
