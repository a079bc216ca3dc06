"""The format of ``GET /v1/response`` and ``/v1/regions/{code}/response`` by the ``Accept``
header: each media type, q-values, wildcards, ``?format=`` winning, 406 with ``{"detail"}``."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow.parquet as pq
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from api.app import create_app
from api.formats import FORMAT_MEDIA, NotAcceptable, negotiate
from api.settings import Settings
from tests.conftest import DEMO_DATE

SECOND = (DEMO_DATE + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/json", "json"),
        ("text/csv", "csv"),
        ("application/csv", "csv"),
        ("application/geo+json", "geojson"),
        ("application/x-netcdf", "netcdf"),
        ("application/netcdf", "netcdf"),
        ("application/vnd.apache.parquet", "parquet"),
        ("text/*", "csv"),
        ("Text/CSV; charset=utf-8", "csv"),
        ("text/csv;q=0.5, application/geo+json;q=0.9", "geojson"),
        ("text/csv, */*;q=0.1", "csv"),
        ("text/csv, application/json", "json"),  # equal quality, both named: JSON first
        ("text/csv, */*", "csv"),  # named outright beats the wildcard at equal quality
        ("application/json;q=0, */*", "csv"),  # JSON refused, the wildcard takes the next
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "json"),  # browser
        ("text/csv;q=abc, application/geo+json", "geojson"),  # malformed q: range ignored
    ],
)
def test_negotiate_picks_by_quality_then_specificity_then_our_order(accept, expected):
    assert negotiate(None, accept) == expected


def test_format_query_wins_over_accept():
    assert negotiate("parquet", "text/csv") == "parquet"
    assert negotiate("csv", "image/png") == "csv"


@pytest.mark.parametrize("accept", ["image/png", "text/html", "*/*;q=0", "application/json;q=0"])
def test_nothing_acceptable_is_refused_naming_what_is_served(accept):
    with pytest.raises(NotAcceptable, match="application/json, text/csv"):
        negotiate(None, accept, formats=("json", "csv"))


@pytest.fixture(scope="module")
def client(demo_dir, tmp_path_factory):
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        registry=demo_dir / "registry.sqlite",
        db=tmp_path_factory.mktemp("db") / "decisions.sqlite",
        rate_limit=0,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _get(client, accept, **params):
    return client.get("/v1/response", params={"date": SECOND, **params}, headers={"Accept": accept})


def test_each_media_type_gets_its_format_over_http(client, tmp_path):
    body = client.get("/v1/response", params={"date": SECOND}).json()
    levels = {r["region"]["code"]: r["level"] for r in body["responses"]}

    as_json = _get(client, "application/json")
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == body and as_json.headers["vary"] == "Accept"

    csv = _get(client, "text/csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.headers["vary"] == "Accept"
    assert len(csv.content.decode("utf-8-sig").splitlines()) == 1 + len(levels)

    geo = _get(client, "application/geo+json")
    assert geo.headers["content-type"].startswith(FORMAT_MEDIA["geojson"])
    assert {f["properties"]["code"]: f["properties"]["level"] for f in geo.json()["features"]} == (
        levels
    )

    nc = _get(client, "application/x-netcdf")
    assert nc.headers["content-type"] == FORMAT_MEDIA["netcdf"]
    path = tmp_path / "all.nc"
    path.write_bytes(nc.content)
    with xr.open_dataset(path) as ds:
        assert sorted(str(c) for c in ds["region"].values) == sorted(levels)

    parquet = _get(client, "application/vnd.apache.parquet")
    assert parquet.headers["content-type"] == FORMAT_MEDIA["parquet"]
    table = pq.read_table(io.BytesIO(parquet.content))
    assert set(table.column("code").to_pylist()) == set(levels)


def test_q_values_and_the_one_region_route(client):
    one = client.get(
        "/v1/regions/130100/response",
        params={"date": SECOND},
        headers={"Accept": "application/json;q=0.2, application/geo+json;q=0.7, text/csv;q=0.5"},
    )
    assert one.status_code == 200 and one.headers["content-type"].startswith("application/geo")
    assert [f["properties"]["code"] for f in one.json()["features"]] == ["130100"]


def test_format_query_wins_and_star_gives_json(client):
    won = _get(client, "application/geo+json", format="csv")
    assert won.headers["content-type"].startswith("text/csv")
    assert _get(client, "*/*").headers["content-type"] == "application/json"


def test_an_unsupported_accept_is_406_with_a_detail(client):
    refused = _get(client, "image/png")
    assert refused.status_code == 406
    body = refused.json()
    assert body["error"] == "NotAcceptable" and "image/png" in body["detail"]
    assert "text/csv" in body["detail"] and "?format=" in body["detail"]


def test_openapi_lists_the_media_types_and_the_406(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/response", "/v1/regions/{code}/response"):
        op = spec["paths"][path]["get"]
        levels = {FORMAT_MEDIA[f] for f in ("json", "csv", "geojson", "netcdf", "parquet")}
        assert set(op["responses"]["200"]["content"]) == levels
        assert "406" in op["responses"]
        assert "accept" in {p["name"].lower() for p in op["parameters"]}


def test_the_other_routes_with_a_format_follow_accept_too(client):
    plan = "/v1/regions/130100/plan"
    as_csv = client.get(plan, params={"date": SECOND}, headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].count(",") > 3  # a header row of the check list
    as_json = client.get(plan, params={"date": SECOND}, headers={"Accept": "*/*"})
    assert as_json.headers["content-type"] == "application/json" and "region" in as_json.json()
    refused = client.get(plan, params={"date": SECOND}, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "application/json, text/csv" in refused.json()["detail"]

    notice = "/v1/regions/130100/notice"
    html = client.get(notice, params={"date": SECOND}, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "<" in html.text
    text = client.get(notice, params={"date": SECOND}, headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain") and "<html" not in text.text
    won = client.get(
        notice, params={"date": SECOND, "format": "json"}, headers={"Accept": "text/html"}
    )
    assert won.headers["content-type"] == "application/json"
