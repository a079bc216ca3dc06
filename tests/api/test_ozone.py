"""The faces of the ozone season: ``lantian ozone plan`` (JSON, CSV, netCDF), ``GET
/v1/regions/{code}/ozone-programme`` with the JSON contract of issue 11 item 7, and the plan
endpoint's O3-episode measures in the ozone regime (docs/rules.md §4)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.plan_schemas import OzoneProgrammeDocument, PlanDocument
from api.settings import Settings
from registry import RegistryStore, region_programme
from registry._csv import ENTERPRISE_COLUMNS, EQUIPMENT_COLUMNS, LINE_COLUMNS, LINE_OPTIONAL_COLUMNS
from tests import handmade
from tests.registry.voc_registry import ENTERPRISES, EQUIPMENT, LINES, write_csv

START = dt.date(2026, 7, 1)
CODE = "130100"  # the hand-made region: 114–115 °E, 38–39 °N


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The hand-made VOC registry moved into 石家庄, and a summer forecast with O3 8-h 300."""
    directory = tmp_path_factory.mktemp("ozone")
    firms = [
        {**e, "region_code": CODE, "lon": 114.25 + 0.5 * (k % 2), "lat": 38.25 + 0.5 * (k // 4)}
        for k, e in enumerate(ENTERPRISES)
    ]
    files = {
        "enterprises": write_csv(directory / "enterprises.csv", firms, ENTERPRISE_COLUMNS),
        "lines": write_csv(directory / "lines.csv", LINES, LINE_COLUMNS + LINE_OPTIONAL_COLUMNS),
        "equipment": write_csv(directory / "equipment.csv", EQUIPMENT, EQUIPMENT_COLUMNS),
    }
    db = directory / "registry.sqlite"
    RegistryStore(db).import_csv(**files)
    nc, geojson = handmade.write(directory, handmade.forecast([30.0] * 6, [300.0] * 6, start=START))
    return {"dir": directory, "db": db, "forecast": nc, "regions": geojson}


@pytest.fixture(scope="module")
def client(world):
    settings = Settings(
        forecast=world["forecast"],
        regions=str(world["regions"]),
        db=world["dir"] / "decisions.sqlite",
        registry=world["db"],
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _keys(document):
    """Every key path of a document (through every item of its lists)."""
    out = set()
    for key, value in document.items():
        out.add(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                out |= {f"{key}.{k}" for k in _keys(item)}
    return out


CONTRACT = {
    "region", "region.code", "region.name", "from", "to",
    "programme", "programme.id", "programme.window", "programme.trigger", "programme.source",
    "programme.status",
    "enterprises", "enterprises.credit_code", "enterprises.name", "enterprises.grade",
    "enterprises.eligible", "enterprises.exempt_reason", "enterprises.lines",
    "enterprises.lines.line_id", "enterprises.lines.voc_process", "enterprises.lines.action",
    "enterprises.lines.window", "enterprises.lines.days", "enterprises.lines.voc_moved_kg",
    "enterprises.lines.voc_removed_kg", "enterprises.lines.equipment",
    "enterprises.lines.equipment.equipment_id", "enterprises.lines.equipment.kind",
    "enterprises.lines.reason", "enterprises.lines.source",
    "enterprises.voc_moved_kg", "enterprises.voc_removed_kg",
    "totals", "totals.voc_moved_kg", "totals.voc_removed_kg", "totals.lines",
    "totals.enterprises",
}  # fmt: skip


def test_http_programme_keeps_the_contract(client, world):
    response = client.get(
        f"/v1/regions/{CODE}/ozone-programme", params={"from": "2026-07-01", "to": "2026-07-03"}
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    assert _keys(doc) == CONTRACT
    assert (doc["from"], doc["to"], doc["region"]) == (
        "2026-07-01",
        "2026-07-03",
        {"code": CODE, "name": "石家庄市"},
    )
    assert doc["programme"]["window"] == ["09:00", "18:00"]
    assert doc["totals"] == {
        "voc_moved_kg": 345.0,
        "voc_removed_kg": 0.0,
        "lines": 2,
        "enterprises": 2,
    }
    expected, _ = region_programme(
        RegistryStore(world["db"]),
        {"code": CODE, "name": "石家庄市"},
        START,
        START + dt.timedelta(2),
    )
    assert doc == expected  # the response model adds, drops and converts nothing
    OzoneProgrammeDocument.model_validate(doc)


def test_http_programme_csv_and_errors(client):
    response = client.get(
        f"/v1/regions/{CODE}/ozone-programme",
        params={"from": "2026-07-01", "to": "2026-07-01", "format": "csv", "language": "zh"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["credit_code"] for r in rows} == {"COAT-ADS", "PRINT"}
    assert "错峰" not in rows[0]["action"] and "千克" in rows[0]["reason"]
    bad = client.get(
        f"/v1/regions/{CODE}/ozone-programme", params={"from": "2026-07-03", "to": "2026-07-01"}
    )
    assert bad.status_code == 422 and "ends" in bad.json()["detail"]
    assert client.get("/v1/regions/999999/ozone-programme").status_code == 404
    year = client.get(
        f"/v1/regions/{CODE}/ozone-programme", params={"from": "2026-01-01", "to": "2027-06-01"}
    )
    assert year.status_code == 422
    spec = client.get("/openapi.json").json()["paths"]["/v1/regions/{code}/ozone-programme"]
    assert spec["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/OzoneProgrammeDocument")


def test_plan_in_the_ozone_regime_lists_episode_measures(client):
    day = (START + dt.timedelta(days=1)).isoformat()
    response = client.get(f"/v1/regions/{CODE}/response", params={"date": day}).json()
    assert (response["level"], response["regime"]) == ("none", "o3")  # MEE-2024: advice only
    plan = client.get(f"/v1/regions/{CODE}/plan", params={"date": day})
    assert plan.status_code == 200, plan.text
    doc = plan.json()
    assert doc["level"] == "none" and doc["enterprises"] == []  # no PM measures
    episode = doc["o3_episode"]
    assert episode["o3_level"] == "orange"  # AQI 207 (O3) for 48 h and more
    firms = {e["credit_code"]: e for e in episode["enterprises"]}
    ads = firms["COAT-ADS"]["lines"][0]
    assert ads["action"] == "stop_daytime" and ads["voc_removed_kg"] == 70.0
    assert [q["equipment_id"] for q in ads["equipment"]] == ["SB1", "DO1"]
    assert episode["totals"]["voc_moved_kg"] == 60.0
    PlanDocument.model_validate(doc)
    # a PM plan asked at a level carries no episode section
    pm = client.get(f"/v1/regions/{CODE}/plan", params={"date": day, "level": "orange"}).json()
    assert "o3_episode" not in pm


def _cli(capsys, *args):
    code = main(["ozone", "plan", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_json_csv_and_netcdf(world, tmp_path, capsys):
    base = ["--db", str(world["db"]), "--region", CODE, "--regions", str(world["regions"])]
    period = ["--from", "2026-07-01", "--to", "2026-07-02"]
    code, out, err = _cli(capsys, *base, *period)
    assert code == 0, err
    doc = json.loads(out)
    assert _keys(doc) == CONTRACT and doc["totals"]["voc_moved_kg"] == 230.0
    code, out, _ = _cli(capsys, *base, *period, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("region_code,credit_code,name,grade")
    nc = tmp_path / "change.nc"
    grid = "114,115,38,39,0.1"
    code, out, err = _cli(
        capsys, *base, *period, "--format", "netcdf", "--grid", grid, "--out", str(nc)
    )
    assert code == 0, err
    with xr.open_dataset(nc) as ds:
        assert ds["voc"].dims == ("time", "lat", "lon") and ds["voc"].shape == (48, 10, 10)
        voc = ds["voc"].values.astype(np.float64)
        np.testing.assert_allclose(voc.reshape(2, 24, 10, 10).sum(axis=1), 0.0, atol=1e-5)
        assert -voc.clip(None, 0).sum() == pytest.approx(230.0)
    code, _, err = _cli(
        capsys, *base, *period, "--format", "netcdf", "--forecast", str(world["forecast"]),
        "--out", str(tmp_path / "f.nc"), "--by-sector",
    )  # fmt: skip
    assert code == 0, err
    with xr.open_dataset(tmp_path / "f.nc") as ds:
        assert ds["voc"].shape == (48, 2, 2) and "voc_by_sector" in ds


def test_cli_forecast_trigger_and_programme_files(world, tmp_path, capsys):
    layer = tmp_path / "taiyuan.toml"
    layer.write_text(
        'id = "hot-days"\nstatus = "local"\nsource = "test"\n'
        'trigger = { kind = "forecast", o3_mda8_at_least = 160, t2m_max_at_least = 25 }\n',
        "utf-8",
    )
    base = ["--db", str(world["db"]), "--region", CODE, "--regions", str(world["regions"])]
    period = ["--from", "2026-07-01", "--to", "2026-07-08", "--programme", str(layer)]
    code, _, err = _cli(capsys, *base, *period)
    assert code == 2 and "give a forecast" in err and len(err.strip().splitlines()) == 1
    code, out, err = _cli(capsys, *base, *period, "--forecast", str(world["forecast"]))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["programme"]["id"] == "hot-days"
    ads = next(e for e in doc["enterprises"] if e["credit_code"] == "COAT-ADS")["lines"][0]
    assert ads["days"] == [f"2026-07-0{d}" for d in range(1, 7)]  # the forecast's six days
    assert "no t2m" in err and "2026-07-07, 2026-07-08" in err


def test_cli_errors_are_one_line(world, tmp_path, capsys):
    base = ["--db", str(world["db"]), "--region", CODE, "--regions", str(world["regions"])]
    code, _, err = _cli(
        capsys, *base, "--from", "2026-07-01", "--to", "2026-07-02", "--format", "netcdf"
    )
    assert code == 2 and "--out" in err
    code, _, err = _cli(
        capsys,
        *base,
        "--from",
        "2026-07-01",
        "--to",
        "2026-07-02",
        "--programme",
        str(tmp_path / "no.toml"),
    )
    assert code == 2 and "no.toml does not exist" in err
    code, _, err = _cli(
        capsys, "--db", str(tmp_path / "none.sqlite"), "--region", CODE, "--from", "2026-07-01",
        "--to", "2026-07-01",
    )  # fmt: skip
    assert code == 2 and "no registry file" in err


def test_demo_registry_serves_the_programme(demo_dir, tmp_path):
    """`make run` serves the programme of the demo regions (synthetic VOC sources)."""
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path / "decisions.sqlite",
        registry=demo_dir / "registry.sqlite",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get(
            "/v1/regions/130100/ozone-programme", params={"from": "2026-07-01", "to": "2026-07-02"}
        )
    assert response.status_code == 200
    doc = response.json()
    assert doc["totals"]["lines"] > 50 and doc["totals"]["voc_moved_kg"] > 0
    processes = {x["voc_process"] for e in doc["enterprises"] for x in e["lines"]}
    assert {"coating", "printing", "refuelling", "storage_loading"} <= processes
    assert any(x["equipment"] for e in doc["enterprises"] for x in e["lines"])
    exempt = {e["exempt_reason"].split(" (")[0] for e in doc["enterprises"] if e["exempt_reason"]}
    assert {"exempt: uses low-VOC raw materials", "exempt: grade A"} <= exempt
