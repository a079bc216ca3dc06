import datetime as dt

import numpy as np
import pytest
import shapely

from engine.errors import NotFoundError
from grids import RegularGrid, coverage_weights, load_regions
from grids._builtin import builtin_sets, key_regions


def test_key_region_membership_matches_rules_section_5():
    current = {kr.code: kr for kr in key_regions(dt.date(2025, 1, 1))}
    assert set(current) == {"jjj", "yrd", "fwp"}
    assert len(current["jjj"].cities) == 39  # 2+36 and 济源 listed with Henan
    assert len(current["fwp"].cities) == 13
    assert len(current["yrd"].cities) == 1 + 13 + 6 + 11
    historical = {kr.code for kr in key_regions(dt.date(2020, 6, 1))}
    assert historical == {"2+26"}
    (two_26,) = [kr for kr in key_regions() if kr.code == "2+26"]
    assert len(two_26.cities) == 28


def test_key_region_cities_nest_in_provinces_and_names_are_real():
    cities = load_regions("builtin:key-regions")
    assert len(cities) == 39 + 31 + 13 + 5
    assert cities.get("130100").name == "石家庄市"
    assert cities.get("130100").parent == "130000"
    assert cities.get("xiongan").parent == "130600"
    assert cities.get("610581").name == "韩城市"
    provinces = load_regions("builtin:provinces")
    hebei = provinces.get("130000").geometry
    # a city is the union of its counties and lies inside its province
    assert shapely.area(shapely.difference(cities.get("130100").geometry, hebei)) < 1e-9


def test_counties_partition_their_city_exactly_in_the_weights():
    counties = load_regions("builtin:key-region-counties")
    cities = load_regions("builtin:key-regions-2017")
    grid = RegularGrid.from_bounds(113.0, 119.0, 36.0, 42.0, 0.05)
    wc = coverage_weights(cities.select(["130100", "110100"]), grid)
    kids = [r.code for r in counties if r.parent in ("130100", "110100")]
    wk = coverage_weights(counties.select(kids), grid)
    assert wk.matrix.sum() == pytest.approx(wc.matrix.sum(), rel=1e-9)
    # within the 0.5 % goal with a wide margin for every region of >= 100 cells
    for w in (wc, wk):
        big = w.cells >= 100
        assert big.any()
        np.testing.assert_allclose(w.region_area_km2[big], w.polygon_area_km2[big], rtol=1e-5)


def test_every_named_set_loads_and_unknown_name_is_not_found():
    for name in builtin_sets():
        assert len(load_regions(f"builtin:{name}")) > 0
    with pytest.raises(NotFoundError, match="builtin:key-regions"):
        load_regions("builtin:nowhere")


def test_bundled_areas_are_plausible():
    provinces = load_regions("builtin:provinces")
    w = coverage_weights(provinces, RegularGrid.from_bounds(105, 125, 28, 43, 0.1))
    area = dict(zip(w.region_codes, w.polygon_area_km2, strict=True))
    # official land areas: Beijing 16,410 km², Hebei 188,800 km² (rounded figures)
    assert area["110000"] == pytest.approx(16410, rel=0.02)
    assert area["130000"] == pytest.approx(188800, rel=0.03)
