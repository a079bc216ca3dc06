"""daily_aqi_dataset: gridded/regional daily AQI by the standard in force on each date."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine import aqi
from engine.daily import daily_statistics
from engine.errors import PolicyError


def _daily(dates, **variables) -> xr.Dataset:
    dates = np.array(dates, dtype="datetime64[ns]")
    data = {k: (("region", "date"), np.asarray(v, dtype=float)) for k, v in variables.items()}
    return xr.Dataset(data, coords={"date": dates, "region": ["a", "b"]})


def test_standard_by_date_across_the_switch():
    daily = _daily(
        ["2026-02-28", "2026-03-01"],
        pm25=[[100, 100], [50, np.nan]],
        o3_mda8=[[170, 900], [900, 900]],
        o3_1h=[[150, 150], [850, 1100]],
    )
    out = aqi.daily_aqi_dataset(daily)
    assert out["standard"].values.tolist() == ["HJ633-2012", "HJ633-2026"]
    assert out["standard"].dims == ("date",)
    # region a, 2026-02-28 (2012): pm25 132, o3_8h 110, o3_1h 47 → 132
    # region a, 2026-03-01 (2026): pm25 137, o3_8h 300 (over 800), o3_1h ignored → 300
    # region b, 2026-02-28 (2012): pm25 69, o3_8h not computed, o3_1h 850 → 325
    # region b, 2026-03-01 (2026): pm25 missing, o3_8h 300 → 300
    assert out["aqi"].values.tolist() == [[132, 300], [325, 300]]
    assert out["iaqi_pm25_24h"].values.tolist() == [[132, 137], [69, -1]]
    assert out["iaqi_o3_8h"].values.tolist() == [[110, 300], [-1, 300]]
    assert out["iaqi_o3_1h"].values.tolist() == [[47, -1], [325, -1]]
    assert out["primary_pm25"].values.tolist() == [[True, False], [False, False]]
    assert out["primary_o3"].values.tolist() == [[False, True], [True, True]]
    assert out["category"].values.tolist() == [[3, 5], [6, 5]]
    assert out["aqi"].dtype == np.int32 and out["category"].dtype == np.int8
    assert out["primary_o3"].dtype == bool


def test_matches_the_scalar_daily_aqi_everywhere():
    rng = np.random.default_rng()
    shape = (2, 40)
    dates = np.datetime64("2026-02-10", "D") + np.arange(40)
    variables = {
        "pm25": rng.uniform(0, 300, shape),
        "pm10": rng.uniform(0, 500, shape),
        "so2": rng.uniform(0, 100, shape),
        "no2": rng.uniform(0, 200, shape),
        "co": rng.uniform(0, 8, shape),
        "o3_mda8": rng.uniform(0, 900, shape),
        "o3_1h": rng.uniform(0, 1300, shape),
    }
    for values in variables.values():
        values[rng.random(shape) < 0.2] = np.nan
    daily = _daily(dates, **variables)
    for standard in (None, "HJ633-2012", "HJ633-2026"):
        out = aqi.daily_aqi_dataset(daily, standard)
        for r in range(2):
            for d, date in enumerate(dates):
                one = aqi.daily_aqi(
                    {k: v[r, d] for k, v in variables.items()}, standard or date.item()
                )
                assert out["aqi"].values[r, d] == one.aqi
                assert out["category"].values[r, d] == (one.category.level if one.category else 0)
                for pid, value in one.iaqi.items():
                    assert out[f"iaqi_{pid}"].values[r, d] == value
                primary = tuple(
                    s for s in ("pm25", "pm10", "so2", "no2", "co", "o3")
                    if out[f"primary_{s}"].values[r, d]
                )  # fmt: skip
                assert primary == one.primary_pollutants


def test_no_data_gives_markers():
    daily = _daily(["2026-05-01"], pm25=[[np.nan], [np.nan]])
    out = aqi.daily_aqi_dataset(daily)
    assert out["aqi"].values.tolist() == [[-1], [-1]]
    assert out["category"].values.tolist() == [[0], [0]]
    assert not out["primary_pm25"].values.any()


def test_above_top_is_flagged_and_configurable():
    daily = _daily(["2026-05-01"], pm25=[[650.0], [100.0]])
    capped = aqi.daily_aqi_dataset(daily)
    assert capped["aqi"].values.tolist() == [[500], [137]]
    assert capped["above_top"].values.tolist() == [[True], [False]]
    missing = aqi.daily_aqi_dataset(daily, above_top="missing")
    assert missing["aqi"].values.tolist() == [[-1], [137]]


def test_explicit_standard_and_errors():
    daily = _daily(["2011-01-01"], pm25=[[100.0], [50.0]])
    with pytest.raises(PolicyError, match="2011-01-01"):
        aqi.daily_aqi_dataset(daily)
    out = aqi.daily_aqi_dataset(daily, "HJ633-2026")
    assert out["aqi"].values.tolist() == [[137], [80]]
    with pytest.raises(PolicyError, match="date"):
        aqi.daily_aqi_dataset(daily.rename(date="day"))


def test_pipeline_shape_from_hourly_gridded_field():
    # (time, lat, lon) hourly → (date, lat, lon) daily statistics → AQI
    rng = np.random.default_rng()
    time = np.datetime64("2026-02-27T16:00", "ns") + np.arange(72) * np.timedelta64(1, "h")
    field = rng.uniform(20, 250, (72, 4, 5)).astype(np.float32)
    hourly = xr.Dataset(
        {"pm25": (("time", "lat", "lon"), field), "o3": (("time", "lat", "lon"), field)},
        coords={"time": time, "lat": np.arange(4.0), "lon": np.arange(5.0)},
    )
    daily = daily_statistics(hourly)
    out = aqi.daily_aqi_dataset(daily)
    assert out["aqi"].dims == ("date", "lat", "lon")
    assert out["standard"].values.tolist() == ["HJ633-2012", "HJ633-2026", "HJ633-2026"]
    mean = field.reshape(3, 24, 4, 5).astype(np.float64).mean(axis=1)
    expected = aqi.iaqi("pm25_24h", daily["pm25"].values[1], "HJ633-2026")
    assert (out["iaqi_pm25_24h"].values[1] == expected).all()
    np.testing.assert_allclose(daily["pm25"].values, mean, rtol=1e-6)
    assert (out["aqi"].values >= out["iaqi_pm25_24h"].values).all()
