"""The response of a region: forecast level → episode → regional linkage, as a typed record.

:func:`respond` is the decision of one day for many regions: the forecast-only level
(:mod:`engine.ensemble`), held by the episode in force (:mod:`engine.episodes`, from the
decisions the caller read from its store), raised to at least the level of any regional notice
in force (:mod:`engine.linkage`). :class:`Response` is the one definition of what a response
holds; the faces serialise it (the HTTP and CLI JSON) and the decision store records it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from engine.ensemble import ForecastLevel, forecast_levels
from engine.episodes import EpisodeOutcome, PriorDecision, continue_episode
from engine.levels import LEVELS, Condition, RuleSet
from engine.linkage import KeyRegionMembers, Notice, computed_notices, linkage_floor
from engine.regional import DayValues, RegionalDaily
from engine.texts import say

__all__ = [
    "EpisodeRef",
    "ForecastIdentity",
    "RegionRef",
    "Response",
    "build_response",
    "overridden",
    "respond",
    "summarise",
]

Overrides = Mapping[str, tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...]]
"""Region code → extra clauses per level (see :func:`engine.levels.parse_overrides`)."""


@dataclasses.dataclass(frozen=True)
class RegionRef:
    """What a response needs of a region: code, name and parent code."""

    code: str
    name: str
    parent: str | None = None


@dataclasses.dataclass(frozen=True)
class ForecastIdentity:
    """The forecast run a response rests on: its id and issue time (ISO 8601 UTC)."""

    id: str
    issued: str


@dataclasses.dataclass(frozen=True)
class EpisodeRef:
    """The episode a response belongs to and what this response did to it.

    ``status``: ``started``, ``merged``, ``kept``, ``upgraded``, ``downgraded``, ``lifted``.
    """

    id: str
    status: str


@dataclasses.dataclass(frozen=True)
class Response:
    """The response of one region from ``date`` on (docs/glossary.md names every field).

    ``level`` is what is issued; ``forecast_level`` the level from the forecast alone;
    ``regime`` ``pm25`` (the mandatory response), ``o3`` (ozone) or ``none``; ``days`` the
    forecast days from ``date`` on; ``reasons`` and ``reasons_zh`` say why in English and
    Chinese; ``valid_fraction`` [1] is the least share of the region's area with valid
    forecast values and ``degraded`` whether that is too little; ``probabilities`` (ensembles
    only) the share of members at or above each level [1].
    """

    region: RegionRef
    date: dt.date
    level: str
    regime: str
    advisories: tuple[str, ...]
    aqi_standard: str
    rule_set: str
    days: tuple[DayValues, ...]
    reasons: tuple[str, ...]
    forecast: ForecastIdentity
    reasons_zh: tuple[str, ...]
    mode: str
    forecast_level: str
    episode: EpisodeRef | None
    probabilities: Mapping[str, float] | None
    valid_fraction: float
    degraded: bool


def build_response(
    region: RegionRef,
    day: dt.date,
    forecast: ForecastLevel,
    forecast_identity: ForecastIdentity,
    aqi_standard: str,
    *,
    min_valid_fraction: float,
    episode: EpisodeOutcome | None = None,
    linkage: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None,
) -> Response:
    """The response of one region: the forecast level, then episode and linkage.

    The issued ``level`` is the episode's level (hysteresis) raised to at least the level of
    any regional notice in force; ``forecast_level`` keeps the forecast-only level. A response
    resting on less than ``min_valid_fraction`` [1] of the region's area with valid forecast
    values (a region partly or wholly off the grid, missing cells) is marked ``degraded``.
    """
    decision = forecast.decision
    level = episode.level if episode else decision.level
    reasons, reasons_zh = list(decision.reasons), list(decision.reasons_zh)
    if episode:
        reasons += episode.reasons
        reasons_zh += episode.reasons_zh
    if linkage and LEVELS.index(linkage[0]) > LEVELS.index(level):
        level = linkage[0]
        reasons += linkage[1]
        reasons_zh += linkage[2]
    over = [f"{d.date:%m-%d}" for d in forecast.days if d.above_top]
    if over:
        en, zh = say("response.above_top", days=", ".join(over), days_zh="、".join(over))
        reasons.append(en)
        reasons_zh.append(zh)
    coverage = round(forecast.valid_fraction, 4)
    degraded = coverage < min_valid_fraction or not forecast.days
    if degraded:
        en, zh = say("response.degraded", coverage=coverage, minimum=min_valid_fraction)
        reasons.append(en)
        reasons_zh.append(zh)
    regime = decision.regime
    if level != "none" and decision.level == "none":
        regime = "pm25"  # held by an episode or a regional notice: the mandatory response
    return Response(
        region=RegionRef(region.code, region.name),
        date=day,
        level=level,
        regime=regime,
        advisories=decision.advisories,
        aqi_standard=aqi_standard,
        rule_set=decision.rule_set,
        days=forecast.days,
        reasons=tuple(reasons),
        forecast=forecast_identity,
        reasons_zh=tuple(reasons_zh),
        mode=decision.mode,
        forecast_level=decision.level,
        episode=(
            EpisodeRef(episode.episode_id, episode.status)
            if episode and episode.episode_id
            else None
        ),
        valid_fraction=coverage,
        degraded=degraded,
        probabilities=forecast.probabilities,
    )


def summarise(responses: Sequence[Response]) -> dict[str, int]:
    """Number of responses at each level, every level listed."""
    counts = dict.fromkeys(LEVELS, 0)
    for r in responses:
        counts[r.level] += 1
    return counts


def respond(
    daily: RegionalDaily,
    regions: Sequence[RegionRef],
    day: dt.date,
    forecast_identity: ForecastIdentity,
    rule_set: RuleSet,
    *,
    mode: str,
    ensemble_threshold: float,
    min_valid_fraction: float,
    pre_alert: bool = False,
    overrides: Overrides | None = None,
    prior: Mapping[str, tuple[PriorDecision | None, PriorDecision | None]] | None = None,
    notices: Sequence[Notice] = (),
    key_regions: Mapping[str, KeyRegionMembers] | None = None,
    linkage_share: float | None = None,
    linkage_regions: Sequence[str] | None = None,
) -> list[Response]:
    """Responses of ``regions`` from ``day`` on: forecast level → episode → regional linkage.

    Parameters
    ----------
    prior : mapping, optional
        Region code → (latest earlier decision, latest earlier active decision), from the
        decision store; None skips the episode logic (a one-off computation).
    notices : sequence of Notice
        Regional alert notices entered by alert centres.
    key_regions : mapping, optional
        Key region code → its members, for linkage.
    linkage_share : float, optional
        If given, a key region whose member cities reach a level in at least this share gets a
        computed notice at that level (docs/rules.md §2.1 [?]: the share is a local choice).
    linkage_regions : sequence of str, optional
        Codes whose forecast levels count for computed linkage (default: ``regions``).
    min_valid_fraction : float
        Responses resting on a smaller share of a region's area with valid forecast values are
        marked ``degraded`` [1] (our data-quality rule [I]; default in ``rule_sets.toml``).
    Other parameters are those of :func:`engine.ensemble.forecast_levels`.
    """

    def levels_of(codes: Sequence[str]) -> dict[str, ForecastLevel]:
        return forecast_levels(
            daily,
            codes,
            day,
            rule_set,
            mode=mode,
            pre_alert=pre_alert,
            overrides=overrides,
            ensemble_threshold=ensemble_threshold,
        )

    codes = [r.code for r in regions]
    levels = levels_of(codes)
    all_notices = list(notices)
    if linkage_share is not None and key_regions:
        pool = list(linkage_regions) if linkage_regions is not None else codes
        missing = [c for c in pool if c not in levels]
        pool_levels = {c: levels[c].decision.level for c in pool if c in levels}
        if missing:
            extra = levels_of(missing)
            pool_levels |= {c: v.decision.level for c, v in extra.items()}
        all_notices += computed_notices(pool_levels, key_regions.values(), day, linkage_share)
    standard = str(daily.data["standard"].sel(date=np.datetime64(day, "ns")).item())
    out = []
    for region in regions:
        forecast = levels[region.code]
        episode = None
        if prior is not None:
            last, last_active = prior.get(region.code, (None, None))
            episode = continue_episode(
                region.code, day, forecast.decision, rule_set, last, last_active
            )
        linkage = (
            linkage_floor(region.code, region.parent, day, all_notices, key_regions)
            if key_regions and all_notices
            else None
        )
        out.append(
            build_response(
                region,
                day,
                forecast,
                forecast_identity,
                standard,
                episode=episode,
                linkage=linkage,
                min_valid_fraction=min_valid_fraction,
            )
        )
    return out


def overridden(response: Response, level: str) -> Response:
    """``response`` issued at ``level`` instead (an officer's override), its episode following
    the officer's choice: started, upgraded, downgraded or lifted."""
    if level == response.level:
        return response
    code, episode = response.region.code, response.episode
    if level == "none":
        episode = EpisodeRef(episode.id, "lifted") if episode else None
    elif episode is None:
        episode = EpisodeRef(f"{code}:{response.date.isoformat()}", "started")
    else:
        up = LEVELS.index(level) > LEVELS.index(response.level)
        episode = EpisodeRef(episode.id, "upgraded" if up else "downgraded")
    regime = "pm25" if level != "none" and response.regime == "none" else response.regime
    return dataclasses.replace(response, level=level, episode=episode, regime=regime)
