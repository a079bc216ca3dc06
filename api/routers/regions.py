"""``GET /v1/regions``: the region set served."""

from fastapi import APIRouter

from api.deps import ServiceDep
from api.schemas import RegionInfo

router = APIRouter(tags=["regions"])


@router.get("/v1/regions", response_model=list[RegionInfo])
def list_regions(service: ServiceDep) -> list[dict]:
    """Every region of the served set: code, name, kind and parent."""
    return [service.region_info(code) for code in service.regions.codes]
