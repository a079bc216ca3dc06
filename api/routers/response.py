"""Response levels: one region, or every region, from a date on."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import ServiceDep
from api.schemas import AllResponses, Response
from engine.cst import tomorrow_cst
from engine.response import Response as EngineResponse
from engine.response import summarise

router = APIRouter(tags=["response"])

DateQuery = Annotated[
    dt.date | None,
    Query(description="First CST day the response applies to (YYYY-MM-DD); default tomorrow"),
]
RulesQuery = Annotated[
    str | None, Query(description="Alert rule set id; default: the one in force on the date")
]
ModeQuery = Annotated[
    Literal["natural", "rolling"] | None,
    Query(description="natural CST days, or every 24-h window; default: the service's"),
]


def _default_day(day: dt.date | None) -> dt.date:
    return day if day is not None else tomorrow_cst()


@router.get("/v1/regions/{code}/response", response_model=Response)
def region_response(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    date: DateQuery = None,
    rules: RulesQuery = None,
    mode: ModeQuery = None,
) -> EngineResponse:
    """The response level of one region from `date` on, with its days and reasons."""
    return service.response(code, _default_day(date), rule_set=rules, mode=mode)


@router.get("/v1/response", response_model=AllResponses)
def all_responses(
    service: ServiceDep, date: DateQuery = None, rules: RulesQuery = None, mode: ModeQuery = None
) -> AllResponses:
    """Responses of every region from `date` on, with the number of regions per level."""
    day = _default_day(date)
    responses = service.responses(None, day, rule_set=rules, mode=mode)
    return AllResponses(
        date=day,
        summary=summarise(responses),
        responses=[Response.model_validate(r, from_attributes=True) for r in responses],
    )
