"""Coverage weights against an independent geodesic area of every region ∩ cell.

The reference of each ``(region, cell)`` weight is built without the code under test: the cell
outline — a Lambert cell's plane edges sampled every few metres and inverse-projected by
pyproj, or a lat/lon cell's box — is intersected in lon/lat with the region (whose edges are
straight in lon/lat, as GeoJSON draws them) by shapely, and the area of the intersection is
Karney's geodesic area on WGS84 (``pyproj.Geod.geometry_area_perimeter``) after densifying its
edges to 1e-4° (so that geodesic and straight lon/lat edges agree to ~1e-9 of a cell).
"""

import numpy as np
import pyproj
import pytest
import shapely

from grids import (
    ProjectedGrid,
    Region,
    RegionSet,
    RegularGrid,
    coverage_weights,
    lambert_conformal,
    load_regions,
)

GEOD = pyproj.Geod(ellps="WGS84")
CRS = lambert_conformal(30.0, 60.0, 38.0, 116.0)  # WRF-like: true latitudes 30/60, 116°E, 38°N
PROJ = pyproj.Proj(CRS)
EDGE_SAMPLES = 400  # points per edge of a reference Lambert cell (every 7.5 m to 30 m)
REFERENCE_DENSIFY_DEG = 1e-4


def lambert_to_lonlat(x_km, y_km):
    return PROJ(np.asarray(x_km) * 1e3, np.asarray(y_km) * 1e3, inverse=True)


def lonlat_to_lonlat(lon, lat):
    return np.asarray(lon), np.asarray(lat)


def lambert_patch(step_km, x0_km, y0_km, n=6):
    """``n`` × ``n`` cells of ``step_km`` [km] whose south-west corner is ``(x0_km, y0_km)``,
    its edges [km] and the map from its plane to lon/lat."""
    centres = (np.arange(n) + 0.5) * step_km * 1e3
    grid = ProjectedGrid(CRS, x0_km * 1e3 + centres, y0_km * 1e3 + centres)
    return grid, grid.x_edges / 1e3, grid.y_edges / 1e3, lambert_to_lonlat


def latlon_patch(step_deg, lon0, lat0, n=6):
    grid = RegularGrid.from_bounds(lon0, lon0 + n * step_deg, lat0, lat0 + n * step_deg, step_deg)
    return grid, grid.lon_edges, grid.lat_edges, lonlat_to_lonlat


def cell_outline(x_edges, y_edges, i, j, to_lonlat):
    """Lon/lat outline of cell ``(i, j)``: its plane edges sampled and mapped to lon/lat."""
    x0, x1, y0, y1 = x_edges[j], x_edges[j + 1], y_edges[i], y_edges[i + 1]
    t = np.arange(EDGE_SAMPLES) / EDGE_SAMPLES
    x = np.concatenate(
        [x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)]
    )
    y = np.concatenate(
        [np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1), y1 - (y1 - y0) * t]
    )
    return shapely.Polygon(np.column_stack(to_lonlat(x, y)))


def geodesic_km2(geometry):
    polygons = [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon"]
    if not polygons:
        return 0.0
    dense = shapely.segmentize(shapely.MultiPolygon(polygons), REFERENCE_DENSIFY_DEG)
    return GEOD.geometry_area_perimeter(shapely.orient_polygons(dense))[0] / 1e6


def reference_km2(regions, x_edges, y_edges, to_lonlat):
    """``(region, cell)`` reference areas [km²] and the geodesic area of each cell [km²]."""
    ny, nx = y_edges.size - 1, x_edges.size - 1
    outlines = [
        cell_outline(x_edges, y_edges, i, j, to_lonlat) for i in range(ny) for j in range(nx)
    ]
    cells = np.array([geodesic_km2(o) for o in outlines])
    ref = np.zeros((len(regions), ny * nx))
    for r, region in enumerate(regions):
        for k, outline in enumerate(outlines):
            if shapely.intersects(region.geometry, outline):
                ref[r, k] = geodesic_km2(shapely.intersection(region.geometry, outline))
    return ref, cells


def cutting_regions(x_edges, y_edges, to_lonlat):
    """Regions whose edges cut cell (2, 2) and its neighbours at chosen fractions.

    Their vertices are placed in the grid's plane, then joined by edges straight in lon/lat.
    """
    s = x_edges[1] - x_edges[0]
    x0, y0 = x_edges[2], y_edges[2]  # south-west corner of cell (2, 2)
    far = 1.7 * s
    a = np.sqrt(2 * 0.05)  # legs of the corner triangle that holds 5 % of a cell
    along = np.array([1.0, -1.0]) / np.sqrt(2.0)  # direction of the diagonal cut
    corner_a, corner_b = np.array([x0, y0 + a * s]), np.array([x0 + a * s, y0])
    low, high, left, right = y0 - far, y0 + s + far, x0 - far, x0 + s + far
    shapes = {
        "row cut at 5 %": [
            (left, low),
            (right, low),
            (right, y0 + 0.05 * s),
            (left, y0 + 0.05 * s),
        ],
        "column cut at 50 %": [
            (left, low),
            (x0 + 0.5 * s, low),
            (x0 + 0.5 * s, high),
            (left, high),
        ],
        "row cut at 95 %": [
            (left, y0 + 0.95 * s),
            (right, y0 + 0.95 * s),
            (right, high),
            (left, high),
        ],
        "corner cut at 5 %": [corner_b + 1.5 * s * along, (left, low), corner_a - 1.5 * s * along],
        "slanted cut": [(left, low), (x0 + 0.8 * s + far, low), (x0 + 0.2 * s, high), (left, high)],
    }
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    disc = np.array([x0 + 0.3 * s, y0 + 0.6 * s]) + 1.6 * s * np.column_stack(
        [np.cos(angle), np.sin(angle)]
    )
    shapes["disc"] = disc
    regions = []
    for i, (name, xy) in enumerate(shapes.items()):
        xy = np.asarray([np.asarray(p, dtype=float) for p in xy])
        polygon = shapely.Polygon(np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))
        regions.append(Region(str(i), name, "county", None, polygon))
    return RegionSet(regions)


def errors(weights, ref, cells):
    """Worst relative error over the weights of at least 1 % of their cell; worst absolute error
    over every (region, cell) [share of the cell]; the covered shares of the first kind [1]."""
    got = weights.matrix.toarray()
    sizable = ref >= 0.01 * cells
    relative = np.abs(got - ref)[sizable] / ref[sizable]
    absolute = np.abs(got - ref) / cells
    return relative.max(), absolute.max(), (ref / cells)[sizable]


# Lambert patches: cells of 3 to 12 km at the projection centre, in the south-west (≈ 28°N,
# 106°E) and the north-east (≈ 45°N, 126°E) of a North China domain, where the conformal scale
# changes fastest; lat/lon patches of 0.05° and 0.25° at similar places.
PATCHES = [
    (lambert_patch, (3.0, 0.0, 0.0)),
    (lambert_patch, (9.0, -900.0, -1000.0)),
    (lambert_patch, (12.0, 700.0, 600.0)),
    (lambert_patch, (3.0, -900.0, -1000.0)),
    (latlon_patch, (0.05, 116.0, 38.0)),
    (latlon_patch, (0.25, 105.0, 28.0)),
    (latlon_patch, (0.05, 125.0, 45.0)),
]


@pytest.mark.parametrize(("patch", "where"), PATCHES)
def test_weights_match_the_geodesic_area_of_region_and_cell(patch, where):
    grid, x_edges, y_edges, to_lonlat = patch(*where)
    regions = cutting_regions(x_edges, y_edges, to_lonlat)
    ref, cells = reference_km2(regions, x_edges, y_edges, to_lonlat)
    weights = coverage_weights(regions, grid)
    np.testing.assert_allclose(grid.cell_area_km2().ravel(), cells, rtol=1e-9)
    worst, absolute, shares = errors(weights, ref, cells)
    # the cuts reach small, half and nearly whole cells
    assert shares.min() < 0.06 and np.any(np.abs(shares - 0.5) < 0.02) and shares.max() > 0.999
    assert worst <= 1e-6, f"worst relative error {worst:.2e}"
    assert absolute <= 1e-8, f"worst absolute error {absolute:.2e} of a cell"


def test_weights_of_real_counties_on_a_3_km_lambert_grid():
    counties = load_regions("builtin:key-region-counties").select(
        ["110101", "110102"]
    )  # 东城, 西城
    lon0, lat0, lon1, lat1 = shapely.total_bounds(counties.geometries)
    corners_x, corners_y = PROJ([lon0, lon0, lon1, lon1], [lat0, lat1, lat0, lat1])
    x = np.arange(np.floor(min(corners_x) / 3e3) - 1, np.ceil(max(corners_x) / 3e3) + 1)
    y = np.arange(np.floor(min(corners_y) / 3e3) - 1, np.ceil(max(corners_y) / 3e3) + 1)
    grid = ProjectedGrid(CRS, (x + 0.5) * 3e3, (y + 0.5) * 3e3)
    ref, cells = reference_km2(counties, grid.x_edges / 1e3, grid.y_edges / 1e3, lambert_to_lonlat)
    weights = coverage_weights(counties, grid)
    worst, absolute, shares = errors(weights, ref, cells)
    assert shares.min() < 0.2 and weights.cells.min() > 5
    assert worst <= 1e-6, f"worst relative error {worst:.2e}"
    assert absolute <= 1e-8, f"worst absolute error {absolute:.2e} of a cell"
