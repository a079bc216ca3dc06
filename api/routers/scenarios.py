"""``/v1/scenarios``: emission scenarios as jobs run by worker processes (docs/chemistry.md).

``POST /v1/scenarios`` checks the request, records a queued job and hands it to the worker
pool; it answers 202 at once with the job's status. ``GET /v1/scenarios/{id}`` gives status and
progress; ``GET /v1/scenarios/{id}/result`` the regions' JSON once done (409 before, with the
job's state), ``GET /v1/scenarios/{id}/result.nc`` the netCDF file.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.deps import require
from api.jobs import JobStatus, JobStore, RegionScenarioOut, ScenarioRequest, jobs_for, submit
from api.scenario_programme import DEFAULT_PROGRAMME
from api.settings import Settings
from engine.errors import PolicyError

router = APIRouter(tags=["scenarios"])


class ScenarioIn(BaseModel):
    """A scenario to queue. Paths are files on the server; forecast and regions default to
    the ones the service serves."""

    emissions: str = Field(description="base emissions netCDF: voc, nox [kg h-1 per cell]")
    change: str | None = Field(None, description="change netCDF: scenario minus base")
    programme: str | None = Field(
        None, description="peak-shift programme TOML over the packaged default, or 'default'"
    )
    db: str | None = Field(None, description="registry SQLite for a programme")
    forecast: str | None = Field(None, description="forecast netCDF (default: the served one)")
    regions: str | None = Field(None, description="GeoJSON or builtin:NAME (default: served)")
    members: int = Field(20, ge=1, le=200, description="ensemble members")
    seed: int | None = None
    population: str | None = Field(None, description="population netCDF on the grid")


def _store(request: Request) -> JobStore:
    settings: Settings = request.app.state.settings
    return jobs_for(settings.db)


@router.post(
    "/v1/scenarios",
    response_model=JobStatus,
    status_code=202,
    dependencies=[Depends(require("officer", "coordinator"))],
)
def create_scenario(body: ScenarioIn, request: Request, response: Response) -> JobStatus:
    """Queue a scenario; the work runs in a worker process, never in this request.

    Needs an officer's or coordinator's key (a job costs minutes of CPU). Input files must lie
    in the service's data folders (beside the served forecast or the decision store): a request
    never makes the server read an arbitrary path.
    """
    settings: Settings = request.app.state.settings
    spec = ScenarioRequest(
        forecast=body.forecast or str(settings.forecast),
        emissions=body.emissions,
        change=body.change,
        programme=body.programme,
        db=body.db,
        regions=body.regions or settings.regions,
        members=body.members,
        seed=body.seed,
        population=body.population,
    )
    if spec.programme and spec.change:
        raise PolicyError("give either 'change' or 'programme' (with 'db'), not both")
    if spec.programme and not spec.db:
        raise PolicyError("'programme' needs 'db' (the registry of the programme's firms)")
    if not spec.change and not spec.programme:
        raise PolicyError(
            "a scenario needs 'change' (an emission change netCDF) or 'programme' and 'db'"
        )
    roots = {Path(settings.forecast).resolve().parent, Path(settings.db).resolve().parent}
    named = {n: getattr(spec, n) for n in ("forecast", "emissions", "change", "population", "db")}
    if spec.programme and spec.programme != DEFAULT_PROGRAMME:
        named["programme"] = spec.programme
    if not str(spec.regions).startswith("builtin:"):
        named["regions"] = str(spec.regions)
    for name, path in named.items():
        if not path:
            continue
        resolved = Path(path).resolve()
        if not any(resolved.is_relative_to(root) for root in roots):
            raise PolicyError(
                f"{name}: only files in the service's data folders (beside the served forecast "
                "or the decision store) can be used; copy the file there"
            )
        if not resolved.is_file():
            raise PolicyError(f"{name} file {Path(path).name} does not exist on the server")
    store = _store(request)
    job = submit(store, spec)
    response.headers["Location"] = f"/v1/scenarios/{job}"
    return store.get(job)


@router.get("/v1/scenarios/{job}", response_model=JobStatus)
def scenario_status(job: str, request: Request) -> JobStatus:
    """Status and progress of a scenario job (404 if unknown)."""
    return _store(request).get(job)


def _finished(store: JobStore, job: str) -> tuple[Path, Path]:
    status = store.get(job)
    if status.status != "done":
        detail = f"scenario {job} is {status.status}" + (
            f": {status.error}" if status.error else f" ({100 * status.progress:.0f} %)"
        )
        raise HTTPException(status_code=409, detail=detail)
    return store.result_paths(job)


@router.get("/v1/scenarios/{job}/result", response_model=list[RegionScenarioOut])
def scenario_result(job: str, request: Request) -> Response:
    """Per region: MDA8 before and after, ΔMDA8 percentiles, exceedances, VOC moved, regime."""
    json_path, _ = _finished(_store(request), job)
    return Response(content=json_path.read_bytes(), media_type="application/json")


@router.get(
    "/v1/scenarios/{job}/result.nc",
    response_class=FileResponse,
    responses={200: {"content": {"application/x-netcdf": {}}, "description": "netCDF file"}},
)
def scenario_netcdf(job: str, request: Request) -> FileResponse:
    """The result netCDF: ``delta_o3 (time, …)``, ``delta_mda8 (date, …)`` [µg m-3]."""
    _, nc_path = _finished(_store(request), job)
    return FileResponse(nc_path, media_type="application/x-netcdf", filename=f"scenario-{job}.nc")
