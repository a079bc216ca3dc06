"""Benchmark: O3 MDA8 and PM2.5 daily means of a (168 h, ~900 k cells) hourly field.

Ours: the numba kernels of :mod:`engine.kernels.daily` (2 threads, read in place, float32 in,
float64 sums) and the xarray-level :func:`engine.daily.daily_statistics` (which also gives the O3
daily max 1-h). Peer in the same run: xarray ``rolling(time=8, min_periods=6).mean()`` +
``resample(time="1D")`` with the same validity rules (windows ending 08:00 … 24:00 CST, ≥ 14
valid windows or above 160; daily means with ≥ 20 hours), checked equal to ours. The floor is
the time to read the field once and write the daily result once at numpy-copy bandwidth.

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
from engine.kernels import daily as kernel  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start
CST = np.timedelta64(8, "h")


def xarray_mda8(o3: xr.DataArray) -> xr.DataArray:
    """MDA8 the xarray way: 8-h rolling mean stamped at its end, daily max over 08:00…24:00."""
    local = o3.assign_coords(time=o3["time"] + CST)
    rolling = local.rolling(time=8, min_periods=6).mean()
    # start-of-hour labels: the window of labels h-7 … h ends at (h+1):00; keep h = 7 … 23
    rolling = rolling.where(rolling["time"].dt.hour >= 7)
    daily_max = rolling.resample(time="1D").max()
    windows = rolling.notnull().resample(time="1D").sum()
    return daily_max.where((windows >= 14) | (daily_max > 160))


def xarray_daily_mean(pm25: xr.DataArray) -> xr.DataArray:
    """Daily means the xarray way, valid with >= 20 hours."""
    local = pm25.assign_coords(time=pm25["time"] + CST)
    mean = local.resample(time="1D").mean()
    hours = local.notnull().resample(time="1D").sum()
    return mean.where(hours >= 20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=900_000)
    parser.add_argument("--hours", type=int, default=168)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(20261130)
    n_time, n_cells = args.hours, args.cells
    hour_of_day = (np.arange(n_time) % 24)[:, None]
    o3 = np.empty((n_time, n_cells), np.float32)
    pm25 = np.empty((n_time, n_cells), np.float32)
    for t in range(n_time):  # row by row: no float64 temporaries of the whole field
        cycle = 1.0 + 0.6 * np.sin((hour_of_day[t, 0] - 9) / 24 * 2 * np.pi)
        o3[t] = rng.gamma(4.0, 25.0, n_cells).astype(np.float32) * np.float32(cycle)
        pm25[t] = rng.gamma(2.0, 40.0, n_cells).astype(np.float32)
    o3[rng.random(o3.shape, np.float32) < 0.01] = np.nan
    pm25[rng.random(pm25.shape, np.float32) < 0.01] = np.nan
    time0 = np.datetime64("2026-07-01T16:00", "ns")  # 00:00 CST: whole CST days
    times = time0 + np.arange(n_time) * np.timedelta64(1, "h")
    n_days = (n_time + 23) // 24
    print(f"field: ({n_time} h, {n_cells:,} cells) float32, {o3.nbytes / 2**20:.0f} MiB per "
          f"pollutant, 1 % NaN; {n_days} CST days")  # fmt: skip
    print(f"engine.daily import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")

    values_o3 = o3.reshape(1, n_time, n_cells)
    values_pm = pm25.reshape(1, n_time, n_cells)
    out_mda8 = np.empty((1, n_days, n_cells), np.float32)
    out_mean = np.empty((1, n_days, n_cells), np.float32)
    t_mda8 = timeit(lambda: kernel.mda8(values_o3, 0, 8, 24, 6, 14, 160.0, out_mda8), repeat=25)
    t_mean = timeit(lambda: kernel.daily_mean(values_pm, 0, 20, out_mean), repeat=25)

    hourly = xr.Dataset(
        {"o3": (("time", "cell"), o3), "pm25": (("time", "cell"), pm25)}, coords={"time": times}
    )
    t_api = timeit(lambda: daily_statistics(hourly), repeat=5)
    t_peer_mda8 = timeit(lambda: xarray_mda8(hourly["o3"]).values, repeat=1, warmup=False)
    t_peer_mean = timeit(lambda: xarray_daily_mean(hourly["pm25"]).values, repeat=1, warmup=False)

    ours = daily_statistics(hourly)
    peer_mda8 = xarray_mda8(hourly["o3"]).values
    peer_mean = xarray_daily_mean(hourly["pm25"]).values
    same_mda8 = np.allclose(ours["o3_8h"].values, peer_mda8, rtol=1e-5, equal_nan=True)
    same_mean = np.allclose(ours["pm25"].values, peer_mean, rtol=1e-5, equal_nan=True)
    print(f"equal to the xarray peer (rtol 1e-5): MDA8 {same_mda8}, daily mean {same_mean}")

    read, written = o3.nbytes, out_mda8.nbytes
    rows = [
        dict(case="MDA8 kernel", ours=t_mda8, peer=t_peer_mda8, peer_name="xarray rolling+resample",
             floor=bandwidth_floor_seconds(read, written)),
        dict(case="daily mean kernel", ours=t_mean, peer=t_peer_mean,
             peer_name="xarray resample", floor=bandwidth_floor_seconds(read, written)),
        dict(case="MDA8 + daily mean kernels", ours=t_mda8 + t_mean,
             peer=t_peer_mda8 + t_peer_mean, peer_name="xarray",
             floor=bandwidth_floor_seconds(2 * read, 2 * written)),
        dict(case="daily_statistics (xarray API; + O3 max 1h)", ours=t_api,
             peer=t_peer_mda8 + t_peer_mean, peer_name="xarray",
             floor=bandwidth_floor_seconds(2 * read, 3 * written)),
    ]  # fmt: skip
    print_table(f"Daily statistics of ({n_time} h, {n_cells:,} cells) float32", rows)


if __name__ == "__main__":
    main()
