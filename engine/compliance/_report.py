"""The compliance checks of a region and day as a document (HTTP, CLI) and as CSV rows.

Every check names its evidence — the hours in force, the kWh used and the kWh of the baseline
over them, the hours above the limit — and its rule, in English and Chinese
(``engine/data/texts_compliance.toml``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.compliance._check import KINDS, STATUSES, Checks, ComplianceRules, LineCheck
from engine.measures import PlanResult, plan_rows
from engine.texts import say

__all__ = ["COMPLIANCE_COLUMNS", "compliance_document", "compliance_order", "compliance_rows"]

COMPLIANCE_COLUMNS = (
    "region_code",
    "date",
    "credit_code",
    "name",
    "line_id",
    "scope",
    "measure",
    "kind",
    "allowed_share",
    "limit_share",
    "hours",
    "missing_hours",
    "use_kwh",
    "baseline_kwh",
    "ratio",
    "hours_above",
    "status",
    "rule",
    "evidence",
)
"""Columns of the inspectors' CSV list, one row per check, flagged first."""


def _round(value: float, digits: int = 1) -> float | None:
    return None if not np.isfinite(value) else round(float(value), digits)


def _measures(result: PlanResult, language: str) -> dict[tuple[str, str], str]:
    """``(credit_code, line_id)`` → the line's measure as the plan states it."""
    out = {}
    for row in plan_rows(result, language=language):
        value = f" {row['value']}" if row["value"] != "" else ""
        out[(row["credit_code"], row["line_id"])] = f"{row['action']}{value}"
    return out


def compliance_order(
    result: PlanResult, checks: Checks, outcome: LineCheck, *, unmetered: bool = False
) -> np.ndarray:
    """The checks a document lists, in its order: flagged first, then by credit code and line
    id; lines without any meter only when ``unmetered`` (they are counted either way)."""
    reg = result.registry
    keys = [
        (
            STATUSES[int(outcome.status[k])] != "flagged",
            str(reg.credit_code[int(checks.enterprise[k])]),
            str(reg.line_id[int(checks.line[k])]) if checks.line[k] >= 0 else "",
        )
        for k in range(len(checks))
    ]
    listed = [k for k in range(len(keys)) if unmetered or STATUSES[outcome.status[k]] != "no_meter"]
    return np.array(sorted(listed, key=keys.__getitem__), dtype=np.int64)


def compliance_document(
    result: PlanResult,
    checks: Checks,
    outcome: LineCheck,
    *,
    region: Mapping[str, str],
    day: dt.date,
    regime: str,
    rules: ComplianceRules,
    meter_ids: Sequence[str],
    hours: Sequence[dt.datetime],
    language: str = "en",
    unmetered: bool = False,
) -> dict[str, Any]:
    """The checks of ``region`` on ``day`` as a JSON-ready dict.

    Parameters
    ----------
    result : PlanResult
        The plan in force (level issued on ``day``).
    checks, outcome : Checks, LineCheck
        From :func:`checks_for_plan` and :func:`check_use`.
    meter_ids : sequence of str, (meter,)
        Name of every meter position of ``checks.meters``.
    hours : sequence of datetime, (hour,)
        CST start of every hour column of ``outcome.above``.
    unmetered : bool
        Also list the lines under a measure that no meter covers (``no_meter``); they are
        counted in ``summary`` either way.

    Returns
    -------
    dict
        ``region``, ``date``, ``level``, ``regime``, ``rules``, ``summary`` (count per
        status), ``flags`` and ``checks`` (in :func:`compliance_order`), each check with its
        measure, limit, hours, kWh used and of the baseline, the hours above the limit, its
        meters, rule and evidence.
    """
    reg = result.registry
    measures = _measures(result, language)
    k_lang = 0 if language == "en" else 1
    entries: list[dict[str, Any]] = []
    for k in compliance_order(result, checks, outcome, unmetered=unmetered).tolist():
        e, i = int(checks.enterprise[k]), int(checks.line[k])
        credit = str(reg.credit_code[e])
        kind = KINDS[int(checks.kind[k])]
        if i >= 0:
            line_id, scope = str(reg.line_id[i]), "line"
            measure = measures.get((credit, line_id), kind)
        else:
            line_id, scope = None, "enterprise"
            lines = range(int(reg.line_start[e]), int(reg.line_start[e + 1]))
            measure = "; ".join(
                f"{reg.line_id[j]}: {measures.get((credit, str(reg.line_id[j])), 'none')}"
                for j in lines
            )
        limit = float(outcome.limit_share[k])
        allowed = float(checks.allowed_share[k])
        rule = say(f"compliance.rule.{kind}", measure=measure, limit=limit, allowed=allowed)
        status = STATUSES[int(outcome.status[k])]
        fields = {
            "use": float(outcome.use_kwh[k]),
            "baseline": float(outcome.baseline_kwh[k]),
            "hours": int(outcome.hours[k]),
            "ratio": float(outcome.ratio[k]) if np.isfinite(outcome.ratio[k]) else 0.0,
            "limit": limit,
            "above": int(outcome.hours_above[k]),
            "days": rules.lookback_days,
        }
        evidence = say(f"compliance.status.{status}", **fields)
        entries.append(
            {
                "credit_code": credit,
                "name": str(reg.name[e]),
                "line_id": line_id,
                "scope": scope,
                "measure": measure,
                "kind": kind,
                "allowed_share": round(allowed, 4),
                "limit_share": round(limit, 4),
                "status": status,
                "hours": int(outcome.hours[k]),
                "missing_hours": int(outcome.missing_hours[k]),
                "use_kwh": _round(outcome.use_kwh[k]),
                "baseline_kwh": _round(outcome.baseline_kwh[k]),
                "ratio": _round(outcome.ratio[k], 4),
                "hours_above": [
                    hours[t].isoformat(timespec="minutes")
                    for t in np.flatnonzero(outcome.above[k]).tolist()
                ],
                "meters": [meter_ids[m] for m in checks.meters[k]],
                "rule": rule[k_lang],
                "evidence": evidence[k_lang],
            }
        )
    summary = dict.fromkeys(STATUSES, 0)
    for status in outcome.status.tolist():
        summary[STATUSES[status]] += 1
    return {
        "region": dict(region),
        "date": day.isoformat(),
        "level": result.level,
        "regime": regime,
        "rules": {
            "stop_share": rules.stop_share,
            "cap_margin": rules.cap_margin,
            "baseline_lookback_days": rules.lookback_days,
            "baseline_min_samples": rules.min_samples,
        },
        "summary": {"checked": len(checks), **summary},
        "flags": [x for x in entries if x["status"] == "flagged"],
        "checks": entries,
    }


def compliance_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inspectors' list: one row per check (:data:`COMPLIANCE_COLUMNS`), flagged first."""
    rows = []
    for entry in document["checks"]:
        row = {c: entry.get(c) for c in COMPLIANCE_COLUMNS}
        row["region_code"] = document["region"]["code"]
        row["date"] = document["date"]
        row["line_id"] = entry["line_id"] or ""
        row["hours_above"] = len(entry["hours_above"])
        rows.append(row)
    return rows
