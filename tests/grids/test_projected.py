import numpy as np
import pytest
import shapely
import xarray as xr

from engine.aggregate import regional_mean
from engine.errors import RegionError
from grids import (
    ProjectedGrid,
    Region,
    RegionSet,
    coverage_weights,
    grid_from_dataset,
    lambert_conformal,
)
from grids._geodesy import geodesic_area_km2

CRS = lambert_conformal(25.0, 47.0, 34.0, 110.0)
X = np.arange(-300e3, 300e3, 12e3) + 6e3
Y = np.arange(-240e3, 240e3, 12e3) + 6e3
GRID = ProjectedGrid(CRS, X, Y)


def test_cell_area_is_the_geodesic_area_of_the_cell_outline():
    area = GRID.cell_area_km2()
    outlines = GRID.cell_polygons()
    for i, j in [(0, 0), (17, 33), (39, 49)]:
        assert area[i, j] == pytest.approx(geodesic_area_km2(outlines[i, j])[0], rel=1e-7)
    # conformal map: cells of 144 km² in the plane are smaller on the ground near lat_0 ...
    assert 130 < area.min() < area.max() < 150


def test_weights_of_a_partition_sum_to_the_true_cell_areas():
    lon, lat = GRID.lon, GRID.lat
    west, east = lon.min() - 1, lon.max() + 1
    south, north = lat.min() - 1, lat.max() + 1
    cut = 110.13
    halves = [shapely.box(west, south, cut, north), shapely.box(cut, south, east, north)]
    w = coverage_weights(
        RegionSet([Region(str(i), "h", "city", None, g) for i, g in enumerate(halves)]), GRID
    )
    np.testing.assert_allclose(
        np.asarray(w.matrix.sum(axis=0)).ravel(), GRID.cell_area_km2().ravel(), rtol=1e-9
    )


def test_region_area_matches_polygon_area_inside_the_grid():
    blob = shapely.Point(110.3, 34.2).buffer(1.2, 128)
    w = coverage_weights(RegionSet([Region("b", "b", "city", None, blob)]), GRID)
    assert w.cells[0] > 100
    assert w.region_area_km2[0] == pytest.approx(w.polygon_area_km2[0], rel=1e-5)


def wrf_dataset(grid, **override):
    attrs = {
        "MAP_PROJ": 1,
        "TRUELAT1": 25.0,
        "TRUELAT2": 47.0,
        "STAND_LON": 110.0,
        "MOAD_CEN_LAT": 34.0,
        "DX": 12000.0,
        "DY": 12000.0,
    }
    attrs.update(override)
    return xr.Dataset(
        {"pm25": (("Time", "south_north", "west_east"), np.ones((2, *grid.shape), np.float32))},
        coords={
            "XLAT": (
                ("Time", "south_north", "west_east"),
                np.broadcast_to(grid.lat, (2, *grid.shape)),
            ),
            "XLONG": (
                ("Time", "south_north", "west_east"),
                np.broadcast_to(grid.lon, (2, *grid.shape)),
            ),
        },
        attrs=attrs,
    )


def test_wrf_ioapi_and_cf_files_give_the_same_grid():
    wrf = grid_from_dataset(wrf_dataset(GRID))
    assert isinstance(wrf, ProjectedGrid) and wrf.shape == GRID.shape
    np.testing.assert_allclose(wrf.x, GRID.x, atol=1e-3)
    ioapi = xr.Dataset(
        attrs={
            "GDTYP": 2,
            "P_ALP": 25.0,
            "P_BET": 47.0,
            "P_GAM": 110.0,
            "XCENT": 110.0,
            "YCENT": 34.0,
            "XORIG": -300e3,
            "YORIG": -240e3,
            "XCELL": 12e3,
            "YCELL": 12e3,
            "NCOLS": X.size,
            "NROWS": Y.size,
        }
    )
    assert ProjectedGrid.from_dataset(ioapi).fingerprint == GRID.fingerprint
    cf = xr.Dataset(
        {
            "pm25": (("time", "y", "x"), np.zeros((1, Y.size, X.size)), {"grid_mapping": "lcc"}),
            "lcc": ((), 0, CRS.to_cf()),
        },
        coords={
            "x": ("x", X / 1000, {"units": "km"}),
            "y": ("y", Y / 1000, {"units": "km"}),
            "lat": (("y", "x"), GRID.lat),
            "lon": (("y", "x"), GRID.lon),
        },
    )
    assert grid_from_dataset(cf).fingerprint == GRID.fingerprint


def test_lat_lon_that_disagree_with_the_projection_are_refused():
    with pytest.raises(RegionError, match="off the stated projection"):
        grid_from_dataset(wrf_dataset(GRID, TRUELAT1=30.0))


def test_regional_mean_on_a_projected_field():
    blob = shapely.Point(110.0, 34.0).buffer(0.8, 64)
    w = coverage_weights(RegionSet([Region("b", "b", "city", None, blob)]), GRID)
    ny, nx = GRID.shape
    values = np.tile(np.arange(nx, dtype=np.float64), (3, ny, 1))
    field = xr.DataArray(values, dims=("time", "y", "x"), coords={"lat": (("y", "x"), GRID.lat)})
    out = regional_mean(field, w)
    dense = w.matrix.toarray()[0].reshape(ny, nx)
    expected = (dense * values[0]).sum() / dense.sum()
    np.testing.assert_allclose(out["mean"].values[0], expected)


def test_descending_projected_coordinates_put_the_same_areas_on_the_same_cells():
    flipped = ProjectedGrid(CRS, X[::-1], Y[::-1])
    blob = shapely.Point(110.3, 34.2).buffer(0.9, 64)
    regions = RegionSet([Region("b", "b", "city", None, blob)])
    up = coverage_weights(regions, GRID).matrix.toarray().reshape(GRID.shape)
    down = coverage_weights(regions, flipped).matrix.toarray().reshape(GRID.shape)
    assert np.count_nonzero(up) > 50
    np.testing.assert_allclose(down[::-1, ::-1], up, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        flipped.cell_area_km2()[::-1, ::-1], GRID.cell_area_km2(), rtol=1e-12
    )
