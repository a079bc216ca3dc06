"""Response bodies of the HTTP API (documented in the OpenAPI schema at ``/docs``).

The engine returns typed records (:class:`engine.response.Response` and friends); these models
give them their JSON shape, the same for the HTTP API and the CLI's ``--format json``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "MAX_REASON",
    "MAX_SPAN_DAYS",
    "AllResponses",
    "AuditEntry",
    "Code",
    "DecisionIn",
    "ErrorBody",
    "IsoDate",
    "KeyInfo",
    "NoticeWithdrawn",
    "Reason",
    "Stores",
    "WithdrawIn",
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

MAX_REASON = 2000
"""Longest reason accepted [characters]."""

MAX_SPAN_DAYS = 31
"""Longest date range of one request [days]."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Bidirectional embeddings, overrides, isolates and marks: they can make a reason read
# differently from what is stored.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (a date object passes): ``0`` or a timestamp is not a date."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        return value
    raise ValueError("must be a date of the form YYYY-MM-DD")


def _clean_text(value: str) -> str:
    for ch in value:
        if ch in _BIDI:
            raise ValueError(f"contains the bidirectional control character U+{ord(ch):04X}")
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise ValueError(f"contains the control character U+{ord(ch):04X}")
    if not value.strip():
        raise ValueError("is blank")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A CST day written ``YYYY-MM-DD`` (no timestamps)."""

Code = Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]{1,32}$", description="Region code")]
"""A region code or key region id: letters, digits, ``_`` and ``-`` (at most 32)."""

Reason = Annotated[
    str,
    Field(min_length=1, max_length=MAX_REASON, description="Why, in at most 2,000 characters"),
    AfterValidator(_clean_text),
]
"""A free-text reason: no control or bidirectional-override characters."""

Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_text)]


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, in one sentence")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Validation errors: location, message and type of each"
    )


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


class Override(BaseModel):
    level: str
    reason: str | None


class Withdrawal(BaseModel):
    at: str = Field(description="When, ISO 8601 UTC")
    by: str | None
    reason: str | None


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
    issued_by: str | None = Field(
        default=None, description="Officer who issued it (null: recorded before version 0.2)"
    )
    override: Override | None = Field(
        default=None, description="The officer's level instead of the computed one, and why"
    )
    inputs: dict[str, Any] | None = Field(
        default=None,
        description="Ids of what the decision rests on: forecast, rule set, AQI standard, "
        "previous decision, notices in force",
    )
    withdrawn: Withdrawal | None = None


class DecisionIn(BaseModel):
    """One decision to issue; ``level`` overrides the computed level and needs ``reason``."""

    model_config = ConfigDict(extra="forbid")

    region: Code
    date: IsoDate = Field(description="First CST day the decision applies to (YYYY-MM-DD)")
    level: Level | None = Field(default=None, description="Override of the computed level")
    reason: Reason | None = None
    rules: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,32}$")] | None = Field(
        default=None, description="Alert rule set id; default: the one in force on the date"
    )
    mode: Literal["natural", "rolling"] | None = None

    @model_validator(mode="after")
    def _override_has_reason(self) -> DecisionIn:
        if self.level is not None and self.reason is None:
            raise ValueError("an override (level) needs a reason")
        return self


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_region: Code = Field(description="Key region id, e.g. jjj (京津冀及周边), yrd, fwp")
    level: Literal["pre_alert", "yellow", "orange", "red"]
    start: IsoDate
    end: IsoDate
    reason: Reason = Field(description="Why, as written in the notice")

    @model_validator(mode="after")
    def _ordered(self) -> NoticeIn:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end - self.start).days + 1 > MAX_SPAN_DAYS:
            raise ValueError(f"a notice spans at most {MAX_SPAN_DAYS} days")
        return self


class NoticeOut(BaseModel):
    id: int
    key_region: str
    level: str
    start: str
    end: str
    reason: str


class NoticeWithdrawn(NoticeOut):
    withdrawn: Withdrawal


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


class Stores(BaseModel):
    decisions: str = Field(description="ok, or why the decision store cannot be used")
    registry: str = Field(description="ok, absent (plans unavailable), or why it is unreadable")


class Health(BaseModel):
    status: str = Field(description="ok | degraded (a store cannot be read or written)")
    stores: Stores | None = None
    forecast: ForecastIdentity
    first_date: str = Field(description="First CST date with daily values")
    last_date: str = Field(description="Last CST date with daily values")
    regions: int
    worker: int | None = Field(
        default=None, description="Process id of the worker that answered (serve --workers)"
    )


class AuditEntry(BaseModel):
    id: int
    time: str = Field(description="ISO 8601 UTC")
    who: str | None = Field(description="Key name and id, cli:<user>, or null (no valid key)")
    key_id: int | None
    role: str | None
    action: str = Field(description="Method and path, or the CLI command")
    target: str | None = Field(description="What was written: decision, notice or key ids")
    address: str | None = Field(description="Client address (cli for the command line)")
    outcome: int | None = Field(description="HTTP status (CLI: 0 done, 2 refused)")
    detail: str | None


class KeyInfo(BaseModel):
    id: int
    name: str
    role: str
    scope: str | None
    created: str
    revoked: str | None
