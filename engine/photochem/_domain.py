"""The grid as the box model sees it: cell centres, areas and face lengths (docs/chemistry.md §4).

A forecast grid is either regular in latitude and longitude (dims ``lat``, ``lon``, 1-D
coordinates in degrees) or projected (dims ``y``, ``x`` in metres with 2-D ``lat``/``lon``
coordinates, e.g. Lambert conformal). Cells are flattened in C order of ``(y, x)``. The face
lengths feed the flux-form transport: ``fx[j, i]`` is the length of the face between cells
``i − 1`` and ``i`` of row ``j`` (its normal along x), ``fy[j, i]`` the face between rows
``j − 1`` and ``j`` of column ``i``. On a sphere of radius 6371.0088 km (the IUGG mean radius)
the cell areas are exact for lat/lon cells; a projected grid is treated as flat (its map
factor is ignored, < 1 % over a province-sized Lambert domain).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.errors import ForecastError

__all__ = ["EARTH_RADIUS_M", "Domain", "domain_of"]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius [m] (IUGG)."""


def _edges(centres: NDArray[np.float64]) -> NDArray[np.float64]:
    if centres.size == 1:
        raise ForecastError("the grid needs at least two cells along each dim to know its spacing")
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


@dataclasses.dataclass(frozen=True, eq=False)
class Domain:
    """Geometry of a forecast grid for the box model.

    Attributes
    ----------
    dims : tuple of str
        ``("lat", "lon")`` or ``("y", "x")``.
    shape : tuple of int
        ``(ny, nx)``.
    lat, lon : ndarray (cell,)
        Cell centres [°].
    area_m2 : ndarray (cell,)
        Cell areas [m²].
    fx : ndarray (ny, nx + 1)
        Face lengths normal to x [m].
    fy : ndarray (ny + 1, nx)
        Face lengths normal to y [m].
    x_sign, y_sign : float
        +1 when the index grows eastward (x) / northward (y), −1 otherwise: winds given
        eastward / northward are multiplied by these before transport.
    coords : dict
        The grid coordinates, to rebuild xarray objects.
    """

    dims: tuple[str, str]
    shape: tuple[int, int]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    area_m2: NDArray[np.float64]
    fx: NDArray[np.float64]
    fy: NDArray[np.float64]
    x_sign: float
    y_sign: float
    coords: dict[str, Any]

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.shape[0] * self.shape[1]

    @property
    def edge_cells(self) -> NDArray[np.int64]:
        """Cells whose values stand for the halo, in the kernel's edge order.

        West column, east column (``ny`` each), first row, last row (``nx`` each): the
        forecast's outermost ring gives the inflow just outside it.
        """
        ny, nx = self.shape
        j, i = np.arange(ny), np.arange(nx)
        return np.concatenate([j * nx, j * nx + nx - 1, i, (ny - 1) * nx + i]).astype(np.int64)


def domain_of(data: Any) -> Domain:
    """The :class:`Domain` of an xarray object on a grid (dims ``y, x`` or ``lat, lon``).

    Raises
    ------
    ForecastError
        Neither ``(lat, lon)`` with 1-D coordinates nor ``(y, x)`` with 1-D ``y``/``x`` [m] and
        2-D ``lat``/``lon``.
    """
    names = [str(d) for d in data.sizes]
    if "y" in names and "x" in names:
        dims: tuple[str, ...] = ("y", "x")
    elif "lat" in names and "lon" in names:
        dims = ("lat", "lon")
    else:
        dims = tuple(names[-2:])
    if dims == ("lat", "lon"):
        lat = np.asarray(data["lat"].values, dtype=np.float64)
        lon = np.asarray(data["lon"].values, dtype=np.float64)
        lat_e, lon_e = _edges(lat), _edges(lon)
        sin_e = np.sin(np.radians(lat_e))
        dlon = np.abs(np.radians(np.diff(lon_e)))  # (nx,)
        area = EARTH_RADIUS_M**2 * np.abs(np.diff(sin_e))[:, None] * dlon[None, :]
        dlat = np.abs(np.radians(np.diff(lat_e)))  # (ny,)
        fx = np.repeat((EARTH_RADIUS_M * dlat)[:, None], lon.size + 1, axis=1)
        fy = EARTH_RADIUS_M * np.cos(np.radians(lat_e))[:, None] * dlon[None, :]
        lat2, lon2 = np.meshgrid(lat, lon, indexing="ij")
        x_sign = 1.0 if lon[-1] > lon[0] else -1.0
        y_sign = 1.0 if lat[-1] > lat[0] else -1.0
        coords = {"lat": data["lat"], "lon": data["lon"]}
    elif dims == ("y", "x"):
        if "lat" not in data.coords or "lon" not in data.coords or data["lat"].ndim != 2:
            raise ForecastError(
                "a projected grid (y, x) needs 2-D 'lat' and 'lon' coordinates for the sun's "
                "position"
            )
        x = np.asarray(data["x"].values, dtype=np.float64)
        y = np.asarray(data["y"].values, dtype=np.float64)
        dx, dy = np.abs(np.diff(_edges(x))), np.abs(np.diff(_edges(y)))
        area = dy[:, None] * dx[None, :]
        fx = np.repeat(dy[:, None], x.size + 1, axis=1)
        fy = np.repeat(dx[None, :], y.size + 1, axis=0)
        lat2 = np.asarray(data["lat"].values, dtype=np.float64)
        lon2 = np.asarray(data["lon"].values, dtype=np.float64)
        x_sign = 1.0 if x[-1] > x[0] else -1.0
        y_sign = 1.0 if y[-1] > y[0] else -1.0
        coords = {"y": data["y"], "x": data["x"], "lat": data["lat"], "lon": data["lon"]}
    else:
        raise ForecastError(f"grid dims {dims}: expected (lat, lon) or (y, x)")
    return Domain(
        dims=dims,  # type: ignore[arg-type]
        shape=(int(area.shape[0]), int(area.shape[1])),
        lat=np.ascontiguousarray(lat2.ravel()),
        lon=np.ascontiguousarray(lon2.ravel()),
        area_m2=np.ascontiguousarray(area.ravel()),
        fx=np.ascontiguousarray(fx),
        fy=np.ascontiguousarray(fy),
        x_sign=x_sign,
        y_sign=y_sign,
        coords=coords,
    )
