"""What the weights say about each region: the rows of ``lantian regions``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import ForecastError
from grids._grid import grid_from_dataset
from grids._regions import RegionSet
from grids._weights import CoverageWeights

__all__ = ["coverage_report", "read_grid"]


def coverage_report(regions: RegionSet, weights: CoverageWeights) -> list[dict[str, Any]]:
    """One row per region of the set, covered or not.

    Returns
    -------
    list of dict
        ``code``, ``name``, ``kind``, ``parent``, ``cells`` (cells with a non-zero weight),
        ``area_km2`` (the region's area on the grid, from the weights [km²]),
        ``polygon_area_km2`` (geodesic area of the polygon [km²]) and ``covered_fraction`` [1].
    """
    if list(weights.region_codes) != regions.codes:
        raise ValueError("weights and regions list different codes")
    cells, area, polygon = weights.cells, weights.region_area_km2, weights.polygon_area_km2
    covered = weights.covered_fraction
    return [
        {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "parent": r.parent,
            "cells": int(cells[i]),
            "area_km2": round(float(area[i]), 3),
            "polygon_area_km2": round(float(polygon[i]), 3),
            "covered_fraction": round(float(covered[i]), 6),
        }
        for i, r in enumerate(regions)
    ]


def read_grid(path: str | Path) -> Any:
    """The grid of a forecast netCDF file (coordinates only; the data are not read)."""
    import xarray as xr

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
