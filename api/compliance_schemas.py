"""Pydantic model of the compliance document (``GET /v1/regions/{code}/compliance``).

Field for field the dict of :func:`engine.compliance.compliance_document` (plus
``level_issued``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from api.schemas import Level

__all__ = ["ComplianceDocument"]

Status = Literal["compliant", "flagged", "no_data", "no_baseline", "no_meter"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Region(_Model):
    code: str
    name: str


class Rules(_Model):
    """Shares of the baseline [1] and the baseline's look-back [d] and least samples."""

    stop_share: float
    cap_margin: float
    baseline_lookback_days: int
    baseline_min_samples: int


class Summary(_Model):
    checked: int
    compliant: int
    flagged: int
    no_data: int
    no_baseline: int
    no_meter: int


class Check(_Model):
    """One line (or whole plant) under a measure, with its evidence [kWh over ``hours``]."""

    credit_code: str
    name: str
    line_id: str | None
    scope: Literal["line", "enterprise"]
    measure: str
    kind: Literal["stop", "cap"]
    allowed_share: float
    limit_share: float
    status: Status
    hours: int
    missing_hours: int
    use_kwh: float | None
    baseline_kwh: float | None
    ratio: float | None
    hours_above: list[str]
    meters: list[str]
    rule: str
    evidence: str


class ComplianceDocument(_Model):
    """Compliance of a region's firms with the measures in force on a day (docs/rules.md §6.2)."""

    region: Region
    date: str
    level: Level
    level_issued: Level
    regime: str
    rules: Rules
    summary: Summary
    flags: list[Check]
    checks: list[Check]
