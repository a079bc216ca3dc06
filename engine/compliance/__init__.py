"""Compliance with emergency measures, checked from hourly electricity use (docs/rules.md §6.2).

* :func:`checks_for_plan` — which lines (or whole plants) to check under a plan, with their
  meters;
* :func:`baseline_profile`, :func:`expected_use` — a line's own use at the same weekday and hour
  outside alerts;
* :func:`check_use` — use against the baseline over the measure's hours: a stopped line above a
  share of its baseline, a capped line above its allowed share, flagged with their evidence;
* :func:`compliance_document`, :func:`compliance_rows` — the result for the faces and the CSV
  list for inspectors.
"""

from engine.compliance._check import (
    KINDS,
    STATUSES,
    Checks,
    ComplianceRules,
    LineCheck,
    baseline_profile,
    check_use,
    checks_for_plan,
    combine_meters,
    compliance_rules,
    expected_use,
    line_measures,
)
from engine.compliance._report import (
    COMPLIANCE_COLUMNS,
    compliance_document,
    compliance_order,
    compliance_rows,
)

__all__ = [
    "COMPLIANCE_COLUMNS",
    "KINDS",
    "STATUSES",
    "Checks",
    "ComplianceRules",
    "LineCheck",
    "baseline_profile",
    "check_use",
    "checks_for_plan",
    "combine_meters",
    "compliance_document",
    "compliance_order",
    "compliance_rows",
    "compliance_rules",
    "expected_use",
    "line_measures",
]
