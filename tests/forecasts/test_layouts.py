"""Model files as they come: CMAQ, WRF-Chem and CAMS read without renaming (small files)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

import grids
from api.cli import main
from engine.errors import ForecastError, PolicyError
from engine.units import MOLAR_MASS, MOLAR_VOLUME_L
from forecasts import layouts, read_forecast
from tests.forecasts import model_files

O3_UG = 20 * MOLAR_MASS["o3"] / MOLAR_VOLUME_L  # 20 ppb at the GB 3095 reference state [µg/m³]


def check(forecast, layout, dims):
    data = forecast.data
    assert data.attrs["source_layout"] == layout
    assert data["pm25"].dims == dims and data["o3"].dims == dims
    np.testing.assert_allclose(data["pm25"].values[:, 0, 0], model_files.hourly_pm25())
    np.testing.assert_allclose(data["o3"].values, O3_UG, rtol=1e-6)
    assert data["pm25"].attrs["units"] == "ug m-3" and data["o3"].attrs["units"] == "ug m-3"
    assert str(data["time"].values[0]) == "2026-11-30T16:00:00.000000000"
    assert data.sizes["time"] == model_files.HOURS


def test_every_layout_is_documented_with_its_units():
    table = layouts()
    assert set(table) == {"cmaq", "wrf-chem", "cams"}
    assert table["cmaq"].variables["o3"] == (("O3",), "ppmV")
    assert table["cmaq"].variables["pm25"][0][0] == "PM25_TOT"
    assert table["wrf-chem"].variables["pm25"][0][0] == "PM2_5_DRY"
    assert table["cams"].variables["o3"] == (("go3",), "kg kg-1")
    assert all(layout.source and layout.title for layout in table.values())


def test_cmaq_surface_level_tflag_time_and_ppmv(tmp_path):
    forecast = read_forecast(model_files.cmaq(tmp_path / "CCTM_ACONC.nc"))
    check(forecast, "cmaq", ("time", "y", "x"))
    assert forecast.data["o3"].attrs["source_variable"] == "O3"
    assert forecast.data["o3"].attrs["source_units"] == "ppmV"
    grid = grids.grid_from_dataset(forecast.data)
    assert isinstance(grid, grids.ProjectedGrid) and grid.shape == (model_files.NROWS, 5)


def test_cmaq_without_tflag_uses_sdate_stime_tstep(tmp_path):
    import xarray as xr

    path = model_files.cmaq(tmp_path / "a.nc")
    with xr.open_dataset(path) as ds:
        ds.drop_vars("TFLAG").load().to_netcdf(tmp_path / "b.nc")
    check(read_forecast(tmp_path / "b.nc"), "cmaq", ("time", "y", "x"))


def test_wrf_chem_times_xlat_and_surface(tmp_path):
    forecast = read_forecast(model_files.wrf_chem(tmp_path / "wrfout_d01.nc"))
    check(forecast, "wrf-chem", ("time", "y", "x"))
    assert forecast.data["lat"].dims == ("y", "x")
    grid = grids.grid_from_dataset(forecast.data)
    np.testing.assert_allclose(grid.lat, model_files.lambert_grid().lat, atol=1e-4)


def test_cams_mass_mixing_ratio_descending_latitude_and_pressure_levels(tmp_path):
    forecast = read_forecast(model_files.cams(tmp_path / "cams.nc"))
    check(forecast, "cams", ("time", "lat", "lon"))
    assert forecast.data["lat"].values.tolist() == [39.0, 38.5, 38.0]
    assert "mass mixing ratio" in forecast.data["o3"].attrs["units_conversion"]


def test_cams_particles_as_a_mixing_ratio_need_the_air_density(tmp_path):
    with pytest.raises(ForecastError, match="pm25 is a mass mixing ratio .*needs the model's air"):
        read_forecast(model_files.cams(tmp_path / "a.nc", pm25_units="kg kg**-1"))
    dense = read_forecast(
        model_files.cams(tmp_path / "b.nc", pm25_units="kg kg**-1", air_density=1.2)
    )
    np.testing.assert_allclose(dense.data["pm25"].values[:, 0, 0], model_files.hourly_pm25())
    assert "air_density" in dense.data["pm25"].attrs["units_conversion"]


def test_half_a_layout_names_what_is_missing(tmp_path):
    path = model_files.cmaq(tmp_path / "f.nc", with_pm25=False)
    with pytest.raises(ForecastError, match=r"as cmaq it lacks pm25 \(PM25_TOT or PM25"):
        read_forecast(path)


def test_an_unknown_layout_is_named(tmp_path):
    with pytest.raises(PolicyError, match="unknown model layout 'camx'; known: cmaq"):
        read_forecast(model_files.cmaq(tmp_path / "f.nc"), layout="camx")


def test_lantian_levels_on_a_cmaq_file_as_it_comes(tmp_path):
    path = model_files.cmaq(tmp_path / "CCTM_ACONC.nc")
    cells = model_files.lambert_grid().cell_polygons()
    inner = shapely.union_all(cells[1:-1, 1:-1].ravel()).buffer(-1e-6)
    regions = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "130100", "name": "石家庄市", "kind": "city"},
                "geometry": json.loads(shapely.to_geojson(inner)),
            }
        ],
    }
    (tmp_path / "r.geojson").write_text(json.dumps(regions), "utf-8")
    argv = ["levels", "--forecast", str(path), "--regions", str(tmp_path / "r.geojson")]
    argv += ["--date", "2026-12-01", "--format", "json", "-o", str(tmp_path / "out.json")]
    assert main(argv) == 0
    (response,) = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert response["level"] == "red" and not response["degraded"]
    assert [d["aqi"] for d in response["days"]] == [210, 210, 310, 137]
