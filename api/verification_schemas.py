"""Pydantic models of the verification document (``GET /v1/verification``, ``lantian verify``).

Field for field the dict of :func:`engine.verify.verification_document`; the keys of the
issue's contract (``from``, ``to``, ``source``, ``by_level``, ``aqi``, ``regions``) first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Level

__all__ = ["Verification"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class LevelScores(_Model):
    """Contingency counts and scores of the event "level ≥ L" [1]; null where undefined."""

    hits: int
    misses: int
    false_alarms: int
    correct_negatives: int
    pod: float | None
    far: float | None
    csi: float | None
    hss: float | None


class ByLevel(_Model):
    yellow: LevelScores
    orange: LevelScores
    red: LevelScores


class AqiScores(_Model):
    """Bias and RMSE of the daily AQI (forecast − observed) [1], and the share of days whose
    category is right [1]; null without forecast AQI (decisions)."""

    bias: float | None
    rmse: float | None
    category_accuracy: float | None


class ErrorScores(_Model):
    """Bias and RMSE [µg m⁻³] over ``n`` pairs with both values."""

    bias: float | None
    rmse: float | None
    n: int


class Pollutants(_Model):
    pm25: ErrorScores
    o3_mda8: ErrorScores


class RegionName(_Model):
    code: str
    name: str


class VerifiedDay(_Model):
    date: str
    lead_day: int
    level_forecast: Level
    level_observed: Level
    aqi_forecast: int | None
    aqi_observed: int


class RegionDays(_Model):
    region: RegionName
    days: list[VerifiedDay]


class LeadDayScores(_Model):
    lead_day: int
    pairs: int
    by_level: ByLevel
    aqi: AqiScores
    category_range_accuracy: float | None
    pollutants: Pollutants


class SkillOnly(_Model):
    pod: float | None
    far: float | None
    csi: float | None
    hss: float | None


class RollingByLevel(_Model):
    yellow: SkillOnly
    orange: SkillOnly
    red: SkillOnly


class RollingDay(_Model):
    """Scores over the window ending at ``date``."""

    date: str
    pairs: int
    by_level: RollingByLevel
    category_accuracy: float | None


class Verification(_Model):
    """Verification of forecast levels against observations over a period (docs/rules.md §6)."""

    from_: str = Field(alias="from", description="first CST date verified")
    to: str = Field(description="last CST date verified")
    source: Literal["decisions", "forecast"]
    by_level: ByLevel
    aqi: AqiScores
    regions: list[RegionDays]
    pairs: int = Field(description="region-days (and lead days) verified")
    left_out: int = Field(description="region-days without a valid observation, not scored")
    category_range_accuracy: float | None = Field(
        description="share of days whose observed category lies in the forecast AQI range's"
    )
    category_range_half_width: int
    pollutants: Pollutants
    by_lead_day: list[LeadDayScores]
    rolling: dict[str, list[RollingDay]] = Field(
        description="window length in days → scores over the window ending at each date"
    )
