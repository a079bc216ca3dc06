"""Benchmark: O3 MDA8 and daily means of a (168 h, ~900 k cells) hourly field.

The data, the kernels and the peers come from the kernel table (``tests/kernel_table``, rows
``mda8``, ``daily_mean``, ``daily_max``): a week of float32 hourly values from 00:00 CST with
1 % NaN. Ours: the numba kernels of :mod:`engine.kernels.daily` (threads, read in place,
float32 in, float64 sums) and the xarray-level :func:`engine.daily.daily_statistics` (the same
field as O3 and as PM2.5: MDA8, O3 daily max 1-h, daily mean). Peers in the same run: xarray
``rolling(time=8, min_periods=6).mean()`` + ``resample(time="1D")`` with the same validity
rules (windows ending 08:00 … 24:00 CST, ≥ 14 valid windows or above 160; daily means with
≥ 20 hours), checked equal to ours. The floor is the time to read the field once and write
the daily result once at numpy-copy bandwidth.

Run: ``.venv/bin/python benchmarks/bench_daily.py [--cells 900000] [--hours 168]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import bandwidth_floor_seconds, print_table, timeit  # noqa: E402

start = time.perf_counter()
from engine.daily import daily_statistics  # noqa: E402  (loads the cached JIT)

IMPORT_SECONDS = time.perf_counter() - start

from tests.kernel_table import kernel as table_row  # noqa: E402

SEED = 20261130
CST = np.timedelta64(8, "h")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=900_000)
    parser.add_argument("--hours", type=int, default=168)
    args = parser.parse_args(argv)

    rows = {name: table_row(name) for name in ("mda8", "daily_mean", "daily_max")}
    case = rows["mda8"].generate(SEED, args.cells, np.float32, **rows["mda8"].bench_options
                                 | dict(hours=args.hours))  # fmt: skip
    values = case.inputs["values"]
    print(f"field: {case.description}, {values.nbytes / 2**20:.0f} MiB, "
          f"{case.inputs['n_days']} CST days")  # fmt: skip
    print(f"engine.daily import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")

    read = values.nbytes
    written = case.inputs["n_days"] * args.cells * values.itemsize
    floor = bandwidth_floor_seconds(read, written)
    table, ours, peers = [], {}, {}
    for name, row in rows.items():
        result = row.run(case)[0]
        ours[name] = timeit(lambda row=row: row.run(case), repeat=15)
        peer = row.peers[0]
        call, _ = peer.prepare(case, 0)
        peers[name] = timeit(call, repeat=1, warmup=False)
        same = np.allclose(result[0], call(), rtol=1e-5, equal_nan=True)
        table.append(dict(case=f"{name} kernel", ours=ours[name], peer=peers[name],
                          peer_name=peer.name, floor=floor))  # fmt: skip
        print(f"{name}: equal to the {peer.name} peer (rtol 1e-5): {same}")

    # the xarray API on the same field as O3 and as PM2.5, UTC timestamps from 00:00 CST
    time0 = np.datetime64("2026-07-01T00:00", "ns") - CST
    times = time0 + np.arange(values.shape[1]) * np.timedelta64(1, "h")
    field = values[0]
    hourly = xr.Dataset(
        {"o3": (("time", "cell"), field), "pm25": (("time", "cell"), field)}, coords={"time": times}
    )
    t_api = timeit(lambda: daily_statistics(hourly), repeat=5)
    api = daily_statistics(hourly)
    same_api = np.allclose(api["o3_mda8"].values, rows["mda8"].run(case)[0][0], equal_nan=True)
    print(f"daily_statistics MDA8 equal to the kernel's: {same_api}")
    peer_all = peers["mda8"] + peers["daily_mean"] + peers["daily_max"]
    table += [
        dict(case="MDA8 + daily mean kernels", ours=ours["mda8"] + ours["daily_mean"],
             peer=peers["mda8"] + peers["daily_mean"], peer_name="xarray",
             floor=bandwidth_floor_seconds(2 * read, 2 * written)),
        dict(case="daily_statistics (xarray API; MDA8, max 1h, mean)", ours=t_api,
             peer=peer_all, peer_name="xarray",
             floor=bandwidth_floor_seconds(2 * read, 3 * written)),
    ]  # fmt: skip
    print_table(f"Daily statistics of {case.description}", table)


if __name__ == "__main__":
    main()
