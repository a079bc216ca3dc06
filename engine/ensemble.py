"""Forecast-only levels of many regions at once, and the level of an ensemble.

:func:`forecast_levels` classifies every region's steps (CST days or 24-h windows) from the day
asked, one kernel call per distinct rule table (regions with regional overrides get their
own). For an ensemble forecast (a ``member`` dim) the level issued is the highest whose
probability — the share of members at or above it — reaches the threshold (docs/rules.md §2.1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.errors import DataCoverageError
from engine.levels import (
    LEVELS,
    Classification,
    Condition,
    LevelDecision,
    RuleSet,
    classify_arrays,
    rule_table,
)
from engine.regional import DayValues, RegionalDaily, as_datetime, covered_dates
from engine.texts import say

__all__ = ["ForecastLevel", "forecast_levels"]


@dataclasses.dataclass(frozen=True)
class ForecastLevel:
    """A region's level from the forecast alone, with the days it rests on.

    ``probabilities`` (ensembles only) is the share of members at or above each level.
    """

    decision: LevelDecision
    days: tuple[DayValues, ...]
    valid_fraction: float
    probabilities: dict[str, float] | None = None


def forecast_levels(
    daily: RegionalDaily,
    codes: Sequence[str],
    day: dt.date,
    rule_set: RuleSet,
    *,
    mode: str,
    pre_alert: bool = False,
    overrides: Mapping[str, tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...]]
    | None = None,
    ensemble_threshold: float,
) -> dict[str, ForecastLevel]:
    """The forecast-only level of each region in ``codes`` from ``day`` on.

    Parameters
    ----------
    daily : RegionalDaily
        Output of :func:`regional_daily`.
    codes : sequence of str
        Region codes (present in ``daily``).
    day : datetime.date
        First CST day the response applies to.
    rule_set : RuleSet
        The alert rule set.
    mode : {"natural", "rolling"}
        Natural CST days, or every 24-h window across midnight.
    pre_alert : bool
        Use the local pre-alert tier of the rule set.
    overrides : mapping, optional
        Region code → extra clauses per level (stricter regional rules, see
        :func:`engine.levels.rule_table`).
    ensemble_threshold : float
        Ensembles: the level chosen is the highest whose probability (share of members at or
        above it) is at least this [1] (default in ``rule_sets.toml``: :func:`decision_defaults`).

    Raises
    ------
    DataCoverageError
        ``day`` is not a whole forecast day; the message names the dates covered.
    """
    first, last = covered_dates(daily)
    if not first <= day <= last:
        raise DataCoverageError(
            f"the forecast has daily values for {first.isoformat()} to {last.isoformat()} "
            f"(China Standard Time); {day.isoformat()} is outside"
        )
    overrides = overrides or {}
    aqi_all, primary_all, pollutants, starts_all = daily.step_arrays(mode)
    first_start = np.datetime64(day, "ns")
    last_start = np.datetime64(last + dt.timedelta(days=1), "ns") - np.timedelta64(24, "h")
    steps = np.flatnonzero((starts_all >= first_start) & (starts_all <= last_start))
    regions = daily.region_index(codes)
    members = aqi_all.shape[0]
    aqi = aqi_all[:, regions][:, :, steps].reshape(members * len(codes), steps.size)
    primary = primary_all[:, regions][:, :, steps].reshape(
        members * len(codes), steps.size, len(pollutants)
    )
    starts = [as_datetime(t) for t in starts_all[steps]]
    records = daily.day_records()
    valid = daily.data["valid_fraction"]
    if "member" in valid.dims:
        valid = valid.min("member")
    valid_by_code = dict(zip(codes, valid.values[daily.region_index(codes)].tolist(), strict=True))
    values = {code: tuple(r for r in records[code] if day <= r.date <= last) for code in codes}

    # One kernel call per distinct rule table (regions with overrides get their own).
    groups: dict[Any, list[int]] = {}
    for r, code in enumerate(codes):
        groups.setdefault(overrides.get(code, ()), []).append(r)
    out: dict[str, ForecastLevel] = {}
    for extra, region_rows in groups.items():
        table = rule_table(rule_set, pre_alert=pre_alert, extra=extra)
        rows = np.array([m * len(codes) + r for m in range(members) for r in region_rows])
        result = classify_arrays(aqi[rows], primary[rows], pollutants, starts, table, mode)
        if daily.ensemble:
            chosen = _ensemble(result, members, len(region_rows), ensemble_threshold)
        for j, r in enumerate(region_rows):
            code = codes[r]
            if not daily.ensemble:
                decision, probabilities = result.decision(j), None
            else:
                decision, probabilities = chosen(j)
            out[code] = ForecastLevel(decision, values[code], valid_by_code[code], probabilities)
    return out


def _ensemble(result: Classification, members: int, regions: int, threshold: float):
    """Per-region chooser over ensemble members (rows are member-major).

    The level issued is the highest whose probability — the share of members at or above
    it — is at least ``threshold``; the hours the forecast stays clean are the ones at least
    that share of members reach (so lifting needs the same confidence as starting).
    """
    level = result.level.reshape(members, regions)
    advisory_any = (level == 0) & (result.level_any.reshape(members, regions) > 0)
    advisory_only = advisory_any.mean(axis=0)
    names = [name for name in LEVELS[1:] if name in result.table.levels]
    share = {name: (level >= LEVELS.index(name)).mean(axis=0) for name in names}
    chosen = np.zeros(regions, dtype=np.int8)
    for name in names:
        chosen = np.where(share[name] >= threshold, LEVELS.index(name), chosen)
    quantile = 1.0 - threshold
    clear = {
        name: np.quantile(hours.reshape(members, regions), quantile, axis=0, method="lower")
        for name, hours in result.clear_hours.items()
    }

    def decide(j: int) -> tuple[LevelDecision, dict[str, float]]:
        probabilities = {name: round(float(share[name][j]), 4) for name in names}
        name = LEVELS[chosen[j]]
        at_level = np.flatnonzero(level[:, j] == chosen[j])
        base = result.decision(int(at_level[0] if at_level.size else 0) * regions + j)
        p = probabilities.get(name, 1.0 - max(probabilities.values(), default=0.0))
        note_en, note_zh = say(
            "ensemble.chosen", members=members, share=p, threshold=threshold, level=name
        )
        hours = {k: int(v[j]) for k, v in clear.items()}
        if name == "none":
            # The advisory (O3 under MEE-2024, docs/rules.md §2.2) needs the same confidence.
            advisory = bool(advisory_only[j] >= threshold)
            source = base
            if advisory:
                member = int(np.flatnonzero(advisory_any[:, j])[0])
                source = result.decision(member * regions + j)
            decision = LevelDecision(
                "none",
                source.regime if advisory else "none",
                source.advisories if advisory else (),
                (note_en,),
                (note_zh,),
                base.rule_set,
                base.mode,
                hours,
            )
            return decision, probabilities
        decision = dataclasses.replace(
            base,
            level=name,
            reasons=(note_en, *base.reasons),
            reasons_zh=(note_zh, *base.reasons_zh),
            clear_hours=hours,
        )
        return decision, probabilities

    return decide
