"""``lantian levels`` and ``lantian plan`` in every output format, read back by their readers.

The hand-made forecast covers 114–115 °E, 38–39 °N: 石家庄市 lies on it, "Xinji Test" (a Latin
name) on its east half, and 呼和浩特市 entirely off it (degraded, no value).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
import xarray as xr
from wcwidth import wcswidth

from api.cli import main
from tests import handmade

DAY = "2026-12-01"


def _feature(code, name, lon0, lon1):
    ring = [[lon0, 38.0], [lon1, 38.0], [lon1, 39.0], [lon0, 39.0], [lon0, 38.0]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "kind": "city", "parent": "130000"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("formats")
    nc, _ = handmade.write(directory, handmade.forecast([160, 160, 260, 100]))
    regions = directory / "regions.geojson"
    features = [
        _feature("130100", "石家庄市", 114.0, 115.0),
        _feature("130181", "Xinji Test", 114.5, 115.0),
        _feature("150100", "呼和浩特市", 111.0, 112.0),
    ]
    regions.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return directory, nc, regions


def levels(files, *extra):
    directory, nc, regions = files
    argv = ["levels", "--forecast", str(nc), "--regions", str(regions), "--date", DAY, *extra]
    assert main(argv) == 0


def output(files, fmt, *extra):
    path = files[0] / f"levels-{fmt}-{len(extra)}.out"
    levels(files, "--format", fmt, "--output", str(path), *extra)
    return path


@pytest.fixture(scope="module")
def records(files):
    return json.loads(output(files, "json").read_text("utf-8"))


def test_json_keeps_its_shape_and_every_response_has_a_reason(records):
    by_code = {r["region"]["code"]: r for r in records}
    assert by_code["130100"]["level"] == "red" and by_code["130181"]["level"] == "red"
    off = by_code["150100"]
    assert (off["level"], off["degraded"], off["valid_fraction"], off["days"]) == (
        "none",
        True,
        0.0,
        [],
    )
    assert off["reasons"][0].startswith("no valid daily AQI in the forecast")
    assert all(r["reasons"] and r["reasons_zh"] for r in records)


def test_table_has_dates_aligned_names_and_degraded_regions(files):
    text = output(files, "table").read_text("utf-8")
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("code"))
    assert "12-01" in header and "12-04" in header and "from 2026-12-01 (CST)" in lines[0]
    rows = [line for line in lines if line[:8] in {"130100  ", "130181  ", "150100  "}]
    assert len(rows) == 3

    def column_of(line, word):  # display column where ``word`` starts
        return wcswidth(line[: line.index(word)])

    level_column = column_of(header, "level")
    assert {column_of(r, "red" if " red " in r else "none") for r in rows} == {level_column}
    data_column = column_of(header, "data")
    assert {column_of(r, "ok" if " ok " in r else "degraded") for r in rows} == {data_column}
    off = next(r for r in rows if r.startswith("150100"))
    assert "degraded 0%" in off and off.rstrip().endswith("-")
    assert "  - decision degraded: only 0% of the region's area" in text
    assert "  - no valid daily AQI in the forecast" in text


def test_table_reasons_in_chinese(files):
    text = output(files, "table", "--lang", "zh").read_text("utf-8")
    assert "理由" in text and "决策降级" in text and "红色预警" in text


def test_csv_has_a_bom_by_default_and_the_dates_in_its_header(files, records):
    raw = output(files, "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == [r["region"]["code"] for r in records]
    sjz = rows[0]
    assert sjz["aqi_2026-12-01"] == "210" and sjz["aqi_2026-12-03"] == "310"
    assert sjz["level"] == "red" and sjz["reasons"].startswith("PM2.5 daily AQI > 200")
    assert rows[2]["degraded"] == "true" and rows[2]["aqi_2026-12-01"] == ""
    plain = output(files, "csv", "--no-bom").read_bytes()
    assert plain == raw[3:]


def test_geojson_opens_with_gdal(files, records):
    path = output(files, "geojson")
    info = pyogrio.read_info(path)
    assert info["features"] == 3 and info["crs"] == "EPSG:4326"
    meta, _, geometry, fields = pyogrio.raw.read(path)
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert list(columns["code"]) == [r["region"]["code"] for r in records]
    assert list(columns["level"]) == [r["level"] for r in records]
    assert list(columns["fill"]) == ["#FF0000", "#FF0000", "#BDBDBD"]
    assert list(columns["level_zh"])[0] == "红色预警"
    shapes = shapely.from_wkb(geometry)
    assert shapes[0].bounds == pytest.approx((114.0, 38.0, 115.0, 39.0))
    assert shapely.is_ccw(shapes[0].exterior)  # RFC 7946: exteriors counter-clockwise


def test_netcdf_is_cf_with_a_region_dimension(files, records):
    with xr.open_dataset(output(files, "netcdf")) as ds:
        assert ds.attrs["Conventions"] == "CF-1.8" and ds.attrs["featureType"] == "timeSeries"
        assert ds["aqi"].dims == ("region", "date") and ds.sizes["date"] == 4
        assert ds["region"].attrs["cf_role"] == "timeseries_id"
        assert list(ds["region"].values) == [r["region"]["code"] for r in records]
        assert ds["aqi"].sel(region="130100").values.tolist() == [210, 210, 310, 137]
        assert np.isnan(ds["aqi"].sel(region="150100").values).all()  # fill value, masked
        assert ds["pm25_24h"].attrs["units"] == "ug m-3"
        np.testing.assert_allclose(ds["pm25_24h"].sel(region="130100"), [160, 160, 260, 100])
        meanings = ds["level"].attrs["flag_meanings"].split()
        assert [meanings[v] for v in ds["level"].values] == ["red", "red", "none"]
        assert ds["degraded"].values.tolist() == [0, 0, 1]
        assert ds["reasons_zh"].values[2].startswith("该区域预报中无有效日 AQI")


def test_parquet_has_a_row_per_region_and_day(files):
    table = pq.read_table(output(files, "parquet")).to_pylist()
    assert len(table) == 4 + 4 + 1  # the region off the grid keeps one row, without a day
    first = table[0]
    assert (first["code"], str(first["day"]), first["aqi"], first["level"]) == (
        "130100",
        "2026-12-01",
        210,
        "red",
    )
    assert first["primary_pollutants"] == ["pm25"]
    assert table[-1]["day"] is None and table[-1]["degraded"] is True


def test_the_output_suffix_chooses_the_format(files):
    path = files[0] / "levels.geojson"
    levels(files, "--output", str(path))
    assert json.loads(path.read_text("utf-8"))["type"] == "FeatureCollection"


def test_piped_output_stays_json_for_scripts(files):
    directory, nc, regions = files
    run = subprocess.run(
        [sys.executable, "-m", "api.cli", "levels", "--forecast", str(nc), "--regions",
         str(regions), "--date", DAY],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [r["level"] for r in json.loads(run.stdout)] == ["red", "red", "none"]


def test_binary_formats_refuse_a_terminal(monkeypatch):
    from api.commands import _pipeline
    from engine.errors import LantianError

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert _pipeline.chosen_format(None, None, ("table", "json")) == "table"
    with pytest.raises(LantianError, match="netcdf is binary: give --output FILE"):
        _pipeline.write_output(b"\x89HDF", "netcdf", None)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert _pipeline.chosen_format(None, None, ("table", "json")) == "json"


def test_plan_csv_has_a_bom_and_plan_has_a_table(demo_dir, tmp_path):
    base = ["plan", "--db", str(demo_dir / "registry.sqlite"), "--region", "130100"]
    base += ["--date", "2026-12-02", "--level", "red"]
    assert main([*base, "--format", "csv", "-o", str(tmp_path / "p.csv")]) == 0
    raw = (tmp_path / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfregion_code,credit_code,")
    assert main([*base, "--no-bom", "-o", str(tmp_path / "q.csv")]) == 0
    assert (tmp_path / "q.csv").read_bytes() == raw[3:]
    assert main([*base, "--format", "table", "-o", str(tmp_path / "p.txt")]) == 0
    table = (tmp_path / "p.txt").read_text("utf-8")
    assert table.startswith("Plan of 130100 on 2026-12-02 (CST) at level red")
    assert "species  baseline t/d" in table and "Enterprises: " in table
    document = json.loads(
        subprocess.run(
            [sys.executable, "-m", "api.cli", *base], capture_output=True, text=True, timeout=300
        ).stdout
    )
    assert f"Enterprises: {len(document['enterprises'])}" in table
