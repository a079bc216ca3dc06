"""A region's peak-shift programme over a period, from the registry store (docs/rules.md §4).

Covers the firms of the region and of its counties (:func:`registry.region_members`) with the
grades in force on the first day; the programme is the packaged default with the region's
layers over it (:func:`read_programme`); the trigger uses the region's forecast values when the
programme asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import DataCoverageError, PolicyError
from engine.ozone import (
    Programme,
    ProgrammeResult,
    default_programme_text,
    parse_programme,
    programme_document,
    run_programme,
    trigger_days,
)
from registry.regions import region_chain, region_members
from registry.store import RegistryStore

__all__ = ["MAX_PERIOD_DAYS", "period_dates", "read_programme", "region_programme"]

MAX_PERIOD_DAYS = 366
"""Longest period of one programme run [d]: a year, two ozone seasons' worth of margin."""


def period_dates(first: dt.date, last: dt.date) -> list[dt.date]:
    """The CST days ``first`` … ``last``; DataCoverageError when empty or over a year."""
    n = (last - first).days + 1
    if n < 1:
        raise DataCoverageError(f"the period ends ({last}) before it begins ({first})")
    if n > MAX_PERIOD_DAYS:
        raise DataCoverageError(
            f"the period {first} to {last} has {n} days; at most {MAX_PERIOD_DAYS} at a time"
        )
    return [first + dt.timedelta(days=k) for k in range(n)]


def read_programme(
    paths: Sequence[Path], region_chain: Sequence[str] = (), day: dt.date | None = None
) -> Programme:
    """The packaged default programme with the TOML files ``paths`` layered over it, in order.

    A file with ``regions = [...]`` applies only to those regions (and their counties), one
    with ``effective_from``/``effective_to`` only on ``day`` inside.
    """
    texts = [default_programme_text()]
    for path in paths:
        try:
            texts.append(Path(path).read_text("utf-8"))
        except FileNotFoundError:
            raise PolicyError(f"programme file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as error:
            raise PolicyError(f"programme file {path} cannot be read: {error}") from None
    names = ["engine/data/ozone.toml", *map(str, paths)]
    return parse_programme(*texts, names=names, region_chain=region_chain, day=day)


def region_programme(
    store: RegistryStore,
    region: Mapping[str, Any],
    first: dt.date,
    last: dt.date,
    *,
    parents: Mapping[str, str | None] | None = None,
    programme_paths: Sequence[Path] = (),
    o3_mda8: np.ndarray | None = None,
    t2m_max: np.ndarray | None = None,
    language: str = "en",
) -> tuple[dict[str, Any], ProgrammeResult]:
    """The programme document of ``region`` (``{"code", "name"}``) from ``first`` to ``last``.

    Parameters
    ----------
    store : RegistryStore
        The registry.
    region : mapping
        ``{"code", "name"}``.
    first, last : datetime.date
        CST days of the period (inclusive).
    parents : mapping code → parent code, optional
        Region hierarchy (else administrative codes).
    programme_paths : sequence of Path
        Regional programme files layered over the packaged default.
    o3_mda8, t2m_max : float (day,), optional
        The region's forecast O3 MDA8 [µg m⁻³] and daily maximum t2m [°C] on the period's
        days (NaN: none), for a programme with a forecast trigger.
    language : str
        ``"en"`` or ``"zh"``.

    Returns
    -------
    document : dict
        The JSON contract of ``lantian ozone plan``.
    result : engine.ozone.ProgrammeResult
        Its columns (for the check list and the gridded change); ``result.notes`` holds the
        trigger's notes.
    """
    code = str(region["code"])
    dates = period_dates(first, last)
    chain = region_chain(code, parents)
    programme = read_programme(programme_paths, chain, first)
    members = region_members(code, store.region_codes(), parents)
    registry = store.load(members, first)
    triggered, notes = trigger_days(programme, dates, o3_mda8, t2m_max)
    result = run_programme(
        registry, programme, dates, triggered=triggered, region_chain=chain, notes=notes
    )
    document = programme_document(
        result, {"code": code, "name": region.get("name", code)}, language=language
    )
    return document, result
