import numpy as np
import pytest
import shapely
import xarray as xr

from engine.aggregate import regional_mean
from engine.errors import RegionError
from grids import (
    Region,
    RegionSet,
    RegularGrid,
    coverage_weights,
    population_weights,
    station_weights,
)

GRID = RegularGrid.from_bounds(110.0, 111.0, 30.0, 31.0, 0.5)  # 2 x 2 cells
# region: all of cell (0, 0) and half of cell (0, 1)
REGIONS = RegionSet(
    [
        Region("a", "A", "city", None, shapely.box(110.0, 30.0, 110.75, 30.5)),
        Region("b", "B", "city", None, shapely.box(110.0, 30.5, 111.0, 31.0)),
    ]
)
VALUES = np.array([[[10.0, 40.0], [70.0, 90.0]]])  # (time, lat, lon)


def field():
    return xr.DataArray(
        VALUES, dims=("time", "lat", "lon"), coords={"lat": GRID.lat, "lon": GRID.lon}, name="pm25"
    )


def test_population_weighting_follows_the_people():
    area = coverage_weights(REGIONS, GRID)
    density = np.array([[100.0, 300.0], [0.0, 50.0]])  # people km⁻²
    pop = population_weights(area, density)
    a = GRID.cell_area_km2()
    people = np.array([a[0, 0] * 100.0, 0.5 * a[0, 1] * 300.0])
    assert pop.matrix[0].sum() == pytest.approx(people.sum(), rel=1e-9)
    out = regional_mean(field(), pop)
    expected = (people[0] * 10 + people[1] * 40) / people.sum()
    assert out["pm25"].values[0, 0] == pytest.approx(expected, rel=1e-9)
    assert out["pm25"].values[1, 0] == pytest.approx(90.0)  # nobody in cell (1, 0)
    np.testing.assert_allclose(pop.region_area_km2, area.region_area_km2)
    with pytest.raises(RegionError, match="non-negative"):
        population_weights(area, -density)


def test_station_weights_average_the_station_cells():
    lon = [110.1, 110.2, 110.6, 110.9, 120.0]  # two stations in cell (0, 0); one far away
    lat = [30.1, 30.2, 30.3, 30.3, 30.0]
    w = station_weights(REGIONS, GRID, lon, lat)
    # station 4 (110.9, 30.3) is outside region a; station 5 off every region
    out = regional_mean(field(), w)
    assert out["pm25"].values[0, 0] == pytest.approx((10 + 10 + 40) / 3)
    assert np.isnan(out["pm25"].values[1, 0])  # region b has no station
    assert w.kind == "stations" and w.cells.tolist() == [2, 0]
    # the network's own assignment wins over the polygons
    w2 = station_weights(REGIONS, GRID, lon[:4], lat[:4], codes=["a", "a", "a", "b"])
    out2 = regional_mean(field(), w2)
    assert out2["pm25"].values[1, 0] == pytest.approx(40.0)
