"""The chunked pipeline equals the in-memory one bit for bit: regional hourly means, daily
values and AQI, and the levels of an ensemble, on the same file (dask's threaded scheduler;
tests/api/test_cluster.py runs it on worker processes)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.ensemble import forecast_levels
from engine.levels import rule_set_for
from engine.policy import decision_defaults
from engine.regional import regional_daily
from forecasts.reader import read_forecast
from forecasts.synthetic_national import write_national_forecast
from grids import coverage_weights, grid_from_dataset, load_regions

START = dt.date(2026, 12, 1)  # cold season: a PM2.5 episode, orange and red alerts
DOMAIN = (113.0, 120.0, 34.0, 41.0, 0.1)  # 70 × 70 cells over the 2+26 cities


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("chunked") / "ens.nc"
    write_national_forecast(path, START, members=3, hours=120, domain=DOMAIN, chunk_hours=24)
    eager = read_forecast(path)
    regions = load_regions("builtin:key-regions-2017")
    weights = coverage_weights(regions, grid_from_dataset(eager.data))
    return path, eager, regions, weights


def assert_same_bits(expected, got):
    assert set(expected.data_vars) == set(got.data_vars)
    for name in expected.data_vars:
        a, b = expected[name], got[name]
        assert a.dims == b.dims and a.dtype == b.dtype, name
        assert np.asarray(a.values).tobytes() == np.asarray(b.values).tobytes(), name
    for name in expected.coords:
        np.testing.assert_array_equal(expected[name].values, got[name].values)


@pytest.mark.parametrize("chunks", [{"time": 7, "member": 1}, {"time": 24}, {"time": 120}])
def test_regional_daily_values_equal_the_in_memory_ones(setup, chunks):
    path, eager, _, weights = setup
    lazy = read_forecast(path, chunks=chunks)
    assert lazy.data["pm25"].chunks is not None
    expected = regional_daily(eager.data, weights)
    got = regional_daily(lazy.data, weights)
    assert_same_bits(expected.hourly, got.hourly)
    assert_same_bits(expected.data, got.data)
    assert np.isfinite(expected.data["o3_mda8"].values).sum() > 0
    assert expected.data["aqi"].max() > 100  # something to classify


@pytest.mark.parametrize("mode", ["natural", "rolling"])
def test_ensemble_levels_equal_the_in_memory_ones(setup, mode):
    path, eager, regions, weights = setup
    lazy = read_forecast(path, chunks={"time": 7, "member": 1})
    codes = [r.code for r in regions]
    day = START + dt.timedelta(days=1)
    rules = rule_set_for(day)
    threshold = decision_defaults().ensemble_threshold
    levels = [
        forecast_levels(
            regional_daily(f.data, weights),
            codes,
            day,
            rules,
            mode=mode,
            ensemble_threshold=threshold,
        )
        for f in (eager, lazy)
    ]
    assert levels[0] == levels[1]
    assert all(level.probabilities is not None for level in levels[1].values())
    assert {"orange", "red"} <= {level.decision.level for level in levels[0].values()}
