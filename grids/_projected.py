"""Projected grids (Lambert conformal conic, as WRF and CMAQ write them).

A projected grid is regular in the plane of a projection: cell centres ``x`` (nx,) and ``y``
(ny,) [m], with 2-D cell-centre ``lat``/``lon`` derived through pyproj. Region polygons are
projected into that plane, where the cells are rectangles; there the coverage kernel integrates
the true area per plane area (a quadratic in each cell) over region ∩ cell, which gives the
ellipsoidal (WGS84) area of the part of the region inside the true image of the cell (see
:mod:`grids._cellarea` and :mod:`grids._rasterise`).

Three ways a file carries the projection are read by :meth:`ProjectedGrid.from_dataset`:
CF (a ``grid_mapping`` variable with ``grid_mapping_name = lambert_conformal_conic`` and
``x``/``y`` coordinates), WRF (``MAP_PROJ = 1``, ``TRUELAT1/2``, ``STAND_LON``,
``MOAD_CEN_LAT``, ``DX``/``DY`` and 2-D ``XLAT``/``XLONG`` or ``lat``/``lon``) and
Models-3 I/O API as CMAQ writes it (``GDTYP = 2``, ``P_ALP``, ``P_BET``, ``P_GAM``,
``XCENT``, ``YCENT``, ``XORIG``, ``YORIG``, ``XCELL``, ``YCELL``). WRF and CMAQ use a sphere
of radius 6,370 km; their lat/lon are taken as WGS84 lon/lat, as the models themselves do.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from engine.errors import RegionError
from grids._base import XY, CoverageFrame, ascending_order, centres_to_edges
from grids._cellarea import area_density, cell_area_km2, half_cell_lattice
from grids._geodesy import DENSIFY_DEG

__all__ = ["ProjectedGrid", "lambert_conformal"]

MODEL_SPHERE_M = 6_370_000.0
"""Earth radius of WRF and CMAQ (and MM5) [m]."""
_OUTLINE_SAMPLES = 8  # points per cell edge of the outlines of cell_polygons()


def lambert_conformal(
    lat_1: float,
    lat_2: float,
    lat_0: float,
    lon_0: float,
    *,
    sphere_m: float | None = MODEL_SPHERE_M,
) -> pyproj.CRS:
    """Lambert conformal conic CRS, on the models' sphere by default (``sphere_m=None``: WGS84)."""
    earth = f"+R={sphere_m}" if sphere_m else "+ellps=WGS84"
    return pyproj.CRS.from_proj4(
        f"+proj=lcc +lat_1={lat_1} +lat_2={lat_2} +lat_0={lat_0} +lon_0={lon_0} "
        f"+x_0=0 +y_0=0 {earth} +units=m +no_defs"
    )


class ProjectedGrid:
    """A grid regular in a projection plane.

    Parameters
    ----------
    crs : pyproj.CRS or str
        The projection (e.g. :func:`lambert_conformal`).
    x, y : array_like
        Cell-centre projected coordinates [m], 1-D, strictly monotonic.
    """

    kind = "projected"

    def __init__(self, crs: pyproj.CRS | str, x: ArrayLike, y: ArrayLike) -> None:
        self.crs = pyproj.CRS.from_user_input(crs)
        self.x = np.asarray(x, dtype=np.float64).copy()
        self.y = np.asarray(y, dtype=np.float64).copy()
        self.x_edges = centres_to_edges(self.x, "x")
        self.y_edges = centres_to_edges(self.y, "y")
        # Proj applies the projection alone (no datum shift): lon/lat are taken as they are
        self._proj = pyproj.Proj(self.crs)
        xx, yy = np.meshgrid(self.x, self.y)
        self.lon, self.lat = self._proj(xx, yy, inverse=True)

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: Any) -> ProjectedGrid:
        """Projected grid of a WRF, CMAQ (I/O API) or CF dataset (see the module docstring)."""
        attrs = dict(getattr(ds, "attrs", {}))
        for name in getattr(ds, "variables", {}):
            var = ds[name]
            if var.attrs.get("grid_mapping_name") == "lambert_conformal_conic":
                return cls._from_cf(ds, var.attrs)
        if int(attrs.get("GDTYP", 0)) == 2:
            return cls._from_ioapi(ds, attrs)
        if int(attrs.get("MAP_PROJ", 0)) == 1:
            return cls._from_wrf(ds, attrs)
        raise RegionError(
            "dataset has 2-D lat/lon but no Lambert projection parameters (CF grid_mapping, "
            "WRF MAP_PROJ=1 or I/O API GDTYP=2)"
        )

    @classmethod
    def _from_cf(cls, ds: Any, mapping: dict[str, Any]) -> ProjectedGrid:
        crs = pyproj.CRS.from_cf(mapping)
        x, y = (np.asarray(ds[n].values, float) for n in ("x", "y"))
        scale = {"km": 1000.0, "m": 1.0}.get(str(ds["x"].attrs.get("units", "m")), 1.0)
        grid = cls(crs, x * scale, y * scale)
        return grid._checked(ds)

    @classmethod
    def _from_ioapi(cls, ds: Any, a: dict[str, Any]) -> ProjectedGrid:
        crs = lambert_conformal(a["P_ALP"], a["P_BET"], a["YCENT"], a["P_GAM"])
        ncols, nrows = int(a["NCOLS"]), int(a["NROWS"])
        x = a["XORIG"] + a["XCELL"] * (np.arange(ncols) + 0.5)
        y = a["YORIG"] + a["YCELL"] * (np.arange(nrows) + 0.5)
        return cls(crs, x, y)._checked(ds)

    @classmethod
    def _from_wrf(cls, ds: Any, a: dict[str, Any]) -> ProjectedGrid:
        crs = lambert_conformal(a["TRUELAT1"], a["TRUELAT2"], a["MOAD_CEN_LAT"], a["STAND_LON"])
        lat, lon = _latlon_2d(ds)
        px, py = pyproj.Proj(crs)(lon, lat)
        ny, nx = lat.shape
        # WRF stores no projected coordinates: anchor on the first cell, step DX/DY
        x = px[0, 0] + float(a["DX"]) * np.arange(nx)
        y = py[0, 0] + float(a["DY"]) * np.arange(ny)
        return cls(crs, x, y)._checked(ds)

    def _checked(self, ds: Any) -> ProjectedGrid:
        """Check the file's 2-D lat/lon (if any) against the projection: within 1 % of a cell."""
        try:
            lat, lon = _latlon_2d(ds)
        except RegionError:
            return self
        if lat.shape != self.shape:
            raise RegionError(f"2-D lat/lon have shape {lat.shape}, the projection {self.shape}")
        px, py = self._proj(lon, lat)
        xx, yy = np.meshgrid(self.x, self.y)
        err = max(np.abs(px - xx).max() / self.dx, np.abs(py - yy).max() / self.dy)
        if err > 0.01:
            raise RegionError(
                f"the file's 2-D lat/lon are off the stated projection by {err:.1%} of a cell: "
                "projection parameters and coordinates disagree"
            )
        return self

    # -- description --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return (self.y.size, self.x.size)

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.x.size * self.y.size

    @property
    def dims(self) -> tuple[str, str]:
        """Names of the two grid dimensions in a forecast."""
        return ("y", "x")

    @property
    def dx(self) -> float:
        """Mean cell width [m]."""
        return float(np.abs(np.diff(self.x_edges)).mean())

    @property
    def dy(self) -> float:
        """Mean cell height [m]."""
        return float(np.abs(np.diff(self.y_edges)).mean())

    @property
    def fingerprint(self) -> str:
        """Stable hex digest of the projection and the cell-centre coordinates."""
        h = hashlib.sha256(b"projected-v1")
        h.update(self.crs.to_wkt().encode())
        for arr in (self.x, self.y):
            h.update(b"|")
            h.update(np.round(arr, 3).astype("<f8").tobytes())  # mm
        return h.hexdigest()[:24]

    def cell_area_km2(self) -> NDArray[np.float64]:
        """Ellipsoidal (WGS84) area of each cell [km²], shape ``(ny, nx)``: the area of the
        true image of the plane rectangle (see :mod:`grids._cellarea`)."""
        return cell_area_km2(half_cell_lattice(self._proj, self.x_edges, self.y_edges))

    def cell_polygons(self) -> NDArray[np.object_]:
        """Outline of each cell in lon/lat [°] (edges densified), object array ``(ny, nx)``."""
        ny, nx = self.shape
        t = np.arange(_OUTLINE_SAMPLES) / _OUTLINE_SAMPLES
        out = np.empty((ny, nx), dtype=object)
        for i in range(ny):
            y0, y1 = self.y_edges[i], self.y_edges[i + 1]
            for j in range(nx):
                x0, x1 = self.x_edges[j], self.x_edges[j + 1]
                ring_x = np.concatenate(
                    [
                        x0 + (x1 - x0) * t,
                        np.full_like(t, x1),
                        x1 - (x1 - x0) * t,
                        np.full_like(t, x0),
                    ]
                )
                ring_y = np.concatenate(
                    [
                        np.full_like(t, y0),
                        y0 + (y1 - y0) * t,
                        np.full_like(t, y1),
                        y1 - (y1 - y0) * t,
                    ]
                )
                lon, lat = self._proj(ring_x, ring_y, inverse=True)
                out[i, j] = shapely.Polygon(np.column_stack([lon, lat]))
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectedGrid) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        ny, nx = self.shape
        return f"ProjectedGrid({nx} x {ny} cells of {self.dx / 1000:g} km, {self.crs.to_string()})"

    # -- coverage -----------------------------------------------------------------------------
    def coverage_frame(self) -> CoverageFrame:
        """The projection plane [km], with the true area per plane area of each cell as a
        quadratic (see :mod:`grids._cellarea`)."""
        rows, cols, order = ascending_order(self.y, self.x)
        lattice = half_cell_lattice(self._proj, self.x_edges, self.y_edges)
        area = cell_area_km2(lattice)
        density = area_density(lattice, area)
        proj = self._proj

        def to_plane(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> XY:
            px, py = proj(lon, lat)
            return np.asarray(px) / 1000.0, np.asarray(py) / 1000.0

        return CoverageFrame(
            x_edges=(self.x_edges if cols[0] == 0 else self.x_edges[::-1]) / 1000.0,
            y_edges=(self.y_edges if rows[0] == 0 else self.y_edges[::-1]) / 1000.0,
            to_plane=to_plane,
            cell_area_km2=area[rows][:, cols],
            density=np.ascontiguousarray(density[rows][:, cols]),
            order=order,
            densify_deg=DENSIFY_DEG,
        )


def _latlon_2d(ds: Any) -> XY:
    for lat_name, lon_name in (("lat", "lon"), ("XLAT", "XLONG"), ("latitude", "longitude")):
        if lat_name in getattr(ds, "variables", {}) and lon_name in ds.variables:
            lat = np.asarray(ds[lat_name].values, float)
            lon = np.asarray(ds[lon_name].values, float)
            while lat.ndim > 2:  # WRF XLAT carries a Time dim
                lat, lon = lat[0], lon[0]
            if lat.ndim == 2:
                return lat, lon
    raise RegionError("dataset has no 2-D lat/lon coordinates")
