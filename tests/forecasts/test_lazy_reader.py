"""The lazy reader: chunked with dask, never loaded whole, checked chunk by chunk."""

from __future__ import annotations

import datetime as dt

import netCDF4
import numpy as np
import pytest

from engine.errors import ForecastError
from forecasts.reader import read_forecast
from forecasts.synthetic_national import write_national_forecast
from tests.forecasts import model_files

DOMAIN = (114.0, 116.0, 37.0, 39.0, 0.25)  # 8 × 8 cells
START = dt.date(2026, 7, 1)  # first hour 2026-06-30T16:00Z


@pytest.fixture
def path(tmp_path):
    out = tmp_path / "ens.nc"
    write_national_forecast(out, START, members=2, hours=60, domain=DOMAIN, chunk_hours=24)
    return out


def spoil(path, variable, member, hour, value, cells=(slice(0, 1), slice(0, 1))):
    with netCDF4.Dataset(path, "a") as nc:
        nc[variable][(member, hour, *cells)] = value


def test_chunked_read_is_lazy_and_equals_the_in_memory_read(path):
    eager = read_forecast(path)
    lazy = read_forecast(path, chunks={"time": 7, "member": 1})
    assert lazy.id == eager.id and lazy.pollutants == eager.pollutants
    for name in ("pm25", "o3"):
        assert lazy.data[name].chunks == ((1, 1), (7,) * 8 + (4,), (8,), (8,))
        assert lazy.data[name].attrs == eager.data[name].attrs
        got = lazy.data[name].values
        assert got.dtype == eager.data[name].dtype == np.float32
        assert got.tobytes() == eager.data[name].values.tobytes()


def test_a_bad_chunk_is_named_by_variable_and_time_range_when_computed(path):
    spoil(path, "pm25", member=1, hour=30, value=-5.0)  # 2026-07-01T22:00Z
    lazy = read_forecast(path, chunks={"time": 24, "member": 1})  # opening reads no value
    assert lazy.data["pm25"].isel(member=0).compute().notnull().all()  # a good member
    with pytest.raises(ForecastError) as caught:
        lazy.data["pm25"].compute()
    message = str(caught.value)
    assert "ens.nc" in message and "pm25" in message
    assert "chunk 2026-07-01T16:00Z to 2026-07-02T15:00Z, member 1" in message
    assert "negative values (1, minimum -5" in message
    assert "at 2026-07-01T22:00Z member 1 cell (0, 0)" in message
    with pytest.raises(ForecastError, match="negative"):  # the in-memory read agrees
        read_forecast(path)


def test_implausible_values_are_refused_per_chunk(path):
    spoil(path, "o3", member=0, hour=50, value=9.0e4)
    with pytest.raises(ForecastError, match=r"o3 in the chunk 2026-07-02T16:00Z .* plausible"):
        read_forecast(path, chunks={"time": 24}).data["o3"].compute()


def test_an_hour_missing_over_the_grid_is_refused_per_chunk(path):
    spoil(path, "pm25", member=1, hour=3, value=np.nan, cells=(slice(None), slice(None)))
    lazy = read_forecast(path, chunks={"time": 24, "member": 1})
    with pytest.raises(ForecastError, match=r"missing \(NaN\) over the whole grid at 2026-06-30T"):
        lazy.data["pm25"].compute()


def test_infinite_values_become_missing_in_the_chunk(path):
    spoil(path, "o3", member=0, hour=5, value=np.inf)
    lazy = read_forecast(path, chunks={"time": 24, "member": 1}).data["o3"].values
    eager = read_forecast(path).data["o3"].values
    assert np.isnan(lazy[0, 5, 0, 0]) and np.isnan(eager[0, 5, 0, 0])
    assert lazy.tobytes() == eager.tobytes()


def test_the_memory_budget_applies_to_a_chunk(path, monkeypatch):
    # the file holds 2 × 2 × 60 × 64 × 4 B = 61 KiB; one 24-h chunk of one member 6 KiB
    monkeypatch.setenv("LANTIAN_MAX_FORECAST_BYTES", "10K")
    with pytest.raises(ForecastError, match="more than the memory budget"):
        read_forecast(path)
    assert read_forecast(path, chunks={"time": 24, "member": 1}).data["pm25"].chunks
    with pytest.raises(ForecastError, match=r"one chunk of pm25 holds .* fewer hours or members"):
        read_forecast(path, chunks={"time": 60})


def test_unknown_chunk_dims_are_refused(path):
    with pytest.raises(ForecastError, match="'time' and 'member' only"):
        read_forecast(path, chunks={"lat": 4})


def test_a_model_layout_is_chunked_along_its_own_time_dim(tmp_path):
    cmaq = model_files.cmaq(tmp_path / "cctm.nc")
    lazy = read_forecast(cmaq, chunks={"time": 5})
    eager = read_forecast(cmaq)
    assert lazy.data["pm25"].chunks[0][0] == 5
    assert lazy.data["pm25"].values.tobytes() == eager.data["pm25"].values.tobytes()
    assert lazy.data["o3"].values.tobytes() == eager.data["o3"].values.tobytes()


def test_one_member_file_is_member_zero_of_the_ensemble(path, tmp_path):
    single = tmp_path / "one.nc"
    write_national_forecast(single, START, members=None, hours=60, domain=DOMAIN)
    one = read_forecast(single).data["pm25"].values
    assert one.tobytes() == read_forecast(path).data["pm25"].isel(member=0).values.tobytes()
