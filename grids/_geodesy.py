"""Areas on the WGS84 ellipsoid.

Two exact formulas, one for each kind of area Lantian needs:

* a lon/lat quadrangle (a cell of a regular grid, or the strip between two parallels) has the
  area ``(a² / 2) · Δλ · (q(φ₂) − q(φ₁))`` where ``q`` is the authalic function of the ellipsoid
  (Snyder 1987, *Map Projections — A Working Manual*, eq. 3-12). Mapping latitude to
  ``y = (a² / 2) · q(φ)`` and longitude to radians is the Lambert cylindrical equal-area
  projection: areas measured in that plane are true ellipsoidal areas;
* the area of a polygon is Karney's geodesic area (``pyproj.Geod``), computed after densifying
  its edges to 0.01° so that it measures the polygon whose edges are straight in lon/lat (as
  GeoJSON draws them and as the coverage weights intersect them).
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DENSIFY_DEG",
    "WGS84_A_KM",
    "WGS84_F",
    "authalic_y",
    "geodesic_area_km2",
    "quadrangle_area_km2",
]

WGS84_A_KM = 6378.137
"""Semi-major axis of WGS84 [km]."""
WGS84_F = 1.0 / 298.257223563
"""Flattening of WGS84 [1]."""
_E2 = WGS84_F * (2.0 - WGS84_F)
_E = np.sqrt(_E2)
DENSIFY_DEG = 0.01
"""Longest polygon edge [°] before the geodesic area is taken (see the module docstring)."""

_GEOD = pyproj.Geod(ellps="WGS84")


def authalic_y(lat: ArrayLike) -> NDArray[np.float64]:
    """Northing of the cylindrical equal-area projection of WGS84, ``(a² / 2) · q(φ)``.

    Parameters
    ----------
    lat : array_like
        Geodetic latitude [°].

    Returns
    -------
    ndarray
        ``y`` [km² rad⁻¹]: the area between the equator and ``lat`` per radian of longitude.
    """
    s = np.sin(np.deg2rad(np.asarray(lat, dtype=np.float64)))
    q = (1.0 - _E2) * (s / (1.0 - _E2 * s * s) - np.log((1.0 - _E * s) / (1.0 + _E * s)) / (2 * _E))
    return 0.5 * WGS84_A_KM**2 * q


def quadrangle_area_km2(
    lon0: ArrayLike, lon1: ArrayLike, lat0: ArrayLike, lat1: ArrayLike
) -> NDArray[np.float64]:
    """Exact ellipsoidal area of the quadrangle between two meridians and two parallels.

    Parameters
    ----------
    lon0, lon1 : array_like
        Bounding meridians [°].
    lat0, lat1 : array_like
        Bounding parallels [°].

    Returns
    -------
    ndarray
        Area [km²] (always non-negative).
    """
    dlon = np.deg2rad(np.abs(np.asarray(lon1, float) - np.asarray(lon0, float)))
    return dlon * np.abs(authalic_y(lat1) - authalic_y(lat0))


def geodesic_area_km2(geometries: ArrayLike) -> NDArray[np.float64]:
    """Geodesic area on WGS84 of (multi)polygons in lon/lat, holes subtracted.

    Parameters
    ----------
    geometries : array_like of shapely geometries
        Polygons or multipolygons, coordinates (lon [°], lat [°]).

    Returns
    -------
    ndarray
        Area [km²] per geometry.
    """
    geoms = np.atleast_1d(np.asarray(geometries, dtype=object))
    dense = shapely.orient_polygons(shapely.segmentize(geoms, DENSIFY_DEG), exterior_cw=False)
    parts, part_geom = shapely.get_parts(dense, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    start = np.searchsorted(coord_ring, np.arange(len(rings) + 1))
    signed = np.empty(len(rings))
    for i in range(len(rings)):
        # oriented rings: exteriors counter-clockwise (positive), holes clockwise (negative)
        ring = coords[start[i] : start[i + 1] - 1]  # the closing vertex is implied
        signed[i], _ = _GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])
    return np.bincount(part_geom[ring_part], weights=signed, minlength=len(geoms)) / 1e6
