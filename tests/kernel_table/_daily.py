"""Daily rows: daily mean, daily maximum and O3 MDA8 of hourly values (docs/rules.md §1.5).

Cases are ``(1, time, cell)`` hourly fields in CST: hour ``first`` of the first day is at index
0. The validity rules are those the engine uses: a daily mean or maximum needs 20 hours (a
maximum above 200 counts with fewer); an 8-hour mean needs 6 hours, MDA8 takes the windows
ending 08:00 … 24:00 and needs 14 valid windows unless it exceeds 160.
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels import daily as kernel
from tests.kernel_table._types import Case, Kernel, Outputs, Peer, Tolerance

MIN_HOURS, MAX_LIMIT = 20, 200.0
FIRST_END, LAST_END, MIN_WINDOW_HOURS, MIN_WINDOWS, MDA8_LIMIT = 8, 24, 6, 14, 160.0


def generate(
    seed: int,
    size: int,
    dtype=np.float64,
    *,
    hours: int | None = None,
    first: int | None = None,
    nan_share: float | None = None,
) -> Case:
    """Hourly values of ``size`` cells with a diurnal cycle; the number of hours, the hour of
    day of the first value (partial days at both ends) and the share of NaN (0 … 40 %) are
    drawn from the seed unless given."""
    rng = np.random.default_rng(seed)
    first = int(rng.integers(0, 24)) if first is None else first
    hours = int(rng.integers(30, 24 * 5)) if hours is None else hours
    nan_share = float(rng.uniform(0.0, 0.4)) if nan_share is None else nan_share
    values = np.empty((1, hours, size), dtype)
    for t in range(hours):  # row by row: no float64 temporary of a large field
        cycle = 1.0 + 0.6 * np.sin(((first + t) % 24 - 9) / 24 * 2 * np.pi)
        row = rng.gamma(3.0, 40.0, size) * cycle
        row[rng.random(size) < nan_share] = np.nan
        values[0, t] = row
    n_days = (first + hours + 23) // 24
    text = f"(1, {hours} h, {size:,} cells) {np.dtype(dtype).name}, {nan_share:.0%} NaN"
    return Case(dict(values=values, first=first, n_days=n_days), seed, size, text)


def _out(case: Case) -> np.ndarray:
    values = case.inputs["values"]
    return np.full((1, case.inputs["n_days"], values.shape[2]), -7.0, values.dtype)


def run_mean(case: Case) -> Outputs:
    out = _out(case)
    kernel.daily_mean(case.inputs["values"], case.inputs["first"], MIN_HOURS, out)
    return (out,)


def run_max(case: Case) -> Outputs:
    out = _out(case)
    kernel.daily_max(case.inputs["values"], case.inputs["first"], MIN_HOURS, MAX_LIMIT, out)
    return (out,)


def run_mda8(case: Case) -> Outputs:
    out = _out(case)
    kernel.mda8(
        case.inputs["values"], case.inputs["first"], FIRST_END, LAST_END, MIN_WINDOW_HOURS,
        MIN_WINDOWS, MDA8_LIMIT, out,
    )  # fmt: skip
    return (out,)


def _days(case: Case):
    """Per cell and day, the 24 hourly values of the day in plain Python floats (NaN outside)."""
    values, first = case.inputs["values"][0], case.inputs["first"]
    n_time, n_cells = values.shape
    for k in range(n_cells):
        series = values[:, k].astype(np.float64).tolist()
        for d in range(case.inputs["n_days"]):
            idx = [d * 24 + h - first for h in range(24)]
            yield k, d, [series[j] if 0 <= j < n_time else math.nan for j in idx]


def _reference(case: Case, statistic) -> Outputs:
    out = np.full((1, case.inputs["n_days"], case.inputs["values"].shape[2]), np.nan)
    for k, d, day in _days(case):
        out[0, d, k] = statistic(day)
    return (out,)


def _valid(day: list[float]) -> list[float]:
    return [v for v in day if not math.isnan(v)]


def _mean(day: list[float]) -> float:
    valid = _valid(day)
    return math.fsum(valid) / len(valid) if len(valid) >= MIN_HOURS else math.nan


def _max(day: list[float]) -> float:
    valid = _valid(day)
    top = max(valid) if valid else math.nan
    return top if valid and (len(valid) >= MIN_HOURS or top > MAX_LIMIT) else math.nan


def _mda8(day: list[float]) -> float:
    windows = []
    for end in range(FIRST_END, LAST_END + 1):
        window = _valid(day[end - 8 : end])
        if len(window) >= MIN_WINDOW_HOURS:
            windows.append(math.fsum(window) / len(window))
    best = max(windows) if windows else math.nan
    return best if windows and (len(windows) >= MIN_WINDOWS or best > MDA8_LIMIT) else math.nan


def _hourly(case: Case):
    """The case as an xarray ``(time, cell)`` DataArray with CST timestamps."""
    import pandas as pd
    import xarray as xr

    values = case.inputs["values"][0]
    start = pd.Timestamp("2026-07-01") + pd.Timedelta(hours=case.inputs["first"])
    times = pd.date_range(start, periods=values.shape[0], freq="h")
    return xr.DataArray(values, dims=("time", "cell"), coords={"time": times})


def xarray_mean(case: Case, sample: int):
    """``resample(time="1D").mean()`` with the count of valid hours."""
    hourly = _hourly(case)

    def call() -> np.ndarray:
        mean = hourly.resample(time="1D").mean()
        count = hourly.notnull().resample(time="1D").sum()
        return mean.where(count >= MIN_HOURS).values

    return call, 1.0


def xarray_max(case: Case, sample: int):
    """``resample(time="1D").max()`` with the count of valid hours."""
    hourly = _hourly(case)

    def call() -> np.ndarray:
        top = hourly.resample(time="1D").max()
        count = hourly.notnull().resample(time="1D").sum()
        return top.where((count >= MIN_HOURS) | (top > MAX_LIMIT)).values

    return call, 1.0


def xarray_mda8(case: Case, sample: int):
    """``rolling(time=8, min_periods=6).mean()`` stamped at its end, then the daily maximum
    over the windows ending 08:00 … 24:00 (``resample``) and their count."""
    hourly = _hourly(case)

    def call() -> np.ndarray:
        rolling = hourly.rolling(time=8, min_periods=MIN_WINDOW_HOURS).mean()
        # start-of-hour labels: the window labelled h covers h-7 … h and ends at (h+1):00
        rolling = rolling.where(rolling["time"].dt.hour >= FIRST_END - 1)
        best = rolling.resample(time="1D").max()
        windows = rolling.notnull().resample(time="1D").sum()
        return best.where((windows >= MIN_WINDOWS) | (best > MDA8_LIMIT)).values

    return call, 1.0


_COMMON = dict(
    generate=generate,
    size_of="cells",
    dtypes=(np.float32, np.float64),
    reference_tolerance=Tolerance(rtol=1e-12, rtol_float32=1e-6),
    test_sizes=(7, 5000),  # one block, several blocks of the parallel loop
    reference_size=40,
    bench_size=200_000,
    bench_options=dict(hours=168, first=0, nan_share=0.01),  # a week from 00:00 CST
    memory_bound=True,
)
DAILY_MEAN = Kernel(
    name="daily_mean", entry=kernel.daily_mean, run=run_mean,
    reference=lambda case: _reference(case, _mean),
    peers=(Peer("xarray resample", xarray_mean),), **_COMMON,
)  # fmt: skip
DAILY_MAX = Kernel(
    name="daily_max", entry=kernel.daily_max, run=run_max,
    reference=lambda case: _reference(case, _max),
    peers=(Peer("xarray resample", xarray_max),), **_COMMON,
)  # fmt: skip
MDA8 = Kernel(
    name="mda8", entry=kernel.mda8, run=run_mda8,
    reference=lambda case: _reference(case, _mda8),
    peers=(Peer("xarray rolling + resample", xarray_mda8),), **_COMMON,
)  # fmt: skip
