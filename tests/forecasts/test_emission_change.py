"""The emission-change file (the scenario simulator's input contract, docs/rules.md §4.3):
``voc`` and ``nox`` on the forecast's grid, kg h⁻¹ per cell, scenario minus base, written as CF
netCDF and read back — on a lat/lon grid and on a Lambert grid."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from engine.measures import registry_from_records
from engine.ozone import default_programme, run_programme
from forecasts.emission_change import (
    emission_change_dataset,
    firm_cells,
    write_emission_change,
)
from grids import ProjectedGrid, RegularGrid, lambert_conformal, read_grid
from tests.registry.voc_registry import ENTERPRISES, EQUIPMENT, LINES

JULY = [dt.date(2026, 7, 1), dt.date(2026, 7, 2)]


@pytest.fixture(scope="module")
def result():
    registry = registry_from_records(ENTERPRISES, LINES, (), EQUIPMENT)
    return run_programme(registry, default_programme(), JULY)


def test_firm_cells_on_ascending_and_descending_grids():
    grid = RegularGrid.from_bounds(118.0, 119.0, 32.0, 33.0, 0.1)
    cells = firm_cells(
        grid, np.array([118.05, 118.95, 117.0, 118.75]), np.array([32.05, 32.95, 32.5, 32.15])
    )
    np.testing.assert_array_equal(cells, [0, 99, -1, 1 * 10 + 7])
    flipped = RegularGrid(grid.lat[::-1], grid.lon)
    cells = firm_cells(flipped, np.array([118.05]), np.array([32.05]))
    np.testing.assert_array_equal(cells, [9 * 10 + 0])


def test_lat_lon_file_reads_back(tmp_path, result):
    grid = RegularGrid.from_bounds(118.6, 119.0, 31.9, 32.3, 0.1)
    path = write_emission_change(
        emission_change_dataset(result, grid, by_sector=True), tmp_path / "c.nc"
    )
    with xr.open_dataset(path) as ds:
        assert ds["voc"].dims == ("time", "lat", "lon") and ds["voc"].attrs["units"] == "kg h-1"
        assert ds["voc"].shape == (48, 4, 4)
        assert ds["time"].values[0] == np.datetime64("2026-06-30T16:00")  # 00:00 CST
        voc = ds["voc"].values.astype(np.float64)
        # each CST day sums to zero in every cell: a pure shift
        np.testing.assert_allclose(voc.reshape(2, 24, 4, 4).sum(axis=1), 0.0, atol=1e-5)
        # the coating firm (118.75 °E, 32.05 °N): 70 kg a day leave 09:00–16:00
        lat = int(np.argmin(np.abs(ds["lat"].values - 32.05)))
        lon = int(np.argmin(np.abs(ds["lon"].values - 118.75)))
        assert -voc[:24, lat, lon].clip(None, 0).sum() == pytest.approx(70.0)
        assert -voc.clip(None, 0).sum() == pytest.approx(ds.attrs["voc_moved_kg"], rel=1e-6)
        assert list(ds["sector"].values) == ["coating", "printing"]
        np.testing.assert_allclose(ds["voc_by_sector"].sum("sector").values, voc, atol=1e-5)
        assert ds.attrs["programme"] == "lantian-ozone-default"
    assert read_grid(path) == grid


def test_lambert_file_reads_back(tmp_path, result):
    crs = lambert_conformal(25.0, 47.0, 32.0, 118.8)
    grid = ProjectedGrid(
        crs, np.arange(-30_000.0, 30_001.0, 10_000.0), np.arange(-20_000.0, 20_001.0, 10_000.0)
    )
    path = write_emission_change(emission_change_dataset(result, grid), tmp_path / "l.nc")
    with xr.open_dataset(path) as ds:
        assert ds["nox"].dims == ("time", "y", "x")
        assert ds["voc"].attrs["grid_mapping"] == "crs"
        assert -ds["voc"].clip(max=0).sum() == pytest.approx(ds.attrs["voc_moved_kg"], rel=1e-6)
        assert ds.attrs["lines_off_grid"] == 0
    back = read_grid(path)
    assert isinstance(back, ProjectedGrid) and back.shape == grid.shape


def test_firms_off_the_grid_are_counted(tmp_path, result):
    grid = RegularGrid.from_bounds(100.0, 101.0, 30.0, 31.0, 0.5)
    ds = emission_change_dataset(result, grid)
    assert ds.attrs["lines_off_grid"] == 2 and float(np.abs(ds["voc"]).sum()) == 0.0
