"""Regional alert notices (区域预警提示), their withdrawal, and the episodes of a region."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request

from api.deps import CoordinatorDep, ServiceDep, check_scope
from api.limits import audit_entry
from api.schemas import Code, Episode, IsoDate, NoticeIn, NoticeOut, NoticeWithdrawn, WithdrawIn
from engine.levels import get_rule_set
from engine.linkage import Notice

router = APIRouter(tags=["episodes and linkage"])


@router.post("/v1/regional-notices", response_model=NoticeOut, status_code=201)
def add_notice(
    request: Request, service: ServiceDep, coordinator: CoordinatorDep, notice: NoticeIn
) -> dict:
    """Enter a key region's alert notice: its member cities respond at least at `level`
    (coordinators of that key region)."""
    check_scope(coordinator, notice.key_region, service)
    stored = Notice(
        key_region=notice.key_region,
        level=notice.level,
        start=notice.start,
        end=notice.end,
        reason=notice.reason,
    )

    def audit(notice_id: int) -> dict:
        request.state.audit_target = f"notice {notice_id}"
        return audit_entry(request.scope, 201)

    notice_id = service.add_notice(stored, coordinator.label, audit=audit)
    request.state.audited = 201  # committed with its entry: the middleware adds nothing
    return {"id": notice_id, **notice.model_dump(mode="json")}


@router.post("/v1/regional-notices/{notice_id}/withdraw", response_model=NoticeWithdrawn)
def withdraw_notice(
    request: Request,
    service: ServiceDep,
    coordinator: CoordinatorDep,
    notice_id: Annotated[int, Path(ge=1, le=2**62)],
    body: WithdrawIn,
) -> dict:
    """Withdraw a regional notice with a reason: it no longer raises its member cities."""
    request.state.audit_target = f"notice {notice_id}"
    stored = service.store.notice(notice_id)
    if stored is None:
        raise HTTPException(404, f"no regional notice {notice_id}")
    check_scope(coordinator, stored["key_region"], service)
    withdrawn = service.store.withdraw_notice(
        notice_id, coordinator.label, body.reason, audit=lambda _: audit_entry(request.scope, 200)
    )
    if not withdrawn:
        raise HTTPException(409, f"regional notice {notice_id} is already withdrawn")
    request.state.audited = 200  # committed with its entry: the middleware adds nothing
    row = service.store.notice(notice_id) or {}
    return {
        **{k: row[k] for k in ("id", "key_region", "level", "start", "end", "reason")},
        "withdrawn": {
            "at": row["withdrawn"],
            "by": row["withdrawn_by"],
            "reason": row["withdraw_reason"],
        },
    }


@router.get("/v1/regional-notices", response_model=list[NoticeOut])
def list_notices(
    service: ServiceDep,
    date: Annotated[IsoDate | None, Query(description="Only notices in force on this date")] = None,
) -> list[dict]:
    """Regional alert notices in force (not withdrawn), newest first."""
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
    code: Annotated[Code, Path(description="Region code")],
    rules: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9._-]{1,32}$", description="Only episodes under this rule set"),
    ] = None,
    mode: Annotated[Literal["natural", "rolling"] | None, Query()] = None,
) -> list[dict]:
    """Episodes of a region from the decisions issued and not withdrawn: start, end, level
    history, reasons."""
    service.regions.get(code)
    if rules is not None:
        get_rule_set(rules)  # an unknown id is an error, not an empty list
    return service.store.episodes(code, rules, mode or service.settings.mode)
