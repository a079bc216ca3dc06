"""``GET /v1/health``: is the service up, can it read and write its stores, what does it serve."""

import os
import sqlite3

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.schemas import Health
from api.service import Service

router = APIRouter(tags=["service"])


def _registry(service: Service) -> str:
    """ok, absent, or why the enterprise registry cannot be read (opened read-only)."""
    path = service.settings.registry
    if not path.is_file():
        return "absent"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.Error as error:
        return f"the registry {path.name} is unreadable ({' '.join(str(error).split())})"
    return "ok"


@router.get("/v1/health", response_model=Health, responses={503: {"model": Health}})
def health(service: ServiceDep) -> JSONResponse:
    """Status (`ok`, or `degraded` with 503 when a store cannot be used), the stores, the
    forecast served and the dates it covers."""
    first, last = service.coverage()
    stores = {"decisions": service.store.check(), "registry": _registry(service)}
    ok = stores["decisions"] == "ok" and stores["registry"] in ("ok", "absent")
    body = Health.model_validate(
        {
            "status": "ok" if ok else "degraded",
            "stores": stores,
            "forecast": service.forecast.identity(),
            "first_date": first.isoformat(),
            "last_date": last.isoformat(),
            "regions": len(service.regions),
            "worker": os.getpid(),
        },
        from_attributes=True,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)
