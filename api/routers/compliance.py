"""``GET /v1/regions/{code}/compliance``: the measures in force against electricity use."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import PlainTextResponse

from api.compliance import region_compliance
from api.compliance_schemas import ComplianceDocument
from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from engine.compliance import COMPLIANCE_COLUMNS, compliance_rows, compliance_rules
from engine.cst import today_cst

router = APIRouter(tags=["compliance"])


@router.get(
    "/v1/regions/{code}/compliance",
    response_model=ComplianceDocument,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or the CSV list"}},
)
def region_compliance_route(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    date: Annotated[dt.date | None, Query(description="CST day (YYYY-MM-DD); default today")] = (
        None
    ),
    stop_share: Annotated[
        float | None, Query(ge=0, le=1, description="flag a stopped line above this share")
    ] = None,
    unmetered: Annotated[
        bool, Query(description="also list lines under a measure that no meter covers")
    ] = False,
    language: Annotated[Literal["en", "zh"], Query()] = "en",
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json, or csv: the list for inspectors; default: by Accept, json"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
):
    """Whether the firms under the measures of the level issued for the day kept to them: each
    line's electricity use over the day against its own baseline (same weekday and hour,
    outside alerts). Flags carry their evidence (hours, kWh, baseline, rule). Electricity use
    comes from the store of the setting ``LANTIAN_OBSERVATIONS``."""
    fmt = negotiate(format, accept, ("json", "csv"))  # 406 if Accept names neither
    region = service.region_info(code)
    result = region_compliance(
        code=code,
        name=region["name"],
        day=date or today_cst(),
        decisions=service.store,
        registry=service.settings.registry,
        observations=service.settings.observations,
        rules=compliance_rules(stop_share=stop_share),
        parents={r.code: r.parent for r in service.regions},
        catalogue=service.catalogue,
        language=language,
        unmetered=unmetered,
    )
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COMPLIANCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(compliance_rows(result.document))
        return PlainTextResponse(buffer.getvalue(), media_type="text/csv; charset=utf-8")
    return result.document
