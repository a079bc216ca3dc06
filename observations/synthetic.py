"""Synthetic observations for the demo, the tests and the benchmarks: monitoring stations,
hourly values consistent with a forecast, and hourly electricity use of production lines.

* :func:`synthetic_stations` — a few stations inside each region (city) of a region set;
* :func:`synthetic_hourly` — each station's hourly values: the forecast at the station's cell
  with realistic errors (a multiplicative error that persists over hours and grows with the
  lead time, a city bias, a timing shift of a few hours, station noise), plus the gaps and
  invalid hours real networks have; PM10, NO2, SO2 and CO made up around PM2.5 and the hour;
* :func:`synthetic_use` — hourly kWh of production lines: a normal profile (continuous or
  day-shift, quieter on Sundays), the measures on the days they are in force, and a few firms
  that do not comply (a stopped line that keeps drawing most of its power).

Everything is deterministic for a seed. It is demonstration data, not a model: errors are set
so that verification scores are neither perfect nor nonsense.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import xarray as xr

from engine.cst import CST_OFFSET
from grids import RegionSet
from observations._csv import HOURLY_COLUMNS, POLLUTANTS, STATION_COLUMNS

__all__ = [
    "synthetic_hourly",
    "synthetic_stations",
    "synthetic_use",
    "write_electricity_csv",
    "write_hourly_csv",
    "write_stations_csv",
]


def synthetic_stations(
    regions: RegionSet, *, per_region: tuple[int, int] = (3, 6), seed: int = 20261130
) -> pd.DataFrame:
    """Stations at random points inside each region: ``station_code, name, city_code, lon, lat``.

    ``per_region`` gives the least and most stations of a region; codes follow the national
    network's shape (``1001A``).
    """
    rng = np.random.default_rng(seed)
    rows = []
    number = 1001
    for region in regions:
        geometry = region.geometry
        x0, y0, x1, y1 = geometry.bounds
        wanted = int(rng.integers(per_region[0], per_region[1] + 1))
        found = 0
        for _ in range(200 * wanted):
            if found == wanted:
                break
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if geometry.contains(shapely.Point(x, y)):
                rows.append((f"{number}A", f"{region.name}{found + 1}号站", region.code,
                             round(x, 4), round(y, 4)))  # fmt: skip
                number += 1
                found += 1
    return pd.DataFrame(rows, columns=list(STATION_COLUMNS))


def synthetic_hourly(
    forecast: xr.Dataset,
    stations: pd.DataFrame,
    *,
    seed: int = 20261130,
    issued: np.datetime64 | str | None = None,
    missing_share: float = 0.02,
) -> pd.DataFrame:
    """Hourly observations of ``stations`` consistent with a gridded forecast.

    Parameters
    ----------
    forecast : xarray.Dataset
        ``pm25`` and ``o3`` ``(time, lat, lon)`` [µg m⁻³], ``time`` UTC (a member dim is
        reduced to its first member).
    stations : pandas.DataFrame
        From :func:`synthetic_stations`.
    issued : numpy.datetime64 or str, optional
        Issue time (UTC, naive); the error grows with the hours since (default: the first hour).
    missing_share : float
        Share of hours left empty [1]; one station is also down for a day.

    Returns
    -------
    pandas.DataFrame
        ``station_code, time (CST, "YYYY-MM-DD HH:MM", stamped at the end of the hour), pm25,
        pm10, o3, no2, so2, co`` [µg m⁻³; CO mg m⁻³], one decimal.
    """
    rng = np.random.default_rng(seed)
    if "member" in forecast.dims:
        forecast = forecast.isel(member=0)
    lon, lat = stations["lon"].to_numpy(), stations["lat"].to_numpy()
    cell = {"lon": xr.DataArray(lon, dims="station"), "lat": xr.DataArray(lat, dims="station")}
    pm25 = forecast["pm25"].sel(cell, method="nearest").transpose("station", "time").values
    o3 = forecast["o3"].sel(cell, method="nearest").transpose("station", "time").values
    n_station, n_time = pm25.shape
    time = forecast["time"].values.astype("datetime64[h]")
    start = time[0] if issued is None else np.asarray(issued).astype("datetime64[h]")
    lead = np.clip((time - start).astype(np.int64), 0, None) / 24.0  # [d]
    # a timing error of a few hours: the observed air is the forecast's a little earlier/later
    shift = rng.integers(-4, 5)
    pm25, o3 = np.roll(pm25, shift, axis=1), np.roll(o3, shift, axis=1)
    # multiplicative error: AR(1) over hours (ρ 0.97), σ growing with lead [I], city bias
    cities = pd.factorize(stations["city_code"])[0]
    bias = rng.normal(0.0, 0.12, cities.max() + 1)[cities]
    sigma = 0.18 + 0.035 * lead
    pm_error = _ar1(rng, (n_station, n_time), 0.97)
    o3_error = _ar1(rng, (n_station, n_time), 0.95)
    pm25 = pm25 * np.exp(bias[:, None] + sigma * pm_error - sigma**2 / 2)
    o3 = o3 * np.exp(0.5 * bias[:, None] + 0.8 * sigma * o3_error)
    hour = ((time + CST_OFFSET).astype(np.int64) % 24)[None, :]
    values = {
        "pm25": pm25 * rng.normal(1.0, 0.05, pm25.shape),
        "pm10": pm25 * rng.uniform(1.3, 1.7, (n_station, 1)) * rng.normal(1.0, 0.08, pm25.shape),
        "o3": o3 * rng.normal(1.0, 0.05, o3.shape),
        "no2": (25 + 20 * np.cos(2 * np.pi * (hour - 20) / 24) + 0.15 * pm25)
        * rng.normal(1.0, 0.1, pm25.shape),
        "so2": rng.gamma(4.0, 2.5, pm25.shape),
        "co": (0.5 + 0.006 * pm25) * rng.normal(1.0, 0.08, pm25.shape),
    }
    table = np.stack([np.clip(values[p], 0.1, None) for p in POLLUTANTS], axis=-1)
    table[rng.random((n_station, n_time)) < missing_share] = np.nan
    down = int(rng.integers(n_station))
    table[down, 24:48] = np.nan  # a station down for a day
    table[rng.random(table.shape) < 0.001] = -1.0  # the odd negative reading (invalid)
    stamps = (time + CST_OFFSET + np.timedelta64(1, "h")).astype("datetime64[m]")
    frame = pd.DataFrame(
        {
            "station_code": np.repeat(stations["station_code"].to_numpy(), n_time),
            "time": np.tile(pd.DatetimeIndex(stamps).strftime("%Y-%m-%d %H:%M"), n_station),
        }
    )
    for k, name in enumerate(POLLUTANTS):
        digits = 3 if name == "co" else 1
        frame[name] = np.round(table[:, :, k].reshape(-1), digits)
    return frame[list(HOURLY_COLUMNS)]


def _ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> np.ndarray:
    """Unit-variance AR(1) series along the last axis."""
    shocks = rng.standard_normal(shape)
    out = np.empty(shape)
    out[:, 0] = shocks[:, 0]
    scale = np.sqrt(1 - rho**2)
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + scale * shocks[:, t]
    return out


def synthetic_use(
    hours_per_day: np.ndarray,
    start: dt.date,
    days: int,
    *,
    allowed: np.ndarray,
    cheats: np.ndarray,
    seed: int = 20261130,
    missing_share: float = 0.005,
) -> np.ndarray:
    """Hourly electricity use of lines from ``start`` 00:00 CST over ``days`` days [kWh].

    Parameters
    ----------
    hours_per_day : ndarray, (line,)
        Operating hours [h d⁻¹]: 24 runs around the clock, fewer a day shift from 08:00.
    allowed : ndarray, (line, day)
        Share of normal output allowed each day [1]: 1 no measure, 0 stop, 0.8 a 20 % cut.
    cheats : ndarray of bool, (line,)
        Lines that ignore their measures (a stopped line keeps 60–90 % of its use).

    Returns
    -------
    ndarray of float32, (line, days × 24)
        NaN for the odd missing reading.
    """
    rng = np.random.default_rng(seed)
    n_lines = hours_per_day.size
    rated = rng.lognormal(np.log(300.0), 0.6, n_lines)  # [kW]
    hour = np.arange(24)
    active = (hour[None, :] >= 8) & (hour[None, :] < 8 + hours_per_day[:, None])
    shape = np.where(hours_per_day[:, None] >= 24, 0.9, np.where(active, 1.0, 0.15))
    weekday = (start.weekday() + np.arange(days)) % 7
    sunday = np.where((weekday == 6)[None, :] & (hours_per_day < 24)[:, None], 0.6, 1.0)
    normal = rated[:, None, None] * shape[:, None, :] * sunday[:, :, None]
    share = np.where(allowed <= 0, rng.uniform(0.03, 0.08, (n_lines, 1)), allowed)
    share = np.where(allowed < 1, share * rng.uniform(0.92, 1.0, (n_lines, 1)), share)
    cheat_share = np.where(allowed <= 0, rng.uniform(0.6, 0.9, (n_lines, 1)), 1.0)
    share = np.where(cheats[:, None] & (allowed < 1), cheat_share, share)
    use = normal * share[:, :, None] * rng.normal(1.0, 0.04, normal.shape)
    use = use.reshape(n_lines, days * 24).astype(np.float32)
    use[rng.random(use.shape) < missing_share] = np.nan
    return use


def write_stations_csv(stations: pd.DataFrame, path: Path) -> Path:
    """The station list as the import expects it."""
    stations.to_csv(path, index=False, encoding="utf-8")
    return path


def write_hourly_csv(hourly: pd.DataFrame, path: Path) -> Path:
    """Hourly values; empty fields for missing hours."""
    hourly.to_csv(path, index=False, encoding="utf-8", na_rep="")
    return path


def _plain(field: str) -> bool:
    """A CSV field written as it is (pandas quotes nothing in it)."""
    return not any(c in field for c in ',"\r\n')


def write_electricity_csv(
    keys: Sequence[tuple[str, str, str]], start: dt.date, use: np.ndarray, path: Path
) -> Path:
    """``credit_code,meter_id,line_id,time,kwh`` for ``use`` ``(meter, hour)`` from ``start``."""
    n_meters, n_hours = use.shape
    stamps = pd.date_range(pd.Timestamp(start), periods=n_hours, freq="h")
    kwh = np.round(use.astype(np.float64), 1)
    if all(_plain(k) for key in keys for k in key):
        # the lines pandas writes below, joined directly when no field needs quoting
        times = stamps.strftime("%Y-%m-%d %H:%M").tolist()
        values = np.where(np.isnan(kwh), "", kwh.astype(str)).tolist()
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(f"credit_code,meter_id,line_id,time,kwh{os.linesep}")
            for (credit, meter, line), row in zip(keys, values, strict=True):
                prefix = f"{credit},{meter},{line},"
                handle.writelines(
                    f"{prefix}{t},{v}{os.linesep}" for t, v in zip(times, row, strict=True)
                )
        return path
    keys_array = np.array(keys, dtype=object).reshape(n_meters, 3)
    frame = pd.DataFrame(
        {
            "credit_code": np.repeat(keys_array[:, 0], n_hours),
            "meter_id": np.repeat(keys_array[:, 1], n_hours),
            "line_id": np.repeat(keys_array[:, 2], n_hours),
            "time": np.tile(stamps.strftime("%Y-%m-%d %H:%M"), n_meters),
            "kwh": kwh.reshape(-1),
        }
    )
    frame.to_csv(path, index=False, encoding="utf-8", na_rep="")
    return path
