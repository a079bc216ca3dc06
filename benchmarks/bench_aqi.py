"""Benchmark: IAQI of a national daily field (0.05°, ~900 k cells, 7 days).

Ours: :func:`engine.aqi.iaqi` (exact integer numba kernel, 2 threads) on float32 daily PM2.5.
Peers in the same run: the ``python-aqi`` package called per value (``ALGO_MEP``; a sample is
timed and scaled to the field), and a plain numpy vectorised formula (float arithmetic and
``ceil`` — the "obvious" version, which is also inexact at breakpoints). The floor is the time to
read the field once and write the int32 result once at numpy-copy bandwidth.

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
from engine.kernels import aqi as kernel  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start


def numpy_iaqi(values: np.ndarray, breakpoints: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The plain vectorised formula: segment by searchsorted, float arithmetic, ceil."""
    c = values.astype(np.float64)
    j = np.clip(np.searchsorted(breakpoints[1:], c, side="left"), 0, len(breakpoints) - 2)
    lo, hi = breakpoints[j], breakpoints[j + 1]
    out = np.ceil((levels[j + 1] - levels[j]) / (hi - lo) * (c - lo) + levels[j])
    out[c > breakpoints[-1]] = 500
    out[np.isnan(c)] = -1
    return out.astype(np.int32)


def _case(
    standard: str, field: np.ndarray, floor: float, t_python_aqi: float, sample: int
) -> list[dict]:
    """Rows of one standard: the kernel, the public function and the numpy formula."""
    std = lantian_aqi.get_standard(standard)
    bp, lv, scale, over = lantian_aqi._column("pm25_24h", std)
    flat = field.ravel()
    out = np.empty(flat.size, np.int32)
    flags = np.empty(flat.size, np.int8)
    t_kernel = timeit(lambda: kernel.iaqi(flat, bp, lv, scale, over, 500, out, flags), repeat=20)
    t_api = timeit(lambda: lantian_aqi.iaqi("pm25_24h", field, standard), repeat=20)
    bpf, lvf = bp.astype(float), lv.astype(float)
    t_numpy = timeit(lambda: numpy_iaqi(field, bpf, lvf), repeat=3)
    exact = lantian_aqi.iaqi("pm25_24h", field, standard)
    naive = numpy_iaqi(field, bpf, lvf)
    print(f"{standard}: the numpy float formula differs from the exact IAQI on "
          f"{int((exact != naive).sum()):,} of {field.size:,} values"
          + (" (no input rounding: float noise)" if scale == 0 else " (it skips the GB/T 8170 "
             "input rounding)"))  # fmt: skip
    return [
        dict(case=f"{standard} kernel vs python-aqi", ours=t_kernel, peer=t_python_aqi,
             peer_name=f"python-aqi, {sample:,} timed, scaled", floor=floor),
        dict(case=f"{standard} kernel vs numpy", ours=t_kernel, peer=t_numpy,
             peer_name="numpy float formula", floor=floor),
        dict(case=f"{standard} engine.aqi.iaqi (API) vs numpy", ours=t_api, peer=t_numpy,
             peer_name="numpy float formula", floor=floor),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=900_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sample", type=int, default=20_000, help="values timed for python-aqi")
    args = parser.parse_args(argv)

    import aqi as python_aqi  # the peer (pip: python-aqi)

    rng = np.random.default_rng(20261130)
    shape = (args.days, args.cells)
    field = rng.gamma(2.0, 35.0, shape).astype(np.float32)  # daily PM2.5 [µg/m³]
    n = field.size
    print(f"field: {shape} float32 daily PM2.5 ({field.nbytes / 2**20:.0f} MiB), {n:,} values")
    print(f"engine.aqi import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")

    sample = field.ravel()[: args.sample]
    strings = [f"{v:.1f}" for v in sample]  # python-aqi wants strings (Decimal)
    t_sample = timeit(
        lambda: [python_aqi.to_iaqi(python_aqi.POLLUTANT_PM25, s, algo=python_aqi.ALGO_MEP)
                 for s in strings],
        repeat=1,
    )  # fmt: skip
    t_python_aqi = t_sample / len(strings) * n

    floor = bandwidth_floor_seconds(field.nbytes, n * 4)
    rows = []
    for standard in ("HJ633-2012", "HJ633-2026"):
        rows += _case(standard, field, floor, t_python_aqi, args.sample)
    check = [python_aqi.to_iaqi(python_aqi.POLLUTANT_PM25, "100", algo=python_aqi.ALGO_MEP)]
    print(f"python-aqi PM2.5 = 100 → {check[0]} (HJ 633-2012: 132)")
    print_table(f"IAQI of PM2.5, {shape[0]} days x {shape[1]:,} cells", rows)
    print(f"python-aqi per value: {t_sample / len(strings) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
