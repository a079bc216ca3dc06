"""Regular lat/lon grids: cell centres, edges, areas and a stable fingerprint.

Cells are addressed in C order of ``(lat, lon)`` as the forecast stores them: cell ``k`` is
``(k // nlon, k % nlon)``. Coordinates may be ascending or descending.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.errors import RegionError
from grids._base import XY, CoverageFrame, ascending_order, centres_to_edges
from grids._geodesy import DENSIFY_DEG, authalic_y, quadrangle_area_km2

__all__ = ["RegularGrid"]


def _edges(centres: NDArray[np.float64], edges: ArrayLike | None, name: str) -> NDArray[np.float64]:
    if edges is None:
        return centres_to_edges(centres, name)
    e = np.asarray(edges, dtype=np.float64)
    inside = (e[:-1] - centres) * (e[1:] - centres) < 0 if e.shape == (centres.size + 1,) else None
    if inside is None or not np.all(inside):
        raise RegionError(f"grid {name} edges must be (n + 1,) and enclose each cell centre")
    return e


class RegularGrid:
    """A regular (rectilinear) lat/lon grid.

    Parameters
    ----------
    lat : array_like
        Cell-centre latitudes [°], 1-D, strictly ascending or descending.
    lon : array_like
        Cell-centre longitudes [°], 1-D, strictly ascending or descending.
    lat_edges, lon_edges : array_like, optional
        Cell edges [°] (n + 1,), in the order of the centres; default: midpoints between
        centres and half a step beyond the outer ones (needed for a single row or column).
    """

    kind = "regular"

    def __init__(
        self,
        lat: ArrayLike,
        lon: ArrayLike,
        *,
        lat_edges: ArrayLike | None = None,
        lon_edges: ArrayLike | None = None,
    ) -> None:
        self.lat = np.atleast_1d(np.asarray(lat, dtype=np.float64)).copy()
        self.lon = np.atleast_1d(np.asarray(lon, dtype=np.float64)).copy()
        self.lat_edges = np.clip(_edges(self.lat, lat_edges, "lat"), -90.0, 90.0)
        self.lon_edges = _edges(self.lon, lon_edges, "lon")
        if np.any(np.abs(self.lat) > 90):
            raise RegionError("grid lat must lie within [-90, 90]")
        if self.lon_edges.max() - self.lon_edges.min() > 360 + 1e-9:
            raise RegionError("grid lon spans more than 360°")
        self.lat.setflags(write=False)
        self.lon.setflags(write=False)

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_bounds(
        cls, lon0: float, lon1: float, lat0: float, lat1: float, step: float
    ) -> RegularGrid:
        """Grid of outer cell edges ``lon0..lon1``, ``lat0..lat1`` [°] and cells ``step`` [°].

        Latitudes ascend. The spans must be whole multiples of ``step`` (to 1e-6 of a cell).
        """
        if not step > 0:
            raise RegionError(f"grid step must be positive, got {step}")
        nlon, nlat = (lon1 - lon0) / step, (lat1 - lat0) / step
        for n, what in ((nlon, "LON1-LON0"), (nlat, "LAT1-LAT0")):
            if n < 1 - 1e-6 or abs(n - round(n)) > 1e-6:
                raise RegionError(
                    f"grid span {what} = {n * step:g}° is not a positive whole multiple of the "
                    f"step {step:g}°"
                )
        lon_edges = lon0 + step * np.arange(round(nlon) + 1)
        lat_edges = lat0 + step * np.arange(round(nlat) + 1)
        return cls(
            0.5 * (lat_edges[1:] + lat_edges[:-1]),
            0.5 * (lon_edges[1:] + lon_edges[:-1]),
            lat_edges=lat_edges,
            lon_edges=lon_edges,
        )

    @classmethod
    def from_dataset(cls, ds: Any) -> RegularGrid:
        """Grid of an xarray Dataset/DataArray with 1-D ``lat``/``lon`` coordinates [°]."""
        names = {"lat": ("lat", "latitude"), "lon": ("lon", "longitude")}
        found = {}
        for key, candidates in names.items():
            for name in candidates:
                if name in ds.coords or name in getattr(ds, "variables", {}):
                    found[key] = np.asarray(ds[name].values)
                    break
            else:
                raise RegionError(f"dataset has no '{key}' coordinate (looked for {candidates})")
        if found["lat"].ndim != 1 or found["lon"].ndim != 1:
            raise RegionError(
                "lat/lon are not 1-D: this is a projected grid; use grids.ProjectedGrid"
            )
        return cls(found["lat"], found["lon"])

    # -- description --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(nlat, nlon)``."""
        return (self.lat.size, self.lon.size)

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.lat.size * self.lon.size

    @property
    def dims(self) -> tuple[str, str]:
        """Names of the two grid dimensions in a forecast."""
        return ("lat", "lon")

    @property
    def fingerprint(self) -> str:
        """Stable hex digest of the kind and the (rounded) cell-centre coordinates."""
        h = hashlib.sha256(b"regular-latlon-v1")
        for arr in (self.lat, self.lon):
            # hashed as float32 so that a float32 copy of the coordinates (as many files store
            # them) has the fingerprint of the float64 original
            h.update(arr.astype("<f4").tobytes())
            h.update(b"|")
        return h.hexdigest()[:24]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Outer edges ``(lon_min, lon_max, lat_min, lat_max)`` [°]."""
        return (
            float(self.lon_edges.min()),
            float(self.lon_edges.max()),
            float(self.lat_edges.min()),
            float(self.lat_edges.max()),
        )

    def cell_area_km2(self) -> NDArray[np.float64]:
        """Exact ellipsoidal (WGS84) area of each cell [km²], shape ``(nlat, nlon)``.

        Uses the authalic function of the ellipsoid (see :mod:`grids._geodesy`), so the areas
        agree with Karney's geodesic area of the same quadrangle to rounding.
        """
        strip = quadrangle_area_km2(0.0, 1.0, self.lat_edges[:-1], self.lat_edges[1:])
        return strip[:, None] * np.abs(np.diff(self.lon_edges))[None, :]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RegularGrid) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        lon0, lon1, lat0, lat1 = self.bounds
        return (
            f"RegularGrid(lat={self.lat.size} cells {lat0:g}..{lat1:g}, "
            f"lon={self.lon.size} cells {lon0:g}..{lon1:g})"
        )

    # -- coverage -----------------------------------------------------------------------------
    def coverage_frame(self) -> CoverageFrame:
        """Cylindrical equal-area plane: x = lon [rad], y = authalic northing [km² rad⁻¹].

        Plane areas there are true ellipsoidal areas [km²] (see :mod:`grids._geodesy`).
        """
        rows, cols, order = ascending_order(self.lat, self.lon)
        lat_e = self.lat_edges if rows[0] == 0 else self.lat_edges[::-1]
        lon_e = self.lon_edges if cols[0] == 0 else self.lon_edges[::-1]
        x_edges, y_edges = np.deg2rad(lon_e), authalic_y(lat_e)

        def to_plane(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> XY:
            return np.deg2rad(lon), authalic_y(lat)

        return CoverageFrame(
            x_edges=x_edges,
            y_edges=y_edges,
            to_plane=to_plane,
            cell_area_km2=np.diff(y_edges)[:, None] * np.diff(x_edges)[None, :],
            density=None,
            order=order,
            densify_deg=DENSIFY_DEG,
        )
