"""What every grid offers the coverage weights: the :class:`Grid` protocol and its frame.

A grid is anything with a shape, a fingerprint, true cell areas and a :class:`CoverageFrame`:
a plane in which its cells are rectangles. :class:`~grids.RegularGrid` (lat/lon) and
:class:`~grids.ProjectedGrid` (Lambert conformal) are the two grids Lantian reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.errors import RegionError

__all__ = ["XY", "CoverageFrame", "Grid", "ToPlane", "ascending_order", "centres_to_edges"]

XY = tuple[NDArray[np.float64], NDArray[np.float64]]
"""Two coordinate arrays of the same shape, e.g. ``(lon, lat)`` [°] or ``(x, y)``."""
ToPlane = Callable[[NDArray[np.float64], NDArray[np.float64]], XY]
"""``(lon [°], lat [°]) -> (x, y)`` in the plane of a :class:`CoverageFrame`."""


@dataclass(frozen=True)
class CoverageFrame:
    """A grid as the coverage kernel sees it (internal to :mod:`grids`).

    Attributes
    ----------
    x_edges, y_edges : ndarray
        Ascending cell edges (nx + 1,), (ny + 1,) in a plane where cells are rectangles.
    to_plane : callable
        ``(lon [°], lat [°]) -> (x, y)``: maps polygon vertices to that plane.
    cell_area_km2 : ndarray
        True (WGS84) area of each internal cell [km²] (ny, nx).
    density : ndarray or None
        ``(ny, nx, 6)`` coefficients of the true area per plane area in each cell, a quadratic
        in the offsets ``(ξ, η)`` from the cell centre (terms ``1, ξ, η, ξ², ξη, η²`` as
        :data:`grids._rasterise.MOMENTS`), in units that make their products with the moments
        an area [km²]; ``None`` when plane areas are true areas in km² (the density is 1).
    order : ndarray of int64
        C-order index of the grid's cell at each internal position (ny, nx).
    densify_deg : float
        Longest polygon edge [°] before vertices are mapped to the plane.
    """

    x_edges: NDArray[np.float64]
    y_edges: NDArray[np.float64]
    to_plane: ToPlane
    cell_area_km2: NDArray[np.float64]
    density: NDArray[np.float64] | None
    order: NDArray[np.int64]
    densify_deg: float = 0.0


@runtime_checkable
class Grid(Protocol):
    """What the coverage weights need of a grid (:class:`~grids.RegularGrid`,
    :class:`~grids.ProjectedGrid`)."""

    @property
    def shape(self) -> tuple[int, int]:
        """Cells along the two grid dimensions, in the order of :attr:`dims`."""

    @property
    def size(self) -> int:
        """Number of cells."""

    @property
    def dims(self) -> tuple[str, str]:
        """Names of the two grid dimensions in a forecast."""

    @property
    def fingerprint(self) -> str:
        """Stable hex digest of the grid, the key of cached weights."""

    def cell_area_km2(self) -> NDArray[np.float64]:
        """Ellipsoidal (WGS84) area of each cell [km²], shape :attr:`shape`."""

    def coverage_frame(self) -> CoverageFrame:
        """The plane in which the coverage kernel intersects regions with cells."""


def centres_to_edges(centres: ArrayLike, name: str = "coordinate") -> NDArray[np.float64]:
    """Cell edges from monotonic cell centres: midpoints inside, half a step outside.

    Parameters
    ----------
    centres : array_like
        Strictly monotonic 1-D cell centres (n,).
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray
        Edges (n + 1,), in the order of ``centres``, in the units of ``centres``.
    """
    c = np.asarray(centres, dtype=np.float64)
    if c.ndim != 1 or c.size < 2:
        raise RegionError(f"grid {name} must be 1-D with at least 2 cells, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise RegionError(f"grid {name} has non-finite values")
    d = np.diff(c)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise RegionError(f"grid {name} must be strictly ascending or descending")
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - 0.5 * d[0]], mid, [c[-1] + 0.5 * d[-1]]])


def ascending_order(
    y: NDArray[np.float64], x: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Rows and columns of a grid in ascending ``y``/``x`` order, and the C-order cell index of
    the grid at each position of that ascending layout ``(ny, nx)``."""
    rows = np.arange(y.size)[::-1] if y[0] > y[-1] else np.arange(y.size)
    cols = np.arange(x.size)[::-1] if x[0] > x[-1] else np.arange(x.size)
    return rows, cols, (rows[:, None] * x.size + cols[None, :]).astype(np.int64)
