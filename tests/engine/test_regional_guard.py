"""The public pipeline entry refuses what it cannot read right, and a bad value decides nothing.

engine.regional.regional_daily takes HJ 633 units only (a notebook-built dataset goes through
forecasts.normalise first); ±Inf counts as missing (docs/rules.md §1.5), so one +Inf cell-hour
lowers the region's valid share — degraded below the minimum — and never makes it red.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from engine.errors import ForecastError
from engine.levels import get_rule_set
from engine.regional import regional_daily
from engine.response import ForecastIdentity, RegionRef, respond
from grids import coverage_weights, grid_from_dataset, load_regions
from tests import handmade

DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    path = tmp_path_factory.mktemp("guard") / "regions.geojson"
    path.write_text(json.dumps(handmade.regions()), "utf-8")
    return load_regions(str(path))


def levels(ds, regions, *, min_valid_fraction=0.75):
    weights = coverage_weights(regions, grid_from_dataset(ds))
    daily = regional_daily(ds, weights)
    (response,) = respond(
        daily,
        [RegionRef(r.code, r.name, r.parent) for r in regions],
        DAY,
        ForecastIdentity("HAND@1", ""),
        get_rule_set("MEE-2024"),
        mode="natural",
        ensemble_threshold=0.5,
        min_valid_fraction=min_valid_fraction,
    )
    return response


@pytest.mark.parametrize(("units", "problem"), [("ppb", "is in 'ppb'"), (None, "has no 'units'")])
def test_ozone_not_in_hj633_units_is_refused(regions, units, problem):
    ds = handmade.forecast([60, 60, 60])
    if units is None:
        del ds["o3"].attrs["units"]
    else:
        ds["o3"].attrs["units"] = units
    weights = coverage_weights(regions, grid_from_dataset(ds))
    with pytest.raises(ForecastError, match=f"forecast variable o3 {problem}.*forecasts.normalise"):
        regional_daily(ds, weights)


def test_the_same_unit_spelled_otherwise_is_accepted(regions):
    ds = handmade.forecast([60, 60, 60])
    ds["pm25"].attrs["units"] = "µg/m³"
    assert levels(ds, regions).days[0].pm25_24h == 60.0


def test_one_infinite_cell_hour_is_missing_not_red(regions):
    clean = levels(handmade.forecast([60, 60, 60, 60]), regions)
    assert clean.level == "none" and clean.valid_fraction == 1.0
    ds = handmade.forecast([60, 60, 60, 60])
    ds["pm25"][30, 1, 1] = np.inf  # one cell of four, one hour of 96
    response = levels(ds, regions)
    assert response.level == "none" and response.forecast_level == "none"
    assert [d.aqi for d in response.days] == [d.aqi for d in clean.days]
    assert 0.7 < response.valid_fraction < 0.8  # that cell's share of the region's area
    strict = levels(ds, regions, min_valid_fraction=0.8)
    assert strict.level == "none" and strict.degraded
    assert any(r.startswith("decision degraded: only 7") for r in strict.reasons)


def test_an_infinite_hour_everywhere_leaves_no_value_and_degrades(regions):
    ds = handmade.forecast([60, 60, 60, 60])
    ds["pm25"][30] = np.inf
    response = levels(ds, regions)
    assert response.level == "none" and response.degraded and response.valid_fraction == 0.0


@pytest.mark.parametrize("chunks", [{"lat": 1}, {"lon": 1, "time": 24}, {"time": 7}])
def test_chunking_along_any_dim_gives_the_same_levels(regions, chunks):
    ds = handmade.forecast([160, 160, 260, 100])
    ds["pm25"][30, 1, 1] = np.inf
    expected = levels(ds, regions)
    chunked = levels(ds.chunk(chunks), regions)
    assert chunked == expected and expected.level == "red"
