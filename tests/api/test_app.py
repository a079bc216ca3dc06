"""The HTTP API through FastAPI's TestClient, on the demo files."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from engine.errors import ForecastError
from tests.api.keys import bearer
from tests.conftest import DEMO_DATE

FIRST = DEMO_DATE.isoformat()
SECOND = (DEMO_DATE + dt.timedelta(days=1)).isoformat()  # "tomorrow": the episode is heavy


@pytest.fixture(scope="module")
def client(demo_dir, tmp_path_factory):
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path_factory.mktemp("db") / "decisions.sqlite",
        rate_limit=0,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_health_names_the_forecast_and_its_dates(client):
    body = client.get("/v1/health").json()
    assert body["status"] == "ok" and body["stores"]["decisions"] == "ok"
    assert body["forecast"]["id"].startswith("LANTIAN-SYNTH@")
    assert body["first_date"] == FIRST
    assert body["last_date"] == (DEMO_DATE + dt.timedelta(days=8)).isoformat()
    assert body["regions"] == 28


def test_regions_lists_every_region(client):
    regions = client.get("/v1/regions").json()
    assert len(regions) == 28
    beijing = next(r for r in regions if r["code"] == "110100")
    assert beijing == {"code": "110100", "name": "北京市", "kind": "city", "parent": "110000"}


def test_all_responses_for_the_first_forecast_day(client):
    response = client.get("/v1/response", params={"date": FIRST})
    assert response.status_code == 200
    body = response.json()
    assert len(body["responses"]) == 28
    assert sum(body["summary"].values()) == 28
    for r in body["responses"]:
        assert r["date"] == FIRST and r["rule_set"] == "MEE-2024"
        assert r["level"] in {"none", "pre_alert", "yellow", "orange", "red"}
        assert r["aqi_standard"] == "HJ633-2026"
        assert r["days"][0]["date"] == FIRST and len(r["days"]) == 9
        # Every response carries a reason; a none says how far it is from the weakest level.
        assert r["reasons"] and len(r["reasons"]) == len(r["reasons_zh"])
        if r["level"] == "none" and r["regime"] == "none" and not r["degraded"]:
            assert r["reasons"][0].endswith("under MEE-2024: no alert")


def test_tomorrow_in_the_episode(client):
    body = client.get("/v1/response", params={"date": SECOND}).json()
    levels = {r["region"]["code"]: r["level"] for r in body["responses"]}
    # The plain south of Beijing is in a heavy episode; Taiyuan, behind the Taihang, is not.
    assert levels["130100"] == "red"
    assert levels["140100"] == "none"
    assert body["summary"]["red"] == sum(1 for v in levels.values() if v == "red") > 0


def test_region_response_shape_and_values(client):
    body = client.get("/v1/regions/130100/response", params={"date": SECOND}).json()
    assert set(body) >= {
        "region",
        "date",
        "level",
        "regime",
        "advisories",
        "aqi_standard",
        "rule_set",
        "days",
        "reasons",
        "forecast",
    }
    assert body["region"] == {"code": "130100", "name": "石家庄市"}
    day = body["days"][0]
    assert set(day) == {"date", "pm25_24h", "o3_mda8", "aqi", "category", "primary_pollutants"}
    assert day["pm25_24h"] > 150 and day["aqi"] > 200 and day["category"] == 5
    assert day["primary_pollutants"] == ["pm25"]
    assert body["regime"] == "pm25" and body["reasons"]


def test_rules_parameter_selects_the_legacy_set(client):
    body = client.get(
        "/v1/regions/130100/response", params={"date": FIRST, "rules": "MEE-2018"}
    ).json()
    assert body["rule_set"] == "MEE-2018"
    bad = client.get("/v1/regions/130100/response", params={"date": FIRST, "rules": "X"})
    assert bad.status_code == 422 and "unknown rule set 'X'" in bad.json()["detail"]


def test_unknown_region_is_404(client):
    response = client.get("/v1/regions/999999/response", params={"date": FIRST})
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_malformed_date_is_422(client):
    response = client.get("/v1/response", params={"date": "2026-13-45"})
    assert response.status_code == 422


def test_uncovered_date_names_the_covered_dates(client):
    response = client.get("/v1/regions/110100/response", params={"date": "2027-01-01"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert FIRST in detail and "2026-12-09" in detail and "2027-01-01" in detail


def test_decisions_are_recorded_and_filtered(client):
    officer = bearer(client, "officer", "130000", "duty officer")
    issued = client.post(
        "/v1/decisions", json={"region": "131000", "date": "2026-12-03"}, headers=officer
    )
    assert issued.status_code == 201, issued.text
    rows = client.get("/v1/decisions", params={"region": "131000", "date": "2026-12-03"}).json()
    assert [r["id"] for r in rows] == [issued.json()[0]["id"]]
    assert rows[0]["region"] == "131000" and rows[0]["date"] == "2026-12-03"
    assert rows[0]["rule_set"] == "MEE-2024" and rows[0]["forecast"]["id"].startswith("LANTIAN")
    assert rows[0]["issued_by"].startswith("duty officer (key ")
    preview = client.get("/v1/regions/131000/response", params={"date": "2026-12-03"}).json()
    assert rows[0]["level"] == preview["level"]


def test_reads_leave_the_store_unchanged(client):
    store = client.app.state.service.store
    before = (store.generation(), len(store.list(limit=10000)))
    for i in range(100):
        day = (DEMO_DATE + dt.timedelta(days=i % 5)).isoformat()
        path = "/v1/response" if i % 10 == 0 else "/v1/regions/130100/response"
        assert client.get(path, params={"date": day}).status_code == 200
    assert (store.generation(), len(store.list(limit=10000))) == before


def test_bad_forecast_fails_at_start_with_the_file_named(tmp_path, demo_dir):
    bad = tmp_path / "broken.nc"
    bad.write_bytes(b"\x89HDF garbage")
    settings = Settings(forecast=bad, regions=str(demo_dir / "regions.geojson"), db=tmp_path / "d")
    with pytest.raises(ForecastError, match="broken.nc"):
        create_app(settings)


def test_api_levels_are_the_engines():
    from typing import get_args

    from api.schemas import Level
    from engine.levels import LEVELS

    assert get_args(Level) == LEVELS


def test_api_models_mirror_the_engine_records():
    """The pydantic models are the API's view of the engine's records: the same fields."""
    import dataclasses

    from api import schemas
    from engine import regional, response

    pairs = [
        (schemas.Response, response.Response),
        (schemas.ForecastIdentity, response.ForecastIdentity),
        (schemas.EpisodeRef, response.EpisodeRef),
    ]
    for model, record in pairs:
        assert list(model.model_fields) == [f.name for f in dataclasses.fields(record)]
    # A day shows every field of the engine's DayValues except the internal above_top flag,
    # which the response states in its reasons instead.
    day_fields = [f.name for f in dataclasses.fields(regional.DayValues)]
    assert list(schemas.DayValues.model_fields) == [f for f in day_fields if f != "above_top"]
    assert list(schemas.RegionBrief.model_fields) == ["code", "name"]


def test_levels_in_the_users_formats_over_http(client, tmp_path):
    """`?format=` gives the files of `lantian levels --format` (CSV with a BOM, GeoJSON, netCDF)."""
    import xarray as xr

    body = client.get("/v1/response", params={"date": SECOND}).json()
    levels = {r["region"]["code"]: r["level"] for r in body["responses"]}

    csv = client.get("/v1/response", params={"date": SECOND, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(levels)

    geo = client.get("/v1/response", params={"date": SECOND, "format": "geojson"}).json()
    assert geo["type"] == "FeatureCollection"
    got = {f["properties"]["code"]: f["properties"]["level"] for f in geo["features"]}
    assert got == levels
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in geo["features"])

    nc = client.get("/v1/regions/130100/response", params={"date": SECOND, "format": "netcdf"})
    path = tmp_path / "one.nc"
    path.write_bytes(nc.content)
    with xr.open_dataset(path) as ds:
        assert ds.sizes["region"] == 1 and str(ds["region"].values[0]) == "130100"

    bad = client.get("/v1/response", params={"date": SECOND, "format": "xlsx"})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)
