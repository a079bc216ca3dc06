"""The forecast reader: contract checks on real netCDF files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.errors import ForecastError
from forecasts.reader import read_forecast, touched_dates
from forecasts.synthetic import synthetic_forecast

DOMAIN = (114.0, 115.0, 37.0, 38.0, 0.25)


@pytest.fixture
def dataset():
    return synthetic_forecast(dt.date(2026, 12, 1), days=2, domain=DOMAIN)


def write(ds, path):
    ds.to_netcdf(path, engine="netcdf4")
    return path


def test_reads_identity_units_and_cst_coverage(tmp_path, dataset):
    forecast = read_forecast(write(dataset, tmp_path / "f.nc"))
    assert forecast.id == dataset.attrs["forecast_id"]
    assert forecast.issued == dataset.attrs["issued"]
    assert forecast.pollutants == ("pm25", "o3")
    assert forecast.data["pm25"].attrs["units"] == "ug m-3"
    # 00:00 CST of 2026-12-01 is 16:00 UTC the day before.
    assert forecast.start == np.datetime64("2026-11-30T16:00")
    assert touched_dates(forecast) == (dt.date(2026, 12, 1), dt.date(2026, 12, 2))
    np.testing.assert_allclose(forecast.data["o3"].values, dataset["o3"].values)


def test_ppb_is_converted_at_the_reference_state_and_recorded(tmp_path, dataset):
    ppb = dataset.copy()
    ppb["o3"] = dataset["o3"] / 2.0
    ppb["o3"].attrs["units"] = "ppb"
    forecast = read_forecast(write(ppb, tmp_path / "ppb.nc"))
    # 1 ppb O3 = 48.00 / 24.465 µg/m³ at 298.15 K, 1013.25 hPa (docs/rules.md §1.5).
    expected = dataset["o3"].values / 2.0 * 48.00 / 24.4654
    np.testing.assert_allclose(forecast.data["o3"].values, expected, rtol=1e-5)
    assert "298.15 K" in forecast.data["o3"].attrs["units_conversion"]
    assert forecast.data["o3"].attrs["source_units"] == "ppb"


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ForecastError, match=r"nope\.nc does not exist"):
        read_forecast(tmp_path / "nope.nc")


def test_garbage_file_is_named(tmp_path):
    path = tmp_path / "bad.nc"
    path.write_text("not a netCDF file")
    with pytest.raises(ForecastError, match=r"bad\.nc cannot be read as netCDF"):
        read_forecast(path)


def test_missing_variable(tmp_path, dataset):
    with pytest.raises(ForecastError, match="lacks the variable.*o3"):
        read_forecast(write(dataset.drop_vars("o3"), tmp_path / "f.nc"))


def test_missing_and_unknown_units(tmp_path, dataset):
    no_units = dataset.copy()
    no_units["pm25"].attrs = {}
    with pytest.raises(ForecastError, match="pm25 has no 'units'"):
        read_forecast(write(no_units, tmp_path / "a.nc"))
    odd = dataset.copy()
    odd["pm25"].attrs["units"] = "furlongs"
    with pytest.raises(ForecastError, match="unknown units 'furlongs' for pm25"):
        read_forecast(write(odd, tmp_path / "b.nc"))
    ppb_particles = dataset.copy()
    ppb_particles["pm25"].attrs["units"] = "ppb"
    with pytest.raises(ForecastError, match="particles must be in mass units"):
        read_forecast(write(ppb_particles, tmp_path / "c.nc"))


def test_gap_in_time_is_named(tmp_path, dataset):
    gappy = dataset.drop_isel(time=[5])
    with pytest.raises(ForecastError, match="not hourly.*20:00Z is followed by .*22:00Z"):
        read_forecast(write(gappy, tmp_path / "f.nc"))


def test_nan_block_is_named(tmp_path, dataset):
    holed = dataset.copy(deep=True)
    holed["pm25"][3] = np.nan
    with pytest.raises(ForecastError, match="pm25 is missing .* at 2026-11-30T19:00Z"):
        read_forecast(write(holed, tmp_path / "f.nc"))


def test_negative_values_are_rejected(tmp_path, dataset):
    negative = dataset.copy(deep=True)
    negative["o3"][2, 1, 1] = -5.0
    with pytest.raises(ForecastError, match="o3 has negative values"):
        read_forecast(write(negative, tmp_path / "f.nc"))


def test_wrong_dims_are_rejected(tmp_path, dataset):
    swapped = dataset.transpose("lat", "time", "lon")
    with pytest.raises(ForecastError, match=r"expected \(time, lat, lon\)"):
        read_forecast(write(swapped, tmp_path / "f.nc"))
