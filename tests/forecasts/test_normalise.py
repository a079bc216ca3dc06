"""forecasts.normalise on in-memory datasets, and the reader's value checks and memory budget."""

from __future__ import annotations

import logging

import netCDF4
import numpy as np
import pytest
import xarray as xr

import forecasts
from engine.errors import ForecastError
from engine.units import MOLAR_MASS, MOLAR_VOLUME_L
from forecasts import normalise, read_forecast
from tests import handmade


@pytest.fixture
def ds():
    return handmade.forecast([160, 160, 260, 100])


def test_a_mislabelled_ozone_is_converted_not_ignored(ds):
    ds["o3"].attrs["units"] = "ppb"
    out = normalise(ds)
    np.testing.assert_allclose(out["o3"].values, 40.0 * MOLAR_MASS["o3"] / MOLAR_VOLUME_L, 1e-6)
    assert out["o3"].attrs["units"] == "ug m-3" and out["o3"].attrs["source_units"] == "ppb"


def test_pm25_in_mg_is_converted_or_refused_as_implausible(ds):
    small = ds.copy(deep=True)
    small["pm25"] = small["pm25"] / 1000
    small["pm25"].attrs["units"] = "mg m-3"
    np.testing.assert_allclose(normalise(small)["pm25"].values[:, 0, 0].max(), 260.0, rtol=1e-6)
    ds["pm25"].attrs["units"] = "mg m-3"  # 160 mg/m³ = 160,000 µg/m³: a unit error
    with pytest.raises(ForecastError, match=r"pm25 has 384 value\(s\) above the plausible bound"):
        normalise(ds)


def test_a_file_already_in_the_contract_passes_unchanged(ds):
    out = normalise(ds)
    xr.testing.assert_allclose(out["pm25"], ds["pm25"].assign_attrs(out["pm25"].attrs))
    assert set(out.data_vars) == {"pm25", "o3"}


def test_infinite_values_become_missing_with_a_warning(ds, caplog):
    ds["pm25"][5, 1, 0] = np.inf
    ds["o3"][7, 0, 0] = -np.inf
    with caplog.at_level(logging.WARNING, logger="forecasts._normalise"):
        out = normalise(ds, where="forecast file x.nc")
    assert np.isnan(out["pm25"].values[5, 1, 0]) and np.isnan(out["o3"].values[7, 0, 0])
    assert np.isfinite(out["pm25"].values).sum() == out["pm25"].size - 1
    assert "x.nc: pm25 has 1 non-finite value(s), first inf at 2026-11-30T21:00Z" in caplog.text
    assert "lat 38.75, lon 114.2" in caplog.text


def test_an_implausible_value_in_a_file_is_refused_naming_count_and_place(tmp_path, ds):
    ds["pm25"][30, 0, 1] = 1e30
    ds["pm25"][31, 0, 1] = 5000.0
    nc, _ = handmade.write(tmp_path, ds)
    with pytest.raises(ForecastError) as error:
        read_forecast(nc)
    message = str(error.value)
    assert "pm25 has 2 value(s) above the plausible bound 3000 ug m-3" in message
    assert (
        "the first 1e+30 at 2026-12-01T22:00Z cell lat 0, lon 1 (lat 38.25, lon 114.8)" in message
    )
    assert "engine/data/plausibility.toml" in message


def test_bounds_are_data_in_hj633_units():
    bounds = forecasts.plausibility_bounds()
    assert bounds["pm25"] == 3000.0 and bounds["co"] == 100.0
    assert set(bounds) == {"pm25", "pm10", "o3", "no2", "so2", "co"}


def test_a_file_declaring_more_than_the_budget_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.nc"
    with netCDF4.Dataset(path, "w") as f:  # 40 GiB declared, nothing written: a tiny file
        f.createDimension("time", 5120)
        f.createDimension("lat", 1024)
        f.createDimension("lon", 1024)
        t = f.createVariable("time", "i8", ("time",))
        t.units = "hours since 2026-12-01 00:00:00"
        t[:] = np.arange(5120)
        for name in ("pm25", "o3"):
            v = f.createVariable(name, "f4", ("time", "lat", "lon"), chunksizes=(1, 64, 64))
            v.units = "ug m-3"
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ForecastError, match=r"declares 40 GiB of data .*budget of 8 GiB"):
        read_forecast(path)
    monkeypatch.setenv("LANTIAN_MAX_FORECAST_BYTES", "64K")
    assert forecasts.max_forecast_bytes() == 65536
    monkeypatch.setenv("LANTIAN_MAX_FORECAST_BYTES", "lots")
    with pytest.raises(ForecastError, match="LANTIAN_MAX_FORECAST_BYTES='lots' is not a size"):
        read_forecast(path)


def test_the_budget_is_configurable(tmp_path, ds, monkeypatch):
    nc, _ = handmade.write(tmp_path, ds)
    monkeypatch.setenv("LANTIAN_MAX_FORECAST_BYTES", "1K")
    with pytest.raises(ForecastError, match=r"pm25 \(96, 2, 2\).* raise LANTIAN_MAX_FORECAST"):
        read_forecast(nc)
    monkeypatch.setenv("LANTIAN_MAX_FORECAST_BYTES", "1M")
    assert read_forecast(nc).data.sizes["time"] == 96


def test_chunked_data_stay_lazy_and_are_checked(ds):
    ds["o3"].attrs["units"] = "ppb"
    out = normalise(ds.chunk({"lat": 1, "time": 24}))
    assert out["o3"].chunks is not None
    np.testing.assert_allclose(out["o3"].values, normalise(ds)["o3"].values)
    bad = ds.copy(deep=True)
    bad["pm25"][3, 1, 1] = -1.0
    with pytest.raises(ForecastError, match="pm25 has negative values"):
        normalise(bad.chunk({"lon": 1}))
