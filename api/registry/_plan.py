"""A region's plan from the registry store: members, grades on the day, baseline, document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from api.registry.regions import region_baseline, region_chain, region_members
from api.registry.store import RegistryStore
from engine.measures import Catalogue, PlanResult, build_plan

__all__ = ["region_plan"]


def region_plan(
    store: RegistryStore,
    region: Mapping[str, Any],
    day: dt.date,
    level: str,
    *,
    parents: Mapping[str, str | None] | None = None,
    catalogue: Catalogue | None = None,
    regime: str | None = None,
) -> tuple[dict[str, Any], PlanResult]:
    """The plan document of ``region`` (``{"code", "name"}``) on ``day`` at ``level``.

    Covers the enterprises of the region and of the regions below it (:func:`region_members`);
    grades are those in force on ``day``; the baseline is the region's own or the sum of its
    members' (:func:`region_baseline`).
    """
    code = str(region["code"])
    members = region_members(code, store.region_codes(), parents)
    registry = store.load(members, day)
    baseline, how = region_baseline(code, store.baselines(members), members, parents)
    document, result, _ = build_plan(
        registry,
        {"code": code, "name": region.get("name", code)},
        level,
        day,
        region_chain=region_chain(code, parents),
        baseline_t_d=baseline,
        catalogue=catalogue,
        regime=regime,
    )
    if baseline is not None:
        document["notes"].append(how)
    return document, result
