"""Verification for the faces: read the stores, call :mod:`engine.verify`, return the document.

Shared by ``lantian verify`` and ``GET /v1/verification``. The decision store is only read
through its public ``list`` method; the observations through :mod:`observations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from api.store import DecisionStore
from engine.errors import NotFoundError
from engine.levels import get_rule_set, rule_table
from engine.regional import RegionalDaily
from engine.verify import (
    ForecastSide,
    Pairs,
    decision_side,
    forecast_side,
    horizon_days,
    pair_with_observations,
)
from observations import ObservationStore, city_daily

__all__ = ["decision_pairs", "forecast_pairs", "observation_store", "observed_for"]

_ALL = 10**9  # "every decision" for DecisionStore.list


def observation_store(path: str | Path) -> ObservationStore:
    """The observation store at ``path``; :class:`NotFoundError` if there is none."""
    if not Path(path).is_file():
        raise NotFoundError(
            f"no observation store at {path}; create it with `lantian observations import` "
            "(or `lantian demo-data`)"
        )
    return ObservationStore(path)


def observed_for(
    store: ObservationStore, side: ForecastSide, *, pre_alert: bool = False
) -> RegionalDaily | None:
    """Observed city values for the regions and dates of ``side``, through the last date plus
    the days an observed level needs (None when no region of ``side`` has a station)."""
    if len(side) == 0:
        return None
    codes = sorted(set(side.region.tolist()))
    if store.stations(codes)["id"].size == 0:
        return None
    extra = max(
        horizon_days(rule_table(get_rule_set(r), pre_alert=pre_alert))
        for r in set(side.rule_set.tolist())
    )
    first = side.date.min().item()
    last = side.date.max().item() + dt.timedelta(days=extra - 1)
    return city_daily(store, first, last, cities=codes)


def decision_pairs(
    decisions: DecisionStore,
    observations: ObservationStore,
    first: dt.date,
    last: dt.date,
    *,
    regions: Sequence[str] | None = None,
    pre_alert: bool = False,
) -> Pairs:
    """Pairs of the levels issued for ``first`` … ``last`` (all regions, or ``regions``)."""
    if regions:
        records: list[dict[str, Any]] = []
        for code in regions:
            records += decisions.list(region=code, limit=_ALL)
    else:
        records = decisions.list(limit=_ALL)
    period = [r for r in records if first.isoformat() <= r["date"] <= last.isoformat()]
    side = decision_side(period)
    return pair_with_observations(
        side, observed_for(observations, side, pre_alert=pre_alert), pre_alert=pre_alert
    )


def forecast_pairs(
    forecasts: Sequence[str | Path],
    regions_spec: str,
    observations: ObservationStore,
    *,
    regions: Sequence[str] | None = None,
    rules: str | None = None,
    pre_alert: bool = False,
    ensemble_threshold: float,
) -> tuple[Pairs, Mapping[str, str]]:
    """Pairs of the levels of forecast files over the regions of ``regions_spec``, and the
    region names."""
    from api.preparation import prepare  # reads forecasts; compiles kernels on first use

    sides = []
    names: dict[str, str] = {}
    for path in forecasts:
        forecast, region_set, daily = prepare(path, regions_spec)
        names |= {r.code: r.name for r in region_set}
        codes = list(regions) if regions else list(region_set.codes)
        for code in codes:
            region_set.get(code)  # NotFoundError naming the region
        sides.append(
            forecast_side(
                daily,
                codes,
                forecast.issued,
                ensemble_threshold=ensemble_threshold,
                rule_set=get_rule_set(rules) if rules else None,
                pre_alert=pre_alert,
            )
        )
    side = ForecastSide.combine(sides)
    observed = observed_for(observations, side, pre_alert=pre_alert)
    return pair_with_observations(side, observed, pre_alert=pre_alert), names
