"""``lantian scenario run`` on small real files: the JSON contract, the table, the netCDF."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from api.cli import main

START = dt.date(2026, 7, 1)
DOMAIN = (114.0, 115.0, 37.0, 37.8, 0.1)  # 10 × 8 cells of the demo's plain


def write_small_scenario(directory: Path, *, winds: bool = True) -> dict[str, Path]:
    """A 2-day synthetic forecast with weather, its emissions, a peak shift and two regions."""
    from forecasts.synthetic import synthetic_forecast
    from forecasts.synthetic_emissions import PointSources, demo_change, synthetic_emissions

    directory.mkdir(parents=True, exist_ok=True)
    forecast = synthetic_forecast(START, days=2, domain=DOMAIN)
    if not winds:
        forecast = forecast.drop_vars(["u10", "v10"])
    rng = np.random.default_rng(11)
    n = 60
    sources = PointSources(
        lon=rng.uniform(114.05, 114.95, n),
        lat=rng.uniform(37.05, 37.75, n),
        voc_kg_h=rng.uniform(5, 60, n),
        nox_kg_h=rng.uniform(0, 10, n),
        hours_per_day=np.where(rng.random(n) < 0.7, 12.0, 24.0),
        shiftable=rng.random(n) < 0.8,
    )
    paths = {name: directory / f"{name}.nc" for name in ("forecast", "emissions", "change")}
    forecast.to_netcdf(paths["forecast"])
    synthetic_emissions(forecast, sources).to_netcdf(paths["emissions"])
    demo_change(forecast, sources).to_netcdf(paths["change"])
    ring = lambda x0, x1: [[x0, 37.0], [x1, 37.0], [x1, 37.8], [x0, 37.8], [x0, 37.0]]  # noqa: E731
    cities = (("130100", "石家庄市", 114.0, 114.5), ("130500", "邢台市", 114.5, 115.0))
    features = [
        {"type": "Feature", "properties": {"code": code, "name": name, "kind": "city",
                                           "parent": None},
         "geometry": {"type": "Polygon", "coordinates": [ring(x0, x1)]}}
        for code, name, x0, x1 in cities
    ]  # fmt: skip
    paths["regions"] = directory / "regions.geojson"
    paths["regions"].write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    density = xr.Dataset(
        {"population_density": (("lat", "lon"), np.full((8, 10), 800.0), {"units": "km-2"})},
        coords={"lat": forecast["lat"], "lon": forecast["lon"]},
    )
    paths["population"] = directory / "population.nc"
    density.to_netcdf(paths["population"])
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return write_small_scenario(tmp_path_factory.mktemp("scenario"))


def _args(files, out, *extra):
    return [
        "scenario", "run", "--forecast", str(files["forecast"]),
        "--emissions", str(files["emissions"]), "--change", str(files["change"]),
        "--regions", str(files["regions"]), "--out", str(out), *extra,
    ]  # fmt: skip


def test_json_is_exactly_the_contract(files, tmp_path, capsys):
    out = tmp_path / "result.nc"
    extra = ["--members", "3", "--format", "json", "--population", str(files["population"])]
    assert main(_args(files, out, *extra)) == 0
    regions = json.loads(capsys.readouterr().out)
    assert [r["region"] for r in regions] == [
        {"code": "130100", "name": "石家庄市"},
        {"code": "130500", "name": "邢台市"},
    ]
    keys = {"region", "regime", "defaulted", "members", "days", "exceedance_days",
            "voc_moved_kg", "population_affected"}  # fmt: skip
    day_keys = {"date", "mda8_base", "mda8_scenario", "delta_mda8", "o3_iaqi_base",
                "o3_iaqi_scenario"}  # fmt: skip
    for r in regions:
        assert set(r) == keys
        assert r["regime"] in ("voc_limited", "nox_limited", "transitional")
        assert r["members"] == 3 and r["defaulted"] == []
        assert set(r["exceedance_days"]) == {"base", "scenario"}
        assert r["voc_moved_kg"] > 0
        assert isinstance(r["population_affected"], int)
        assert r["days"], "the two CST days have an MDA8"
        for d in r["days"]:
            assert set(d) == day_keys and set(d["delta_mda8"]) == {"p10", "p50", "p90"}
            assert dt.date.fromisoformat(d["date"]) in (START, START + dt.timedelta(days=1))
            assert d["delta_mda8"]["p10"] <= d["delta_mda8"]["p50"] <= d["delta_mda8"]["p90"]
    result = xr.open_dataset(out)
    assert result["delta_o3"].dims == ("time", "lat", "lon")
    assert result["delta_mda8"].dims == ("date", "lat", "lon")
    assert result["delta_mda8"].attrs["units"] == "ug m-3"
    assert result.attrs["Conventions"] == "CF-1.8"


def test_table_prints_every_region_and_the_defaults(files, tmp_path, capsys):
    forecast = xr.open_dataset(files["forecast"]).load()
    bare = tmp_path / "bare.nc"
    forecast.drop_vars(["t2m", "pblh", "swdown"]).to_netcdf(bare)
    args = _args(files, tmp_path / "r.nc", "--members", "2")
    args[args.index("--forecast") + 1] = str(bare)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "130100" in out and "130500" in out and "ΔMDA8 P10/P50/P90" in out
    assert "climatological defaults used for: t2m, pblh, cloud_fraction" in out
    assert "气候平均默认值" in out


def test_isopleth_png(files, tmp_path, capsys):
    png = tmp_path / "iso.png"
    args = _args(files, tmp_path / "r.nc", "--members", "1", "--isopleth", "130100",
                 "--isopleth-png", str(png))  # fmt: skip
    assert main(args) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing.nc", "change file .*missing.nc does not exist"),
        ("wrong_units", "change file .* nox has units 'g s-1'; expected 'kg h-1'"),
        ("other_grid", "change file .* is on another grid: its lat has 5 values"),
    ],
)
def test_bad_change_files_are_one_line_errors(files, tmp_path, capsys, change, message):
    import re

    path = tmp_path / f"{change}.nc" if change != "missing.nc" else tmp_path / "missing.nc"
    good = xr.open_dataset(files["change"]).load()
    if change == "wrong_units":
        good["nox"].attrs["units"] = "g s-1"
        good.to_netcdf(path)
    elif change == "other_grid":
        good.isel(lat=slice(0, 5)).to_netcdf(path)
    args = _args(files, tmp_path / "r.nc", "--members", "1")
    args[args.index("--change") + 1] = str(path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("lantian scenario: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_workers_run_in_tiles_and_give_the_whole_grid_result(files, tmp_path, capsys):
    """``--workers 2 --tile 4x4``: the run in 6 tiles on a local dask cluster equals the
    whole-grid run (the tiles exchange a halo ring every hour: docs/chemistry.md)."""
    whole, tiled = tmp_path / "whole.nc", tmp_path / "tiled.nc"
    extra = ["--members", "1", "--seed", "3", "--format", "json"]
    assert main(_args(files, whole, *extra)) == 0
    expected = json.loads(capsys.readouterr().out)
    assert main(_args(files, tiled, *extra, "--workers", "2", "--tile", "4x4")) == 0
    captured = capsys.readouterr()
    assert "dask dashboard: http://" in captured.err
    assert json.loads(captured.out) == expected
    a, b = xr.open_dataset(whole), xr.open_dataset(tiled)
    np.testing.assert_allclose(b["delta_o3"], a["delta_o3"], rtol=0, atol=1e-9)
    assert float(np.abs(a["delta_o3"]).max()) > 0  # the shift does move ozone here


def test_tile_must_be_two_positive_counts(files, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(_args(files, tmp_path / "r.nc", "--tile", "0x5"))
    assert "--tile '0x5': give NYxNX in cells" in capsys.readouterr().err
