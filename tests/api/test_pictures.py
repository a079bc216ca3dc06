"""``lantian map`` and ``lantian chart``: PNG size, and colours sampled inside known regions.

Hand-made forecast (tests/handmade.py), two regions side by side: 石家庄 (west) at PM2.5
260 µg/m³ (AQI 310) for four days, red; 唐山 (east) at 40 µg/m³ (AQI 60), no alert.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from api.cli import main
from api.mapdata import level_rgb
from api.pictures import map_layout
from engine.aqi import categories
from grids import load_regions
from tests import handmade

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "pictures"
DAY = handmade.START.isoformat()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("pictures")
    dataset = handmade.forecast([260.0] * 4 + [40.0] * 3, east_pm25_days=[40.0] * 7)
    return handmade.write(directory, dataset, split=True)


def _inputs(files) -> list[str]:
    nc, geojson = files
    return ["--forecast", str(nc), "--regions", str(geojson), "--date", DAY]


def _sample(image: np.ndarray, layout, lon: float, lat: float) -> tuple[int, ...]:
    column, row = layout.pixel(lon, lat)
    return tuple(int(v) for v in image[row, column, :3])


def _picture(path: Path) -> np.ndarray:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / path.name).write_bytes(path.read_bytes())
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("by", ["level", "aqi"])
def test_map_colours_each_region_at_its_centroid(files, tmp_path, by, capsys):
    out = tmp_path / f"map-{by}.png"
    assert main(["map", *_inputs(files), "--by", by, "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    image = _picture(out)
    assert image.shape == (900, 1200, 3)
    bounds = shapely.total_bounds(load_regions(files[1]).geometries)
    assert bounds.tolist() == [114.0, 38.0, 115.0, 39.0]
    layout = map_layout(bounds.tolist(), 1200, 900)
    by_category = {c.level: c.rgb for c in categories()}
    expected = {
        "level": {handmade.REGION_CODE: level_rgb("red"), handmade.EAST_CODE: level_rgb("none")},
        "aqi": {handmade.REGION_CODE: by_category[6], handmade.EAST_CODE: by_category[2]},
    }[by]
    # below the centre of each half (where the label is written)
    assert _sample(image, layout, 114.25, 38.25) == tuple(expected[handmade.REGION_CODE])
    assert _sample(image, layout, 114.75, 38.25) == tuple(expected[handmade.EAST_CODE])
    # outside every region: the white background
    assert _sample(image, layout, 113.99, 38.5) == (255, 255, 255)


def test_chart_draws_the_aqi_bars_in_their_category_colours(files, tmp_path):
    out = tmp_path / "chart.png"
    assert (
        main(["chart", "--region", handmade.REGION_CODE, *_inputs(files), "--out", str(out)]) == 0
    )
    image = _picture(out)
    assert image.shape == (640, 1000, 3)
    pixels = image.reshape(-1, 3)
    by_category = {c.level: c.rgb for c in categories()}
    severe = np.all(pixels == by_category[6], axis=1).sum()  # four days at AQI 310
    good = np.all(pixels == by_category[2], axis=1).sum()  # three days at AQI 60
    assert severe > 4 * 1000 and good > 3 * 100
    assert severe > good  # taller bars, more of them


def test_unknown_region_is_one_line_and_exit_2(files, tmp_path, capsys):
    code = main(["chart", "--region", "999999", *_inputs(files), "--out", str(tmp_path / "x.png")])
    assert code == 2
    err = capsys.readouterr().err
    assert "999999" in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


def test_map_of_a_date_outside_the_forecast_is_refused(files, tmp_path, capsys):
    nc, geojson = files
    late = (handmade.START + dt.timedelta(days=30)).isoformat()
    args = ["map", "--forecast", str(nc), "--regions", str(geojson), "--date", late]
    assert main([*args, "--out", str(tmp_path / "late.png")]) == 2
    assert late in capsys.readouterr().err
