"""Responses from a cached forecast part plus the episode state (the service's fast path).

:func:`engine.response.respond` computes the forecast-only levels of a day (classification of
every region's hourly AQI: the costly part) and then applies the episode state and regional
linkage. For the served forecast the first part depends only on (date, rule set, mode), so
:class:`ForecastPart` keeps it, and :func:`compose` applies a given episode state and notices
to it with the engine's own functions, in the order ``respond`` does; a test keeps the two
equal for every region.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from engine.ensemble import ForecastLevel, forecast_levels
from engine.episodes import PriorDecision, continue_episode
from engine.levels import RuleSet
from engine.linkage import KeyRegionMembers, Notice, computed_notices, linkage_floor
from engine.regional import RegionalDaily
from engine.response import ForecastIdentity, RegionRef, Response, build_response

__all__ = ["ForecastPart", "compose", "forecast_part"]


@dataclasses.dataclass(frozen=True)
class ForecastPart:
    """The forecast-only levels of every region for one (date, rule set, mode)."""

    day: dt.date
    rule_set: RuleSet
    levels: Mapping[str, ForecastLevel]
    computed: tuple[Notice, ...]
    standard: str


def forecast_part(
    daily: RegionalDaily,
    codes: Sequence[str],
    day: dt.date,
    rule_set: RuleSet,
    *,
    mode: str,
    ensemble_threshold: float,
    pre_alert: bool,
    overrides: Mapping | None,
    key_regions: Mapping[str, KeyRegionMembers],
    linkage_share: float | None,
) -> ForecastPart:
    """Forecast levels of ``codes`` and the computed linkage notices they give."""
    levels = forecast_levels(
        daily, codes, day, rule_set, mode=mode, pre_alert=pre_alert, overrides=overrides,
        ensemble_threshold=ensemble_threshold,
    )  # fmt: skip
    computed: list[Notice] = []
    if linkage_share is not None and key_regions:
        pool = {c: levels[c].decision.level for c in codes}
        computed = computed_notices(pool, key_regions.values(), day, linkage_share)
    standard = str(daily.data["standard"].sel(date=np.datetime64(day, "ns")).item())
    return ForecastPart(day, rule_set, levels, tuple(computed), standard)


def compose(
    part: ForecastPart,
    regions: Sequence[RegionRef],
    forecast_identity: ForecastIdentity,
    *,
    prior: Mapping[str, tuple[PriorDecision | None, PriorDecision | None]],
    notices: Sequence[Notice],
    key_regions: Mapping[str, KeyRegionMembers],
    min_valid_fraction: float,
) -> list[Response]:
    """Responses of ``regions``: the cached forecast levels, the episode state, linkage."""
    all_notices = [*notices, *part.computed]
    out = []
    for region in regions:
        forecast = part.levels[region.code]
        last, last_active = prior.get(region.code, (None, None))
        episode = continue_episode(
            region.code, part.day, forecast.decision, part.rule_set, last, last_active
        )
        linkage = (
            linkage_floor(region.code, region.parent, part.day, all_notices, key_regions)
            if key_regions and all_notices
            else None
        )
        out.append(
            build_response(
                region, part.day, forecast, forecast_identity, part.standard, episode=episode,
                linkage=linkage, min_valid_fraction=min_valid_fraction,
            )
        )  # fmt: skip
    return out
