"""Scenario input files: emissions, changes, population, the forecast's weather; the synthetic
inventory and the demonstration peak shift."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from engine.errors import ForecastError
from forecasts.emissions import read_change, read_emissions, read_population, scenario_forecast
from forecasts.reader import read_forecast
from forecasts.synthetic import synthetic_forecast
from forecasts.synthetic_emissions import PointSources, demo_change, synthetic_emissions

DOMAIN = (114.0, 114.6, 37.0, 37.4, 0.1)  # 6 × 4 cells


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    path = tmp_path_factory.mktemp("fc") / "forecast.nc"
    synthetic_forecast(dt.date(2026, 7, 1), days=2, domain=DOMAIN).to_netcdf(path)
    return read_forecast(path)


def _emissions(forecast, **overrides) -> xr.Dataset:
    shape = forecast.data["o3"].shape
    ds = xr.Dataset(
        {
            name: (("time", "lat", "lon"), np.full(shape, value), {"units": "kg h-1"})
            for name, value in (("voc", 100.0), ("nox", 40.0))
        },
        coords={c: forecast.data[c] for c in ("time", "lat", "lon")},
    )
    for key, value in overrides.items():
        ds[key] = value
    return ds


def test_emissions_are_read_on_the_forecast_hours(forecast, tmp_path):
    path = tmp_path / "e.nc"
    extra = _emissions(forecast)
    more = extra.assign_coords(time=extra["time"] + np.timedelta64(2, "D"))
    xr.concat([extra, more], "time").to_netcdf(path)  # two days more than needed
    data = read_emissions(path, forecast)
    assert data["voc"].dims == ("time", "lat", "lon")
    np.testing.assert_array_equal(data["time"].values, forecast.data["time"].values)
    assert float(data["nox"].mean()) == 40.0


def test_repeated_hours_are_refused(forecast, tmp_path):
    ds = _emissions(forecast)
    xr.concat([ds, ds], "time").to_netcdf(tmp_path / "e.nc")
    with pytest.raises(ForecastError, match="'time' must increase strictly"):
        read_emissions(tmp_path / "e.nc", forecast)


def test_sector_dim_is_summed_and_nan_kept(forecast, tmp_path):
    ds = _emissions(forecast)
    voc = np.stack([ds["voc"].values, 2 * ds["voc"].values])
    voc[0, 3, 1, 2] = np.nan
    ds["voc"] = (("sector", "time", "lat", "lon"), voc, {"units": "kg/h"})
    ds = ds.assign_coords(sector=["industry", "traffic"])
    ds.to_netcdf(tmp_path / "e.nc")
    data = read_emissions(tmp_path / "e.nc", forecast)
    assert float(data["voc"][0, 0, 0]) == 300.0
    assert np.isnan(data["voc"].values[3, 1, 2])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": "g s-1"}, "nox has units 'g s-1'; expected 'kg h-1' per cell"),
        (
            {"dims": True},
            r"nox has dims \('lat', 'lon', 'time'\); expected \('time', 'lat', 'lon'\)",
        ),
        ({"grid": True}, "is on another grid: its lon has 6 values 114.15…114.65"),
        ({"hours": True}, "lacks 24 of the forecast's hours, the first 2026-06-30T16:00Z"),
        ({"negative": True}, "nox has negative emissions"),
        ({"missing": True}, "lacks the variable 'nox'"),
    ],
)
def test_bad_emission_files_name_the_file_and_the_mismatch(forecast, tmp_path, change, message):
    ds = _emissions(forecast)
    if "units" in change:
        ds["nox"].attrs["units"] = change["units"]
    if "dims" in change:
        ds["nox"] = ds["nox"].transpose("lat", "lon", "time")
    if "grid" in change:
        ds = ds.assign_coords(lon=ds["lon"] + 0.1)
    if "hours" in change:
        ds = ds.isel(time=slice(24, None))
    if "negative" in change:
        ds["nox"][0, 0, 0] = -1.0
    if "missing" in change:
        ds = ds.drop_vars("nox")
    path = tmp_path / "bad.nc"
    ds.to_netcdf(path)
    with pytest.raises(ForecastError, match=f"emissions file {path}") as error:
        read_emissions(path, forecast)
    assert __import__("re").search(message, str(error.value)), str(error.value)


def test_a_change_covering_part_of_the_forecast_is_zero_elsewhere(forecast, tmp_path):
    ds = _emissions(forecast).isel(time=slice(10, 30))
    early = ds.assign_coords(time=ds["time"] - np.timedelta64(30, "D"))
    xr.concat([early, ds], "time").to_netcdf(tmp_path / "c.nc")
    change = read_change(tmp_path / "c.nc", forecast)
    assert change.attrs["hours_in_forecast"] == 20 and change.attrs["hours_outside"] == 20
    values = change["voc"].values
    assert (values[:10] == 0).all() and (values[10:30] == 100.0).all() and (values[30:] == 0).all()
    with pytest.raises(ForecastError, match="none of the forecast's hours"):
        early.to_netcdf(tmp_path / "early.nc")
        read_change(tmp_path / "early.nc", forecast)


def test_weather_fields_are_read_in_si_units(forecast, tmp_path):
    raw = xr.open_dataset(forecast.path).load()
    raw["t2m"] = raw["t2m"] - 273.15
    raw["t2m"].attrs["units"] = "degC"
    raw = raw.drop_vars("swdown")
    raw["tcc"] = xr.full_like(raw["o3"], 40.0).assign_attrs(units="%")
    raw["u"] = (raw["u10"] * 1.5).assign_attrs(units="m s-1")
    raw["v"] = (raw["v10"] * 1.5).assign_attrs(units="m s-1")
    path = tmp_path / "f.nc"
    raw.to_netcdf(path)
    data = scenario_forecast(read_forecast(path))
    assert set(data.data_vars) == {"o3", "t2m", "pblh", "u", "v", "cloud_fraction"}
    np.testing.assert_allclose(data["t2m"].values, raw["t2m"].values + 273.15, rtol=1e-6)
    np.testing.assert_allclose(data["cloud_fraction"].values, 0.4)
    np.testing.assert_allclose(data["u"].values, raw["u"].values)  # u/v before u10/v10
    raw["pblh"].attrs["units"] = "furlong"
    raw.to_netcdf(tmp_path / "g.nc")
    with pytest.raises(ForecastError, match="pblh has units 'furlong'; expected m or km"):
        scenario_forecast(read_forecast(tmp_path / "g.nc"))


def test_population_density_or_counts(forecast, tmp_path):
    coords = {"lat": forecast.data["lat"], "lon": forecast.data["lon"]}
    xr.Dataset(
        {"population": (("lat", "lon"), np.full((4, 6), 1000.0), {"units": "1"})}, coords=coords
    ).to_netcdf(tmp_path / "p.nc")
    density = read_population(tmp_path / "p.nc", forecast)
    assert density.shape == (4, 6)
    assert 1000.0 / 110.0 < density.min() < density.max() < 1000.0 / 90.0  # 0.1° ≈ 100 km²


def test_synthetic_inventory_follows_light_temperature_and_the_registry(forecast):
    data = xr.open_dataset(forecast.path).load()
    sources = PointSources(
        lon=np.array([114.25]),
        lat=np.array([37.15]),
        voc_kg_h=np.array([50.0]),
        nox_kg_h=np.array([5.0]),
        hours_per_day=np.array([10.0]),
        shiftable=np.array([True]),
    )
    inventory = synthetic_emissions(data, sources)
    cst = np.arange(data.sizes["time"]) % 24  # the file starts at 00:00 CST
    biogenic = inventory["voc_biogenic"].values.sum(axis=(1, 2))
    assert (biogenic[(cst < 4) | (cst > 21)] == 0).all() and biogenic[cst == 13].min() > 0
    warmer = data.assign(t2m=data["t2m"] + 5.0)
    assert synthetic_emissions(warmer, sources)["voc_biogenic"].sum() > biogenic.sum()
    industry = inventory["voc_industry"].values[:, 1, 2]  # 37.15 N, 114.25 E
    assert industry.sum() == pytest.approx(50.0 * 10 * 2)  # 10 h a day, 2 days
    assert (industry[(cst >= 8) & (cst < 18)] == 50.0).all() and (industry[cst >= 18] == 0).all()
    assert float(inventory["voc"].sum()) == pytest.approx(
        sum(
            float(inventory[f"voc_{s}"].sum())
            for s in ("industry", "traffic", "residential", "biogenic")
        ),
        rel=1e-5,
    )
    change = demo_change(data, sources)["voc"].values[:, 1, 2]
    assert (change[(cst >= 9) & (cst < 18)] == -50.0).all()
    assert abs(change[:24].sum()) < 1e-3 and (change[(cst < 9) | (cst >= 18)] > 0).all()
