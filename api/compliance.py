"""Compliance for the faces: the decision issued, its plan, the meters' use → the checks.

Shared by ``lantian compliance`` and ``GET /v1/regions/{code}/compliance``. The decision store
and the registry are only read (``DecisionStore.list``, ``registry.region_plan``); the
electricity use comes from the observation store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from api.store import DecisionStore
from engine.compliance import (
    ComplianceRules,
    baseline_profile,
    check_use,
    checks_for_plan,
    combine_meters,
    compliance_document,
    compliance_order,
    expected_use,
)
from engine.errors import NotFoundError
from engine.measures import Catalogue
from observations import ObservationStore

__all__ = ["Compliance", "region_compliance"]

_ALL = 10**9


@dataclasses.dataclass(frozen=True)
class Compliance:
    """The document, and for charts each check's hourly use, baseline and allowed use of the
    day [kWh] ``(check, 24)`` in the document's order, with the hour starts."""

    document: dict[str, Any]
    hours: list[dt.datetime]
    use: np.ndarray
    baseline: np.ndarray
    allowed: np.ndarray


def issued_level(
    decisions: DecisionStore | None, code: str, day: dt.date
) -> tuple[str, str, list[dt.date]]:
    """The level and regime issued for ``code`` on ``day`` (the last decision recorded; none
    without one) and the days with an alert issued (any level but none)."""
    if decisions is None:
        return "none", "none", []
    records = decisions.list(region=code, limit=_ALL)  # newest first
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        latest.setdefault(record["date"], record)
    alerts = [dt.date.fromisoformat(d) for d, r in latest.items() if r["level"] != "none"]
    on_day = latest.get(day.isoformat())
    if on_day is None:
        return "none", "none", alerts
    return on_day["level"], on_day["regime"], alerts


def region_compliance(
    *,
    code: str,
    name: str,
    day: dt.date,
    decisions: DecisionStore | None,
    registry: Path,
    observations: Path,
    rules: ComplianceRules,
    level: str | None = None,
    parents: Mapping[str, str | None] | None = None,
    catalogue: Catalogue | None = None,
    language: str = "en",
    unmetered: bool = False,
) -> Compliance:
    """The compliance checks of region ``code`` on ``day`` (CST).

    The measures in force are those of the plan at the level issued for the day (``level``
    replaces it, for a what-if); the baseline is each line's use in the ``lookback_days``
    before, on days without an alert issued. Lines no meter covers are counted, and listed
    only with ``unmetered``.
    """
    from registry import RegistryStore, region_plan

    if not Path(registry).is_file():
        raise NotFoundError(
            f"no enterprise registry at {registry}; create it with "
            "`lantian registry import` (or `lantian demo-data`)"
        )
    if not Path(observations).is_file():
        raise NotFoundError(
            f"no observation store at {observations}; import electricity use "
            "with `lantian observations import --electricity`"
        )
    issued, regime, alert_days = issued_level(decisions, code, day)
    level = level or issued
    _, result = region_plan(
        RegistryStore(registry),
        {"code": code, "name": name},
        day,
        level,
        parents=parents,
        catalogue=catalogue,
        regime=None if regime == "none" else regime,
        language=language,
    )
    store = ObservationStore(observations)
    meters = store.meters([str(c) for c in result.registry.credit_code])
    checks = checks_for_plan(result, meters["credit_code"].tolist(), meters["line_id"].tolist())
    lookback = rules.lookback_days
    start = day - dt.timedelta(days=lookback)
    _, use = store.electricity_use(start, day, meters["id"])
    series = combine_meters(use, checks)
    alert = np.array([start + dt.timedelta(days=k) in set(alert_days) for k in range(lookback)])
    profile = baseline_profile(
        series[:, : lookback * 24], start.weekday(), alert, min_samples=rules.min_samples
    )
    expected = expected_use(profile, day.weekday(), 1)
    today = series[:, lookback * 24 :]
    has_meter = np.array([bool(m) for m in checks.meters], bool)
    outcome = check_use(
        today, expected, np.ones(24, bool), checks.kind, checks.allowed_share, rules, has_meter
    )
    hours = [dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=h) for h in range(24)]
    names = [
        f"{c}/{m}/{line}" if line else f"{c}/{m}"
        for c, m, line in zip(
            meters["credit_code"], meters["meter_id"], meters["line_id"], strict=True
        )
    ]
    document = compliance_document(
        result,
        checks,
        outcome,
        region={"code": code, "name": name},
        day=day,
        regime=regime,
        rules=rules,
        meter_ids=names,
        hours=hours,
        language=language,
        unmetered=unmetered,
    )
    document["level_issued"] = issued
    # the arrays for charts, in the document's order of the checks
    order = compliance_order(result, checks, outcome, unmetered=unmetered)
    allowed = outcome.limit_share[:, None] * expected
    return Compliance(document, hours, today[order], expected[order], allowed[order])
