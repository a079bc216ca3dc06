"""Demo data of the loop: observations consistent with the demo forecast, the decisions issued on
its days, and electricity use of monitored firms with a few that do not comply.

:func:`write_loop_data` is the one call ``lantian demo-data`` makes after writing the forecast,
the regions and the registry. It lives in :mod:`api` because it ties every package together:
the service issues the decisions (recorded in the decision store as ``POST /v1/decisions`` does),
the registry gives each firm's measures at those levels, :mod:`observations.synthetic` makes up
the data and :class:`observations.ObservationStore` imports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.compliance import line_measures
from engine.levels import LEVELS

__all__ = ["MONITORED_PER_CITY", "NON_COMPLIANT", "write_loop_data"]

MONITORED_PER_CITY = 8
"""Firms with electricity monitoring per city, among those under measures [I] (Zhangjiagang
monitors 153 emergency-control firms; a demo keeps it small)."""
NON_COMPLIANT = 3
"""Firms of the demo that do not stop as ordered."""
HISTORY_DAYS = 28
"""Days of electricity use before the forecast's first day (the baseline's look-back)."""


def write_loop_data(
    directory: str | Path,
    *,
    seed: int = 20261130,
    forecast_read: Callable[[], object] | None = None,
) -> list[str]:
    """Write ``DIR/observations.sqlite`` (stations, hourly values, electricity use) and record
    the demo's decisions for every forecast day in ``DIR/decisions.sqlite``.

    Needs ``DIR/forecast.nc``, ``DIR/regions.geojson`` and ``DIR/registry.sqlite`` (written by
    ``lantian demo-data`` before). Returns one line per file written, for the command to print.
    ``forecast_read`` is called once the forecast file has been read, after which this function
    opens no netCDF file (the command then writes its other netCDF files in a thread).
    """
    from api.service import IssueItem, Service
    from api.settings import Settings
    from engine.measures import compute_plan
    from engine.regional import covered_dates
    from observations import ObservationStore
    from observations.synthetic import (
        synthetic_hourly,
        synthetic_stations,
        synthetic_use,
        write_electricity_csv,
        write_hourly_csv,
        write_stations_csv,
    )
    from registry import RegistryStore
    from registry.regions import region_baseline, region_chain, region_members

    directory = Path(directory)
    settings = Settings(
        forecast=directory / "forecast.nc",
        regions=str(directory / "regions.geojson"),
        db=directory / "decisions.sqlite",
        registry=directory / "registry.sqlite",
        observations=directory / "observations.sqlite",
    )
    for suffix in ("", "-wal", "-shm"):  # decisions of an older demo would mix with these
        Path(str(settings.db) + suffix).unlink(missing_ok=True)
    service = Service.load(settings, warm=False)  # issuing computes the responses it needs
    if forecast_read is not None:
        forecast_read()
    first, last = covered_dates(service.daily)
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    levels: dict[str, list[str]] = {r.code: [] for r in service.regions}
    for day in days:  # one day after the other, as an alert centre would: episodes follow
        items = [IssueItem(region.code, day) for region in service.regions]
        decisions, _ = service.issue(items, issued_by="demo")
        for decision in decisions:
            levels[decision["region"]].append(decision["level"])

    folder = directory / "observations"
    folder.mkdir(parents=True, exist_ok=True)
    stations = synthetic_stations(service.regions, seed=seed)
    issued = np.datetime64(service.forecast.issued.rstrip("Z"), "h")
    hourly = synthetic_hourly(service.forecast.data, stations, seed=seed, issued=issued)
    write_stations_csv(stations, folder / "stations.csv")
    write_hourly_csv(hourly, folder / "hourly.csv")

    rng = np.random.default_rng(seed)
    registry = RegistryStore(settings.registry)
    parents = {r.code: r.parent for r in service.regions}
    keys: list[tuple[str, str, str]] = []  # one meter per line
    hours_per_day: list[float] = []
    allowed_rows: list[list[float]] = []
    stopping: set[str] = set()  # firms with a line ordered to stop
    for region in service.regions:
        day_levels = levels[region.code]
        strongest = max(day_levels, key=LEVELS.index)
        if strongest == "none":
            continue
        allowed_at: dict[str, np.ndarray | None] = {"none": None}
        # the registry part of registry.region_plan, loaded once for every level of the region
        # (the plan documents are not needed here, only the lines' measures)
        members = region_members(region.code, registry.region_codes(), parents)
        firms = registry.load(members, first)
        baseline, _ = region_baseline(region.code, registry.baselines(members), members, parents)
        chain = region_chain(region.code, parents)
        for level in set(day_levels) - {"none"}:
            result = compute_plan(firms, level, first, region_chain=chain, baseline_t_d=baseline)
            allowed_at[level] = line_measures(result)[1]
            if level == strongest:
                reg, kind = result.registry, line_measures(result)[0]
        under = np.unique(reg.line_enterprise()[kind > 0])
        chosen = rng.choice(under, size=min(MONITORED_PER_CITY, under.size), replace=False)
        for e in sorted(chosen.tolist()):
            credit = str(reg.credit_code[e])
            for i in range(int(reg.line_start[e]), int(reg.line_start[e + 1])):
                if kind[i] == 1:
                    stopping.add(credit)
                daily = [1.0 if a is None else float(a[i]) for a in map(allowed_at.get, day_levels)]
                keys.append((credit, f"M-{reg.line_id[i]}", str(reg.line_id[i])))
                hours_per_day.append(float(reg.hours_per_day[i]))
                allowed_rows.append([1.0] * HISTORY_DAYS + daily)
    # a few firms keep running though ordered to stop
    bad = rng.choice(sorted(stopping), size=min(NON_COMPLIANT, len(stopping)), replace=False)
    start = first - dt.timedelta(days=HISTORY_DAYS)
    use = synthetic_use(
        np.array(hours_per_day),
        start,
        HISTORY_DAYS + len(days),
        allowed=np.array(allowed_rows).reshape(len(keys), HISTORY_DAYS + len(days)),
        cheats=np.isin([k[0] for k in keys], bad),
        seed=seed,
    )
    write_electricity_csv(keys, start, use, folder / "electricity.csv")
    for suffix in ("", "-wal", "-shm"):
        Path(str(settings.observations) + suffix).unlink(missing_ok=True)
    summary = ObservationStore(settings.observations).import_csv(
        stations=folder / "stations.csv",
        hourly=folder / "hourly.csv",
        electricity=folder / "electricity.csv",
    )
    n_firms = len({k[0] for k in keys})
    return [
        f"wrote {settings.db} (decisions for {len(days)} days from {first}, "
        f"{len(service.regions)} regions)",
        f"wrote {settings.observations} ({summary.stations} stations, {summary.hourly_rows} "
        f"station-hours; {len(keys)} metered lines of {n_firms} firms, not complying: "
        f"{', '.join(sorted(bad))})",
    ]
