"""The grid of a forecast: lat/lon or Lambert, from an open dataset or a netCDF file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xarray as xr

from engine.errors import ForecastError
from grids._projected import ProjectedGrid
from grids._regular import RegularGrid

__all__ = ["grid_from_dataset", "read_grid"]


def grid_from_dataset(ds: Any) -> RegularGrid | ProjectedGrid:
    """The grid of a forecast dataset (or data array).

    A :class:`~grids.ProjectedGrid` when the file carries Lambert projection parameters (CF
    ``grid_mapping``, WRF ``MAP_PROJ``, I/O API ``GDTYP``) or 2-D ``lat``/``lon``, else a
    :class:`~grids.RegularGrid` from its 1-D ``lat``/``lon`` [°].

    Parameters
    ----------
    ds : xarray.Dataset or xarray.DataArray
        The forecast, or any object with its coordinates.

    Returns
    -------
    RegularGrid or ProjectedGrid
    """
    attrs = getattr(ds, "attrs", {})
    variables = getattr(ds, "variables", {})
    projected = (
        "GDTYP" in attrs
        or "MAP_PROJ" in attrs
        or any("grid_mapping_name" in ds[name].attrs for name in variables)
        or any(n in variables and ds[n].ndim >= 2 for n in ("lat", "latitude", "XLAT"))
    )
    if projected:
        return ProjectedGrid.from_dataset(ds)
    return RegularGrid.from_dataset(ds)


def read_grid(path: str | Path) -> RegularGrid | ProjectedGrid:
    """The grid of a forecast netCDF file (coordinates only; the data are not read).

    Raises
    ------
    ForecastError
        The file is missing or carries no usable grid.
    """
    path = Path(path)
    if not path.is_file():
        raise ForecastError(f"forecast file {path} does not exist")
    try:
        with xr.open_dataset(path, decode_times=False) as ds:
            return grid_from_dataset(ds)
    except (OSError, ValueError) as error:
        if isinstance(error, ForecastError):
            raise
        raise ForecastError(f"forecast file {path}: no usable grid ({error})") from None
