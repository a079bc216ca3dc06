"""``GET /v1/decisions``: the responses the service has issued."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServiceDep
from api.schemas import Decision

router = APIRouter(tags=["decisions"])


@router.get("/v1/decisions", response_model=list[Decision])
def list_decisions(
    service: ServiceDep,
    region: Annotated[str | None, Query(description="Region code")] = None,
    date: Annotated[dt.date | None, Query(description="Date the response applied to")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[dict]:
    """Recorded decisions, newest first."""
    return service.store.list(region=region, date=date, limit=limit)
