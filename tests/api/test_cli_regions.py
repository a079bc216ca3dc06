import json

import numpy as np
import pytest
import xarray as xr

from api.cli import main
from grids import RegularGrid


def run(capsys, *argv):
    code = main(["regions", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_rows_for_every_region_with_agreeing_areas(capsys):
    code, out, _ = run(
        capsys, "--regions", "builtin:key-regions-2017", "--grid", "110,120,34,42,0.05"
    )
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 28
    assert set(rows[0]) == {
        "code",
        "name",
        "kind",
        "parent",
        "cells",
        "area_km2",
        "polygon_area_km2",
        "covered_fraction",
    }
    sjz = next(r for r in rows if r["code"] == "130100")
    assert sjz["name"] == "石家庄市" and sjz["parent"] == "130000" and sjz["cells"] > 500
    for r in rows:
        if r["cells"] >= 100 and r["covered_fraction"] > 0.999:
            assert r["area_km2"] == pytest.approx(r["polygon_area_km2"], rel=0.005)


def test_regions_off_the_grid_are_listed_with_zero_cover(capsys):
    code, out, _ = run(capsys, "--regions", "builtin:provinces", "--grid", "115,118,38,41,0.1")
    rows = {r["code"]: r for r in json.loads(out)}
    assert code == 0 and len(rows) == 11
    assert rows["310000"]["cells"] == 0 and rows["310000"]["covered_fraction"] == 0.0
    assert rows["310000"]["polygon_area_km2"] > 5000
    assert 0.0 < rows["130000"]["covered_fraction"] < 0.5
    assert rows["110000"]["covered_fraction"] > 0.95


def test_grid_from_a_forecast_file_and_table_format(capsys, tmp_path):
    grid = RegularGrid.from_bounds(115.0, 118.0, 38.5, 41.5, 0.1)
    ds = xr.Dataset(
        {"pm25": (("time", "lat", "lon"), np.zeros((1, *grid.shape), np.float32))},
        coords={"lat": grid.lat[::-1], "lon": grid.lon, "time": [0]},
    )
    path = tmp_path / "f.nc"
    ds.to_netcdf(path)
    code, out, _ = run(
        capsys,
        "--regions",
        "builtin:key-regions-2017",
        "--forecast",
        str(path),
        "--format",
        "table",
    )
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("110100"))
    assert "北京市" in line and line.split()[-1] == "1.0000"


def test_errors_are_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "--forecast", str(tmp_path / "none.nc"))
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    code, _, err = run(capsys, "--regions", "builtin:nope", "--grid", "110,111,30,31,0.5")
    assert code == 2 and "builtin:key-regions" in err
    code, _, err = run(capsys)
    assert code == 2 and "--grid" in err
    with pytest.raises(SystemExit) as info:
        main(["regions", "--grid", "1,2,3"])
    assert info.value.code == 2


def test_grid_of_a_cmaq_file(capsys, tmp_path):
    # Models-3 I/O API attributes as CMAQ writes them: 12 km Lambert grid over Beijing–Tianjin
    ds = xr.Dataset(
        {"PM25_TOT": (("TSTEP", "LAY", "ROW", "COL"), np.zeros((1, 1, 40, 50), np.float32))},
        attrs={
            "GDTYP": 2,
            "P_ALP": 25.0,
            "P_BET": 40.0,
            "P_GAM": 110.0,
            "XCENT": 110.0,
            "YCENT": 34.0,
            "XORIG": 300e3,
            "YORIG": 450e3,
            "XCELL": 12e3,
            "YCELL": 12e3,
            "NCOLS": 50,
            "NROWS": 40,
        },
    )
    path = tmp_path / "cctm.nc"
    ds.to_netcdf(path)
    code, out, _ = run(capsys, "--regions", "builtin:key-regions-2017", "--forecast", str(path))
    assert code == 0
    rows = {r["code"]: r for r in json.loads(out)}
    assert rows["120100"]["cells"] > 50 and rows["120100"]["covered_fraction"] > 0.99
    assert rows["120100"]["area_km2"] == pytest.approx(
        rows["120100"]["polygon_area_km2"], rel=0.005
    )
