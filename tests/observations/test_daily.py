"""Observed daily values by the official method: hourly city mean → daily statistics → AQI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.aqi import iaqi
from observations import ObservationStore, city_daily, observed_rows, station_daily
from tests.observations.test_store import STATIONS, day_rows, hourly_text

DAY = dt.date(2026, 12, 1)  # HJ633-2026 in force


@pytest.fixture
def store(tmp_path) -> ObservationStore:
    (tmp_path / "stations.csv").write_text(STATIONS, "utf-8")
    store = ObservationStore(tmp_path / "obs.sqlite")
    store.import_csv(stations=tmp_path / "stations.csv")
    return store


def write(store, tmp_path, rows, label="start", name="h.csv"):
    path = tmp_path / name
    path.write_text(hourly_text(rows), "utf-8")
    store.import_csv(hourly=path, hour_label=label)


def test_city_value_is_the_daily_statistic_of_the_hourly_station_mean(store, tmp_path):
    # Station 1 reports hours 0–11 only, station 2 hours 12–23 only: neither has a valid daily
    # mean (< 20 h), but the city's hourly mean has 24 valid hours (docs/rules.md §1.5).
    rows = day_rows("1001A", DAY, 100.0, range(12)) + day_rows("1002A", DAY, 140.0, range(12, 24))
    rows += day_rows("2001A", DAY, 60.0)
    write(store, tmp_path, rows)
    stations = station_daily(store, DAY, DAY)
    pm25 = dict(
        zip(stations.data["region"].values, stations.data["pm25"].values[:, 0], strict=True)
    )
    assert np.isnan(pm25["1001A"]) and np.isnan(pm25["1002A"]) and pm25["2001A"] == 60.0
    cities = city_daily(store, DAY, DAY)
    assert cities.data["region"].values.tolist() == ["130100", "130200"]
    assert cities.data["pm25"].values[:, 0].tolist() == [120.0, 60.0]
    assert cities.data["aqi"].values[:, 0].tolist() == [
        iaqi("pm25_24h", 120.0, "HJ633-2026"),
        iaqi("pm25_24h", 60.0, "HJ633-2026"),
    ]
    assert cities.data["aqi"].values[0, 0] == 158  # 50 / 35 × (120 − 115) + 150 = 157.1 → 158
    assert cities.data["primary_pm25"].values[:, 0].tolist() == [True, True]


def test_stamps_ending_their_hour_put_midnight_in_the_day_before(store, tmp_path):
    # "end" labels (1时 … 24时): day D is D 01:00 … D+1 00:00 CST.
    rows = day_rows("2001A", DAY, 50.0, range(1, 24))
    rows += day_rows("2001A", DAY + dt.timedelta(days=1), 200.0, range(0, 1))
    write(store, tmp_path, rows, label="end")
    daily = city_daily(store, DAY, DAY, cities=["130200"]).data
    assert daily["pm25"].values[0, 0] == pytest.approx((23 * 50 + 200) / 24)


def test_nineteen_valid_hours_make_no_daily_mean(store, tmp_path):
    write(store, tmp_path, day_rows("2001A", DAY, 80.0, range(19)))
    daily = city_daily(store, DAY, DAY, cities=["130200"]).data
    assert np.isnan(daily["pm25"].values[0, 0])
    assert daily["iaqi_pm25_24h"].values[0, 0] == -1


def test_rows_for_the_cli(store, tmp_path):
    write(store, tmp_path, day_rows("2001A", DAY, 80.0))
    (row,) = observed_rows(city_daily(store, DAY, DAY, cities=["130200"]))
    assert row["region"] == "130200" and row["date"] == "2026-12-01"
    assert row["pm25"] == 80.0 and row["aqi"] == iaqi("pm25_24h", 80.0, "HJ633-2026")
    assert row["primary_pollutants"] == "pm25"
