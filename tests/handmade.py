"""Hand-made forecasts: uniform fields whose daily statistics and AQI are known exactly.

PM2.5 (and O3) are constant within each China Standard Time day, so the daily mean of a day is
the value given for it, and the regional mean equals it for any region. Under HJ 633-2026:
PM2.5 115 → AQI 150, 150 → 200, 160 → 210, 250 → 300, 260 → 310; O3 8-h 300 → AQI 207.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

START = dt.date(2026, 12, 1)
REGION_CODE = "130100"
EAST_CODE = "130200"


def forecast(
    pm25_days: Sequence[float] | Sequence[Sequence[float]],
    o3_days: Sequence[float] | None = None,
    *,
    start: dt.date = START,
    east_pm25_days: Sequence[float] | None = None,
    no2_days: Sequence[float] | None = None,
) -> xr.Dataset:
    """Hourly forecast from 00:00 CST of ``start``, one value per CST day (per member if 2-D).

    ``east_pm25_days`` gives other values to the east column of cells (lon 114.75), the
    region :data:`EAST_CODE` of ``regions(split=True)``. ``no2_days`` adds NO2 (the same for
    every member); NO2 420 µg/m³ gives a 24-h IAQI of 250.
    """
    pm = np.asarray(pm25_days, dtype=np.float64)
    members = pm.ndim == 2
    pm = pm if members else pm[None]
    n_days = pm.shape[1]
    o3 = np.full(n_days, 40.0) if o3_days is None else np.asarray(o3_days, dtype=np.float64)
    hours = 24 * n_days
    time = np.datetime64(dt.datetime.combine(start, dt.time()) - dt.timedelta(hours=8), "h")
    time = (time + np.arange(hours).astype("timedelta64[h]")).astype("datetime64[ns]")
    lat, lon = np.array([38.25, 38.75]), np.array([114.25, 114.75])
    pm_hourly = np.repeat(pm, 24, axis=1)[:, :, None, None] * np.ones((1, 1, 2, 2))
    if east_pm25_days is not None:
        pm_hourly[:, :, :, 1] = np.repeat(np.asarray(east_pm25_days, dtype=np.float64), 24)[:, None]
    o3_hourly = np.repeat(o3, 24)[None, :, None, None] * np.ones((pm.shape[0], 1, 2, 2))
    dims: tuple[str, ...] = ("member", "time", "lat", "lon")
    if not members:
        pm_hourly, o3_hourly, dims = pm_hourly[0], o3_hourly[0], dims[1:]
    variables = {
        "pm25": (dims, pm_hourly.astype(np.float32), {"units": "ug m-3"}),
        "o3": (dims, o3_hourly.astype(np.float32), {"units": "ug m-3"}),
    }
    if no2_days is not None:
        no2 = np.repeat(np.asarray(no2_days, dtype=np.float64), 24)[None, :, None, None]
        no2_hourly = no2 * np.ones((pm.shape[0], 1, 2, 2))
        variables["no2"] = (
            dims,
            (no2_hourly if members else no2_hourly[0]).astype(np.float32),
            {"units": "ug m-3"},
        )
    return xr.Dataset(
        variables,
        coords={"time": time, "lat": lat, "lon": lon},
        attrs={"model": "HAND", "issued": "2026-11-30T12:00Z", "forecast_id": "HAND@1"},
    )


def _feature(code: str, name: str, lon0: float, lon1: float) -> dict:
    ring = [[lon0, 38.0], [lon1, 38.0], [lon1, 39.0], [lon0, 39.0], [lon0, 38.0]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "kind": "city", "parent": "130000"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def regions(split: bool = False) -> dict:
    """One region covering the 2 × 2 grid (114–115 °E, 38–39 °N), or its two halves."""
    if split:
        features = [
            _feature(REGION_CODE, "石家庄市", 114.0, 114.5),
            _feature(EAST_CODE, "唐山市", 114.5, 115.0),
        ]
    else:
        features = [_feature(REGION_CODE, "石家庄市", 114.0, 115.0)]
    return {"type": "FeatureCollection", "features": features}


def write(directory: Path, dataset: xr.Dataset, split: bool = False) -> tuple[Path, Path]:
    """Write ``forecast.nc`` and ``regions.geojson`` into ``directory``; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    nc, geojson = directory / "forecast.nc", directory / "regions.geojson"
    dataset.to_netcdf(nc, engine="netcdf4")
    geojson.write_text(json.dumps(regions(split)), "utf-8")
    return nc, geojson
