"""``GET /v1/regions/{code}/plan``: measures per enterprise and line, and their reductions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import PlainTextResponse
from fastapi.responses import Response as HTTPResponse

from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from api.plan_schemas import PlanDocument
from api.schemas import Code, IsoDate, Level
from engine.cst import tomorrow_cst
from engine.levels import get_rule_set
from engine.ozone import o3_alone_level

router = APIRouter(tags=["plans"])


@router.get(
    "/v1/regions/{code}/plan",
    response_model=PlanDocument,
    response_model_exclude_unset=True,  # keys the plan omits stay absent (after_proposals)
    responses={200: {"content": {"text/csv": {}}, "description": "JSON plan, or CSV check list"}},
)
def region_plan_route(
    service: ServiceDep,
    code: Annotated[Code, Path(description="Region code")],
    date: Annotated[
        IsoDate | None, Query(description="CST day (YYYY-MM-DD); default tomorrow")
    ] = None,
    level: Annotated[
        Level | None, Query(description="Response level; default: the region's computed level")
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json: the plan; csv: one row per line; default: by Accept, json"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
) -> HTTPResponse:
    """The plan (一厂一策) of a region: every enterprise's measures line by line, with reasons
    and sources, the reductions [kg/day] against the required ratio of the region's
    whole-society emissions, and shortfall proposals (D first, then C, then B). In the ozone
    regime, when the level O3 alone would give reaches yellow, ``o3_episode`` lists the pilot's
    VOC process measures per line and piece of equipment, apart from the PM measures.

    Computed once per region, day, level and registry file, then served from memory."""
    fmt = negotiate(format, accept, ("json", "csv"))  # 406 if Accept names neither
    region = service.region_info(code)
    day = date or tomorrow_cst()
    regime, o3_level = None, None
    chosen: str
    if level is None:
        response = service.response(code, day)
        chosen, regime = response.level, response.regime
        if regime == "o3":
            rules = get_rule_set(response.rule_set)
            o3_level = o3_alone_level(response.days, rules, pre_alert=service.settings.pre_alert)
    else:
        chosen = level
    plan = service.plans.plan(
        region, day, chosen, parents=service.parents, regime=regime, o3_level=o3_level
    )
    if fmt == "csv":
        return PlainTextResponse(plan.csv, media_type="text/csv; charset=utf-8")
    return HTTPResponse(plan.json, media_type="application/json")
