"""Fractional coverage weights: the area of each region inside each grid cell.

The weights of a region set on a grid form a sparse matrix ``(region, cell)`` whose entries are
the area [km²] of ``region ∩ cell`` computed from the polygon (not from cell centres), exact to
~1e-8 (see :func:`coverage_weights`): a cell half inside a region carries half its area. Row
sums are the part of each region's area that the grid covers; dividing by the geodesic area of
the polygon gives the covered fraction.

Weights are cached on disk under a key made of the grid fingerprint and the region-set hash, so
a change to either builds new weights.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray

from engine.errors import RegionError
from grids._base import CoverageFrame, Grid
from grids._geodesy import geodesic_area_km2
from grids._open import grid_from_dataset
from grids._rasterise import polygon_cell_moments
from grids._regions import RegionSet

__all__ = ["CoverageWeights", "coverage_weights"]

log = logging.getLogger(__name__)

_CACHE_VERSION = "w2"  # w2: true-area density on projected grids, bowed edges
# Entries smaller than this fraction of their cell's area are rounding noise of the kernel.
_MIN_FRACTION = 1e-9
# A region whose weights cover its polygon to within this is entirely on the grid.
_COVERED_TOLERANCE = 1e-4


@dataclass(frozen=True, eq=False)
class CoverageWeights:
    """Sparse weights ``(region, cell)`` of a region set on a grid.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``(n_regions, grid.size)`` weights; for ``kind="area"`` the area [km²] of
        region ∩ cell, cells in C order of the grid's ``(lat, lon)`` (or ``(y, x)``).
    region_codes : list of str
        Region codes, the matrix rows in order.
    polygon_area_km2 : ndarray
        Geodesic area of each region's polygon [km²] (n_regions,).
    grid_fingerprint, regions_hash : str
        Keys of the grid and region set the weights were built for.
    grid_shape : tuple of int
        Shape of the grid ``(ny, nx)``.
    kind : str
        ``"area"`` (default), ``"population"`` or ``"stations"``.
    """

    matrix: sp.csr_matrix
    region_codes: list[str]
    polygon_area_km2: NDArray[np.float64]
    grid_fingerprint: str
    regions_hash: str
    grid_shape: tuple[int, int]
    kind: str = "area"
    region_area_km2: NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        m = self.matrix
        if m.shape != (len(self.region_codes), self.grid_shape[0] * self.grid_shape[1]):
            raise RegionError(f"weights matrix has shape {m.shape}, inconsistent with its grid")
        object.__setattr__(self, "region_area_km2", _area_of(self))

    @property
    def covered_fraction(self) -> NDArray[np.float64]:
        """Part of each region's polygon area that lies on the grid [1] (area weights)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.polygon_area_km2 > 0, self.region_area_km2 / self.polygon_area_km2, 0.0
            )

    @property
    def cells(self) -> NDArray[np.int64]:
        """Number of cells with a non-zero weight, per region."""
        return np.diff(self.matrix.indptr).astype(np.int64)

    @property
    def weight_sum(self) -> NDArray[np.float64]:
        """Row sums of the matrix (the denominator of a mean with no missing cell)."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()

    @property
    def reference_weight(self) -> NDArray[np.float64]:
        """Weight of each whole region, the denominator of the valid fraction of a mean.

        For area weights, the geodesic area of the polygon, so that a region partly off the
        grid never looks complete (the row sum when the region is covered to within 1e-4,
        where the two differ only by the rounding of the polygon edges); for other weights,
        the row sum.
        """
        total = self.weight_sum
        if self.kind != "area":
            return total
        return np.where(
            self.covered_fraction >= 1 - _COVERED_TOLERANCE, total, self.polygon_area_km2
        )

    def kernel_arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """``(indptr, indices, data)`` as int64/int64/float64 C arrays for the kernels."""
        cached = self.__dict__.get("_kernel_arrays")
        if cached is None:
            m = self.matrix
            cached = (
                np.ascontiguousarray(m.indptr, dtype=np.int64),
                np.ascontiguousarray(m.indices, dtype=np.int64),
                np.ascontiguousarray(m.data, dtype=np.float64),
            )
            object.__setattr__(self, "_kernel_arrays", cached)
        return cached

    def check_field(self, field: Any) -> None:
        """Raise :class:`RegionError` if ``field``'s lat/lon are not the weights' grid."""
        lat = next((field.coords[n] for n in ("lat", "latitude") if n in field.coords), None)
        if lat is None or lat.ndim != 1:  # projected fields: the grid shape was checked
            return
        fingerprint = grid_from_dataset(field).fingerprint
        if fingerprint != self.grid_fingerprint:
            raise RegionError(
                f"field {getattr(field, 'name', '')!r} is on grid {fingerprint}, but the weights "
                f"were built for grid {self.grid_fingerprint}: rebuild them with "
                "coverage_weights(regions, grid_from_dataset(ds))"
            )

    def with_matrix(self, matrix: sp.csr_matrix, kind: str) -> CoverageWeights:
        """Same regions and grid, other weights (see :mod:`grids._pluggable`)."""
        new = CoverageWeights(
            matrix=sp.csr_matrix(matrix),
            region_codes=self.region_codes,
            polygon_area_km2=self.polygon_area_km2,
            grid_fingerprint=self.grid_fingerprint,
            regions_hash=self.regions_hash,
            grid_shape=self.grid_shape,
            kind=kind,
        )
        object.__setattr__(new, "region_area_km2", self.region_area_km2)
        return new


def _area_of(weights: CoverageWeights) -> NDArray[np.float64]:
    return np.asarray(weights.matrix.sum(axis=1)).ravel()


def coverage_weights(
    regions: RegionSet, grid: Grid, *, cache_dir: Path | str | None = None
) -> CoverageWeights:
    """Area of each region inside each cell of ``grid``, exactly, as a sparse matrix.

    Parameters
    ----------
    regions : RegionSet
        Regions in lon/lat [°].
    grid : RegularGrid or ProjectedGrid
        The forecast grid.
    cache_dir : path, optional
        Directory of the on-disk cache; weights are read from it when present for this grid
        fingerprint and region-set hash, else built and written.

    Returns
    -------
    CoverageWeights
        ``matrix`` ``(region, cell)`` with area [km²] entries.

    Notes
    -----
    Each entry is the ellipsoidal (WGS84) area of the part of the region — its edges straight
    in lon/lat, as GeoJSON draws them — inside the cell. The intersection is integrated in a
    plane where the cells are rectangles: on a lat/lon grid the cylindrical equal-area plane
    (longitude [rad], authalic northing), where areas are true; on a projected grid the
    projection plane, weighting each cell by its true area per plane area (a quadratic fitted
    in the cell, :mod:`grids._cellarea`). In both planes a region's edges are slightly bowed
    curves; each is integrated as the parabola through its ends and the image of its lon/lat
    midpoint (:mod:`grids._rasterise`). Against Karney's geodesic area of region ∩ cell, the
    worst relative error of a weight of ≥ 1 % of its cell is below 1e-7 on Lambert grids of
    3–12 km and lat/lon grids of 0.05–0.25° (``tests/grids/test_exact_coverage.py`` asserts
    1e-6). ``region_area_km2`` of a region fully on the grid therefore equals its
    ``polygon_area_km2`` up to the difference between straight-in-lon/lat and geodesic edges
    (at most 7e-7 for the bundled counties).
    """
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"weights-{grid.fingerprint}-{regions.hash}-{_CACHE_VERSION}.npz"
        if path.exists():
            try:
                return _read(path, regions, grid)
            except (OSError, ValueError, KeyError) as error:
                log.warning("ignoring unreadable weights cache %s: %s", path, error)
    weights = _build(regions, grid)
    if path is not None:
        _write(path, weights)
    return weights


def _build(regions: RegionSet, grid: Grid) -> CoverageWeights:
    frame = grid.coverage_frame()
    ny, nx = frame.order.shape
    geoms = shapely.orient_polygons(regions.geometries, exterior_cw=False)
    if frame.densify_deg:
        geoms = shapely.segmentize(geoms, frame.densify_deg)
    parts, part_region = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    ring_region = part_region[ring_part]
    ring_start = np.searchsorted(coord_ring, np.arange(len(rings) + 1)).astype(np.int64)
    region_ring = np.searchsorted(ring_region, np.arange(len(regions) + 1))
    px, py, sx, sy = _plane_edges(frame, coords, ring_start)

    xe, ye = frame.x_edges, frame.y_edges
    indptr = np.zeros(len(regions) + 1, dtype=np.int64)
    chunks_idx, chunks_val = [], []
    for r in range(len(regions)):
        r0, r1 = region_ring[r], region_ring[r + 1]
        c0, c1 = ring_start[r0], ring_start[r1]
        x, y = px[c0:c1], py[c0:c1]
        i0 = max(int(np.searchsorted(ye, y.min(), side="right")) - 1, 0)
        i1 = min(int(np.searchsorted(ye, y.max(), side="left")), ny)
        j0 = max(int(np.searchsorted(xe, x.min(), side="right")) - 1, 0)
        j1 = min(int(np.searchsorted(xe, x.max(), side="left")), nx)
        if i0 >= i1 or j0 >= j1:
            indptr[r + 1] = indptr[r]
            continue
        moments = polygon_cell_moments(
            x,
            y,
            sx[c0:c1],
            sy[c0:c1],
            ring_start[r0 : r1 + 1] - c0,
            np.ascontiguousarray(xe[j0 : j1 + 1]),
            np.ascontiguousarray(ye[i0 : i1 + 1]),
        )
        if frame.density is None:
            area = moments[..., 0]
        else:  # ∬ density dA over region ∩ cell: the true area
            area = np.einsum("ijk,ijk->ij", moments, frame.density[i0:i1, j0:j1])
        cell_area = frame.cell_area_km2[i0:i1, j0:j1]
        fraction = np.clip(area / cell_area, 0.0, 1.0)
        keep = fraction > _MIN_FRACTION
        values = (fraction * cell_area)[keep]
        cells = frame.order[i0:i1, j0:j1][keep]
        sort = np.argsort(cells, kind="stable")
        chunks_idx.append(cells[sort])
        chunks_val.append(values[sort])
        indptr[r + 1] = indptr[r] + cells.size
    indices = np.concatenate(chunks_idx) if chunks_idx else np.zeros(0, np.int64)
    data = np.concatenate(chunks_val) if chunks_val else np.zeros(0)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(regions), ny * nx))
    return CoverageWeights(
        matrix=matrix,
        region_codes=regions.codes,
        polygon_area_km2=geodesic_area_km2(regions.geometries),
        grid_fingerprint=grid.fingerprint,
        regions_hash=regions.hash,
        grid_shape=(ny, nx),
    )


def _plane_edges(
    frame: CoverageFrame, lonlat: NDArray[np.float64], ring_start: NDArray[np.int64]
) -> tuple[NDArray[np.float64], ...]:
    """Ring vertices in the frame's plane ``(x, y)`` and the sagitta ``(sx, sy)`` of the edge
    starting at each vertex.

    Region edges are straight in lon/lat; in the plane they bow away from their chords. The
    sagitta — the plane image of the edge's lon/lat midpoint minus the chord's midpoint — lets
    the kernel add the area between the edge and its chord (see :mod:`grids._rasterise`).
    """
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    px, py = (np.ascontiguousarray(v, dtype=np.float64) for v in frame.to_plane(lon, lat))
    mx, my = frame.to_plane(0.5 * (lon[1:] + lon[:-1]), 0.5 * (lat[1:] + lat[:-1]))
    sx, sy = np.zeros_like(px), np.zeros_like(py)
    sx[:-1] = mx - 0.5 * (px[1:] + px[:-1])
    sy[:-1] = my - 0.5 * (py[1:] + py[:-1])
    ends = ring_start[1:] - 1  # the last vertex of a ring starts no edge
    sx[ends], sy[ends] = 0.0, 0.0
    return px, py, sx, sy


def _write(path: Path, weights: CoverageWeights) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    m = weights.matrix
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".weights-", suffix=".npz")
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            np.savez(
                handle,
                indptr=m.indptr,
                indices=m.indices,
                data=m.data,
                shape=np.asarray(m.shape),
                codes=np.asarray(weights.region_codes, dtype=str),
                polygon_area_km2=weights.polygon_area_km2,
                grid_shape=np.asarray(weights.grid_shape),
            )
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read(path: Path, regions: RegionSet, grid: Grid) -> CoverageWeights:
    with np.load(path, allow_pickle=False) as f:
        codes = [str(c) for c in f["codes"]]
        if codes != regions.codes:
            raise ValueError("region codes differ from the region set")
        matrix = sp.csr_matrix(
            (f["data"], f["indices"], f["indptr"]), shape=tuple(int(s) for s in f["shape"])
        )
        return CoverageWeights(
            matrix=matrix,
            region_codes=codes,
            polygon_area_km2=np.asarray(f["polygon_area_km2"], dtype=np.float64),
            grid_fingerprint=grid.fingerprint,
            regions_hash=regions.hash,
            grid_shape=(int(f["grid_shape"][0]), int(f["grid_shape"][1])),
        )
