"""``GET /v1/regions/{code}/notice``: the alert notice (预警信息) of a region, in Chinese."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.formats import ACCEPT_HELP, negotiate
from api.notice_writer import write_notice
from engine.cst import tomorrow_cst
from registry import RegistryStore, region_plan

router = APIRouter(tags=["notice"])


class NoticeFieldOut(BaseModel):
    key: str = Field(description="issuer | issued_at | level | start | duration | reasons | …")
    label: str = Field(description="The field's heading in the notice")
    value: str | list[str] | None = Field(
        description="null: no source for it in Lantian's data (written visibly empty)"
    )
    source: str = Field(description="Where the value comes from")


class NoticeDocument(BaseModel):
    region: dict[str, str] = Field(description="code and name")
    date: dt.date = Field(description="First CST day the response applies to")
    level: str
    title: str
    lead: str = Field(description="The opening paragraph")
    fields: list[NoticeFieldOut]
    template: str = Field(description="Template id (engine/data/notice_template.toml)")
    text: str = Field(description="The notice as plain text")
    html: str = Field(description="The notice as an HTML document")


@router.get(
    "/v1/regions/{code}/notice",
    response_model=NoticeDocument,
    responses={
        200: {
            "content": {"text/plain": {}, "text/html": {}},
            "description": "JSON, or the notice as plain text or HTML (format=)",
        }
    },
)
def region_notice(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    date: Annotated[
        dt.date | None, Query(description="First CST day (YYYY-MM-DD); default tomorrow")
    ] = None,
    rules: Annotated[str | None, Query(description="Alert rule set id; default in force")] = None,
    mode: Annotated[Literal["natural", "rolling"] | None, Query()] = None,
    format: Annotated[
        Literal["json", "text", "html"] | None,
        Query(description="json, text or html; default: by Accept, json"),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_HELP)] = None,
):
    """The alert notice of a region, filled from its response (level, start, expected
    duration, reasons), its plan (measures in force; empty without a registry) and the health
    advice of HJ 633 for the highest AQI category forecast; fields without a source are
    written visibly empty."""
    fmt = negotiate(format, accept, ("json", "text", "html"))  # 406 if Accept names none
    response = service.response(code, date or tomorrow_cst(), rule_set=rules, mode=mode)
    plan = None
    if response.level != "none" and service.settings.registry.is_file():
        plan, _ = region_plan(
            RegistryStore(service.settings.registry),
            {"code": response.region.code, "name": response.region.name},
            response.date,
            response.level,
            parents={r.code: r.parent for r in service.regions},
            catalogue=service.catalogue,
            regime=response.regime,
        )
    notice = write_notice(response, plan)
    if fmt == "text":
        return PlainTextResponse(notice.text)
    if fmt == "html":
        return HTMLResponse(notice.html)
    return {
        "region": {"code": notice.region_code, "name": notice.region_name},
        "date": notice.date,
        "level": notice.level,
        "title": notice.title,
        "lead": notice.lead,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "value": list(f.value) if isinstance(f.value, tuple) else f.value,
                "source": f.source,
            }
            for f in notice.fields
        ],
        "template": notice.template,
        "text": notice.text,
        "html": notice.html,
    }
