"""Decisions: issued on purpose (``POST``), withdrawn with a reason, listed (``GET``)."""

from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Request, Response

from api.deps import OfficerDep, ServiceDep, check_scope
from api.limits import audit_entry
from api.schemas import MAX_SPAN_DAYS, Code, Decision, DecisionIn, IsoDate, WithdrawIn
from api.service import IssueItem

router = APIRouter(tags=["decisions"])


@router.get("/v1/decisions", response_model=list[Decision])
def list_decisions(
    service: ServiceDep,
    region: Annotated[Code | None, Query(description="Region code")] = None,
    date: Annotated[IsoDate | None, Query(description="Date the response applied to")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[dict]:
    """Decisions issued (withdrawn ones marked), newest first."""
    return service.store.list(region=region, date=date, limit=limit)


@router.post("/v1/decisions", response_model=list[Decision], status_code=201)
def issue_decisions(
    request: Request,
    response: Response,
    service: ServiceDep,
    officer: OfficerDep,
    body: Annotated[
        DecisionIn | Annotated[list[DecisionIn], Body(min_length=1, max_length=1000)],
        Body(description="One decision, or a list of them"),
    ],
    idempotency_key: Annotated[
        str | None,
        Header(
            pattern=r"^[\x21-\x7e]{1,128}$",
            description="Repeat a request safely: the same key gives the decisions it recorded",
        ),
    ] = None,
) -> list[dict]:
    """Issue the level of one or many regions and dates (officers, within their scope).

    The level issued follows the episode in force, from the decisions issued before (not
    withdrawn); an optional `level` overrides it, with a mandatory `reason`. Answers 201 with
    the decisions recorded (200 when an `Idempotency-Key` replays an earlier request).
    """
    items = body if isinstance(body, list) else [body]
    dates = [i.date for i in items]
    if (max(dates) - min(dates)).days + 1 > MAX_SPAN_DAYS:
        raise HTTPException(422, f"the dates of one request span at most {MAX_SPAN_DAYS} days")
    service.check_codes([i.region for i in items])
    for item in items:
        check_scope(officer, item.region, service)

    def audit(ids: list[int], replayed: bool) -> dict:
        # Written in the decisions' transaction: one commit for the decisions and their entry.
        request.state.audit_target = "decisions " + ",".join(map(str, ids))
        if replayed:
            request.state.audit_detail = f"replayed Idempotency-Key {idempotency_key}"
        return audit_entry(request.scope, 200 if replayed else 201)

    decisions, replayed = service.issue(
        [IssueItem(**i.model_dump()) for i in items],
        issued_by=officer.label,
        key_id=officer.id,
        token=idempotency_key,
        audit=audit,
    )
    response.status_code = 200 if replayed else 201
    request.state.audited = response.status_code  # committed: the middleware adds nothing
    return decisions


@router.post("/v1/decisions/{decision_id}/withdraw", response_model=Decision)
def withdraw_decision(
    request: Request,
    service: ServiceDep,
    officer: OfficerDep,
    decision_id: Annotated[int, Path(ge=1, le=2**62)],
    body: WithdrawIn,
) -> dict:
    """Withdraw a decision with a reason: it no longer holds its episode."""
    request.state.audit_target = f"decision {decision_id}"
    stored = service.store.get(decision_id)
    if stored is None:
        raise HTTPException(404, f"no decision {decision_id}")
    check_scope(officer, stored["region"], service)
    withdrawn = service.withdraw(
        decision_id, officer.label, body.reason, audit=lambda _: audit_entry(request.scope, 200)
    )
    request.state.audited = 200  # committed with its entry: the middleware adds nothing
    return withdrawn
