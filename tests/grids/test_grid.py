import numpy as np
import pyproj
import pytest
import shapely
import xarray as xr

from engine.errors import RegionError
from grids import RegularGrid, grid_from_dataset

GEOD = pyproj.Geod(ellps="WGS84")


def geodesic_box_km2(lon0, lat0, lon1, lat1):
    dense = shapely.segmentize(shapely.box(lon0, lat0, lon1, lat1), 0.001)
    return abs(GEOD.geometry_area_perimeter(dense)[0]) / 1e6


def test_from_bounds_centres_edges_shape():
    g = RegularGrid.from_bounds(100.0, 101.0, 30.0, 30.5, 0.25)
    assert g.shape == (2, 4) and g.size == 8
    np.testing.assert_allclose(g.lon, [100.125, 100.375, 100.625, 100.875])
    np.testing.assert_allclose(g.lat_edges, [30.0, 30.25, 30.5])
    assert g.bounds == pytest.approx((100.0, 101.0, 30.0, 30.5))


def test_from_bounds_rejects_span_not_multiple_of_step():
    with pytest.raises(RegionError, match="multiple of the step"):
        RegularGrid.from_bounds(100, 101, 30, 30.3, 0.25)


@pytest.mark.parametrize("lat0", [0.0, 39.9, 52.0, 89.0])
def test_cell_area_matches_geodesic_area(lat0):
    g = RegularGrid.from_bounds(110.0, 110.5, lat0, lat0 + 0.5, 0.5)
    expected = geodesic_box_km2(110.0, lat0, 110.5, lat0 + 0.5)
    assert g.cell_area_km2()[0, 0] == pytest.approx(expected, rel=1e-6)


def test_cell_areas_sum_to_zone_area_and_descending_rows_flip():
    g = RegularGrid.from_bounds(0, 360, -90, 90, 10)
    # total area of the WGS84 ellipsoid [km²]
    assert g.cell_area_km2().sum() == pytest.approx(510065621.7, rel=1e-8)
    d = RegularGrid(g.lat[::-1], g.lon)
    np.testing.assert_allclose(d.cell_area_km2(), g.cell_area_km2()[::-1])


def test_fingerprint_stable_across_dtype_and_sensitive_to_grid():
    g = RegularGrid.from_bounds(100, 110, 30, 40, 0.05)
    g32 = RegularGrid(g.lat.astype(np.float32), g.lon.astype(np.float32))
    assert g.fingerprint == g32.fingerprint
    assert g.fingerprint == RegularGrid.from_bounds(100, 110, 30, 40, 0.05).fingerprint
    assert g.fingerprint != RegularGrid(g.lat[::-1], g.lon).fingerprint
    assert g.fingerprint != RegularGrid.from_bounds(100, 110, 30, 40.05, 0.05).fingerprint


def test_from_dataset_reads_lat_lon():
    g = RegularGrid.from_bounds(100, 102, 30, 31, 0.5)
    ds = xr.Dataset(coords={"lat": g.lat[::-1], "lon": g.lon})
    got = grid_from_dataset(ds)
    assert got.shape == (2, 4)
    assert got.lat[0] > got.lat[-1]
    with pytest.raises(RegionError, match="no 'lat'"):
        RegularGrid.from_dataset(xr.Dataset(coords={"y": [1, 2], "lon": [1, 2]}))


def test_non_monotonic_coordinates_are_rejected():
    with pytest.raises(RegionError, match="ascending or descending"):
        RegularGrid([30, 31, 30.5], [100, 101])
