"""Small forecast files written as CMAQ, WRF-Chem and CAMS write theirs (for the tests).

Each holds 4 CST days from 00:00 CST of 2026-12-01 (16:00 UTC the day before), PM2.5 constant
within a day (``PM25_DAYS`` [µg m⁻³], daily AQI 210, 210, 310, 137 under HJ 633-2026) and a
constant O3; the CMAQ and WRF-Chem files carry a second level aloft with other values, so a
test sees which level is read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xarray as xr

from grids import ProjectedGrid, lambert_conformal

PM25_DAYS = (160.0, 160.0, 260.0, 100.0)
HOURS = 24 * len(PM25_DAYS)
START_UTC = dt.datetime(2026, 11, 30, 16)
O3_PPM = 0.02  # 20 ppb: 39.24 µg/m³ at 298.15 K and 1013.25 hPa
LAMBERT = {"P_ALP": 25.0, "P_BET": 47.0, "P_GAM": 114.5, "XCENT": 114.5, "YCENT": 38.5}
NROWS, NCOLS, CELL = 4, 5, 12000.0


def hourly_pm25() -> np.ndarray:
    return np.repeat(np.asarray(PM25_DAYS, np.float32), 24)


def lambert_grid() -> ProjectedGrid:
    crs = lambert_conformal(25.0, 47.0, 38.5, 114.5)
    x = -CELL * NCOLS / 2 + CELL * (np.arange(NCOLS) + 0.5)
    y = -CELL * NROWS / 2 + CELL * (np.arange(NROWS) + 0.5)
    return ProjectedGrid(crs, x, y)


def cmaq(path: Path, *, pm25_name: str = "PM25_TOT", with_pm25: bool = True) -> Path:
    """A combine-style CMAQ file: (TSTEP, LAY, ROW, COL), TFLAG, O3 in ppmV, I/O API grid."""
    times = [START_UTC + dt.timedelta(hours=h) for h in range(HOURS)]
    tflag = np.array(
        [[[int(t.strftime("%Y%j")), int(t.strftime("%H%M%S"))]] * 2 for t in times], np.int32
    )
    shape = (HOURS, 2, NROWS, NCOLS)
    pm = np.broadcast_to(hourly_pm25()[:, None, None, None], shape).copy()
    pm[:, 1] = 999.0  # aloft: never read
    o3 = np.full(shape, O3_PPM, np.float32)
    o3[:, 1] = 0.5
    variables = {
        "TFLAG": (("TSTEP", "VAR", "DATE-TIME"), tflag, {"units": "<YYYYDDD,HHMMSS>"}),
        "O3": (("TSTEP", "LAY", "ROW", "COL"), o3, {"units": "ppmV            "}),
    }
    if with_pm25:
        variables[pm25_name] = (("TSTEP", "LAY", "ROW", "COL"), pm, {"units": "ug/m3           "})
    ds = xr.Dataset(
        variables,
        attrs={
            "IOAPI_VERSION": "ioapi-3.2",
            "GDTYP": 2,
            **LAMBERT,
            "XORIG": -CELL * NCOLS / 2,
            "YORIG": -CELL * NROWS / 2,
            "XCELL": CELL,
            "YCELL": CELL,
            "NCOLS": NCOLS,
            "NROWS": NROWS,
            "SDATE": int(START_UTC.strftime("%Y%j")),
            "STIME": 160000,
            "TSTEP": 10000,
        },
    )
    ds.to_netcdf(path, engine="netcdf4")
    return path


def wrf_chem(path: Path) -> Path:
    """A wrfout-style file: (Time, bottom_top, south_north, west_east), Times, XLAT/XLONG."""
    grid = lambert_grid()
    shape = (HOURS, 2, NROWS, NCOLS)
    pm = np.broadcast_to(hourly_pm25()[:, None, None, None], shape).copy()
    pm[:, 1] = 999.0
    o3 = np.full(shape, O3_PPM, np.float32)
    o3[:, 1] = 0.5
    times = np.array(
        [(START_UTC + dt.timedelta(hours=h)).strftime("%Y-%m-%d_%H:%M:%S") for h in range(HOURS)],
        dtype="S19",
    )
    lat = np.broadcast_to(grid.lat, (HOURS, NROWS, NCOLS)).astype(np.float32)
    lon = np.broadcast_to(grid.lon, (HOURS, NROWS, NCOLS)).astype(np.float32)
    dims = ("Time", "bottom_top", "south_north", "west_east")
    ds = xr.Dataset(
        {
            "Times": (("Time",), times),
            "XLAT": (("Time", "south_north", "west_east"), lat, {"units": "degree_north"}),
            "XLONG": (("Time", "south_north", "west_east"), lon, {"units": "degree_east"}),
            "PM2_5_DRY": (dims, pm, {"units": "ug m^-3", "description": "pm2.5 aerosol dry mass"}),
            "o3": (dims, o3, {"units": "ppmv", "description": "O3 mixing ratio"}),
        },
        attrs={
            "MAP_PROJ": 1,
            "TRUELAT1": 25.0,
            "TRUELAT2": 47.0,
            "STAND_LON": 114.5,
            "MOAD_CEN_LAT": 38.5,
            "DX": CELL,
            "DY": CELL,
        },
    )
    ds.to_netcdf(path, engine="netcdf4", encoding={"Times": {"char_dim_name": "DateStrLen"}})
    return path


def cams(path: Path, *, pm25_units: str = "kg m**-3", air_density: float | None = None) -> Path:
    """A CAMS global forecast as the ADS writes it: (valid_time, pressure_level, latitude,
    longitude), latitude descending, go3 as a mass mixing ratio, pm2p5 in kg m-3."""
    lat = np.array([39.0, 38.5, 38.0])  # descending, as in CAMS files
    lon = np.array([114.0, 114.5, 115.0])
    times = np.array([START_UTC + dt.timedelta(hours=h) for h in range(HOURS)], "datetime64[ns]")
    pm = hourly_pm25().astype(np.float64) * 1e-9  # kg m-3
    if pm25_units.startswith("kg kg"):
        pm = pm / (air_density or 1.2)
    shape = (HOURS, 2, lat.size, lon.size)
    pm_field = np.broadcast_to(pm[:, None, None, None], shape).copy()
    pm_field[:, 0] = 9e-7  # 500 hPa, aloft: never read
    # 20 ppb of O3 as a mass mixing ratio: 20e-9 · 48.00 / 28.9647
    go3 = np.full(shape, 20e-9 * 48.00 / 28.9647)
    dims = ("valid_time", "pressure_level", "latitude", "longitude")
    variables = {
        "pm2p5": (dims, pm_field, {"units": pm25_units}),
        "go3": (dims, go3, {"units": "kg kg**-1"}),
    }
    if air_density is not None:
        variables["air_density"] = (dims, np.full(shape, air_density), {"units": "kg m**-3"})
    ds = xr.Dataset(
        variables,
        coords={
            "valid_time": ("valid_time", times),
            "pressure_level": ("pressure_level", [500.0, 1000.0], {"units": "hPa"}),
            "latitude": ("latitude", lat),
            "longitude": ("longitude", lon),
        },
        attrs={"institution": "ECMWF", "Conventions": "CF-1.7"},
    )
    ds.to_netcdf(path, engine="netcdf4")
    return path
