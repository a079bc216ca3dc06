"""``lantian scenario map``: a PNG of a result's ΔMDA8 per cell (blue lower, red higher)."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import xarray as xr

from api.cli import main


def _result(path, sign: float):
    lat, lon = np.arange(36.05, 38.0, 0.1), np.arange(114.05, 117.0, 0.1)
    delta = np.zeros((2, lat.size, lon.size))
    delta[:, :8, :10] = sign * 4.0  # a block of change in the south-west, nothing elsewhere
    delta[1, :8, :10] = sign * 2.0
    xr.Dataset(
        {"delta_mda8": (("date", "lat", "lon"), delta, {"units": "ug m-3"})},
        coords={"date": pd.to_datetime(["2026-07-01", "2026-07-02"]), "lat": lat, "lon": lon},
    ).to_netcdf(path)
    return path


def _colours(png):
    """Shape, and blue and red pixels of the map (left of the colour bar, which shows both)."""
    whole = mpimg.imread(png)[..., :3]
    image = whole[:, : int(0.72 * whole.shape[1])]
    blue = image[..., 2] - image[..., 0] > 0.25  # the ends of RdBu_r: navy and dark red
    red = image[..., 0] - image[..., 2] > 0.25
    return whole.shape, int(blue.sum()), int(red.sum())


def test_a_lowering_shift_is_blue_and_a_raising_one_red(tmp_path, capsys):
    lower = _result(tmp_path / "lower.nc", -1.0)
    assert main(["scenario", "map", str(lower), "--out", str(tmp_path / "lower.png")]) == 0
    assert "±3.00" in capsys.readouterr().out  # the mean over the two days: −4 and −2
    shape, blue, red = _colours(tmp_path / "lower.png")
    assert shape[:2] == (800, 1000)
    assert blue > 2000 and red < 50  # the block is drawn blue; no cell is red

    higher = _result(tmp_path / "higher.nc", 1.0)
    out = tmp_path / "higher.png"
    assert main(["scenario", "map", str(higher), "--out", str(out), "--date", "2026-07-02"]) == 0
    assert "±2.00" in capsys.readouterr().out  # that day alone
    _, blue, red = _colours(out)
    assert red > 2000 and blue < 50


def test_a_bad_date_or_file_is_one_line(tmp_path, capsys):
    result = _result(tmp_path / "r.nc", -1.0)
    assert (
        main(
            [
                "scenario",
                "map",
                str(result),
                "--out",
                str(tmp_path / "x.png"),
                "--date",
                "2026-08-01",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2026-07-01, 2026-07-02" in err[0]
    assert (
        main(["scenario", "map", str(tmp_path / "none.nc"), "--out", str(tmp_path / "y.png")]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
