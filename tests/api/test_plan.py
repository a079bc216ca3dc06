"""`lantian registry import`, `lantian plan` (subprocess) and GET /v1/regions/{code}/plan."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.app import create_app
from api.plan_schemas import PlanDocument
from api.settings import Settings
from engine.errors import PolicyError
from grids import load_regions
from registry import RegistryStore, region_plan
from tests.conftest import DEMO_DATE
from tests.registry.test_store import cement_files

LANTIAN = str(Path(sys.executable).with_name("lantian"))
ROOT = Path(__file__).resolve().parents[2]
SECOND = (DEMO_DATE + dt.timedelta(days=1)).isoformat()  # the heavy episode


def lantian(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI on this checkout's code (the installed script alone may map elsewhere)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([LANTIAN, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def cement_db(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cement")
    files = cement_files(directory)
    db = directory / "registry.sqlite"
    run = lantian(
        "registry",
        "import",
        "--db",
        str(db),
        "--enterprises",
        str(files["enterprises"]),
        "--lines",
        str(files["lines"]),
        "--plans",
        str(files["plans"]),
        "--baseline",
        str(files["baseline"]),
        "--as-of",
        "2026-01-01",
    )
    assert run.returncode == 0, run.stderr
    assert "12 enterprises, 18 lines, 2 plan rows, 1 baselines" in run.stdout
    return db


def test_cli_plan_json(cement_db):
    run = lantian(
        "plan", "--db", str(cement_db), "--region", "130100", "--date", SECOND, "--level", "orange"
    )
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["level"] == "orange" and plan["required_ratio"] == 0.2
    assert plan["baseline_t_d"] == {"so2": 10.0, "nox": 100.0, "pm": 5.0, "voc": 1.0}
    by_code = {e["credit_code"]: e for e in plan["enterprises"]}
    assert by_code["CEM-B"]["reduction_kg_d"]["nox"] == pytest.approx(1680, abs=1e-9)
    assert by_code["CEM-P"]["measures"][0]["action"] == "limit_output"  # its own plan
    nox = plan["totals_kg_d"]["nox"]
    assert plan["achieved_ratio"]["nox"] == pytest.approx(nox / 100_000)
    assert plan["target_met"]["nox"] is (nox >= 20_000)


def test_cli_plan_csv_has_one_row_per_line(cement_db, tmp_path):
    out = tmp_path / "plan.csv"
    run = lantian(
        "plan",
        "--db",
        str(cement_db),
        "--region",
        "130100",
        "--date",
        SECOND,
        "--level",
        "yellow",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 18
    k1 = next(r for r in rows if r["credit_code"] == "CEM-C" and r["line_id"] == "K1")
    assert k1["action"] == "stop_share_of_lines" and float(k1["reduction_nox_kg_d"]) == 7200
    assert k1["self_directed"] == "false" and k1["status"] == "official"


def test_cli_without_level_says_so(cement_db):
    run = lantian("plan", "--db", str(cement_db), "--region", "130100")
    assert run.returncode == 2
    assert "give --level" in run.stderr and "Traceback" not in run.stderr


def test_cli_bad_csv_names_the_row_and_imports_nothing(tmp_path):
    files = cement_files(tmp_path)
    text = (
        files["lines"].read_text("utf-8").replace("CEM-D,K1,clinker,700000", "CEM-D,K1,clinker,x")
    )
    files["lines"].write_text(text, "utf-8")
    db = tmp_path / "r.sqlite"
    run = lantian(
        "registry",
        "import",
        "--db",
        str(db),
        "--enterprises",
        str(files["enterprises"]),
        "--lines",
        str(files["lines"]),
    )
    assert run.returncode == 2
    assert "lines.csv line 12: permitted_capacity 'x': not a number" in run.stderr
    assert "nothing imported" in run.stderr
    info = lantian("registry", "info", "--db", str(db))
    assert json.loads(info.stdout)["enterprises"] == 0


@pytest.fixture(scope="module")
def client(demo_dir, tmp_path_factory):
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path_factory.mktemp("db") / "decisions.sqlite",
        registry=demo_dir / "registry.sqlite",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_api_plan_of_the_demo_registry(client):
    response = client.get("/v1/regions/130100/plan", params={"date": SECOND, "level": "orange"})
    assert response.status_code == 200
    plan = response.json()
    assert set(plan) >= {
        "region",
        "date",
        "level",
        "enterprises",
        "totals_kg_d",
        "baseline_t_d",
        "required_ratio",
        "achieved_ratio",
        "target_met",
        "shortfall_proposals",
    }
    assert plan["region"] == {"code": "130100", "name": "石家庄市"}
    assert plan["date"] == SECOND and plan["level"] == "orange"
    assert len(plan["enterprises"]) >= 200  # a large city: hundreds of firms
    total = sum(e["reduction_kg_d"]["nox"] for e in plan["enterprises"])
    assert plan["totals_kg_d"]["nox"] == pytest.approx(total)
    # firms are registered in 石家庄's counties (1301xx), every one resolving to the city
    registered = {e["region_code"] for e in plan["enterprises"]}
    assert all(c.startswith("1301") and c != "130100" for c in registered)
    assert len(registered) >= 15
    assert all(plan["baseline_t_d"][p] > 0 for p in ("so2", "nox", "pm", "voc"))
    for p in ("so2", "nox", "pm", "voc"):
        ratio = plan["totals_kg_d"][p] / (plan["baseline_t_d"][p] * 1000)
        assert plan["achieved_ratio"][p] == pytest.approx(ratio)
        assert plan["target_met"][p] is (ratio >= 0.2 - 1e-12)


@pytest.mark.parametrize("level", ["none", "yellow", "red"])
def test_api_plan_json_is_the_plan_document_unchanged(client, demo_dir, level):
    """The response model documents the plan; it adds, drops and converts nothing."""
    response = client.get("/v1/regions/130100/plan", params={"date": SECOND, "level": level})
    assert response.status_code == 200
    regions = load_regions(demo_dir / "regions.geojson")
    document, _ = region_plan(
        RegistryStore(demo_dir / "registry.sqlite"),
        {"code": "130100", "name": "石家庄市"},
        dt.date.fromisoformat(SECOND),
        level,
        parents={r.code: r.parent for r in regions},
    )
    assert response.json() == document  # keys and values
    assert response.content == JSONResponse(jsonable_encoder(document)).body  # byte for byte
    PlanDocument.model_validate(document)


def test_api_plan_json_keeps_after_proposals_when_there_are_some(client, demo_dir):
    plans = [
        client.get("/v1/regions/130100/plan", params={"date": SECOND, "level": level}).json()
        for level in ("yellow", "orange", "red")
    ]
    with_proposals = [p for p in plans if p["shortfall_proposals"]]
    assert with_proposals and all("after_proposals" in p for p in with_proposals)
    assert all("after_proposals" not in p for p in plans if not p["shortfall_proposals"])


def test_openapi_documents_the_plan(client):
    schema = client.get("/openapi.json").json()
    content = schema["paths"]["/v1/regions/{code}/plan"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["$ref"].endswith("/PlanDocument")
    assert "text/csv" in content
    measure = schema["components"]["schemas"]["Measure"]["properties"]
    assert {"line_id", "action", "value", "reason", "source", "reduction_kg_d"} <= set(measure)


def test_api_level_defaults_to_the_response(client):
    level = client.get("/v1/regions/130100/response", params={"date": SECOND}).json()["level"]
    plan = client.get("/v1/regions/130100/plan", params={"date": SECOND}).json()
    assert plan["level"] == level


def test_api_csv(client):
    response = client.get(
        "/v1/regions/130100/plan", params={"date": SECOND, "level": "red", "format": "csv"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    plan = client.get("/v1/regions/130100/plan", params={"date": SECOND, "level": "red"}).json()
    assert len({r["credit_code"] for r in rows}) == len(plan["enterprises"])


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/regions/999999/plan", {"level": "orange"}, 404),
        ("/v1/regions/130100/plan", {"level": "purple"}, 422),
        ("/v1/regions/130100/plan", {"level": "orange", "date": "2026-13-01"}, 422),
    ],
)
def test_api_errors(client, path, params, status):
    assert client.get(path, params=params).status_code == status


def test_api_without_registry_is_404(demo_dir, tmp_path):
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path / "d.sqlite",
        registry=tmp_path / "absent.sqlite",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/regions/130100/plan", params={"level": "orange"})
    assert response.status_code == 404 and "lantian registry import" in response.json()["detail"]


def test_cli_level_from_the_forecast_matches_the_api(demo_dir, client):
    run = lantian(
        "plan",
        "--db",
        str(demo_dir / "registry.sqlite"),
        "--region",
        "130100",
        "--date",
        SECOND,
        "--forecast",
        str(demo_dir / "forecast.nc"),
        "--regions",
        str(demo_dir / "regions.geojson"),
    )
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    api_level = client.get("/v1/regions/130100/response", params={"date": SECOND}).json()["level"]
    assert plan["level"] == api_level and plan["region"]["name"] == "石家庄市"


def test_api_serves_a_regional_catalogue(demo_dir, tmp_path):
    layer = tmp_path / "hebei.toml"
    layer.write_text('[region."130100"]\nrequired_ratio = { orange = 0.4 }\n', "utf-8")
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path / "decisions.sqlite",
        registry=demo_dir / "registry.sqlite",
        catalogue=[layer],
    )
    with TestClient(create_app(settings)) as client:
        plan = client.get("/v1/regions/130100/plan", params={"date": SECOND, "level": "orange"})
        other = client.get("/v1/regions/130200/plan", params={"date": SECOND, "level": "orange"})
    assert plan.json()["required_ratio"] == 0.4
    assert other.json()["required_ratio"] == 0.2
    missing = Settings(**{**settings.model_dump(), "catalogue": [tmp_path / "nope.toml"]})
    with pytest.raises(PolicyError, match="nope.toml does not exist"):
        create_app(missing)
