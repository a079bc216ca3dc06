"""Season assessment: heavy-pollution, good and O3 days of a hand-made year, their change and the
targets; VOC of the key industries (docs/rules.md §6.3)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from engine.assessment import (
    count_days,
    season_counts,
    season_document,
    season_period,
    voc_emission_t_a,
)
from engine.errors import PolicyError
from engine.measures import registry_from_records
from engine.regional import RegionalDaily
from tests.engine.test_measures import _ent, _line


def test_season_periods():
    assert season_period("autumn_winter", 2025) == (dt.date(2025, 10, 1), dt.date(2026, 3, 31))
    assert season_period("ozone", 2025) == (dt.date(2025, 5, 1), dt.date(2025, 9, 30))
    assert season_period("year", 2024) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    with pytest.raises(PolicyError, match="unknown season"):
        season_period("spring", 2025)


def year_of(start: dt.date, heavy: list[int], ozone: list[int], missing: list[int] = ()):
    """Daily AQI of a city from ``start`` for a year: 60 (good), 210 on ``heavy`` days, 137
    with O3 primary on ``ozone`` days, missing on ``missing`` days (day numbers)."""
    n = 365
    aqi = np.full(n, 60)
    aqi[heavy] = 210
    aqi[ozone] = 137
    aqi[list(missing)] = -1
    category = np.select([aqi < 0, aqi <= 50, aqi <= 100, aqi <= 150, aqi <= 200, aqi <= 300],
                         [0, 1, 2, 3, 4, 5], 6)  # fmt: skip
    return aqi, category, np.isin(np.arange(n), ozone)


def test_counts_of_a_hand_made_year():
    aqi, category, o3 = year_of(dt.date(2025, 1, 1), heavy=[5, 6, 7, 300, 301, 302],
                                ozone=[150, 151, 152, 153, 200], missing=[40, 41])  # fmt: skip
    counts = count_days(aqi[None], category[None], o3[None])
    assert {k: int(v[0]) for k, v in counts.items()} == {
        "valid_days": 363,
        "heavy_days": 6,
        "good_days": 363 - 6 - 5,
        "o3_primary_days": 5,
    }


def test_document_reports_the_change_and_the_25_percent_target():
    dates = np.arange("2024-01-01", "2026-01-01", dtype="datetime64[D]")  # 731 days

    def days(*isos: str) -> np.ndarray:
        return np.isin(dates, np.array(isos, dtype="datetime64[D]"))

    # 石家庄: 8 heavy days in 2024, 6 in 2025 (-25 %); O3 primary on 1 then 2 days
    heavy = np.stack([
        days("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-12-10",
             "2024-12-11", "2024-12-12", "2024-12-13",
             "2025-01-02", "2025-01-03", "2025-01-04", "2025-12-10", "2025-12-11",
             "2025-12-12"),
        days("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-02-01",
             "2024-02-02", "2024-02-03", "2024-02-04",
             "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"),
    ])  # fmt: skip
    ozone = np.stack([days("2024-06-10", "2025-06-10", "2025-06-20"), days()])
    aqi = np.where(heavy, 210, np.where(ozone, 137, 60))
    category = np.where(heavy, 5, np.where(ozone, 3, 2))
    dims = ("region", "date")
    data = xr.Dataset(
        {"aqi": (dims, aqi), "category": (dims, category), "primary_o3": (dims, ozone)},
        coords={"region": ["130100", "130200"], "date": dates.astype("datetime64[ns]")},
    )
    daily = RegionalDaily(data=data, hourly=xr.Dataset())
    current = season_counts(daily, *season_period("year", 2025))
    previous = season_counts(daily, *season_period("year", 2024))
    document = season_document("year", 2025, 2024, ["130100", "130200"], current, previous,
                               names={"130100": "石家庄市"})  # fmt: skip
    first, second = document["cities"]
    assert first["name"] == "石家庄市" and first["valid_days"] == 365
    assert first["heavy_days"] == 6 and first["base"]["heavy_days"] == 8
    assert first["heavy_days_change"] == -0.25 and first["heavy_days_target_met"] is True
    assert first["o3_primary_days"] == 2 and first["base"]["o3_primary_days"] == 1
    assert first["good_days"] == 365 - 6 - 2 and first["base"]["valid_days"] == 366
    # the second city: 8 heavy days, then 4: -50 %, met; a city at -12.5 % would not be
    assert second["heavy_days"] == 4 and second["heavy_days_change"] == -0.5
    assert second["heavy_days_target_met"] is True
    assert document["targets"]["heavy_days_change"] == -0.25
    assert "国发〔2018〕22号" in document["targets"]["heavy_days_source"]
    assert document["period"] == {"from": "2025-01-01", "to": "2025-12-31"}


def test_a_base_without_heavy_days_and_a_missed_target():
    def counts(valid, heavy):
        n = len(valid)
        return {"valid_days": np.array(valid), "heavy_days": np.array(heavy),
                "good_days": np.zeros(n, int), "o3_primary_days": np.zeros(n, int)}  # fmt: skip

    document = season_document(
        "ozone", 2025, 2024, ["a", "b", "c"], counts([150, 150, 150], [0, 2, 7]),
        counts([150, 0, 150], [0, 0, 8]),
    )  # fmt: skip
    a, b, c = document["cities"]
    assert a["heavy_days_change"] is None and a["heavy_days_target_met"] is True
    assert b["heavy_days_target_met"] is None  # no base data
    assert c["heavy_days_change"] == -0.125 and c["heavy_days_target_met"] is False


def test_voc_of_key_industries():
    enterprises = [_ent("COAT", "B", industry="industrial_coating"), _ent("CEM", "D")]
    lines = [
        _line("COAT", "L1", 1, 1, 1, (0, 0, 0, 2.0), process="coating", hours=10.0),
        _line("COAT", "L2", 1, 1, 1, (0, 0, 0, 5.0), process="coating", stopped=True),
        _line("CEM", "L1", 1, 1, 1, (1, 1, 1, 9.0)),  # cement is not a key VOC industry
    ]
    registry = registry_from_records(enterprises, lines, [])
    assert voc_emission_t_a(registry) == pytest.approx(2.0 * 10 * 365 / 1000)
    document = season_document("year", 2025, 2024, [], {}, {}, voc={"total": (7.3, 9.0)})
    assert document["voc_total"] == {
        "t_a": 7.3, "base_t_a": 9.0, "change": pytest.approx(-0.1889, abs=1e-4),
        "target_met": True,
    }  # fmt: skip
