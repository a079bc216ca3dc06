"""The observation store: atomic CSV import with bad rows named, validity of hours, day blocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ObservationError
from observations import ImportRejected, ObservationStore

STATIONS = (
    "station_code,name,city_code,lon,lat\n"
    "1001A,华电二区,130100,114.50,38.05\n"
    "1002A,职工医院,130100,114.46,38.03\n"
    "2001A,雷达站,130200,118.16,39.63\n"
)
HEADER = "station_code,time,pm25,pm10,o3,no2,so2,co\n"


def hourly_text(rows: list[tuple[str, dt.datetime, float]]) -> str:
    """Hourly CSV with PM2.5 ``value`` and fixed other pollutants."""
    body = "".join(f"{s},{t:%Y-%m-%d %H:%M},{v},80,40,30,10,0.8\n" for s, t, v in rows)
    return HEADER + body


def day_rows(station: str, day: dt.date, value: float, hours=range(24)):
    start = dt.datetime.combine(day, dt.time())
    return [(station, start + dt.timedelta(hours=h), value) for h in hours]


@pytest.fixture
def store(tmp_path) -> ObservationStore:
    (tmp_path / "stations.csv").write_text(STATIONS, "utf-8")
    store = ObservationStore(tmp_path / "obs.sqlite")
    store.import_csv(stations=tmp_path / "stations.csv")
    return store


def test_station_list_with_a_bad_row_imports_nothing_and_names_the_row(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(STATIONS + "3001A,坏站,130300,200.0,38.0\n", "utf-8")
    store = ObservationStore(tmp_path / "obs.sqlite")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(stations=path)
    assert caught.value.problems == ["stations.csv line 5: lon '200.0': must be ≤ 136"]
    assert "nothing imported" in str(caught.value)
    assert store.counts()["stations"] == 0


def test_stations_are_read_back_in_columns(store):
    stations = store.stations()
    assert stations["station_code"].tolist() == ["1001A", "1002A", "2001A"]
    assert stations["city_code"].tolist() == ["130100", "130100", "130200"]
    assert store.stations(["130200"])["name"].tolist() == ["雷达站"]


def test_hourly_bad_rows_are_each_named_and_nothing_is_imported(store, tmp_path):
    lines = [
        "1001A,2026-12-01 00:00,35,80,40,30,10,0.8",  # line 2: good
        "1001A,2026-12-01 01:00,abc,80,40,30,10,0.8",  # 3: not a number
        "9999X,2026-12-01 01:00,35,80,40,30,10,0.8",  # 4: unknown station
        "1001A,2026-12-01 01:30,35,80,40,30,10,0.8",  # 5: not a whole hour
        "1001A,yesterday,35,80,40,30,10,0.8",  # 6: not a time
        "1001A,2026-12-01 00:00,36,80,40,30,10,0.8",  # 7: repeats line 2
        "1001A,2026-12-01 02:00,35,80,40",  # 8: too few fields
        "",  # 9: blank, skipped
        "1002A,2026-12-01 03:00,,80,40,30,10,0.8",  # 10: good (invalid hour)
    ]
    path = tmp_path / "hourly.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(hourly=path)
    assert caught.value.problems == [
        "hourly.csv line 3: pm25 'abc': not a number",
        "hourly.csv line 4: station_code '9999X' is in neither the station list nor the store",
        "hourly.csv line 5: time '2026-12-01 01:30': not on a whole hour",
        "hourly.csv line 6: time 'yesterday': not a CST time such as 2026-01-05 14:00",
        "hourly.csv line 7: station_code and time repeat line 2",
        "hourly.csv line 8: 5 fields, expected 8",
    ]
    assert store.counts()["hourly"] == 0


def test_header_must_be_exact(store, tmp_path):
    path = tmp_path / "hourly.csv"
    path.write_text("station_code,time,pm25\n1001A,2026-12-01 00:00,35\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(hourly=path)
    (problem,) = caught.value.problems
    assert problem.startswith("hourly.csv line 1: missing column(s) pm10, o3, no2, so2, co")


def test_marked_and_negative_values_are_invalid_hours_not_bad_rows(store, tmp_path):
    day = dt.date(2026, 12, 1)
    rows = day_rows("1001A", day, 50.0)
    text = hourly_text(rows).splitlines()
    text[1] = text[1].replace(",50.0,", ",NA,")
    text[2] = text[2].replace(",50.0,", ",—,")
    text[3] = text[3].replace(",50.0,", ",-5,")
    path = tmp_path / "hourly.csv"
    path.write_text("\n".join(text) + "\n", "utf-8")
    summary = store.import_csv(hourly=path, hour_label="start")
    assert (summary.hourly_rows, summary.invalid_values, summary.negative_values) == (24, 2, 1)
    ids = store.stations()["id"][:1]
    time, values = store.hourly_values(day, day, ids)
    assert time[0] == np.datetime64("2026-12-01T00", "h") and time.size == 24
    pm25 = values[0, :, 0]
    assert np.isnan(pm25[:3]).all() and (pm25[3:] == 50.0).all()


def test_an_hour_imported_again_replaces_the_stored_one_and_days_merge(store, tmp_path):
    day = dt.date(2026, 12, 1)
    first = tmp_path / "a.csv"
    first.write_text(hourly_text(day_rows("1001A", day, 10.0, range(12))), "utf-8")
    second = tmp_path / "b.csv"
    second.write_text(hourly_text(day_rows("1001A", day, 20.0, range(6, 24))), "utf-8")
    store.import_csv(hourly=first)
    store.import_csv(hourly=second)
    _, values = store.hourly_values(day, day, store.stations()["id"][:1])
    assert values[0, :6, 0].tolist() == [10.0] * 6
    assert values[0, 6:, 0].tolist() == [20.0] * 18
    assert store.counts()["hourly"] == 1


def test_the_hour_label_is_fixed_by_the_first_import(store, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(hourly_text(day_rows("1001A", dt.date(2026, 12, 1), 10.0)), "utf-8")
    store.import_csv(hourly=path)
    assert store.hour_label() == "end"
    with pytest.raises(ObservationError, match="stamped at the end"):
        store.import_csv(hourly=path, hour_label="start")


def test_electricity_use_round_trip_and_bad_rows(store, tmp_path):
    good = tmp_path / "use.csv"
    good.write_text(
        "credit_code,meter_id,line_id,time,kwh\n"
        "91130100MA0000001X,M1,L1,2026-12-01 00:00,120.5\n"
        "91130100MA0000001X,M1,L1,2026-12-01 01:00,\n"
        "91130100MA0000001X,M2,,2026-12-01 00:00,40\n",
        "utf-8",
    )
    assert store.import_csv(electricity=good).electricity_rows == 3
    meters = store.meters()
    assert meters["line_id"].tolist() == ["L1", ""]
    _, use = store.electricity_use(dt.date(2026, 12, 1), dt.date(2026, 12, 1), meters["id"])
    assert use[0, 0] == pytest.approx(120.5) and np.isnan(use[0, 1])
    assert use[1, 0] == 40.0 and np.isnan(use[1, 2:]).all()
    bad = tmp_path / "bad.csv"
    bad.write_text("credit_code,meter_id,line_id,time,kwh\n,M1,L1,2026-12-01 02:00,-3\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(electricity=bad)
    assert caught.value.problems == [
        "bad.csv line 2: credit_code must not be empty; kwh must be ≥ 0"
    ]


def test_missing_files_and_empty_imports_are_refused(store, tmp_path):
    with pytest.raises(ObservationError, match="nothing to import"):
        store.import_csv()
    with pytest.raises(ObservationError, match="no such file"):
        store.import_csv(hourly=Path(tmp_path / "absent.csv"))


def test_values_across_months_and_the_days_covered(store, tmp_path):
    rows = day_rows("1001A", dt.date(2026, 11, 30), 30.0, range(20, 24))
    rows += day_rows("1001A", dt.date(2026, 12, 1), 40.0, range(0, 3))
    path = tmp_path / "h.csv"
    path.write_text(hourly_text(rows), "utf-8")
    store.import_csv(hourly=path)
    assert store.days() == (dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    assert store.counts()["hourly"] == 2  # one block per station and month
    time, values = store.hourly_values(
        dt.date(2026, 11, 30), dt.date(2026, 12, 1), store.stations()["id"][:1]
    )
    pm25 = values[0, :, 0]
    assert time[20] == np.datetime64("2026-11-30T20", "h")
    assert pm25[20:27].tolist() == [30.0] * 4 + [40.0] * 3
    assert np.isnan(pm25[:20]).all() and np.isnan(pm25[27:]).all()
    assert store.days("electricity") is None
