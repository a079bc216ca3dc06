"""Scenarios: incremental ΔO3, ensemble, regime, regions (docs/chemistry.md §1, §6, §7)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import xarray as xr

from engine.daily import daily_statistics
from engine.errors import ForecastError
from engine.photochem import (
    classify_regime,
    isopleth,
    regional_summary,
    run_scenario,
    scenario_dataset,
)
from grids import Region, RegionSet, coverage_weights, grid_from_dataset, population_weights

SEED = 77
HOURS = 48
LAT = 37.0 + 0.1 * np.arange(8)
LON = 114.0 + 0.1 * np.arange(10)


def _inputs(seed: int = SEED, winds: bool = False):
    rng = np.random.default_rng(seed)
    time = (np.datetime64("2026-07-01T16:00") + np.arange(HOURS).astype("timedelta64[h]")).astype(
        "datetime64[ns]"
    )
    shape = (HOURS, LAT.size, LON.size)
    hour_cst = (np.arange(HOURS) + 0) % 24  # 16:00 UTC is 00:00 CST
    diurnal = np.clip(np.sin(np.pi * (hour_cst - 6) / 14), 0, None)
    o3 = 60 + 130 * diurnal[:, None, None] + rng.normal(0, 3, shape)
    coords = {"time": time, "lat": LAT, "lon": LON}
    forecast = xr.Dataset({"o3": (("time", "lat", "lon"), o3)}, coords=coords)
    if winds:
        forecast["u"] = (("time", "lat", "lon"), np.full(shape, 3.0))
        forecast["v"] = (("time", "lat", "lon"), np.full(shape, -1.5))
    voc = np.broadcast_to(rng.uniform(200, 1500, shape[1:]), shape).copy()
    nox = np.broadcast_to(rng.uniform(50, 600, shape[1:]), shape).copy()
    emissions = xr.Dataset(
        {"voc": (("time", "lat", "lon"), voc), "nox": (("time", "lat", "lon"), nox)}, coords=coords
    )
    day = (hour_cst >= 9) & (hour_cst < 18)
    factor = np.where(day, -0.6, 0.6 * 9 / 15)[:, None, None]
    change = xr.Dataset(
        {"voc": (("time", "lat", "lon"), factor * voc), "nox": (("time", "lat", "lon"), 0 * nox)},
        coords=coords,
    )
    return forecast, emissions, change


def _regions():
    west = shapely.box(113.95, 36.95, 114.45, 37.75)
    east = shapely.box(114.45, 36.95, 114.95, 37.75)
    return RegionSet(
        [Region("W", "West", "city", None, west), Region("E", "East", "city", None, east)]
    )


@pytest.fixture(scope="module")
def scenario():
    forecast, emissions, change = _inputs()
    return forecast, emissions, change, run_scenario(forecast, emissions, change, members=4)


def test_zero_change_gives_exactly_zero(scenario):
    forecast, emissions, change, _ = scenario
    zero = change.copy(deep=True)
    zero["voc"][:] = 0.0
    run = run_scenario(forecast, emissions, zero, members=3, regime=False)
    assert (run.delta_o3.values == 0.0).all()
    daily = run.cell_daily()
    assert (daily["delta_mda8"].values[np.isfinite(daily["delta_mda8"].values)] == 0.0).all()


def test_scenario_is_forecast_plus_delta(scenario):
    forecast, _, _, run = scenario
    assert run.delta_o3.dims == ("member", "time", "lat", "lon")
    assert run.delta_o3.sizes["member"] == 4
    np.testing.assert_allclose(
        run.scenario_o3.isel(member=0).values,
        forecast["o3"].values + run.delta_o3.isel(member=0).values,
        rtol=1e-6,
    )
    assert np.abs(run.delta_o3.values).max() > 0.1  # a 60 % shift does something
    assert run.defaulted == ("t2m", "pblh", "cloud_fraction", "wind")
    assert (run.status.values == 0).all()


def test_ensemble_members_differ_and_repeat_with_the_seed(scenario):
    forecast, emissions, change, run = scenario
    delta = run.delta_o3.values
    assert not np.array_equal(delta[0], delta[1])
    again = run_scenario(forecast, emissions, change, members=2, regime=False)
    np.testing.assert_array_equal(again.delta_o3.values, delta[:2])
    daily = run.cell_daily()
    valid = np.isfinite(daily["delta_mda8_p10"].values)
    assert valid.any()
    assert (daily["delta_mda8_p10"].values[valid] <= daily["delta_mda8_p50"].values[valid]).all()
    assert (daily["delta_mda8_p50"].values[valid] <= daily["delta_mda8_p90"].values[valid]).all()


def test_regional_summary_follows_the_alert_engine_order(scenario):
    forecast, _, change, run = scenario
    regions = _regions()
    grid = grid_from_dataset(forecast)
    weights = coverage_weights(regions, grid)
    density = np.full(grid.shape, 1000.0)  # people km⁻²
    people = population_weights(weights, density)
    out = regional_summary(
        run, weights, {"W": "West", "E": "East"}, cell_area_km2=grid.cell_area_km2(),
        population=people,
    )  # fmt: skip
    assert [r.code for r in out] == ["W", "E"]
    west = out[0]
    # by hand: area-weighted hourly mean of the west cells, then CST MDA8
    cells = (LON[None, :] < 114.45) & (LAT[:, None] < 37.75)
    area = grid.cell_area_km2() * cells
    o3 = (forecast["o3"].values * area).sum(axis=(1, 2)) / area.sum()
    series = xr.Dataset({"o3": (("time",), o3)}, coords={"time": forecast["time"].values})
    mda8 = daily_statistics(series)["o3_mda8"].values
    days = [d for d in mda8 if np.isfinite(d)]
    assert [d.mda8_base for d in west.days] == pytest.approx([round(d, 1) for d in days])
    for day in west.days:
        assert day.delta_p10 <= day.delta_p50 <= day.delta_p90
        assert day.o3_iaqi_base > 0
    assert west.exceedance_base == sum(d.mda8_base > 160 for d in west.days)
    moved = np.maximum(-change["voc"].values, 0).sum(axis=0)
    assert west.voc_moved_kg == pytest.approx((moved * cells).sum(), rel=1e-6)
    assert west.regime in ("voc_limited", "nox_limited", "transitional")
    assert west.members == 4
    assert 0 <= west.population_affected <= 1000 * area.sum() * 1.0001


def test_result_dataset_has_the_contract_variables(scenario):
    *_, run = scenario
    ds = scenario_dataset(run)
    assert ds["delta_o3"].dims == ("time", "lat", "lon")
    assert ds["delta_mda8"].dims == ("date", "lat", "lon")
    assert ds["delta_o3"].attrs["units"] == ds["delta_mda8"].attrs["units"] == "ug m-3"
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds["regime"].attrs["flag_meanings"] == "voc_limited nox_limited transitional"


def test_nan_emissions_mark_cells_and_negative_scenarios_are_refused():
    forecast, emissions, change = _inputs(seed=SEED + 1)
    emissions["nox"][5, 2, 3] = np.nan
    run = run_scenario(forecast, emissions, change, members=1, regime=False)
    assert run.status.values[2, 3] == 2
    assert np.isnan(run.delta_o3.values[0, :, 2, 3]).all()
    assert np.isfinite(run.delta_o3.values[0, :, 2, 4]).all()
    emissions["nox"][5, 2, 3] = 1.0
    change["voc"][:] = -2.0 * emissions["voc"].values
    with pytest.raises(ForecastError, match="base voc plus its change is negative"):
        run_scenario(forecast, emissions, change, members=1, regime=False)


def test_winds_move_the_change_downwind():
    forecast, emissions, change = _inputs(seed=SEED + 2, winds=True)
    change["voc"][:] = 0.0
    change["nox"][:] = 0.0
    change["voc"][:, 3, 1] = -0.9 * emissions["voc"].values[:, 3, 1]  # one cell, all day
    run = run_scenario(forecast, emissions, change, members=1, regime=False)
    assert "wind" not in run.defaulted
    effect = np.abs(run.delta_o3.values[0]).sum(axis=0)  # (lat, lon)
    # wind from the west-north-west: cells east of the source feel it, cells west barely
    assert effect[3, 4] > 10 * effect[3, 0]


def test_classify_regime():
    s_voc = np.array([5.0, 1.0, 3.0, -1.0, 0.0, np.nan])
    s_nox = np.array([-2.0, 4.0, 2.0, 3.0, 0.0, 1.0])
    assert classify_regime(s_voc, s_nox, 2.0).tolist() == [0, 1, 2, 1, 2, -1]


def test_isopleth_is_anchored_at_the_forecast(scenario):
    forecast, emissions, _, _ = scenario
    weights = coverage_weights(_regions(), grid_from_dataset(forecast))
    iso = isopleth(
        forecast, emissions, weights, "E",
        voc_factors=np.array([0.5, 1.0]), nox_factors=np.array([1.0, 1.5]),
    )  # fmt: skip
    assert iso.o3.shape == (2, 2)
    cells = (LON[None, :] >= 114.45) & (LAT[:, None] < 37.75)
    area = grid_from_dataset(forecast).cell_area_km2() * cells
    o3 = (forecast["o3"].values * area).sum(axis=(1, 2)) / area.sum()
    series = xr.Dataset({"o3": (("time",), o3)}, coords={"time": forecast["time"].values})
    anchor = float(np.nanmean(daily_statistics(series)["o3_mda8"].values))
    assert iso.o3[1, 0] == pytest.approx(anchor, abs=0.05)
    assert not np.allclose(iso.o3, anchor)


def test_members_on_the_ensemble_grid_keep_the_central_answer(scenario):
    """With blocks of 2 × 2 cells the central member is unchanged and zero stays zero."""
    from engine.photochem import model_settings

    forecast, emissions, change, fine = scenario
    coarse_settings = model_settings().replace(ensemble_max_cells=20)  # 80 cells → k = 2
    run = run_scenario(forecast, emissions, change, members=4, settings=coarse_settings)
    assert run.ensemble_block == 2
    np.testing.assert_array_equal(run.delta_o3.values[0], fine.delta_o3.values[0])
    assert not np.array_equal(run.delta_o3.values[1], run.delta_o3.values[0])
    zero = change.copy(deep=True)
    zero["voc"][:] = 0.0
    quiet = run_scenario(forecast, emissions, zero, members=3, settings=coarse_settings)
    assert (quiet.delta_o3.values == 0.0).all()
    assert quiet.sensitivity["regime"].shape == (LAT.size, LON.size)


@pytest.mark.parametrize("members", [1, 2, 5, 20])
def test_member_percentiles_equal_numpys_nanpercentile(members):
    """Vectorised percentiles over members equal np.nanpercentile (linear), NaN skipped, an
    all-NaN slice NaN (seed recorded)."""
    from engine.photochem._ensemble import member_percentiles

    rng = np.random.default_rng(SEED + members)
    values = rng.normal(0.0, 5.0, (members, 6, 7, 3))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 0, 0, :] = np.nan  # all members missing
    values[:, 1, 1, 1] = 2.5  # all members equal
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(values, [10, 50, 90], axis=0)
    got = member_percentiles(values, [10, 50, 90])
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13, equal_nan=True)
    assert np.isnan(got[:, 0, 0, :]).all() and (got[:, 1, 1, 1] == 2.5).all()
