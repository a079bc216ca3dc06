"""Grids, region polygons and fractional coverage weights.

* :class:`RegularGrid` — lat/lon grids read from a forecast (``RegularGrid.from_dataset``) or
  built from outer edges (``RegularGrid.from_bounds``), with exact ellipsoidal cell areas and a
  stable fingerprint; :class:`ProjectedGrid` — Lambert conformal grids as WRF, CMAQ (I/O API)
  or CF files describe them; :func:`grid_from_dataset` and :func:`read_grid` pick the right one;
  :class:`Grid` is what both offer the coverage weights;
* :class:`Region`, :class:`RegionSet`, :func:`load_regions` — administrative regions from a
  GeoJSON FeatureCollection or the bundled boundaries (``builtin:key-regions``);
* :func:`coverage_weights` — the exact area of every region inside every cell, as a sparse
  ``(region, cell)`` matrix, cached on disk; :func:`population_weights` and
  :func:`station_weights` weight the same regions by inhabitants or by monitoring stations.
"""

from engine.errors import RegionError
from grids._base import Grid
from grids._builtin import KeyRegion, builtin_sets, key_regions
from grids._load import load_regions
from grids._open import grid_from_dataset, read_grid
from grids._pluggable import population_weights, station_weights
from grids._projected import ProjectedGrid, lambert_conformal
from grids._regions import KINDS, Region, RegionSet, read_geojson, write_geojson
from grids._regular import RegularGrid
from grids._report import coverage_report
from grids._weights import CoverageWeights, coverage_weights

__all__ = [
    "KINDS",
    "CoverageWeights",
    "Grid",
    "KeyRegion",
    "ProjectedGrid",
    "Region",
    "RegionError",
    "RegionSet",
    "RegularGrid",
    "builtin_sets",
    "coverage_report",
    "coverage_weights",
    "grid_from_dataset",
    "key_regions",
    "lambert_conformal",
    "load_regions",
    "population_weights",
    "read_geojson",
    "read_grid",
    "station_weights",
    "write_geojson",
]
