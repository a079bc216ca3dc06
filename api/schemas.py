"""Response bodies of the HTTP API (documented in the OpenAPI schema at ``/docs``).

The engine returns typed records (:class:`engine.response.Response` and friends); these models
give them their JSON shape, the same for the HTTP API and the CLI's ``--format json``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AllResponses",
    "DayValues",
    "Decision",
    "Episode",
    "EpisodeRef",
    "ForecastIdentity",
    "Health",
    "Level",
    "NoticeIn",
    "NoticeOut",
    "RegionInfo",
    "RegionBrief",
    "Response",
]


Level = Literal["none", "pre_alert", "yellow", "orange", "red"]
"""A response level as the API accepts it: ``engine.levels.LEVELS`` (a test keeps them equal)."""


class RegionBrief(BaseModel):
    code: str = Field(description="Six-digit administrative code or own id")
    name: str


class RegionInfo(RegionBrief):
    kind: str = Field(description="county | city | province | key_region")
    parent: str | None = None


class ForecastIdentity(BaseModel):
    id: str
    issued: str = Field(description="Issue time of the forecast run, ISO 8601 UTC")


class DayValues(BaseModel):
    date: dt.date = Field(description="China Standard Time day, YYYY-MM-DD")
    pm25_24h: float | None = Field(description="Regional daily mean PM2.5 [µg/m³]")
    o3_mda8: float | None = Field(description="Regional O3 daily maximum 8-h mean [µg/m³]")
    aqi: int = Field(description="Daily AQI under the standard in force on the day")
    category: int = Field(description="AQI category 1 (excellent) … 6 (severely polluted)")
    primary_pollutants: list[str]


class EpisodeRef(BaseModel):
    id: str
    status: str = Field(description="started | merged | kept | upgraded | downgraded | lifted")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    region: RegionBrief
    date: dt.date = Field(description="First day the response applies to (CST)")
    level: str = Field(description="none | pre_alert | yellow | orange | red")
    regime: str = Field(description="pm25 | o3 | none")
    advisories: list[str]
    aqi_standard: str = Field(description="HJ633-2012 | HJ633-2026")
    rule_set: str = Field(description="Alert rule set applied, e.g. MEE-2024")
    days: list[DayValues] = Field(description="Forecast days from `date` on")
    reasons: list[str]
    forecast: ForecastIdentity
    reasons_zh: list[str] = Field(description="The reasons in Chinese")
    mode: str = Field(description="natural | rolling")
    forecast_level: str = Field(
        description="Level from the forecast alone, before episode and regional linkage"
    )
    episode: EpisodeRef | None = None
    probabilities: dict[str, float] | None = Field(
        default=None, description="Ensembles: share of members at or above each level"
    )
    valid_fraction: float = Field(
        description="Least share of the region's area with valid forecast values [1]"
    )
    degraded: bool = Field(
        description="The response rests on too little valid forecast area (see reasons)"
    )


class AllResponses(BaseModel):
    date: dt.date
    summary: dict[str, int] = Field(description="Number of regions at each level")
    responses: list[Response]


class Decision(BaseModel):
    id: int
    region: str
    date: str
    level: str
    regime: str
    forecast: ForecastIdentity
    rule_set: str
    aqi_standard: str
    reasons: list[str]
    reasons_zh: list[str]
    mode: str
    forecast_level: str | None
    episode: EpisodeRef | None
    probabilities: dict[str, float] | None
    created: str = Field(description="When the decision was issued, ISO 8601 UTC")


class NoticeIn(BaseModel):
    key_region: str = Field(description="Key region id, e.g. jjj (京津冀及周边), yrd, fwp")
    level: Literal["pre_alert", "yellow", "orange", "red"]
    start: dt.date
    end: dt.date
    reason: str = Field(min_length=1, description="Why, as written in the notice")

    @model_validator(mode="after")
    def _ordered(self) -> NoticeIn:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class NoticeOut(BaseModel):
    id: int
    key_region: str
    level: str
    start: str
    end: str
    reason: str


class EpisodeDay(BaseModel):
    date: str
    level: str
    forecast_level: str | None
    status: str | None
    reasons: list[str]
    reasons_zh: list[str]
    issued: str


class Episode(BaseModel):
    id: str
    region: str
    rule_set: str
    mode: str
    start: str
    end: str | None = Field(description="Date the episode was lifted; null while active")
    active: bool
    max_level: str
    history: list[EpisodeDay]


class Health(BaseModel):
    status: str
    forecast: ForecastIdentity
    first_date: str = Field(description="First CST date with daily values")
    last_date: str = Field(description="Last CST date with daily values")
    regions: int
