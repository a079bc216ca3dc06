"""The page at /, its assets, the map endpoints and the local API docs, through TestClient on
the demo files (28 cities of 2+26)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from importlib import resources

import pytest
import shapely
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from api.app import create_app
from api.mapdata import display_data, geometry_document
from api.routers import dashboard
from api.settings import Settings
from engine.aqi import categories
from grids import load_regions
from tests.conftest import DEMO_DATE

WEB = resources.files("api.web")


@pytest.fixture(scope="module")
def client(demo_dir, tmp_path_factory):
    settings = Settings(
        forecast=demo_dir / "forecast.nc",
        regions=str(demo_dir / "regions.geojson"),
        db=tmp_path_factory.mktemp("dash") / "decisions.sqlite",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_page_is_served_with_a_policy_that_allows_only_this_origin(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert '<script type="module" src="/web/app.js">' in page.text


def test_every_asset_the_page_names_is_served(client):
    """The HTML's links and the scripts' imports all resolve to files of api/web."""
    wanted = set(re.findall(r'(?:src|href)="(/web/[^"]+)"', client.get("/").text))
    for name in [e.name for e in WEB.iterdir() if e.name.endswith(".js")]:
        source = WEB.joinpath(name).read_text("utf-8")
        wanted |= {f"/web/{m}" for m in re.findall(r'from "\./([^"]+)"', source)}
    assert {"/web/app.js", "/web/style.css", "/web/map.js", "/web/chart.js"} <= wanted
    for path in sorted(wanted):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["etag"]


def test_assets_load_nothing_from_elsewhere():
    """No URL of another origin in the page's own files (the SVG namespace is a name only)."""
    for entry in WEB.iterdir():
        if entry.name.endswith((".html", ".js", ".css")):
            urls = re.findall(r"https?://[^\s\"'`)]+", entry.read_text("utf-8"))
            assert set(urls) <= {"http://www.w3.org/2000/svg"}, entry.name


def test_assets_are_gzipped_and_revalidated(client):
    first = client.get("/web/app.js", headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    again = client.get("/web/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/web/../api/app.py", "/web/__init__.py", "/web/nothing.js", "/web/vendor"]
)
def test_only_files_of_the_page_are_served(client, path):
    assert client.get(path).status_code == 404


def test_routes_of_the_page_shadow_no_api_path(client):
    schema = client.get("/openapi.json").json()
    assert "/v1/regions" in schema["paths"] and "/v1/response" in schema["paths"]
    assert len(client.get("/v1/regions").json()) == 28
    assert client.get("/v1/regions/130100/response", params={"date": "2026-12-02"}).json()[
        "level"
    ] in {"none", "pre_alert", "yellow", "orange", "red"}


def test_map_regions_is_small_gzipped_geojson_with_one_feature_per_region(client, demo_dir):
    # TestClient decodes the gzip body; the header says it was sent compressed
    raw = client.get("/v1/map/regions", headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["content-type"].startswith("application/geo+json")
    body = raw.json()
    codes = [r["code"] for r in client.get("/v1/regions").json()]
    assert sorted(f["properties"]["code"] for f in body["features"]) == sorted(codes)
    regions = load_regions(demo_dir / "regions.geojson")
    for feature in body["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.is_valid
        original = regions.get(feature["properties"]["code"]).geometry
        # simplified, yet within 1 % of the area, and the label point inside the region
        assert abs(shape.area - original.area) <= 0.01 * original.area
        assert original.contains(shapely.Point(feature["properties"]["label"]))
    assert {k["properties"]["code"] for k in body["key_regions"]} >= {"jjj", "2+26"}
    assert len(gzip.compress(json.dumps(body).encode())) < 100_000
    again = client.get("/v1/map/regions", headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304


def test_simplification_keeps_neighbours_sharing_their_border():
    regions = load_regions("builtin:key-regions-2017")
    document = geometry_document(regions)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in document["features"]]
    union = shapely.union_all(shapes)
    # one coverage: no slivers between neighbours, no overlaps
    assert sum(s.area for s in shapes) == pytest.approx(union.area, rel=1e-6)


def test_legend_has_the_colours_of_the_data_and_the_thresholds_of_the_rule_set(client):
    body = client.get("/v1/map/legend", params={"date": "2026-12-02"}).json()
    assert body["rule_set"]["id"] == "MEE-2024"
    assert body["thresholds"] == [200, 300]
    assert [x["id"] for x in body["levels"]] == ["none", "pre_alert", "yellow", "orange", "red"]
    for level in body["levels"]:
        assert level["rgb"] == display_data()["level"][level["id"]]["rgb"]
    assert body["levels"][-1]["name_zh"] == "红色预警"
    assert [c["rgb"] for c in body["categories"]] == [list(c.rgb) for c in categories()]
    older = client.get("/v1/map/legend", params={"date": "2020-12-02"}).json()
    assert older["rule_set"]["id"] == "MEE-2018"
    assert client.get("/v1/map/legend", params={"rules": "NOPE"}).status_code == 422


def test_docs_are_served_from_local_assets(client):
    for path, asset in (
        ("/docs", "/web/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/web/vendor/redoc/redoc.standalone.js"),
    ):
        page = client.get(path)
        assert page.status_code == 200
        assert asset in page.text
        assert "cdn." not in page.text and "fonts.googleapis" not in page.text
        assert client.get(asset).status_code == 200
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_every_vendored_file_is_recorded_with_its_licence():
    record = WEB.joinpath("THIRD_PARTY.md").read_text("utf-8")
    for folder in WEB.joinpath("vendor").iterdir():
        names = {e.name for e in folder.iterdir()}
        assert "LICENSE" in names, folder.name
        for name in names - {"LICENSE", "NOTICE"}:
            if name.endswith(".LICENSE.txt"):
                continue
            data = folder.joinpath(name).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            assert f"{digest}  vendor/{folder.name}/{name}" in record, name


def test_health_covers_the_demo_day(client):
    body = client.get("/v1/health").json()
    assert body["first_date"] == DEMO_DATE.isoformat()


def test_page_and_docs_need_no_key_where_reads_do(client):
    """A deployment that checks keys with an application-wide dependency still serves the
    page, its assets and the docs (plain routes), while the map data needs the key."""

    def reads_need_key(request: Request) -> None:
        if request.headers.get("authorization") != "Bearer k1":
            raise HTTPException(401, "send Bearer <key>", headers={"WWW-Authenticate": "Bearer"})

    app = FastAPI(dependencies=[Depends(reads_need_key)], docs_url=None, redoc_url=None)
    app.state.service = client.app.state.service
    app.include_router(dashboard.router)
    with TestClient(app) as keyed:
        for path in ("/", "/web/app.js", "/docs", "/redoc"):
            assert keyed.get(path).status_code == 200, path
        assert keyed.get("/v1/map/legend").status_code == 401
        assert keyed.get("/v1/map/regions", headers={"Authorization": "Bearer k1"}).is_success
