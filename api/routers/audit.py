"""``GET /v1/audit``: every write, who did it, when, from where and with what outcome (admins)."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminDep, ServiceDep
from api.schemas import AuditEntry

router = APIRouter(tags=["service"])


@router.get("/v1/audit", response_model=list[AuditEntry])
def audit(
    service: ServiceDep,
    admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="Only entries below this id")
    ] = None,
) -> list[dict]:
    """Audit entries, newest first: decisions, notices and keys (HTTP and CLI)."""
    return service.store.audit_log(limit=limit, before=before)
