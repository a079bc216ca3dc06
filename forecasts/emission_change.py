"""Writing the hourly emission change of a programme or plan on a forecast's grid (CF netCDF).

The input contract of the scenario simulator (docs/design.md, "Data contracts"): variables
``voc`` and ``nox`` with dims ``(time, lat, lon)`` on a lat/lon grid or ``(time, y, x)`` on a
Lambert grid (then with 2-D ``lat``/``lon`` and a CF ``grid_mapping``), ``time`` hourly in UTC,
values the change of the emission rate in each cell, scenario minus base [kg h⁻¹ per cell]
(docs/rules.md §4.3). A pure peak shift sums to zero over each CST day in each cell. The same
change split by the lines' VOC class is in ``voc_by_sector`` and ``nox_by_sector``
(``(sector, time, …)``), when asked for.

Which cell a firm lies in is decided here (the adapter knows the grid); the change itself is
:func:`engine.ozone.hourly_change`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import xarray as xr

from engine.errors import ForecastError
from engine.ozone import CHANGE_SPECIES, ProgrammeResult, hourly_change, hourly_times
from grids import ProjectedGrid, RegularGrid

__all__ = ["emission_change_dataset", "firm_cells", "write_emission_change"]

_LONG_NAMES = {
    "voc": "change of the VOC emission rate, scenario minus base",
    "nox": "change of the NOx emission rate, scenario minus base",
}


def _index(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cell of each value along one axis, ``-1`` outside (edges ascending or descending)."""
    ascending = edges[-1] > edges[0]
    e = edges if ascending else edges[::-1]
    k = np.searchsorted(e, values, side="right") - 1
    inside = (values >= e[0]) & (values < e[-1]) & np.isfinite(values)
    k = np.where(inside, k, -1)
    n = edges.size - 1
    return np.where(inside & ~ascending, n - 1 - k, k)


def firm_cells(grid: RegularGrid | ProjectedGrid, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flat (C-order, in the grid's dims) cell index of each point, ``-1`` off the grid.

    ``(point,), (point,) -> (point,)``; ``lon``, ``lat`` [°].
    """
    lon = np.asarray(lon, np.float64)
    lat = np.asarray(lat, np.float64)
    if isinstance(grid, RegularGrid):
        rows, cols = _index(grid.lat_edges, lat), _index(grid.lon_edges, lon)
    else:
        x, y = pyproj.Proj(grid.crs)(lon, lat)
        rows, cols = _index(grid.y_edges, np.asarray(y)), _index(grid.x_edges, np.asarray(x))
    ny, nx = grid.shape
    return np.where((rows >= 0) & (cols >= 0), rows * nx + cols, -1).astype(np.int64)


def emission_change_dataset(
    result: ProgrammeResult,
    grid: RegularGrid | ProjectedGrid,
    *,
    by_sector: bool = False,
    attrs: dict[str, Any] | None = None,
) -> xr.Dataset:
    """The hourly change of ``result`` on ``grid`` as a CF dataset (module docstring).

    Parameters
    ----------
    result : engine.ozone.ProgrammeResult
        A programme (or O3-episode measures) over consecutive CST days.
    grid : grids.RegularGrid or grids.ProjectedGrid
        The forecast's grid.
    by_sector : bool
        Add ``voc_by_sector`` and ``nox_by_sector`` (dim ``sector``: the VOC classes changed).
    attrs : dict, optional
        Extra global attributes.

    Returns
    -------
    xarray.Dataset
        ``voc``, ``nox`` (time, lat, lon) or (time, y, x) [kg h⁻¹ per cell], float32.
    """
    reg = result.registry
    cells = firm_cells(grid, reg.lon, reg.lat)
    change, sectors = hourly_change(result, cells, grid.size, by_sector=by_sector)
    ny, nx = grid.shape
    dims = grid.dims
    times = hourly_times(result.dates)
    total = change.sum(axis=1) if by_sector else change
    data: dict[str, Any] = {}
    for k, species in enumerate(CHANGE_SPECIES):
        var_attrs = {
            "units": "kg h-1",
            "long_name": _LONG_NAMES[species],
            "cell_methods": "time: mean",
        }
        if isinstance(grid, ProjectedGrid):
            var_attrs["grid_mapping"] = "crs"
        data[species] = (("time", *dims), total[k].reshape(-1, ny, nx), var_attrs)
        if by_sector:
            values = change[k].reshape(len(sectors), -1, ny, nx)
            data[f"{species}_by_sector"] = (("sector", "time", *dims), values, dict(var_attrs))
    coords: dict[str, Any] = {"time": times}
    if by_sector:
        coords["sector"] = np.array(sectors, dtype=object)
    if isinstance(grid, RegularGrid):
        coords["lat"] = ("lat", grid.lat, {"units": "degrees_north", "standard_name": "latitude"})
        coords["lon"] = ("lon", grid.lon, {"units": "degrees_east", "standard_name": "longitude"})
    else:
        coords["y"] = ("y", grid.y, {"units": "m", "standard_name": "projection_y_coordinate"})
        coords["x"] = ("x", grid.x, {"units": "m", "standard_name": "projection_x_coordinate"})
        coords["lat"] = (("y", "x"), grid.lat, {"units": "degrees_north"})
        coords["lon"] = (("y", "x"), grid.lon, {"units": "degrees_east"})
        data["crs"] = ((), np.int32(0), grid.crs.to_cf())
    moved, removed = result.kg("voc")
    off = int(((cells < 0)[reg.line_enterprise()] & (result.action != 0)).sum())
    period = f"{result.dates[0]}/{result.dates[-1]}" if result.dates else ""
    global_attrs = {
        "Conventions": "CF-1.8",
        "title": "Lantian hourly emission change, scenario minus base",
        "programme": result.programme.id,
        "programme_status": result.programme.status,
        "source": result.programme.source,
        "period_cst": period,
        "change": "scenario minus base; a pure peak shift sums to zero over each CST day",
        "voc_moved_kg": float(moved.sum()),
        "voc_removed_kg": float(removed.sum()),
        "lines_off_grid": off,
        "history": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%MZ} written by Lantian",
    }
    global_attrs.update(attrs or {})
    return xr.Dataset(data, coords=coords, attrs=global_attrs)


def write_emission_change(dataset: xr.Dataset, path: str | Path) -> Path:
    """Write the change dataset as compressed netCDF-4 (atomically: a temporary file, then
    renamed); return the path."""
    path = Path(path)
    encoding: dict[str, dict[str, Any]] = {
        str(v): {"zlib": True, "complevel": 4} for v in dataset.data_vars if v != "crs"
    }
    encoding["time"] = {"units": "hours since 1970-01-01 00:00:00", "dtype": "int64"}
    tmp = path.with_name(path.name + ".tmp")
    try:
        dataset.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise ForecastError(f"cannot write the emission change to {path}: {error}") from None
    tmp.replace(path)
    return path
