"""Response body of ``GET /v1/regions/{code}/plan``: the plan document of
:func:`engine.measures.plan_document`, key for key (documented in the OpenAPI schema).

Fields are declared in the order the document writes them, so the JSON is the same with or
without the model; ``after_proposals`` is absent when nothing is proposed (the route serialises
with ``response_model_exclude_unset``).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from api.schemas import Level

__all__ = [
    "AfterProposals",
    "CatalogueRef",
    "Measure",
    "PlanDocument",
    "PlanEnterprise",
    "PlanRegion",
    "Proposal",
    "SpeciesFlags",
    "SpeciesKg",
    "SpeciesRatios",
]


class SpeciesKg(BaseModel):
    """An amount per emission species [kg d⁻¹]."""

    so2: float
    nox: float
    pm: float
    voc: float


class SpeciesRatios(BaseModel):
    """A value per emission species; null where unknown (no baseline)."""

    so2: float | None
    nox: float | None
    pm: float | None
    voc: float | None


class SpeciesFlags(BaseModel):
    """Target met per emission species; null where unknown (no baseline or no target)."""

    so2: bool | None
    nox: bool | None
    pm: bool | None
    voc: bool | None


class PlanRegion(BaseModel):
    code: str = Field(description="Six-digit administrative code or own id")
    name: str


class Measure(BaseModel):
    """A measure of one line, or an enterprise-wide action (``line_id`` null)."""

    line_id: str | None = Field(description="Production line; null for enterprise-wide actions")
    process: str | None
    action: str = Field(
        description="stop | limit_output | stop_share_of_lines | cap_guaranteed_output | "
        "transport_restriction | shift_hours"
    )
    value: float | None = Field(description="Fraction of the action [1] (cap: guaranteed share)")
    reason: str
    source: str
    status: str = Field(description="official | local_default | plan")
    already_stopped: bool = Field(description="Stopped before the alert: counts no reduction")
    reduction_kg_d: SpeciesKg


class PlanEnterprise(BaseModel):
    credit_code: str = Field(description="Unified social credit code")
    name: str
    region_code: str = Field(description="Region the firm is registered in (often a county)")
    industry: str
    grade: str = Field(description="Performance grade in force on the day")
    self_directed: bool
    guarantee: bool = Field(description="Guarantee firm (民生保障): never stopped")
    basis: str = Field(
        description="no_alert | self_directed | positive_list_exempt | plan | catalogue | "
        "grade_fallback | no_rule"
    )
    basis_reason: str
    measures: list[Measure]
    reduction_kg_d: SpeciesKg


class Proposal(BaseModel):
    """An extra stop proposed when a species misses its target (advice, not mandatory)."""

    rank: int
    pollutant: str = Field(description="Emission species whose shortfall prompted it")
    credit_code: str
    name: str
    industry: str
    grade: str
    line_id: str
    process: str
    action: str
    value: float | None
    reduction_kg_d: SpeciesKg
    output_lost_per_day: float = Field(description="[capacity unit d⁻¹]")
    capacity_unit: str
    reduction_per_output: float = Field(description="[kg per capacity unit]")
    reason: str


class CatalogueRef(BaseModel):
    id: str
    version: str


class AfterProposals(BaseModel):
    """Totals if every proposal were taken."""

    totals_kg_d: SpeciesKg
    achieved_ratio: SpeciesRatios
    target_met: SpeciesFlags
    exhausted: list[str] = Field(description="Species still short with no candidate left")


class PlanDocument(BaseModel):
    """The plan (一厂一策) of a region on a day at a level."""

    region: PlanRegion
    date: dt.date = Field(description="China Standard Time day, YYYY-MM-DD")
    level: Level
    enterprises: list[PlanEnterprise] = Field(description="Empty when the level is none")
    totals_kg_d: SpeciesKg = Field(description="Mandatory reductions [kg d⁻¹]")
    baseline_t_d: SpeciesRatios = Field(description="Whole-society emissions [t d⁻¹]")
    required_ratio: float | None = Field(description="Required reduction ratio [1]")
    achieved_ratio: SpeciesRatios = Field(description="Reductions over the baseline [1]")
    target_met: SpeciesFlags
    shortfall_proposals: list[Proposal]
    catalogue: CatalogueRef
    notes: list[str]
    after_proposals: AfterProposals | None = Field(
        default=None, description="Present only when something is proposed"
    )
