"""``GET /v1/regions/{code}/ozone-programme``: the peak-shift programme (错峰生产) of a region
over a period — who moves what, when, and how many kilograms (docs/rules.md §4)."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import PlainTextResponse

from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from api.plan_schemas import OzoneProgrammeDocument
from engine.cst import tomorrow_cst
from engine.errors import NotFoundError
from engine.ozone import programme_csv, regional_o3_mda8
from registry import RegistryStore, period_dates, region_programme

router = APIRouter(tags=["ozone"])


@router.get(
    "/v1/regions/{code}/ozone-programme",
    response_model=OzoneProgrammeDocument,
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON programme, or CSV check list"}
    },
)
def ozone_programme_route(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    first: Annotated[
        dt.date | None,
        Query(alias="from", description="First CST day (YYYY-MM-DD); default tomorrow"),
    ] = None,
    last: Annotated[
        dt.date | None,
        Query(alias="to", description="Last CST day (YYYY-MM-DD); default the first day"),
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json: the programme; csv: the on-site check list; default: by Accept"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
    language: Annotated[Literal["en", "zh"], Query(description="Language of reasons")] = "en",
):
    """The region's peak-shift programme from ``from`` to ``to``: the packaged default
    (Lantian's own, status ``local_default``), each VOC line of each firm with its restricted
    window, action, days, kilograms of VOC moved out of the window and removed, equipment,
    reason and source. A programme triggered by the forecast uses the served forecast's
    regional O3 MDA8."""
    fmt = negotiate(format, accept, ("json", "csv"))  # 406 if Accept names neither
    region = service.region_info(code)
    first = first or tomorrow_cst()
    last = last or first
    if not service.settings.registry.is_file():
        raise NotFoundError(
            f"no enterprise registry at {service.settings.registry}; create it with "
            "`lantian registry import` (or `lantian demo-data`)"
        )
    o3 = regional_o3_mda8(service.daily, region["code"], period_dates(first, last))
    document, result = region_programme(
        RegistryStore(service.settings.registry),
        {"code": region["code"], "name": region["name"]},
        first,
        last,
        parents={r.code: r.parent for r in service.regions},
        o3_mda8=o3,
        language=language,
    )
    if fmt == "csv":
        text = programme_csv(result, region["code"], language=language)
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8")
    return document
