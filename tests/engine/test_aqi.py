"""HJ 633 AQI: worked values, standards by date, over-range rules, rounding, daily AQI."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from engine import aqi
from engine.errors import PolicyError
from tests.engine.test_aqi_oracle import TABLES

S12, S26 = "HJ633-2012", "HJ633-2026"


# docs/rules.md §1.6, "exact, then ceiling".
@pytest.mark.parametrize(
    ("pollutant", "value", "standard", "expected"),
    [
        ("pm25_24h", 50, S12, 69),
        ("pm25_24h", 50, S26, 80),
        ("pm25_24h", 100, S12, 132),
        ("pm25_24h", 100, S26, 137),
        ("pm25_24h", 160, S12, 210),
        ("pm25_24h", 160, S26, 210),
        ("o3_8h", 170, S12, 110),
        ("o3_8h", 170, S26, 110),
        ("o3_8h", 900, S26, 300),
        ("o3_8h", 900, S12, aqi.MISSING),
    ],
)
def test_worked_values(pollutant, value, standard, expected):
    result = aqi.iaqi(pollutant, value, standard)
    assert result == expected
    assert type(result) is int


def test_worked_o3_8h_900_under_2012_falls_back_to_1h():
    day = aqi.daily_aqi({"o3_8h": 900, "o3_1h": 1000}, S12)
    assert day.iaqi["o3_8h"] == aqi.MISSING
    assert day.aqi == 400 and day.primary_pollutants == ("o3",)
    assert "no IAQI" in day.notes["o3_8h"]


def test_table_matches_rules_at_every_breakpoint():
    # every breakpoint of every column gives its own IAQI, in both standards
    for standard, table in TABLES.items():
        for pollutant, column in table.items():
            got = aqi.iaqi(pollutant, np.array(column, dtype=float), standard)
            assert got.tolist() == [0, 50, 100, 150, 200, 300, 400, 500][: len(column)]


def test_boundaries_do_not_round_up_on_float_noise():
    # 75 µg/m³ is exactly IAQI 100 under 2012; float formulas give 100.00000000000001
    assert aqi.iaqi("pm25_24h", 75.0, S12) == 100
    assert aqi.iaqi("pm25_24h", np.nextafter(75.0, 100.0), S12) == 101
    assert aqi.iaqi("pm25_24h", np.nextafter(75.0, 0.0), S12) == 100
    # an exact integer IAQI inside a segment: PM10 2012 50..150 maps 50..100, C = 70 → 60
    assert aqi.iaqi("pm10_24h", 70.0, S12) == 60


def test_standard_for_switches_on_2026_03_01():
    assert aqi.standard_for(dt.date(2026, 2, 28)) == S12
    assert aqi.standard_for(dt.date(2026, 3, 1)) == S26
    assert aqi.standard_for(dt.date(2016, 1, 1)) == S12
    assert aqi.standard_for(np.datetime64("2026-03-01T00:00", "ns")) == S26
    assert aqi.standard_for(dt.datetime(2026, 2, 28, 23, 59)) == S12
    with pytest.raises(PolicyError, match="2011-06-01"):
        aqi.standard_for(dt.date(2011, 6, 1))


def test_iaqi_accepts_dates_and_aliases_for_standards():
    assert aqi.iaqi("pm25_24h", 100, dt.date(2026, 2, 28)) == 132
    assert aqi.iaqi("pm25_24h", 100, dt.date(2026, 3, 1)) == 137
    assert aqi.iaqi("pm25_24h", 100, "HJ 633-2026") == 137
    assert aqi.iaqi("pm25_24h", 100, "2012") == 132
    with pytest.raises(PolicyError, match="unknown AQI standard"):
        aqi.iaqi("pm25_24h", 100, "HJ633-1999")
    with pytest.raises(PolicyError, match="unknown pollutant id"):
        aqi.iaqi("pm2.5", 100, S12)


def test_missing_and_negative_give_the_missing_marker():
    assert aqi.iaqi("pm25_24h", float("nan"), S12) == aqi.MISSING == -1
    assert aqi.iaqi("pm25_24h", -3.0, S26) == aqi.MISSING
    out = aqi.iaqi("pm25_24h", np.array([np.nan, 10.0], np.float32), S26)
    assert out.dtype == np.int32 and out.tolist() == [-1, 15]


def test_arrays_keep_their_shape():
    values = np.linspace(0, 600, 24, dtype=np.float32).reshape(2, 3, 4)
    out = aqi.iaqi("pm10_24h", values, S26)
    assert out.shape == (2, 3, 4) and out.dtype == np.int32
    assert out[0, 0, 0] == 0 and out[-1, -1, -1] == 500


def test_so2_1h_over_range():
    assert aqi.iaqi("so2_1h", 800, S12) == 200
    assert aqi.iaqi("so2_1h", 801, S12) == aqi.MISSING
    with pytest.raises(PolicyError, match="so2_24h"):
        aqi.iaqi("so2_1h", 801, S12, not_computed="raise")
    assert aqi.iaqi("so2_1h", 801, S26) == 200
    assert aqi.iaqi("so2_1h", 5000, S26) == 200
    # 800.4 rounds to 800 under 2026: still on the table
    assert aqi.iaqi("so2_1h", 800.4, S26) == 200


def test_o3_8h_over_range():
    assert aqi.iaqi("o3_8h", 800, S12) == 300
    assert aqi.iaqi("o3_8h", 800.5, S12) == aqi.MISSING
    assert aqi.iaqi("o3_8h", 800.5, S26) == 300  # 800.5 rounds half-even to 800
    assert aqi.iaqi("o3_8h", 801, S26) == 300


def test_other_values_above_the_top_are_capped_and_flagged():
    assert aqi.iaqi("pm25_24h", 650, S12) == 500
    assert aqi.iaqi("pm25_24h", 650, S12, above_top="missing") == aqi.MISSING
    values, flags = aqi.iaqi_with_flags("pm25_24h", np.array([650.0, 400.0, np.inf]), S26)
    assert values.tolist() == [500, 434, 500]
    assert flags.tolist() == [5, 0, 5]
    # 500.4 is above the 2012 top but rounds to the 2026 top
    assert aqi.iaqi_with_flags("pm25_24h", 500.4, S12)[1] == 5
    assert aqi.iaqi_with_flags("pm25_24h", 500.4, S26)[1] == 0


def test_2026_input_rounding_half_even_on_exact_value():
    # PM2.5 2026, 35..60 maps 50..100: 2 IAQI per µg/m³
    assert aqi.iaqi("pm25_24h", 36.5, S26) == 52  # 36.5 → 36 (even)
    assert aqi.iaqi("pm25_24h", 37.5, S26) == 56  # 37.5 → 38 (even)
    assert aqi.iaqi("pm25_24h", 36.500001, S26) == 54  # above half → 37
    # CO one decimal: 2.25 is exactly representable → 2.2 (even); 2.35 is 2.35000000000000008882
    # as a float64 → above half → 2.4; 0.15 is 0.1499999999999999944 → 0.1
    co = aqi.iaqi_with_flags
    assert aqi.iaqi("co_24h", 2.25, S26) == math.ceil(50 + 25 * 0.2)  # 2.2 → 55
    assert aqi.iaqi("co_24h", 2.35, S26) == 60  # 2.4 → 60
    assert aqi.iaqi("co_24h", 0.15, S26) == 3  # 0.1 → 2.5 → 3
    assert aqi.iaqi("co_24h", np.float32(0.15), S26) == 5  # float32 0.15 is 0.150000006 → 0.2
    assert co("co_24h", 0.25, S26)[0] == 5  # exact half → 0.2 → 5
    # without rounding under 2012
    assert aqi.iaqi("co_24h", 0.15, S12) == 4  # 3.75 → 4


def test_category_table():
    cat = aqi.category(0)
    assert (cat.level, cat.name_zh, cat.name_en, cat.rgb) == (1, "优", "excellent", (0, 228, 0))
    assert aqi.category(50).level == 1 and aqi.category(51).level == 2
    assert aqi.category(150).name_en == "lightly polluted"
    assert aqi.category(200).level == 4 and aqi.category(201).level == 5
    assert aqi.category(300).rgb == (153, 0, 76)
    severe = aqi.category(301)
    assert (severe.level, severe.roman, severe.name_zh, severe.colour_hex) == (
        6, "VI", "严重污染", "#7e0023",
    )  # fmt: skip
    assert aqi.category(500).level == 6
    with pytest.raises(PolicyError):
        aqi.category(-1)


def test_daily_aqi_2012_includes_o3_1h_and_2026_does_not():
    values = {"pm25": 60, "o3_8h": 150, "o3_1h": 390}
    old = aqi.daily_aqi(values, S12)
    new = aqi.daily_aqi(values, S26)
    assert old.iaqi == {"pm25_24h": 82, "o3_8h": 92, "o3_1h": 195}
    assert old.aqi == 195 and old.primary_pollutants == ("o3",)
    assert old.category.level == 4
    assert new.iaqi == {"pm25_24h": 100, "o3_8h": 92}
    assert new.aqi == 100 and new.primary_pollutants == ("pm25",)
    assert new.standard == S26


def test_daily_aqi_ties_and_no_primary_at_or_below_50():
    # pm25 2012 115 → 150; pm10 2012 250 → 150: both primary, in house order
    tie = aqi.daily_aqi({"pm10": 250, "pm25": 115, "no2": 10}, S12)
    assert tie.aqi == 150 and tie.primary_pollutants == ("pm25", "pm10")
    clean = aqi.daily_aqi({"pm25": 35, "pm10": 50}, S12)
    assert clean.aqi == 50 and clean.primary_pollutants == ()
    assert clean.category.level == 1


def test_daily_aqi_skips_missing_and_reports_no_data():
    day = aqi.daily_aqi({"pm25": float("nan"), "so2": 60, "co": None}, S26)
    assert day.aqi == 55 and day.iaqi["pm25_24h"] == -1 and "missing" in day.notes["pm25_24h"]
    empty = aqi.daily_aqi({"pm25": float("nan")}, S26)
    assert empty.aqi == aqi.AQI_MISSING and empty.category is None
    assert empty.primary_pollutants == ()
    assert aqi.daily_aqi({}, S12).aqi == aqi.AQI_MISSING


def test_daily_aqi_2026_range_starts_at_1():
    assert aqi.daily_aqi({"pm25": 0.2, "pm10": 0.0}, S26).aqi == 1
    assert aqi.daily_aqi({"pm25": 0.2, "pm10": 0.0}, S12).aqi == 1  # 0.2 → 0.29 → 1
    assert aqi.daily_aqi({"pm25": 0.0}, S12).aqi == 0


def test_daily_aqi_keys_and_aliases():
    assert aqi.daily_aqi({"pm25_24h": 100, "o3_mda8": 170}, S12).iaqi == {
        "pm25_24h": 132,
        "o3_8h": 110,
    }
    with pytest.raises(PolicyError, match="unknown daily statistic"):
        aqi.daily_aqi({"pm2.5": 10}, S12)


def test_2012_o3_fallback_without_1h_is_noted():
    day = aqi.daily_aqi({"pm25": 80, "o3_8h": 850}, S12)
    assert day.iaqi["o3_8h"] == -1 and day.aqi == 107
    assert "missing" in day.notes["o3_8h"]


def test_non_attainment_pollutants_are_a_2012_notion():
    values = {"pm25": 100, "pm10": 200, "o3_8h": 150}
    old = aqi.daily_aqi(values, S12)
    assert old.iaqi == {"pm25_24h": 132, "pm10_24h": 125, "o3_8h": 92}
    assert old.non_attainment == ("pm25", "pm10")
    assert aqi.daily_aqi(values, S26).non_attainment == ()


def test_o3_counts_once_as_primary_when_both_periods_tie():
    day = aqi.daily_aqi({"o3_8h": 215, "o3_1h": 300, "pm25": 10}, S12)
    assert day.iaqi["o3_8h"] == day.iaqi["o3_1h"] == day.aqi == 150
    assert day.primary_pollutants == ("o3",)


def test_dataarray_in_dataarray_out():
    import xarray as xr

    field = xr.DataArray(
        np.array([[50.0, 100.0], [160.0, np.nan]]), dims=("lat", "lon"), coords={"lat": [1, 2]}
    )
    out = aqi.iaqi("pm25_24h", field, S26)
    assert isinstance(out, xr.DataArray) and out.dims == ("lat", "lon")
    assert out.values.tolist() == [[80, 137], [210, -1]]
    assert out.attrs["aqi_standard"] == S26 and out["lat"].values.tolist() == [1, 2]
