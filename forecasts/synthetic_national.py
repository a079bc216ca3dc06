"""A synthetic national 0.05° ensemble forecast written chunk by chunk, never whole in memory.

For the distributed pipeline's tests and benchmark (docs/distributed.md): a CF netCDF file with
``pm25`` and ``o3`` ``(member, time, lat, lon)`` [µg m⁻³] on a regular grid over China
(default 80–135° E, 18–53° N at 0.05°: 700 × 1100 cells), hourly in UTC from 00:00 CST of the
start day. The structure is that of :mod:`forecasts.synthetic` (the polluted North China Plain,
diurnal cycles in CST, a multi-day episode whose strength varies by member) with uniform
multiplicative noise. Each block of ``chunk_hours`` hours of one member is generated from its
own random stream (seed, member, block), so member ``m`` is the same whatever the number of
members, and a one-member file is member 0 of a larger one. The file is written uncompressed
with HDF5 chunks of one member × ``chunk_hours`` × the whole grid, the chunks a lazy read
uses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from engine.cst import CST
from forecasts.synthetic import _episode_curve, _ozone_shape, _plain_field

__all__ = ["NATIONAL_DOMAIN", "write_national_forecast"]

NATIONAL_DOMAIN = (80.0, 135.0, 18.0, 53.0, 0.05)
"""Outer edges lon0, lon1, lat0, lat1 and step [degrees]: 700 × 1100 cells."""
_COLD_MONTHS = {10, 11, 12, 1, 2, 3}


def write_national_forecast(
    path: str | Path,
    start_date: dt.date,
    *,
    members: int | None = 10,
    hours: int = 240,
    domain: tuple[float, float, float, float, float] = NATIONAL_DOMAIN,
    chunk_hours: int = 24,
    seed: int = 20261202,
    model: str = "LANTIAN-NATIONAL-SYNTH",
) -> int:
    """Write the forecast to ``path`` block by block; return the bytes of its pollutants.

    Parameters
    ----------
    path : str or pathlib.Path
        The netCDF file (overwritten).
    start_date : datetime.date
        First CST day; the first hour is its 00:00 CST.
    members : int, optional
        Ensemble members (a ``member`` dim); None: no member dim (one deterministic run, the
        same values as member 0).
    hours : int
        Forecast hours [h].
    domain : tuple of float
        ``(lon0, lon1, lat0, lat1, step)``: outer cell edges and cell size [degree].
    chunk_hours : int
        Hours per generated block and per HDF5 chunk [h].
    seed : int
        Seed of the random streams.
    model : str
        Model name written to the attributes.

    Returns
    -------
    int
        Size of ``pm25`` and ``o3`` together [bytes] (float32, uncompressed).
    """
    import netCDF4

    lon0, lon1, lat0, lat1, step = domain
    lon = np.round(np.arange(lon0 + step / 2, lon1, step), 6)
    lat = np.round(np.arange(lat0 + step / 2, lat1, step), 6)
    midnight = dt.datetime.combine(start_date, dt.time(), CST)
    start_utc = midnight.astimezone(dt.UTC).replace(tzinfo=None)
    epoch_hours = int((start_utc - dt.datetime(1970, 1, 1)) // dt.timedelta(hours=1))
    issued = (start_utc - dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%MZ")
    lon2, lat2 = np.meshgrid(lon, lat)
    plain = np.clip(_plain_field(lon2, lat2), 0.0, None).astype(np.float32)
    cold = start_date.month in _COLD_MONTHS
    n_members = members or 1
    lead = ("member",) if members else ()
    chunk = min(chunk_hours, hours)
    path = Path(path)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.setncatts(
            {
                "Conventions": "CF-1.8",
                "title": "Lantian synthetic national forecast (not a model output)",
                "model": model,
                "issued": issued,
                "forecast_id": f"{model}@{issued}",
                "seed": seed,
            }
        )
        if members:
            nc.createDimension("member", n_members)
            nc.createVariable("member", "i4", ("member",))[:] = np.arange(n_members)
        nc.createDimension("time", hours)
        nc.createDimension("lat", lat.size)
        nc.createDimension("lon", lon.size)
        time = nc.createVariable("time", "i8", ("time",))
        time.setncatts({"units": "hours since 1970-01-01 00:00:00", "standard_name": "time"})
        time[:] = epoch_hours + np.arange(hours)
        for name, values, units in (("lat", lat, "degrees_north"), ("lon", lon, "degrees_east")):
            variable = nc.createVariable(name, "f8", (name,))
            variable.units = units
            variable[:] = values
        out = {}
        for name, long_name in (("pm25", "PM2.5 mass concentration"), ("o3", "ozone")):
            out[name] = nc.createVariable(
                name,
                "f4",
                (*lead, "time", "lat", "lon"),
                chunksizes=((1,) if members else ()) + (chunk, lat.size, lon.size),
            )
            out[name].setncatts({"units": "ug m-3", "long_name": f"{long_name} (synthetic)"})
        for m in range(n_members):
            strength = 1.0 + (0.25 * np.random.default_rng([seed, m]).standard_normal() if m else 0)
            for h0 in range(0, hours, chunk):
                h1 = min(h0 + chunk, hours)
                pm25, o3 = _block(seed, m, h0, h1, plain, cold, strength)
                where = (m, slice(h0, h1)) if members else (slice(h0, h1),)
                out["pm25"][where] = pm25
                out["o3"][where] = o3
    return 2 * n_members * hours * lat.size * lon.size * 4


def _block(
    seed: int, member: int, h0: int, h1: int, plain: np.ndarray, cold: bool, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """Hours ``h0 … h1 - 1`` of one member: ``(time, lat, lon)`` float32 twice [µg m⁻³]."""
    rng = np.random.default_rng([seed, member, h0])
    hours = np.arange(h0, h1)
    local_hour = (hours % 24).astype(np.float64)
    f32 = np.float32
    episode = _episode_curve(hours / 24.0, cold, strength).astype(f32)[:, None, None]
    shape_o3 = _ozone_shape(local_hour).astype(f32)[:, None, None]
    if cold:
        diurnal = (1.0 + 0.25 * np.cos(2 * np.pi * (local_hour - 2.0) / 24.0)).astype(f32)
        pm = (20.0 + 50.0 * plain)[None] * diurnal[:, None, None] * (1 + episode * plain[None])
        ozone = (60.0 + 15.0 * (1 - plain))[None] * shape_o3 + f32(15.0)
    else:
        diurnal = (1.0 + 0.10 * np.cos(2 * np.pi * (local_hour - 6.0) / 24.0)).astype(f32)
        pm = (15.0 + 25.0 * plain)[None] * diurnal[:, None, None]
        ozone = (100.0 + 50.0 * plain)[None] * (1 + episode * plain[None]) * shape_o3 + f32(30.0)
    shape = (h1 - h0, *plain.shape)
    pm = pm.astype(f32) * (f32(0.9) + f32(0.2) * rng.random(shape, dtype=f32))
    ozone = ozone.astype(f32) * (f32(0.92) + f32(0.16) * rng.random(shape, dtype=f32))
    return np.maximum(pm, f32(1.0)), np.maximum(ozone, f32(2.0))
