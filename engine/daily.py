"""Daily statistics of hourly concentrations in China Standard Time natural days.

From hourly values in UTC (any leading dims) to the daily statistics that enter the AQI of
HJ 633 (docs/rules.md §1.5): daily means of PM2.5, PM10, SO2, NO2, CO with the ≥ 20-valid-hours
rule, the O3 maximum daily 8-hour mean (MDA8) and the O3 daily maximum 1-hour value. The validity
numbers come from ``engine/data/aqi_standards.toml`` (``[daily_statistics]``); the numba
kernels are in :mod:`engine.kernels.daily`.

Hour labels
-----------
A value stamped ``T`` belongs to the hour ``[T, T + 1 h)`` by default (``hour_label="start"``:
instantaneous model output, or hour-beginning labels), so CST day ``D`` is made of the values
stamped ``D 00:00 … D 23:00`` CST (``D-1 16:00 … D 15:00`` UTC). Monitoring data labelled by the
end of their hour (HJ 663 "1时 … 24时") use ``hour_label="end"``: day ``D`` is then the values
stamped ``D 01:00 … D+1 00:00``. Either way the 8-hour windows of MDA8 "ending at 08:00 … 24:00"
are the 17 windows of 8 consecutive hours inside the day.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any, Literal

import numpy as np
import xarray as xr

from engine.aqi._standards import _data
from engine.errors import ForecastError
from engine.kernels import daily as _kernel

__all__ = ["HOURLY_VARIABLES", "daily_statistics", "validity_rules"]

logger = logging.getLogger(__name__)

HOURLY_VARIABLES = ("pm25", "pm10", "so2", "no2", "co", "o3")
"""Hourly variables read by :func:`daily_statistics`; others are ignored."""

_MEAN_VARIABLES = ("pm25", "pm10", "so2", "no2", "co")
_HOUR = np.timedelta64(1, "h")
_DAY = np.timedelta64(1, "D")


def validity_rules() -> dict[str, Any]:
    """The ``[daily_statistics]`` table of the AQI data file (validity of daily values)."""
    return dict(_data()["daily_statistics"])


def _hourly_axis(hourly: xr.Dataset) -> xr.Dataset:
    """Sort-checked, gap-filled hourly ``time`` axis (gaps become NaN hours)."""
    if "time" not in hourly.dims:
        raise ForecastError(f"hourly data need a 'time' dim, got dims {tuple(hourly.dims)}")
    time = hourly["time"].values
    if not np.issubdtype(time.dtype, np.datetime64):
        raise ForecastError(f"'time' must be datetime64 (UTC), got {time.dtype}")
    time = time.astype("datetime64[ns]")
    if time.size == 0:
        return hourly
    if np.isnat(time).any():
        raise ForecastError("'time' holds NaT values; expected hourly UTC timestamps")
    if time.size > 1 and not (np.diff(time) > np.timedelta64(0, "ns")).all():
        raise ForecastError("'time' must increase strictly (sorted, no duplicates)")
    off_hour = time - time.astype("datetime64[h]")
    if (off_hour != np.timedelta64(0, "ns")).any():
        bad = time[off_hour != np.timedelta64(0, "ns")][0]
        raise ForecastError(f"'time' must be on whole hours; {bad} is not")
    n_hours = int((time[-1] - time[0]) // _HOUR) + 1
    if n_hours != time.size:
        full = time[0] + np.arange(n_hours) * _HOUR
        logger.info("hourly data: %d missing hours filled with NaN", n_hours - time.size)
        hourly = hourly.reindex(time=full.astype("datetime64[ns]"))
    return hourly


def _run(kernel_name: str, array: Any, axis: int, first: int, n_days: int, *args: Any) -> Any:
    """Apply a daily kernel along ``axis``: ``(..., time, ...) -> (..., day, ...)``.

    A dask array stays lazy and its time chunks stay bounded: it is rechunked so that every
    chunk boundary falls on a CST midnight (whole days per chunk, about as many hours as its
    chunks had), then each block goes through the same kernel. A day's statistics (its MDA8
    windows included: they lie inside the day) read only that day's hours, so a day that
    straddled two chunks of the input gives the in-memory value bit for bit.
    """
    if hasattr(array, "dask") and array.shape[axis]:
        import dask.array as da

        sizes, firsts, days = _day_aligned(array.shape[axis], max(array.chunks[axis]), first)
        array = array.rechunk({axis: sizes})
        dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.float64
        chunks = tuple(days if i == axis else c for i, c in enumerate(array.chunks))
        return da.map_blocks(
            _run_block, array, kernel_name, axis, firsts, days, *args, chunks=chunks, dtype=dtype
        )
    return _run_numpy(np.asarray(array), kernel_name, axis, first, n_days, *args)


def _day_aligned(
    n_hours: int, chunk_hours: int, first: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Chunks of ``n_hours`` hours that begin at CST midnights (the first at hour ``first``
    of its day): their sizes, the hour of day each begins at, and the days each touches."""
    step = 24 * max(1, round(chunk_hours / 24))
    cuts = [0, *range(step - first, n_hours, step), n_hours]
    sizes = tuple(b - a for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a)
    firsts = (first,) + (0,) * (len(sizes) - 1)
    days = tuple((f + n - 1) // 24 + 1 for f, n in zip(firsts, sizes, strict=True))
    return sizes, firsts, days


def _run_block(
    block: np.ndarray,
    kernel_name: str,
    axis: int,
    firsts: tuple[int, ...],
    days: tuple[int, ...],
    *args: Any,
    block_info: dict | None = None,
) -> np.ndarray:
    """One day-aligned dask block through :func:`_run_numpy` (module level: workers import
    it by name)."""
    index = block_info[0]["chunk-location"][axis] if block_info else 0
    return _run_numpy(block, kernel_name, axis, firsts[index], days[index], *args)


def _run_numpy(
    array: np.ndarray, kernel_name: str, axis: int, first: int, n_days: int, *args: Any
) -> np.ndarray:
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float32 if array.dtype == np.float16 else np.float64)
    array = np.ascontiguousarray(array)
    shape = array.shape
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    values = array.reshape(outer, shape[axis], inner)
    out = np.empty((outer, n_days, inner), array.dtype)
    getattr(_kernel, kernel_name)(values, first, *args, out)
    return out.reshape(shape[:axis] + (n_days,) + shape[axis + 1 :])


def daily_statistics(
    hourly: xr.Dataset,
    *,
    min_mda8_windows: int | None = None,
    mda8_exceedance_limit: float | None = None,
    min_daily_hours: int | None = None,
    min_o3_1h_hours: int | None = None,
    hour_label: Literal["start", "end"] = "start",
) -> xr.Dataset:
    """Daily statistics in China Standard Time natural days (docs/rules.md §1.5).

    Parameters
    ----------
    hourly : xarray.Dataset
        Hourly concentrations ``(..., time, ...)`` among ``pm25``, ``pm10``, ``so2``, ``no2``,
        ``co``, ``o3`` [µg m⁻³; CO mg m⁻³]; ``time`` UTC datetime64, whole hours, increasing
        (missing hours may be absent or NaN). Other variables are ignored.
    min_mda8_windows : int, optional
        Least number of valid 8-h windows (of 17) for a valid MDA8 [1]; default from the data
        file (14, docs/rules.md §1.5 [?]). A day with fewer valid windows still counts when its MDA8
        exceeds ``mda8_exceedance_limit``.
    mda8_exceedance_limit : float, optional
        That limit [µg m⁻³]; default 160 (GB 3095 grade II O3 8-h limit); ``inf`` disables
        the exception.
    min_daily_hours : int, optional
        Least valid hours of a daily mean [h]; default 20 (GB 3095) [V].
    min_o3_1h_hours : int, optional
        Least valid hours of the O3 daily max 1-h [h]; default 20, or fewer when the maximum
        exceeds 200 µg/m³ (GB 3095 grade II 1-h limit) — our rule by analogy [I].
    hour_label : {"start", "end"}
        What a timestamp means (see the module docstring): ``"start"`` (default) — the value
        of the hour beginning at it, or an instantaneous value; ``"end"`` — the hour ending
        at it.

    Returns
    -------
    xarray.Dataset
        ``(..., date, ...)``, the ``time`` dim replaced in place by ``date`` (CST days,
        midnight timestamps, every day touched by the data): ``pm25``, ``pm10``, ``so2``,
        ``no2``, ``co`` (daily means), ``o3_mda8`` (MDA8) and ``o3_1h`` (daily max 1-h), NaN where
        not valid (so partly covered days are usually NaN). float32 input gives float32.
    """
    rules = validity_rules()
    if hour_label not in ("start", "end"):
        raise ForecastError(f"hour_label must be 'start' or 'end', got {hour_label!r}")
    names = [v for v in HOURLY_VARIABLES if v in hourly.data_vars]
    if not names:
        raise ForecastError(
            f"no pollutant among {', '.join(HOURLY_VARIABLES)} in the hourly data "
            f"(variables: {', '.join(map(str, hourly.data_vars)) or 'none'})"
        )
    hourly = _hourly_axis(hourly[names])
    time = hourly["time"].values.astype("datetime64[ns]")
    offset = np.timedelta64(int(rules["timezone_offset_hours"]), "h")
    if time.size:
        local = time + offset - (_HOUR if hour_label == "end" else np.timedelta64(0, "h"))
        first_day = local[0].astype("datetime64[D]")
        first = int((local[0] - first_day) // _HOUR)
        n_days = int((local[-1].astype("datetime64[D]") - first_day) // _DAY) + 1
    else:
        first_day, first, n_days = np.datetime64("1970-01-01", "D"), 0, 0
    dates = (first_day + np.arange(n_days) * _DAY).astype("datetime64[ns]")

    min_hours = int(rules["min_hours_daily_mean"] if min_daily_hours is None else min_daily_hours)
    min_windows = int(rules["mda8_min_windows"] if min_mda8_windows is None else min_mda8_windows)
    limit8 = float(
        rules["mda8_exceedance_limit"] if mda8_exceedance_limit is None else mda8_exceedance_limit
    )
    min_1h = int(rules["min_hours_o3_1h"] if min_o3_1h_hours is None else min_o3_1h_hours)
    limit1 = float(rules["o3_1h_exceedance_limit"])
    window_hours = int(rules["min_hours_o3_8h_window"])
    first_end, last_end = int(rules["mda8_first_window_end"]), int(rules["mda8_last_window_end"])
    if min_hours < 1 or min_windows < 0 or min_1h < 1:
        raise ForecastError(
            f"validity counts must be positive (min_daily_hours={min_hours}, "
            f"min_mda8_windows={min_windows}, min_o3_1h_hours={min_1h})"
        )

    out: dict[Hashable, xr.DataArray] = {}
    for name in names:
        var = hourly[name]
        axis = var.dims.index("time")
        dims = var.dims[:axis] + ("date",) + var.dims[axis + 1 :]
        coords = {k: c for k, c in var.coords.items() if "time" not in c.dims}
        coords["date"] = dates
        array = var.data
        base = {k: v for k, v in var.attrs.items() if k not in ("long_name", "standard_name")}
        cst = "China Standard Time natural day (UTC+8)"
        if name in _MEAN_VARIABLES:
            data = _run("daily_mean", array, axis, first, n_days, min_hours)
            attrs = base | {
                "long_name": f"daily mean {name}",
                "cell_methods": f"time: mean (interval: 1 day, {cst})",
                "validity": f">= {min_hours} valid hourly values",
            }
            out[name] = xr.DataArray(data, dims=dims, coords=coords, attrs=attrs)
        else:
            mda8 = _run(
                "mda8", array, axis, first, n_days,
                first_end, last_end, window_hours, min_windows, limit8,
            )  # fmt: skip
            out["o3_mda8"] = xr.DataArray(
                mda8,
                dims=dims,
                coords=coords,
                attrs=base
                | {
                    "long_name": "O3 maximum daily 8-hour mean (MDA8)",
                    "cell_methods": f"time: mean (interval: 8 hours) time: maximum ({cst})",
                    "validity": (
                        f"8-h means stamped at their end hour, valid with >= {window_hours} "
                        f"values; max of the windows ending {first_end:02d}:00 … "
                        f"{last_end:02d}:00; valid with >= {min_windows} valid windows, or "
                        f"fewer when above {limit8:g} (docs/rules.md §1.5 [?])"
                    ),
                },
            )
            top = _run("daily_max", array, axis, first, n_days, min_1h, limit1)
            out["o3_1h"] = xr.DataArray(
                top,
                dims=dims,
                coords=coords,
                attrs=base
                | {
                    "long_name": "O3 daily maximum 1-hour value",
                    "cell_methods": f"time: maximum ({cst})",
                    "validity": (
                        f">= {min_1h} valid hourly values, or fewer when above {limit1:g} "
                        "(our rule by analogy, docs/rules.md §1.5 [I])"
                    ),
                },
            )
    result = xr.Dataset(out)
    result["date"].attrs.update({"long_name": "China Standard Time date (UTC+8)"})
    result.attrs.update(
        {
            "daily_statistics": "docs/rules.md §1.5; validity from engine/data/aqi_standards.toml",
            "timezone": "China Standard Time (UTC+08:00) natural days",
            "hour_label": hour_label,
        }
    )
    return result
