"""``GET /v1/health``: is the service up, and what does it serve."""

from fastapi import APIRouter

from api.deps import ServiceDep
from api.schemas import Health

router = APIRouter(tags=["service"])


@router.get("/v1/health", response_model=Health)
def health(service: ServiceDep) -> dict:
    """Status, the forecast served and the dates it covers."""
    first, last = service.coverage()
    return {
        "status": "ok",
        "forecast": service.forecast.identity(),
        "first_date": first.isoformat(),
        "last_date": last.isoformat(),
        "regions": len(service.regions),
    }
