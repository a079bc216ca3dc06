"""``GET /v1/regions/{code}/plan``: measures per enterprise and line, and their reductions."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import PlainTextResponse

from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from api.plan_schemas import PlanDocument
from api.schemas import Level
from engine.cst import tomorrow_cst
from engine.errors import NotFoundError
from engine.levels import get_rule_set
from engine.measures import plan_csv
from engine.ozone import o3_alone_level
from registry import RegistryStore, region_plan

router = APIRouter(tags=["plans"])


@router.get(
    "/v1/regions/{code}/plan",
    response_model=PlanDocument,
    response_model_exclude_unset=True,  # keys the plan omits stay absent (after_proposals)
    responses={200: {"content": {"text/csv": {}}, "description": "JSON plan, or CSV check list"}},
)
def region_plan_route(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    date: Annotated[
        dt.date | None, Query(description="CST day (YYYY-MM-DD); default tomorrow")
    ] = None,
    level: Annotated[
        Level | None, Query(description="Response level; default: the region's computed level")
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json: the plan; csv: one row per line; default: by Accept, json"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
):
    """The plan (一厂一策) of a region: every enterprise's measures line by line, with reasons
    and sources, the reductions [kg/day] against the required ratio of the region's
    whole-society emissions, and shortfall proposals (D first, then C, then B). In the ozone
    regime, when the level O3 alone would give reaches yellow, ``o3_episode`` lists the pilot's
    VOC process measures per line and piece of equipment, apart from the PM measures."""
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
    if not service.settings.registry.is_file():
        raise NotFoundError(
            f"no enterprise registry at {service.settings.registry}; create it with "
            "`lantian registry import` (or `lantian demo-data`)"
        )
    parents = {r.code: r.parent for r in service.regions}
    document, result = region_plan(
        RegistryStore(service.settings.registry),
        {"code": region["code"], "name": region["name"]},
        day,
        chosen,
        parents=parents,
        catalogue=service.catalogue,
        regime=regime,
        o3_level=o3_level,
    )
    if fmt == "csv":
        return PlainTextResponse(plan_csv(result), media_type="text/csv; charset=utf-8")
    return document
