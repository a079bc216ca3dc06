"""The emission change of a peak-shift programme on a forecast's grid and hours, for a scenario.

``lantian scenario run --programme P.toml --db R`` (and a scenario job with ``programme`` and
``db``) runs the programme as ``lantian ozone plan`` does — :func:`registry.region_programme`,
then :func:`forecasts.emission_change.emission_change_dataset` — for each top region of the
scenario's region set (a region none of whose ancestors is in the set), over the CST days the
forecast covers, and sums the regions' changes. ``P.toml`` is layered over the packaged default
programme; ``default`` alone means the packaged default (``engine/data/ozone.toml``).

A programme with a forecast trigger takes each top region's forecast O3 MDA8 and daily maximum
t2m. Firms in no region of the set are not covered (as with ``lantian ozone plan --region``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.errors import NotFoundError, PolicyError

__all__ = ["DEFAULT_PROGRAMME", "programme_change", "programme_paths"]

log = logging.getLogger(__name__)

DEFAULT_PROGRAMME = "default"
"""``--programme default``: the packaged default programme with no regional layer."""


def programme_paths(programme: str) -> list[Path]:
    """The layer files of ``--programme`` (none for :data:`DEFAULT_PROGRAMME`)."""
    return [] if programme == DEFAULT_PROGRAMME else [Path(programme)]


def _dates(times: np.ndarray) -> list[dt.date]:
    """CST days touched by the UTC hours ``times``, consecutive."""
    hours = times.astype("datetime64[h]").astype(np.int64) + 8
    first, last = int(hours.min() // 24), int(hours.max() // 24)
    epoch = dt.date(1970, 1, 1)
    return [epoch + dt.timedelta(days=d) for d in range(first, last + 1)]


def _top_regions(regions: Any) -> list[Any]:
    """Regions of the set none of whose ancestors is in the set (disjoint firm sets)."""
    from registry import region_chain

    parents = {r.code: r.parent for r in regions}
    codes = set(parents)
    return [r for r in regions if not codes.intersection(region_chain(r.code, parents)[1:])]


def _trigger_values(
    forecast: Any, weights: Any, codes: Sequence[str], dates: list[dt.date]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None]]:
    """Per region code: forecast O3 MDA8 [µg m⁻³] and daily max t2m [°C] on ``dates``."""
    from engine.aggregate import regional_mean
    from engine.ozone import regional_o3_mda8, t2m_daily_max
    from engine.regional import regional_daily

    daily = regional_daily(forecast.data, weights)
    o3 = {code: regional_o3_mda8(daily, code, dates) for code in codes}
    t2m: dict[str, np.ndarray | None] = dict.fromkeys(codes)
    with xr.open_dataset(forecast.path) as raw:
        if "t2m" in raw:
            field = raw["t2m"].load()
            if "member" in field.dims:
                field = field.median("member")
            hourly = regional_mean(field, weights)["t2m"]
            units = str(field.attrs.get("units", ""))
            for code in codes:
                values = hourly.isel(region=int(np.flatnonzero(hourly["region"] == code)[0]))
                t2m[code] = t2m_daily_max(values.values, field["time"].values, units, dates)
    return o3, t2m


def programme_change(
    programme: str,
    db: str | Path,
    forecast: Any,
    regions: Any,
    weights: Any,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> xr.Dataset:
    """The programme's hourly change on the forecast's grid and hours (module docstring).

    Parameters
    ----------
    programme : str
        A programme TOML layered over the packaged default, or ``"default"``.
    db : str or Path
        The registry SQLite file.
    forecast : forecasts.reader.Forecast
        The forecast the scenario runs on (its grid, hours and, for a forecast trigger, O3 and
        t2m).
    regions : grids.RegionSet
        The scenario's regions; the programme runs for each top region.
    weights : grids.CoverageWeights
        Coverage of ``regions`` on the forecast's grid (forecast triggers).

    Returns
    -------
    xarray.Dataset
        ``voc``, ``nox`` ``(time, …grid)`` [kg h⁻¹ per cell] on the forecast's hours,
        attributes ``programme``, ``voc_moved_kg``, ``voc_removed_kg``, ``lines_off_grid``.

    Raises
    ------
    NotFoundError
        No registry file.
    PolicyError
        A bad programme file, or a programme that changes nothing on the forecast's days.
    """
    from forecasts.emission_change import emission_change_dataset
    from forecasts.emissions import align_change
    from grids import grid_from_dataset
    from registry import RegistryStore, read_programme, region_programme

    if not Path(db).is_file():
        raise NotFoundError(
            f"--db {db}: no registry file; create it with `lantian registry import`"
        )
    paths = programme_paths(programme)
    times = np.asarray(forecast.data["time"].values)
    dates = _dates(times)
    tops = _top_regions(regions)
    parents = {r.code: r.parent for r in regions}
    needs_forecast = read_programme(paths, (), dates[0]).trigger.needs_forecast
    if not needs_forecast:  # a layer limited to some regions may still add a forecast trigger
        from registry import region_chain

        needs_forecast = any(
            read_programme(paths, region_chain(r.code, parents), dates[0]).trigger.needs_forecast
            for r in tops
        )
    o3: dict[str, Any] = {}
    t2m: dict[str, Any] = {}
    if needs_forecast:
        o3, t2m = _trigger_values(forecast, weights, [r.code for r in tops], dates)
    grid = grid_from_dataset(forecast.data)
    store = RegistryStore(Path(db))
    total: xr.Dataset | None = None
    moved = removed = 0.0
    off = 0
    name = ""
    for k, region in enumerate(tops):
        if progress:
            progress(0.1 * k / len(tops), f"programme: region {region.code}")
        _, result = region_programme(
            store,
            {"code": region.code, "name": region.name},
            dates[0],
            dates[-1],
            parents=parents,
            programme_paths=paths,
            o3_mda8=o3.get(region.code),
            t2m_max=t2m.get(region.code),
        )
        name = result.programme.id
        if result.registry.n_lines == 0:
            continue
        change = emission_change_dataset(result, grid)
        moved += float(change.attrs["voc_moved_kg"])
        removed += float(change.attrs["voc_removed_kg"])
        off += int(change.attrs["lines_off_grid"])
        part = change[["voc", "nox"]].astype(np.float64)
        total = part if total is None else total + part
    if total is None or moved + removed <= 0.0:
        first, last = dates[0], dates[-1]
        raise PolicyError(
            f"--programme {programme}: the programme ({name}) moves no VOC in the regions of "
            f"{regions.source} on the forecast's days {first}…{last} (outside its season, no "
            "day triggered, or no firm concerned); pick a forecast in the ozone season "
            "(e.g. `lantian demo-data --date 2026-07-01`) or another programme"
        )
    if off:
        log.warning("programme %s: %d affected lines lie off the forecast's grid", name, off)
    total.attrs.update(
        programme=name, voc_moved_kg=moved, voc_removed_kg=removed, lines_off_grid=off
    )
    return align_change(total, forecast, f"programme {programme}")
