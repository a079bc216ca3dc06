"""Response levels: one region, or every region, from a date on (reads: nothing is recorded).

The routes are coroutines: a JSON body cached for the store's current state is sent from the
event loop (no worker-thread hop, the service's hot path); anything to compute or render runs
in a worker thread.
"""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response as HTTPResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServiceDep
from api.formats import FORMAT_RESPONSES, negotiate, region_geometries, render_levels
from api.schemas import AllResponses, Code, IsoDate, Response
from engine.cst import tomorrow_cst

router = APIRouter(tags=["response"])

DateQuery = Annotated[
    IsoDate | None,
    Query(description="First CST day the response applies to (YYYY-MM-DD); default tomorrow"),
]
RulesQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9._-]{1,32}$",
        description="Alert rule set id; default: the one in force on the date",
    ),
]
ModeQuery = Annotated[
    Literal["natural", "rolling"] | None,
    Query(description="natural CST days, or every 24-h window; default: the service's"),
]


def _default_day(day: dt.date | None) -> dt.date:
    return day if day is not None else tomorrow_cst()


FormatQuery = Annotated[
    Literal["json", "csv", "geojson", "netcdf", "parquet"] | None,
    Query(
        description="json, csv (UTF-8 with a BOM), geojson (region polygons with the level), "
        "netcdf (CF, regional daily values on (region, date)) or parquet; wins over Accept; "
        "default: from the Accept header, else json",
    ),
]
AcceptHeader = Annotated[
    str | None,
    Header(
        description="application/json, text/csv, application/geo+json, application/x-netcdf "
        "or application/vnd.apache.parquet, with q-values; absent or */*: JSON; none served: 406"
    ),
]


_VARY = {"Vary": "Accept"}  # the format may follow the Accept header: caches must key on it


def _json(body: bytes) -> HTTPResponse:
    return HTTPResponse(content=body, media_type="application/json", headers=_VARY)


def _rendered(service: ServiceDep, responses: list, fmt: str, name: str) -> HTTPResponse:
    """The responses as a file in ``fmt`` (the serialisers of ``lantian levels --format``)."""
    records = [
        Response.model_validate(r, from_attributes=True).model_dump(mode="json") for r in responses
    ]
    geometries = region_geometries(service.regions) if fmt == "geojson" else None
    rendered = render_levels(records, fmt, geometries=geometries)
    disposition = f'attachment; filename="{name}{rendered.suffix}"'
    return HTTPResponse(
        content=rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": disposition, **_VARY},
    )


@router.get("/v1/regions/{code}/response", response_model=Response, responses=FORMAT_RESPONSES)
async def region_response(
    service: ServiceDep,
    code: Annotated[Code, Path(description="Region code")],
    date: DateQuery = None,
    rules: RulesQuery = None,
    mode: ModeQuery = None,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> HTTPResponse:
    """The response level of one region from `date` on, with its days and reasons.

    A preview: nothing is recorded. Issue the level with `POST /v1/decisions`.
    """
    day = _default_day(date)
    fmt = negotiate(format, accept)  # 406 if Accept names nothing we serve
    if fmt != "json":
        response = await run_in_threadpool(service.response, code, day, rule_set=rules, mode=mode)
        return await run_in_threadpool(_rendered, service, [response], fmt, f"lantian-{code}-{day}")
    body = service.cached_json(code, day, rule_set=rules, mode=mode)
    if body is None:  # not computed for this state yet: in a worker thread, off the event loop
        body = await run_in_threadpool(service.response_json, code, day, rule_set=rules, mode=mode)
    return _json(body)


@router.get("/v1/response", response_model=AllResponses, responses=FORMAT_RESPONSES)
async def all_responses(
    service: ServiceDep,
    date: DateQuery = None,
    rules: RulesQuery = None,
    mode: ModeQuery = None,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> HTTPResponse:
    """Responses of every region from `date` on, with the number of regions per level."""
    day = _default_day(date)
    fmt = negotiate(format, accept)  # 406 if Accept names nothing we serve
    if fmt != "json":
        responses = await run_in_threadpool(service.responses, None, day, rule_set=rules, mode=mode)
        return await run_in_threadpool(_rendered, service, responses, fmt, f"lantian-{day}")
    body = service.cached_json(None, day, rule_set=rules, mode=mode)
    if body is None:
        body = await run_in_threadpool(service.all_json, day, rule_set=rules, mode=mode)
    return _json(body)
