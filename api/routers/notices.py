"""Regional alert notices (区域预警提示) and the episodes of a region."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import ServiceDep
from api.schemas import Episode, NoticeIn, NoticeOut
from engine.levels import get_rule_set
from engine.linkage import Notice

router = APIRouter(tags=["episodes and linkage"])


@router.post("/v1/regional-notices", response_model=NoticeOut, status_code=201)
def add_notice(service: ServiceDep, notice: NoticeIn) -> dict:
    """Enter a key region's alert notice: its member cities respond at least at `level`."""
    stored = Notice(
        key_region=notice.key_region,
        level=notice.level,
        start=notice.start,
        end=notice.end,
        reason=notice.reason,
    )
    notice_id = service.add_notice(stored)
    return {"id": notice_id, **notice.model_dump(mode="json")}


@router.get("/v1/regional-notices", response_model=list[NoticeOut])
def list_notices(
    service: ServiceDep,
    date: Annotated[dt.date | None, Query(description="Only notices in force on this date")] = None,
) -> list[dict]:
    """Regional alert notices entered, newest first."""
    return [
        {
            "id": n.id,
            "key_region": n.key_region,
            "level": n.level,
            "start": n.start.isoformat(),
            "end": n.end.isoformat(),
            "reason": n.reason,
        }
        for n in service.store.notices(date)
    ]


@router.get("/v1/regions/{code}/episodes", response_model=list[Episode])
def list_episodes(
    service: ServiceDep,
    code: Annotated[str, Path(description="Region code")],
    rules: Annotated[str | None, Query(description="Only episodes under this rule set")] = None,
    mode: Annotated[Literal["natural", "rolling"] | None, Query()] = None,
) -> list[dict]:
    """Episodes of a region from the decisions issued: start, end, level history, reasons."""
    service.regions.get(code)
    if rules is not None:
        get_rule_set(rules)  # an unknown id is an error, not an empty list
    return service.store.episodes(code, rules, mode or service.settings.mode)
