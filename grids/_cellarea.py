"""True (WGS84) areas of the cells of a projected grid, and the area density inside each cell.

Both come from one lattice of points at half-cell spacing — cell corners, edge midpoints and
centres, plus a ring of nodes beyond the grid — inverse-projected to lon/lat and mapped to the
cylindrical equal-area plane of WGS84: longitude ``λ`` [rad] and authalic northing ``Y``
[km² rad⁻¹] (see :mod:`grids._geodesy`), where areas are true ellipsoidal areas.

* The area of a cell is ``−∮ Y dλ`` around its outline (Green's theorem in that plane). Along
  each edge the sum over its two half-edge chords is extrapolated against the single chord
  (Richardson: the chord sum's error falls as the square of the spacing), which leaves an error
  below 1e-11 for cells of 3 to 36 km (``tests/grids/test_exact_coverage.py``).
* The density is the true area per plane area, ``J = |∂(λ, Y)/∂(x, y)|``. Central differences
  on the lattice give ``J`` at the nine nodes of each cell, whose value, slopes and curvatures
  at the centre make a quadratic in the offsets ``(ξ, η)`` from the centre; the quadratic is
  then scaled to integrate to the cell's true area. The differences' own error (~1e-7 of ``J``
  for 12 km cells) varies over thousands of kilometres, so inside a cell it is a constant
  factor, which the scaling removes; the third-order terms left out weigh ~(cell / Earth
  radius)³ ≈ 1e-8 of the density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
from numpy.typing import NDArray

from grids._geodesy import authalic_y

__all__ = ["Lattice", "area_density", "cell_area_km2", "half_cell_lattice"]

Nodes = tuple[slice, slice]


@dataclass(frozen=True)
class Lattice:
    """A grid's half-cell lattice with one ring of nodes beyond, ``(2 ny + 3, 2 nx + 3)``.

    Node ``(2 i + 1, 2 j + 1)`` is the south-west corner of cell ``(i, j)`` (in the grid's own
    order of ``x`` and ``y``); ``x``, ``y`` [km] are the node coordinates, ``lam`` [rad] and
    ``yy`` [km² rad⁻¹] their images in the cylindrical equal-area plane.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    lam: NDArray[np.float64]
    yy: NDArray[np.float64]


def half_cell_lattice(
    proj: pyproj.Proj, x_edges: NDArray[np.float64], y_edges: NDArray[np.float64]
) -> Lattice:
    """The lattice of a grid with cell edges ``x_edges``, ``y_edges`` [m] in ``proj``'s plane."""
    xn, yn = _half_cell_nodes(x_edges), _half_cell_nodes(y_edges)
    lon, lat = proj(*np.meshgrid(xn, yn), inverse=True)
    lam = np.deg2rad(np.unwrap(np.unwrap(lon, period=360.0, axis=1), period=360.0, axis=0))
    return Lattice(x=xn / 1000.0, y=yn / 1000.0, lam=lam, yy=authalic_y(lat))


def _half_cell_nodes(edges: NDArray[np.float64]) -> NDArray[np.float64]:
    """Edges and cell midpoints interleaved, with one more node half a cell beyond each end."""
    nodes = np.empty(2 * edges.size - 1)
    nodes[::2] = edges
    nodes[1::2] = 0.5 * (edges[1:] + edges[:-1])
    return np.concatenate([[2.0 * nodes[0] - nodes[1]], nodes, [2.0 * nodes[-1] - nodes[-2]]])


def cell_area_km2(lattice: Lattice) -> NDArray[np.float64]:
    """True area of each cell [km²] ``(ny, nx)``, in the grid's order (see the module)."""
    lam, yy = lattice.lam[1:-1, 1:-1], lattice.yy[1:-1, 1:-1]

    def edge(a: Nodes, b: Nodes, c: Nodes) -> NDArray[np.float64]:
        """−∫ Y dλ from node a through b to c, extrapolated from two chords and one."""
        two = (yy[a] + yy[b]) * (lam[b] - lam[a]) + (yy[b] + yy[c]) * (lam[c] - lam[b])
        one = (yy[a] + yy[c]) * (lam[c] - lam[a])
        return -(4.0 * two - one) / 6.0

    every = slice(None, None, 2)
    # bottom edges of rows 0..ny (west → east), left edges of columns 0..nx (south → north)
    bottom = edge((every, slice(0, -1, 2)), (every, slice(1, None, 2)), (every, slice(2, None, 2)))
    left = edge((slice(0, -1, 2), every), (slice(1, None, 2), every), (slice(2, None, 2), every))
    return np.abs(bottom[:-1, :] + left[:, 1:] - bottom[1:, :] - left[:, :-1])


def area_density(lattice: Lattice, cell_area: NDArray[np.float64]) -> NDArray[np.float64]:
    """True area per plane area in each cell, as a quadratic in the offsets from its centre.

    Parameters
    ----------
    lattice : Lattice
        The grid's half-cell lattice.
    cell_area : ndarray
        True area of each cell [km²] ``(ny, nx)``, in the grid's order.

    Returns
    -------
    ndarray
        ``(ny, nx, 6)`` coefficients of ``1, ξ, η, ξ², ξη, η²`` with ``ξ``, ``η`` [km] along
        ``x``, ``y`` from the cell centre [1, km⁻¹, km⁻¹, km⁻², km⁻², km⁻²], in the grid's order
        (see :class:`~grids._base.CoverageFrame`).
    """
    x, y, lam, yy = lattice.x, lattice.y, lattice.lam, lattice.yy
    span_x, span_y = (x[2:] - x[:-2])[None, :], (y[2:] - y[:-2])[:, None]
    lam_x = (lam[1:-1, 2:] - lam[1:-1, :-2]) / span_x
    y_x = (yy[1:-1, 2:] - yy[1:-1, :-2]) / span_x
    lam_y = (lam[2:, 1:-1] - lam[:-2, 1:-1]) / span_y
    y_y = (yy[2:, 1:-1] - yy[:-2, 1:-1]) / span_y
    jac = np.abs(lam_x * y_y - lam_y * y_x)  # (2 ny + 1, 2 nx + 1): node 2i is edge i
    centre = jac[1::2, 1::2]
    west, east = jac[1::2, :-1:2], jac[1::2, 2::2]
    south, north = jac[:-1:2, 1::2], jac[2::2, 1::2]
    twist = jac[2::2, 2::2] - jac[2::2, :-1:2] - jac[:-1:2, 2::2] + jac[:-1:2, :-1:2]
    edges_x, edges_y = x[1:-1:2], y[1:-1:2]
    w, h = np.diff(edges_x)[None, :], np.diff(edges_y)[:, None]  # signed: x, y may descend
    coef = np.stack(
        [
            centre,
            (east - west) / w,
            (north - south) / h,
            2.0 * (east - 2.0 * centre + west) / w**2,
            twist / (w * h),
            2.0 * (north - 2.0 * centre + south) / h**2,
        ],
        axis=-1,
    )
    model = np.abs(w * h) * (coef[..., 0] + (coef[..., 3] * w**2 + coef[..., 5] * h**2) / 12.0)
    return np.ascontiguousarray(coef * (cell_area / model)[..., None])
