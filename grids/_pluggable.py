"""Other weightings of the same regions on the same grid: population and stations.

An alert centre's official value is not always an area mean: a city's value is the mean of its
monitoring stations, and exposure is population-weighted. Both are sparse ``(region, cell)``
matrices like the area weights and go through the same kernel.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike

from engine.errors import RegionError
from grids._base import Grid
from grids._regions import RegionSet
from grids._weights import CoverageWeights, coverage_weights

__all__ = ["population_weights", "station_weights"]

log = logging.getLogger(__name__)


def population_weights(weights: CoverageWeights, density: ArrayLike) -> CoverageWeights:
    """Population-weighted version of area ``weights``: people of region ∩ cell.

    Parameters
    ----------
    weights : CoverageWeights
        Area weights (``kind="area"``) on the grid of ``density``.
    density : array_like
        Population density of each cell [people km⁻²], shape ``grid.shape``; NaN is not allowed
        (use 0 for unpopulated cells).

    Returns
    -------
    CoverageWeights
        ``kind="population"``; entries [people]: the regional mean becomes the mean over the
        region's inhabitants (assuming a uniform density inside each cell).
    """
    if weights.kind != "area":
        raise RegionError(f"population weights start from area weights, got {weights.kind!r}")
    rho = np.asarray(density, dtype=np.float64)
    if rho.shape != tuple(weights.grid_shape):
        raise RegionError(
            f"population density has shape {rho.shape}, the grid {tuple(weights.grid_shape)}"
        )
    if not np.all(np.isfinite(rho)) or np.any(rho < 0):
        raise RegionError("population density must be finite and non-negative everywhere")
    matrix = weights.matrix.multiply(rho.reshape(1, -1)).tocsr()
    matrix.eliminate_zeros()
    return weights.with_matrix(matrix, "population")


def station_weights(
    regions: RegionSet,
    grid: Grid,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    codes: ArrayLike | None = None,
    cache_dir: Path | str | None = None,
) -> CoverageWeights:
    """Weights that average the cells holding each region's monitoring stations.

    Parameters
    ----------
    regions : RegionSet
    grid : RegularGrid or ProjectedGrid
    lon, lat : array_like
        Station positions [°] (n_stations,).
    codes : array_like of str, optional
        Region code of each station (as the monitoring network assigns them); default: the
        region whose polygon contains the station (a station in several regions — a county and
        its city — counts for each).
    cache_dir : path, optional
        Cache of the area weights these are built beside (areas stay reported).

    Returns
    -------
    CoverageWeights
        ``kind="stations"``: one unit of weight per station in the cell that contains it, so
        the regional mean is the mean of the station cells (a cell with two stations counts
        twice), as a city's official value is the mean of its stations. Stations off the grid
        are left out (logged).
    """
    area = coverage_weights(regions, grid, cache_dir=cache_dir)
    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if x.shape != y.shape:
        raise RegionError(f"station lon and lat differ in length: {x.size} and {y.size}")
    cell = _cell_of(grid, x, y)
    if codes is not None:
        code_list = [str(c) for c in np.atleast_1d(np.asarray(codes))]
        if len(code_list) != x.size:
            raise RegionError(f"{len(code_list)} station codes for {x.size} stations")
        station, region = [], []
        for i, c in enumerate(code_list):
            if c in regions:
                station.append(i)
                region.append(regions.index(c))
            else:
                log.warning("station %d names region %r, not in the set %s", i, c, regions.source)
        station_idx, region_idx = np.asarray(station, int), np.asarray(region, int)
    else:
        tree = shapely.STRtree(regions.geometries)
        station_idx, region_idx = tree.query(shapely.points(x, y), predicate="intersects")
    on_grid = cell[station_idx] >= 0
    if not on_grid.all():
        log.warning("%d station(s) lie off the grid and are left out", int((~on_grid).sum()))
    matrix = sp.coo_matrix(
        (np.ones(int(on_grid.sum())), (region_idx[on_grid], cell[station_idx][on_grid])),
        shape=area.matrix.shape,
    ).tocsr()  # duplicates (two stations in a cell) add up
    return area.with_matrix(matrix, "stations")


def _cell_of(grid: Grid, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """C-order index of the cell containing each point, -1 off the grid."""
    frame = grid.coverage_frame()
    px, py = frame.to_plane(lon, lat)
    col = np.searchsorted(frame.x_edges, px, side="right") - 1
    row = np.searchsorted(frame.y_edges, py, side="right") - 1
    ny, nx = frame.order.shape
    inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    out = np.full(lon.shape, -1, dtype=np.int64)
    out[inside] = frame.order[row[inside], col[inside]]
    return out
