"""Response bodies of ``GET /v1/regions/{code}/plan`` — the plan document of
:func:`engine.measures.plan_document`, with the O3-episode section of
:func:`engine.ozone.episode_section` in the ozone regime — and of
``GET /v1/regions/{code}/ozone-programme`` (:func:`engine.ozone.programme_document`), key for
key (documented in the OpenAPI schema).

Fields are declared in the order the documents write them, so the JSON is the same with or
without the model; ``after_proposals`` and ``o3_episode`` are absent when empty (the route
serialises with ``response_model_exclude_unset``).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from api.schemas import Level

__all__ = [
    "AfterProposals",
    "CatalogueRef",
    "EpisodeEnterprise",
    "EpisodeEquipment",
    "EpisodeLine",
    "Measure",
    "O3Episode",
    "OzoneEnterprise",
    "OzoneEquipment",
    "OzoneLine",
    "OzoneProgramme",
    "OzoneProgrammeDocument",
    "OzoneTotals",
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


_ACTION = "shift | stop_daytime | reduce | none"
_WINDOW = "Restricted window [start, end] (HH:MM, CST); the end before the start: across midnight"


class OzoneTotals(BaseModel):
    voc_moved_kg: float = Field(description="VOC moved out of the windows [kg]")
    voc_removed_kg: float = Field(description="VOC removed: work dropped [kg]")
    lines: int = Field(description="Lines with an action")
    enterprises: int = Field(description="Enterprises with a line under an action")


class EpisodeEquipment(BaseModel):
    equipment_id: str
    kind: str
    voc_moved_kg: float = Field(description="The piece's share of its line's VOC moved [kg]")
    voc_removed_kg: float = Field(description="The piece's share of its line's VOC removed [kg]")


class EpisodeLine(BaseModel):
    line_id: str
    voc_process: str
    action: str = Field(description=_ACTION)
    window: list[str] = Field(description=_WINDOW)
    voc_moved_kg: float
    voc_removed_kg: float
    equipment: list[EpisodeEquipment]
    reason: str
    source: str


class EpisodeEnterprise(BaseModel):
    credit_code: str
    name: str
    grade: str
    self_directed: bool = Field(description="Self-directed grade: listed, no mandatory measure")
    lines: list[EpisodeLine]
    voc_moved_kg: float
    voc_removed_kg: float


class O3Episode(BaseModel):
    """O3-episode VOC measures (pilot, local defaults), apart from the PM measures."""

    id: str
    status: str = Field(description="local_default: Lantian's own, not a national rule")
    source: str
    o3_level: Level = Field(description="The level O3 alone would give")
    window: list[str] = Field(description=_WINDOW)
    enterprises: list[EpisodeEnterprise]
    totals: OzoneTotals
    notes: list[str]


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
    o3_episode: O3Episode | None = Field(
        default=None,
        description="O3 regime, when the level O3 alone would give reaches the pilot's trigger "
        "(yellow): VOC process measures per line and equipment; absent otherwise",
    )


class OzoneEquipment(BaseModel):
    equipment_id: str
    kind: str


class OzoneLine(BaseModel):
    line_id: str
    voc_process: str = Field(
        description="coating | printing | solvent_use | chemical_process | storage_loading | "
        "refuelling | other_voc"
    )
    action: str = Field(description="shift | stop_daytime | none")
    window: list[str] = Field(description=_WINDOW)
    days: list[dt.date] = Field(description="CST days the action applies")
    voc_moved_kg: float = Field(description="Over the days [kg]")
    voc_removed_kg: float = Field(description="Over the days [kg]")
    equipment: list[OzoneEquipment]
    reason: str
    source: str


class OzoneEnterprise(BaseModel):
    credit_code: str
    name: str
    grade: str
    eligible: bool = Field(description="Some VOC line of the firm falls under a rule")
    exempt_reason: str | None
    lines: list[OzoneLine] = Field(description="The firm's VOC lines")
    voc_moved_kg: float
    voc_removed_kg: float


class OzoneProgramme(BaseModel):
    id: str
    window: list[str] = Field(description="Window of the programme's first rule (HH:MM, CST)")
    trigger: str = Field(description="When the programme applies, in words")
    source: str
    status: str = Field(description="local_default (Lantian's default) or the region's own")


class OzoneProgrammeDocument(BaseModel):
    """A peak-shift programme (错峰生产) over a period: who moves what, when, how many kg."""

    region: PlanRegion
    from_: dt.date = Field(alias="from", description="First CST day")
    to: dt.date = Field(description="Last CST day")
    programme: OzoneProgramme
    enterprises: list[OzoneEnterprise] = Field(description="Firms with a VOC process")
    totals: OzoneTotals
