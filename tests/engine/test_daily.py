"""Daily statistics in China Standard Time from hourly UTC data (xarray level)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.daily import daily_statistics
from engine.errors import ForecastError

HOUR = np.timedelta64(1, "h")


def _hourly(start_utc: str, hours: int, **variables) -> xr.Dataset:
    time = np.datetime64(start_utc, "ns") + np.arange(hours) * HOUR
    data = {}
    for name, values in variables.items():
        values = np.asarray(values)
        dims = ("region", "time") if values.ndim == 2 else ("time",)
        data[name] = (dims, values)
    return xr.Dataset(data, coords={"time": time})


def test_cst_day_is_16_utc_to_15_utc():
    # 2026-03-01 00:00 CST = 2026-02-28 16:00 UTC; hour-of-day values 0..23 CST
    day = np.arange(24, dtype=float)
    ds = _hourly("2026-02-28T16:00", 24, pm25=day)
    out = daily_statistics(ds)
    np.testing.assert_array_equal(out["date"].values, np.array(["2026-03-01"], "datetime64[ns]"))
    assert out["pm25"].values.tolist() == [11.5]
    assert out["pm25"].dims == ("date",)


def test_hour_label_end_shifts_the_day_by_one_hour():
    values = np.arange(25, dtype=float)  # stamps 00:00 … 24:00 CST of 2026-03-01
    ds = _hourly("2026-02-28T16:00", 25, pm25=values)
    start = daily_statistics(ds)
    end = daily_statistics(ds, hour_label="end")
    assert start["pm25"].values[0] == pytest.approx(11.5)  # 0..23
    assert np.isnan(start["pm25"].values[1])  # one hour of 03-02
    assert end["date"].values[0] == np.datetime64("2026-02-28", "ns")  # the 00:00 stamp
    assert end["pm25"].values[1] == pytest.approx(12.5)  # 1..24 for 03-01


def test_twenty_valid_hours_rule():
    values = np.full(24, 50.0)
    values[:4] = np.nan
    ok = daily_statistics(_hourly("2026-02-28T16:00", 24, pm25=values))
    assert ok["pm25"].values[0] == 50.0
    values[4] = np.nan
    bad = daily_statistics(_hourly("2026-02-28T16:00", 24, pm25=values))
    assert np.isnan(bad["pm25"].values[0])


def test_partial_forecast_days_and_gaps_are_nan_not_numbers():
    # forecast from 00 UTC (08 CST) for 48 h: 03-01 has 16 h, 03-02 24 h, 03-03 8 h
    ds = _hourly("2026-03-01T00:00", 48, pm25=np.full(48, 80.0), o3=np.full(48, 120.0))
    out = daily_statistics(ds)
    assert out.sizes["date"] == 3
    assert np.isnan(out["pm25"].values[[0, 2]]).all() and out["pm25"].values[1] == 80.0
    assert np.isnan(out["o3_mda8"].values[[0, 2]]).all() and out["o3_mda8"].values[1] == 120.0
    # a missing time step (hour removed) is a missing hour, not a shift
    dropped = ds.isel(time=[i for i in range(48) if i not in (20, 21, 22, 23, 24)])
    out2 = daily_statistics(dropped)
    assert np.isnan(out2["pm25"].values[1])  # 19 valid hours on 03-02


def test_mda8_from_hourly_cst():
    # O3 peaks 14:00-17:00 CST on 2026-07-01; 8-h window 10..17 CST is the max
    o3 = np.full(24, 100.0)
    o3[14:18] = 200.0
    ds = _hourly("2026-06-30T16:00", 24, o3=o3)
    out = daily_statistics(ds)
    assert out["o3_mda8"].values[0] == 150.0
    assert out["o3_1h"].values[0] == 200.0
    assert set(out.data_vars) == {"o3_mda8", "o3_1h"}


def test_min_mda8_windows_is_configurable():
    o3 = np.full(24, np.nan)
    o3[:12] = 100.0  # valid windows end 8..14 → 7 windows
    ds = _hourly("2026-06-30T16:00", 24, o3=o3)
    assert np.isnan(daily_statistics(ds)["o3_mda8"].values[0])
    assert daily_statistics(ds, min_mda8_windows=7)["o3_mda8"].values[0] == 100.0
    o3[:12] = 170.0  # above the 160 limit: counts with 7 windows
    ds = _hourly("2026-06-30T16:00", 24, o3=o3)
    assert daily_statistics(ds)["o3_mda8"].values[0] == 170.0
    limitless = daily_statistics(ds, mda8_exceedance_limit=float("inf"))
    assert np.isnan(limitless["o3_mda8"].values[0])


def test_leading_dims_and_layouts_are_kept():
    rng = np.random.default_rng()
    values = rng.uniform(0, 300, (2, 3, 72)).astype(np.float32)
    time = np.datetime64("2026-01-01T16:00", "ns") + np.arange(72) * HOUR
    last = xr.Dataset(
        {
            "pm25": (("member", "region", "time"), values),
            "o3": (("member", "region", "time"), values),
        },
        coords={"time": time, "region": ["a", "b", "c"], "member": [0, 1]},
    )
    first = last.transpose("time", "member", "region")
    a, b = daily_statistics(last), daily_statistics(first)
    assert a["pm25"].dims == ("member", "region", "date")
    assert b["pm25"].dims == ("date", "member", "region")
    assert a["pm25"].dtype == np.float32
    for name in ("pm25", "o3_mda8", "o3_1h"):
        xr.testing.assert_equal(a[name], b[name].transpose(*a[name].dims))
    expected = values.reshape(2, 3, 3, 24).astype(np.float64).mean(axis=-1)
    np.testing.assert_allclose(a["pm25"].values, expected, rtol=1e-6)
    assert a["region"].values.tolist() == ["a", "b", "c"]


def test_ignores_other_variables_and_rejects_bad_time():
    ds = _hourly("2026-03-01T00:00", 30, pm25=np.ones(30), valid_fraction=np.ones(30))
    assert set(daily_statistics(ds).data_vars) == {"pm25"}
    with pytest.raises(ForecastError, match="no pollutant"):
        daily_statistics(_hourly("2026-03-01T00:00", 3, foo=np.ones(3)))
    shuffled = ds.isel(time=[1, 0, 2])
    with pytest.raises(ForecastError, match="increase"):
        daily_statistics(shuffled)
    half = ds.assign_coords(time=ds["time"] + np.timedelta64(30, "m"))
    with pytest.raises(ForecastError, match="whole hours"):
        daily_statistics(half)


def test_units_attributes_are_carried():
    ds = _hourly("2026-03-01T00:00", 48, o3=np.full(48, 90.0))
    ds["o3"].attrs = {"units": "ug m-3", "units_conversion": "ppb -> ug m-3 at 298.15 K"}
    out = daily_statistics(ds)
    assert out["o3_mda8"].attrs["units"] == "ug m-3"
    assert "298.15" in out["o3_mda8"].attrs["units_conversion"]
    assert "MDA8" in out["o3_mda8"].attrs["long_name"]


def test_dask_input_stays_lazy_and_gives_the_same_numbers():
    rng = np.random.default_rng()
    values = rng.uniform(0, 300, (72, 6, 5)).astype(np.float32)
    values[rng.random(values.shape) < 0.1] = np.nan
    time = np.datetime64("2026-01-01T16:00", "ns") + np.arange(72) * HOUR
    ds = xr.Dataset(
        {"pm25": (("time", "lat", "lon"), values), "o3": (("time", "lat", "lon"), values)},
        coords={"time": time},
    )
    lazy = daily_statistics(ds.chunk({"time": 24, "lat": 2}))
    assert lazy["o3_mda8"].chunks is not None  # not computed yet
    eager = daily_statistics(ds)
    for name in ("pm25", "o3_mda8", "o3_1h"):
        np.testing.assert_array_equal(lazy[name].values, eager[name].values)
