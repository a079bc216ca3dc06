"""Synthetic observations and electricity use: consistent with the forecast, imperfect, and with
the firms that do not comply (seeds recorded in the calls)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely

from forecasts.synthetic import synthetic_forecast
from grids import load_regions
from observations import HOURLY_COLUMNS, STATION_COLUMNS
from observations.synthetic import synthetic_hourly, synthetic_stations, synthetic_use

SEED = 7


def test_stations_lie_in_their_regions():
    regions = load_regions("builtin:key-regions-2017")
    stations = synthetic_stations(regions, seed=SEED)
    assert list(stations.columns) == list(STATION_COLUMNS)
    assert stations["station_code"].is_unique
    counts = stations.groupby("city_code").size()
    assert set(counts.index) == set(regions.codes) and counts.between(3, 6).all()
    for row in stations.itertuples():
        assert regions.get(row.city_code).geometry.contains(shapely.Point(row.lon, row.lat))


def test_hourly_values_follow_the_forecast_with_errors():
    forecast = synthetic_forecast(dt.date(2026, 12, 1), days=7, seed=SEED)
    regions = load_regions("builtin:key-regions-2017")
    stations = synthetic_stations(regions, seed=SEED)
    hourly = synthetic_hourly(forecast, stations, seed=SEED)
    assert list(hourly.columns) == list(HOURLY_COLUMNS)
    assert len(hourly) == len(stations) * forecast.sizes["time"]
    # stamped at the end of their hour, in CST: the first forecast hour is 00:00–01:00 CST
    assert hourly["time"].iloc[0] == "2026-12-01 01:00"
    observed = hourly.pivot(index="time", columns="station_code", values="pm25")
    observed = observed[stations["station_code"]]
    missing = observed.isna().to_numpy().mean()
    assert 0.01 < missing < 0.06
    daily_obs = observed.to_numpy().reshape(7, 24, -1)
    cells = {"lon": stations["lon"].to_xarray(), "lat": stations["lat"].to_xarray()}
    model = forecast["pm25"].sel(cells, method="nearest").values.reshape(7, 24, -1)
    valid = np.where(daily_obs > 0, daily_obs, np.nan)  # invalid hours (-1, empty) left out
    counts = np.isfinite(valid).sum(axis=1)
    obs_mean = (np.nansum(valid, axis=1) / np.maximum(counts, 1)).ravel()
    obs_mean[counts.ravel() == 0] = np.nan
    model_mean = model.mean(axis=1).ravel()
    seen = np.isfinite(obs_mean)  # a station down for a day has no mean
    assert seen.mean() > 0.95
    correlation = np.corrcoef(np.log(obs_mean[seen]), np.log(model_mean[seen]))[0, 1]
    assert 0.6 < correlation < 0.99  # neither nonsense nor perfect
    assert (hourly[["pm25", "pm10", "o3", "no2", "so2", "co"]] < 0).to_numpy().any()  # invalids


def test_electricity_use_under_measures_and_cheats():
    days = 10
    allowed = np.ones((4, days))
    allowed[:, 7:] = [[0.0], [0.0], [0.8], [0.0]]  # measures on the last three days
    use = synthetic_use(np.array([24.0, 24.0, 10.0, 24.0]), dt.date(2026, 11, 23), days,
                        allowed=allowed, cheats=np.array([False, False, False, True]),
                        seed=SEED)  # fmt: skip
    assert use.shape == (4, days * 24)
    before = np.nanmean(use[:, : 7 * 24], axis=1)
    during = np.nanmean(use[:, 7 * 24 :], axis=1)
    share = during / before
    assert share[0] < 0.1 and share[1] < 0.1  # stopped: standby only
    assert 0.7 < share[2] < 0.85  # day shift capped at 80 % (weekday mix aside)
    assert share[3] > 0.55  # the cheat keeps running
