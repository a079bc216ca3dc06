"""Scenario jobs: the pipeline from files to results, kept in SQLite, run in worker processes.

One pipeline (:func:`execute`) serves ``lantian scenario run`` (in the process, with a progress
bar) and ``POST /v1/scenarios`` (in a worker process of a pool, never in the request). Jobs
live in their own SQLite file beside the decision store (``scenarios.sqlite``), their results
in ``scenarios/<id>.json`` and ``scenarios/<id>.nc`` next to it. A job that was queued or
running when the service stopped shows as failed after a restart ("interrupted"), never lost.
The JSON of a region is exactly the contract of issue 12 (``RegionScenarioOut``).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import multiprocessing
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.errors import LantianError, NotFoundError, PolicyError

__all__ = [
    "JobStatus",
    "JobStore",
    "RegionScenarioOut",
    "ScenarioRequest",
    "execute",
    "jobs_for",
    "records",
    "submit",
]

STATES = ("queued", "running", "done", "failed")
Progress = Callable[[float, str], None]


class ScenarioRequest(BaseModel):
    """A scenario to run: files on the server, as ``lantian scenario run`` takes them."""

    forecast: str = Field(description="forecast netCDF (O3 and optional weather)")
    emissions: str = Field(description="base emissions netCDF: voc, nox [kg h-1 per cell]")
    change: str | None = Field(None, description="change netCDF: scenario minus base")
    programme: str | None = Field(
        None, description="peak-shift programme TOML over the packaged default, or 'default'"
    )
    db: str | None = Field(None, description="registry SQLite of the programme's firms")
    regions: str = Field("builtin:key-regions", description="GeoJSON or builtin:NAME")
    members: int = Field(20, ge=1, le=200, description="ensemble members")
    seed: int | None = Field(None, description="seed of the perturbations")
    population: str | None = Field(None, description="population netCDF on the grid")


class RegionRef(BaseModel):
    code: str
    name: str


class DeltaMDA8(BaseModel):
    p10: float
    p50: float
    p90: float


class ScenarioDay(BaseModel):
    date: dt.date
    mda8_base: float = Field(description="[µg m-3]")
    mda8_scenario: float = Field(description="[µg m-3], central member")
    delta_mda8: DeltaMDA8 = Field(description="members' ΔMDA8 percentiles [µg m-3]")
    o3_iaqi_base: int
    o3_iaqi_scenario: int


class Exceedance(BaseModel):
    base: int
    scenario: int


class RegionScenarioOut(BaseModel):
    """One region's answer (issue 12, item 6)."""

    region: RegionRef
    regime: Literal["voc_limited", "nox_limited", "transitional"] | None
    defaulted: list[str]
    members: int
    days: list[ScenarioDay]
    exceedance_days: Exceedance
    voc_moved_kg: float
    population_affected: int | None


class JobStatus(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(description="share done, 0-1")
    stage: str
    created: str
    started: str | None
    finished: str | None
    error: str | None
    request: ScenarioRequest


def records(summaries: list[Any]) -> list[dict[str, Any]]:
    """``engine.photochem.RegionScenario`` records as the JSON contract."""
    out = []
    for s in summaries:
        model = RegionScenarioOut(
            region=RegionRef(code=s.code, name=s.name),
            regime=s.regime,
            defaulted=list(s.defaulted),
            members=s.members,
            days=[
                ScenarioDay(
                    date=d.date,
                    mda8_base=d.mda8_base,
                    mda8_scenario=d.mda8_scenario,
                    delta_mda8=DeltaMDA8(p10=d.delta_p10, p50=d.delta_p50, p90=d.delta_p90),
                    o3_iaqi_base=d.o3_iaqi_base,
                    o3_iaqi_scenario=d.o3_iaqi_scenario,
                )
                for d in s.days
            ],
            exceedance_days=Exceedance(base=s.exceedance_base, scenario=s.exceedance_scenario),
            voc_moved_kg=s.voc_moved_kg,
            population_affected=s.population_affected,
        )
        out.append(model.model_dump(mode="json"))
    return out


def execute(
    request: ScenarioRequest,
    out: Path,
    *,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    isopleth: str | None = None,
    tile: tuple[int, int] | None = None,
) -> tuple[list[dict[str, Any]], Any]:
    """Run a scenario from files; write the netCDF to ``out``; return the regions' JSON.

    Returns the records and, when ``isopleth`` names a region, its
    :class:`engine.photochem.Isopleth` (else None). ``tile`` ``(ny, nx)`` runs the model in
    tiles on the active dask scheduler (:func:`engine.photochem.run_scenario`).
    """
    if request.programme and request.change:
        raise PolicyError("give either a change file or a programme, not both")
    if request.programme and not request.db:
        raise PolicyError(
            f"--programme {request.programme} needs --db (the registry of its enterprises)"
        )
    if not request.change and not request.programme:
        raise PolicyError(
            "a scenario needs an emission change: --change C.nc, or --programme P.toml --db R"
        )
    from engine.photochem import isopleth as draw
    from engine.photochem import regional_summary, run_scenario, scenario_dataset
    from forecasts.emissions import read_change, read_emissions, read_population, scenario_forecast
    from forecasts.reader import read_forecast
    from grids import coverage_weights, grid_from_dataset, load_regions, population_weights

    forecast = read_forecast(request.forecast)
    data = scenario_forecast(forecast)
    emissions = read_emissions(request.emissions, forecast)
    regions = load_regions(request.regions)
    grid = grid_from_dataset(forecast.data)
    weights = coverage_weights(regions, grid, cache_dir=cache_dir)
    if request.programme:
        from api.scenario_programme import programme_change

        change = programme_change(request.programme, str(request.db), forecast, regions, weights)
    else:
        change = read_change(str(request.change), forecast)
    people = None
    if request.population:
        people = population_weights(weights, read_population(request.population, forecast))
    run = run_scenario(
        data,
        emissions,
        change,
        members=request.members,
        seed=request.seed,
        progress=progress,
        tile=tile,
    )
    if progress:
        progress(1.0, "regional statistics and the result file")
    summaries = regional_summary(
        run,
        weights,
        {r.code: r.name for r in regions},
        cell_area_km2=grid.cell_area_km2(),
        population=people,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    scenario_dataset(run).to_netcdf(tmp, engine="netcdf4")
    tmp.replace(out)
    diagram = draw(data, emissions, weights, isopleth) if isopleth else None
    return records(summaries), diagram


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class JobStore:
    """Scenario jobs in the SQLite file ``path``; results in the folder beside it.

    ``recover`` (the service, at start): jobs left queued or running by a previous process are
    marked failed. Workers open the store with ``recover=False``.
    """

    def __init__(self, path: str | Path, *, recover: bool = True) -> None:
        self.path = Path(path)
        self.results = self.path.parent / "scenarios"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                """CREATE TABLE IF NOT EXISTS jobs (
                    id TEXT PRIMARY KEY, status TEXT NOT NULL, progress REAL NOT NULL,
                    stage TEXT NOT NULL, request TEXT NOT NULL, created TEXT NOT NULL,
                    started TEXT, finished TEXT, error TEXT)"""
            )
            if recover:
                db.execute(
                    "UPDATE jobs SET status = 'failed', finished = ?, error = ? "
                    "WHERE status IN ('queued', 'running')",
                    (_now(), "interrupted: the service restarted before the job finished"),
                )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def create(self, request: ScenarioRequest) -> str:
        """A new queued job; its id."""
        job = uuid.uuid4().hex[:16]
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (id, status, progress, stage, request, created) "
                "VALUES (?, 'queued', 0, 'queued', ?, ?)",
                (job, request.model_dump_json(), _now()),
            )
        return job

    def update(self, job: str, **fields: Any) -> None:
        """Set columns of a job (status, progress, stage, started, finished, error)."""
        names = ", ".join(f"{k} = ?" for k in fields)
        with self._connect() as db:
            db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*fields.values(), job))

    def get(self, job: str) -> JobStatus:
        """A job's status; NotFoundError for an unknown id."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job,)).fetchone()
        if row is None:
            raise NotFoundError(f"no scenario job {job!r}")
        record = dict(row)
        record["request"] = ScenarioRequest.model_validate_json(record["request"])
        return JobStatus.model_validate(record)

    def result_paths(self, job: str) -> tuple[Path, Path]:
        """``(json, netcdf)`` result files of a job."""
        return self.results / f"{job}.json", self.results / f"{job}.nc"


def _work(store_path: str, job: str) -> None:
    """Run one job in a worker process, recording progress and the outcome in the store."""
    store = JobStore(store_path, recover=False)
    request = store.get(job).request
    store.update(job, status="running", started=_now(), stage="reading inputs")
    json_path, nc_path = store.result_paths(job)

    def progress(share: float, stage: str) -> None:
        store.update(job, progress=round(0.05 + 0.9 * share, 4), stage=stage)

    try:
        regions, _ = execute(request, nc_path, progress=progress, cache_dir=store.results)
        json_path.write_text(json.dumps(regions, ensure_ascii=False), "utf-8")
    except (LantianError, OSError, ValueError) as error:
        store.update(job, status="failed", finished=_now(), error=" ".join(str(error).split()))
        return
    except BaseException as error:  # noqa: BLE001 — a worker must record every failure
        store.update(
            job, status="failed", finished=_now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    store.update(job, status="done", progress=1.0, stage="done", finished=_now())


_POOL: ProcessPoolExecutor | None = None
_STORES: dict[Path, JobStore] = {}


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # spawn, not fork: the service's threads (uvicorn, numba) do not survive a fork
        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        atexit.register(_stop_pool)
    return _POOL


def _stop_pool() -> None:
    """Stop the workers this process started (a running job is recorded as interrupted next
    start)."""
    if _POOL is not None:
        for process in list(getattr(_POOL, "_processes", {}).values()):
            process.terminate()
        _POOL.shutdown(wait=False, cancel_futures=True)


def jobs_for(db: str | Path) -> JobStore:
    """The job store beside the decision store ``db`` (one per service, recovered once)."""
    path = Path(db).parent / "scenarios.sqlite"
    if path not in _STORES:
        _STORES[path] = JobStore(path)
    return _STORES[path]


def submit(store: JobStore, request: ScenarioRequest) -> str:
    """Queue a job and hand it to the worker pool; its id."""
    job = store.create(request)
    _pool().submit(_work, str(store.path), job)
    return job
