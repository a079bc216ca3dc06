"""The web page at ``/``, its assets, the map data it reads, and the API docs from local assets.

* ``GET /`` — the dashboard (``api/web/index.html``); ``GET /web/{path}`` — its scripts,
  styles and the vendored docs assets (``api/web/THIRD_PARTY.md``), nothing from the internet;
* ``GET /v1/map/regions`` — simplified region shapes and key-region outlines (GeoJSON, gzip);
* ``GET /v1/map/legend`` — level and AQI category colours and names, the chart's thresholds;
* ``GET /docs``, ``GET /redoc`` — Swagger UI and ReDoc served from ``/web/vendor/``.

Only ``/``, ``/web/…``, ``/docs…``, ``/redoc`` and ``/v1/map/…`` are defined here, so nothing
shadows another router's ``/v1/...`` path. The page, its assets and the docs pages are plain
Starlette routes (``router.add_route``): dependencies installed on the whole application (an
API-key check for reads) do not apply to them, so a deployment that requires keys still serves
the page, which then asks for a key (as ``/openapi.json`` is served). The map endpoints are
ordinary API routes and need a key wherever reads do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gzip
import hashlib
import mimetypes
from collections.abc import AsyncIterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ServiceDep
from api.mapdata import geometry_payload, legend
from engine.cst import tomorrow_cst
from engine.errors import NotFoundError


@contextlib.asynccontextmanager
async def _simplify_at_start(app: FastAPI) -> AsyncIterator[None]:
    """Simplify and gzip the served regions while the service starts (about 1 s for 370
    regions), so that no page load waits for it."""
    service = getattr(app.state, "service", None)
    if service is not None:
        await run_in_threadpool(geometry_payload, service.regions)
    yield


router = APIRouter(lifespan=_simplify_at_start)

# The page loads nothing from elsewhere: the browser refuses any other origin.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
# The docs pages of FastAPI start their viewers with an inline script; ReDoc runs a worker.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'"
)
_TEXT_TYPES = (".html", ".js", ".css", ".md", ".txt", ".json", ".svg")


@dataclasses.dataclass(frozen=True)
class _Asset:
    raw: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _walk(folder: Traversable, prefix: str = "") -> dict[str, Traversable]:
    out: dict[str, Traversable] = {}
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                out |= _walk(entry, f"{name}/")
        elif not entry.name.endswith((".py", ".pyc")):
            out[name] = entry
    return out


@functools.cache
def _assets() -> dict[str, Traversable]:
    """Every file of ``api/web`` by its path there (no Python files): the only ones served."""
    return _walk(resources.files("api.web"))


@functools.cache
def _asset(path: str) -> _Asset:
    files = _assets()
    if path not in files:
        raise NotFoundError(f"no web asset {path!r}; the page's files are under /web/")
    raw = files[path].read_bytes()
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    text = path.endswith(_TEXT_TYPES)
    if text:
        media_type += "; charset=utf-8"
    return _Asset(
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=6, mtime=0) if text else None,
        media_type=media_type,
        etag='"' + hashlib.sha256(raw).hexdigest()[:20] + '"',
    )


def _send(
    request: Request,
    raw: bytes,
    gzipped: bytes | None,
    media_type: str,
    etag: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Bytes with an entity tag (304 when the client has them) and gzip when accepted."""
    common = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    common |= headers or {}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=common)
    if gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        common["Content-Encoding"] = "gzip"
        return Response(gzipped, media_type=media_type, headers=common)
    return Response(raw, media_type=media_type, headers=common)


def _page(request: Request, path: str, policy: str) -> Response:
    asset = _asset(path)
    headers = {"Content-Security-Policy": policy}
    return _send(request, asset.raw, asset.gzipped, asset.media_type, asset.etag, headers)


def dashboard(request: Request) -> Response:
    """The dashboard: a map of levels, a region's chart, reasons, episodes and plan."""
    return _page(request, "index.html", PAGE_POLICY)


def web_asset(request: Request) -> Response:
    """A file of ``api/web`` (scripts, styles, vendored docs assets and their licences)."""
    try:
        return _page(request, request.path_params["path"], PAGE_POLICY)
    except NotFoundError as error:  # 404 naming the file, whatever handlers the app has
        return JSONResponse({"detail": str(error)}, status_code=404)


router.add_route("/", dashboard, methods=["GET", "HEAD"], include_in_schema=False)
router.add_route("/web/{path:path}", web_asset, methods=["GET", "HEAD"], include_in_schema=False)


class LevelStyle(BaseModel):
    id: str = Field(description="none | pre_alert | yellow | orange | red")
    name_en: str
    name_zh: str
    rgb: list[int] = Field(description="Display colour, engine/data/display.toml")


class CategoryStyle(BaseModel):
    level: int = Field(description="AQI category 1 … 6 (HJ 633)")
    roman: str
    name_zh: str
    name_en: str
    rgb: list[int]
    lower: int = Field(description="Lowest AQI of the category")
    upper: int = Field(description="Highest AQI of the category")


class RuleSetRef(BaseModel):
    id: str
    title: str


class Legend(BaseModel):
    date: dt.date
    tomorrow: dt.date = Field(description="Tomorrow in China Standard Time (the page's default)")
    rule_set: RuleSetRef = Field(description="Rule set in force on the date (or the one asked)")
    levels: list[LevelStyle]
    missing_rgb: list[int] = Field(description="Colour of a region without a response")
    categories: list[CategoryStyle]
    thresholds: list[int] = Field(description="AQI values of the red level's conditions")
    source: str


@router.get("/v1/map/legend", response_model=Legend, tags=["map"])
def map_legend(
    date: Annotated[dt.date | None, Query(description="CST day; default tomorrow")] = None,
    rules: Annotated[str | None, Query(description="Rule set id; default: in force")] = None,
) -> dict[str, Any]:
    """How to draw levels and AQI categories, and the AQI thresholds of the chart."""
    tomorrow = tomorrow_cst()
    return legend(date or tomorrow, rules) | {"tomorrow": tomorrow}


class MapRegions(BaseModel):
    """GeoJSON FeatureCollection of the served regions, simplified for a map."""

    type: str = Field(description="FeatureCollection")
    bbox: list[float] = Field(description="lon0, lat0, lon1, lat1 [°]")
    tolerance: float = Field(description="Simplification tolerance [°]")
    source: str = Field(description="Region set served")
    features: list[dict[str, Any]] = Field(
        description="One Feature per region, largest first: properties code, name, kind, "
        "parent, label [lon, lat]; Polygon or MultiPolygon [°]"
    )
    key_regions: list[dict[str, Any]] = Field(
        description="Outline of each key region over its members in the set: properties code, "
        "name, name_en, effective_from, effective_to, members"
    )


@router.get(
    "/v1/map/regions",
    tags=["map"],
    response_class=Response,
    responses={
        200: {
            "model": MapRegions,
            "content": {"application/geo+json": {}},
            "description": "Simplified shapes (gzip when accepted; ETag)",
        }
    },
)
def map_regions(request: Request, service: ServiceDep) -> Response:
    """Simplified shapes of the served regions and the key-region outlines, as GeoJSON."""
    payload = geometry_payload(service.regions)
    return _send(request, payload.raw, payload.gzipped, "application/geo+json", payload.etag, None)


def swagger_ui(request: Request) -> Response:
    """Swagger UI from the vendored swagger-ui-dist (no CDN)."""
    app = request.app
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} — Swagger UI",
        swagger_js_url="/web/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/web/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="data:,",
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


def swagger_ui_redirect(request: Request) -> Response:
    return get_swagger_ui_oauth2_redirect_html()


def redoc(request: Request) -> Response:
    """ReDoc from the vendored redoc bundle (no CDN, no web fonts)."""
    app = request.app
    page = get_redoc_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} — ReDoc",
        redoc_js_url="/web/vendor/redoc/redoc.standalone.js",
        redoc_favicon_url="data:,",
        with_google_fonts=False,
    )
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


router.add_route("/docs", swagger_ui, methods=["GET", "HEAD"], include_in_schema=False)
router.add_route("/docs/oauth2-redirect", swagger_ui_redirect, include_in_schema=False)
router.add_route("/redoc", redoc, methods=["GET", "HEAD"], include_in_schema=False)
