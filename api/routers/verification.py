"""``GET /v1/verification``: the levels issued by the service against station observations."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import PlainTextResponse, Response

from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from api.verification import decision_pairs, observation_store
from api.verification_schemas import Verification
from engine.errors import PolicyError
from engine.verify import pair_rows, verification_document

router = APIRouter(tags=["verification"])

MAX_VERIFY_DAYS = 366
"""Longest period verified by one request [days] (rolling scores over a season or a year)."""


@router.get(
    "/v1/verification",
    response_model=Verification,
    response_model_by_alias=True,
    responses={
        200: {
            "content": {"text/csv": {}, "image/png": {}},
            "description": "JSON scores; CSV one row per pair; PNG scores by lead day",
        }
    },
)
def verification(
    service: ServiceDep,
    first: Annotated[dt.date, Query(alias="from", description="first CST date verified")],
    to: Annotated[dt.date, Query(description="last CST date verified")],
    region: Annotated[list[str] | None, Query(description="region code(s); default all")] = None,
    format: Annotated[
        Literal["json", "csv", "png"] | None,
        Query(description="json, csv or png; default: by Accept, json"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
):
    """How often the levels issued were right: per level hits, misses, false alarms, correct
    negatives, POD, FAR, CSI and HSS (an event at L is level ≥ L), by lead day and over rolling
    30 and 90 days; region-days without a valid observation are left out and counted apart.
    Observations come from the store of the setting ``LANTIAN_OBSERVATIONS``."""
    fmt = negotiate(format, accept, ("json", "csv", "png"))  # 406 if Accept names none
    if to < first:
        raise PolicyError(f"to={to} is before from={first}")
    if (to - first).days + 1 > MAX_VERIFY_DAYS:
        raise PolicyError(
            f"from={first} to={to} spans {(to - first).days + 1} days; verify at most "
            f"{MAX_VERIFY_DAYS} days per request"
        )
    observations = observation_store(service.settings.observations)
    for code in region or []:
        service.region_info(code)  # 404 naming an unknown region
    pairs = decision_pairs(
        service.store, observations, first, to, regions=region, pre_alert=service.settings.pre_alert
    )
    names = {r.code: r.name for r in service.regions}
    document = verification_document(pairs, first, to, names)
    if fmt == "png":
        from api.charts import scores_by_lead_png

        return Response(scores_by_lead_png(document), media_type="image/png")
    if fmt == "csv":
        import csv
        import io

        from engine.verify import PAIR_COLUMNS

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PAIR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(pair_rows(pairs, names))
        return PlainTextResponse(buffer.getvalue(), media_type="text/csv; charset=utf-8")
    return document
