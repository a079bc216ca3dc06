"""Forecast–observation pairs: the forecast side (decisions issued, or a forecast's levels), the
level the observations would have triggered, and the observed daily values.

A pair is one (region, CST date, lead day). The lead day is the date minus the CST date of the
forecast's ``issued`` time (docs/rules.md §6). The observed level of a date comes from the same
rule code as a forecast's: :func:`engine.levels.classify_arrays` on the observed daily AQI and
primary pollutants from that date on (natural mode, as many days as the rule set's longest
clause needs), under the rule set of the forecast side's pair.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.cst import CST
from engine.ensemble import forecast_levels
from engine.errors import ForecastError
from engine.levels import (
    LEVELS,
    RuleSet,
    RuleTable,
    classify_arrays,
    get_rule_set,
    rule_set_for,
    rule_table,
)
from engine.regional import RegionalDaily, covered_dates

__all__ = [
    "ForecastSide",
    "Pairs",
    "decision_side",
    "forecast_side",
    "horizon_days",
    "issued_date",
    "observed_levels",
    "pair_with_observations",
]


@dataclasses.dataclass(frozen=True)
class ForecastSide:
    """The forecasts to verify, one row per (region, date, lead day), as columns.

    ``region`` (object codes), ``date`` (datetime64[D], CST), ``lead_day`` (int64 [d]),
    ``level`` (int8 index into ``LEVELS``), ``rule_set`` (object ids), ``aqi`` (int32, −1
    unknown), ``pm25`` and ``o3_mda8`` (float64 [µg m⁻³], NaN unknown); ``source``
    ``"decisions"`` or ``"forecast"``.
    """

    source: str
    region: np.ndarray
    date: np.ndarray
    lead_day: np.ndarray
    level: np.ndarray
    rule_set: np.ndarray
    aqi: np.ndarray
    pm25: np.ndarray
    o3_mda8: np.ndarray

    def __len__(self) -> int:
        return int(self.date.size)

    @classmethod
    def combine(cls, sides: Sequence[ForecastSide]) -> ForecastSide:
        """One side from several (e.g. several forecast files); where two give the same
        region, date and lead day, the later in ``sides`` counts."""
        if not sides:
            raise ForecastError("nothing to verify: no forecast given")
        names = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
        joined = {n: np.concatenate([getattr(s, n) for s in sides]) for n in names}
        key = np.array(
            [
                f"{r}|{d}|{k}"
                for r, d, k in zip(
                    joined["region"], joined["date"], joined["lead_day"], strict=True
                )
            ]
        )
        # the last occurrence of each key
        _, last = np.unique(key[::-1], return_index=True)
        keep = np.sort(key.size - 1 - last)
        return cls(source=sides[0].source, **{n: v[keep] for n, v in joined.items()})

    @classmethod
    def from_rows(cls, source: str, rows: Sequence[Mapping[str, Any]]) -> ForecastSide:
        """From rows with keys ``region``, ``date``, ``lead_day``, ``level``, ``rule_set`` and
        optional ``aqi``, ``pm25``, ``o3_mda8`` (None: unknown)."""

        def number(key: str) -> np.ndarray:
            values = [r.get(key) for r in rows]
            return np.array([np.nan if v is None else v for v in values], np.float64)

        aqi = [r.get("aqi") for r in rows]
        return cls(
            source=source,
            region=np.array([str(r["region"]) for r in rows], dtype=object),
            date=np.array([np.datetime64(r["date"], "D") for r in rows], "datetime64[D]"),
            lead_day=np.array([int(r["lead_day"]) for r in rows], np.int64),
            level=np.array([LEVELS.index(r["level"]) for r in rows], np.int8),
            rule_set=np.array([str(r["rule_set"]) for r in rows], dtype=object),
            aqi=np.array([-1 if a is None else int(a) for a in aqi], np.int32),
            pm25=number("pm25"),
            o3_mda8=number("o3_mda8"),
        )


def issued_date(issued: str) -> dt.date:
    """The CST date of an ISO 8601 issue time (UTC when it names no offset)."""
    text = issued.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ForecastError(
            f"issue time {issued!r} is not ISO 8601 (e.g. 2026-11-30T12:00Z); the lead day is "
            "counted from it"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).date()


def decision_side(decisions: Iterable[Mapping[str, Any]]) -> ForecastSide:
    """The levels issued, from decision records (as ``api.store.DecisionStore.list`` gives).

    Each record needs ``id``, ``region``, ``date``, ``level``, ``rule_set``, ``mode`` and
    ``forecast.issued``. Only natural-mode decisions are taken (the observed level is a
    natural-day level); where several decisions share a region, date and lead day (a response
    asked again), the last recorded one counts. Decisions issued after their date (negative
    lead) are left out. The store holds no AQI, so ``aqi``, ``pm25`` and ``o3_mda8`` are
    unknown.
    """
    latest: dict[tuple[str, str, int], Mapping[str, Any]] = {}
    for record in decisions:
        if record.get("mode", "natural") != "natural":
            continue
        lead = dt.date.fromisoformat(record["date"]) - issued_date(record["forecast"]["issued"])
        key = (record["region"], record["date"], lead.days)
        if lead.days < 0:
            continue
        if key not in latest or record["id"] > latest[key]["id"]:
            latest[key] = record
    rows = [
        {
            "region": r,
            "date": d,
            "lead_day": lead,
            "level": rec["level"],
            "rule_set": rec["rule_set"],
        }
        for (r, d, lead), rec in sorted(latest.items())
    ]
    return ForecastSide.from_rows("decisions", rows)


def forecast_side(
    daily: RegionalDaily,
    codes: Sequence[str],
    issued: str,
    *,
    ensemble_threshold: float,
    rule_set: RuleSet | None = None,
    pre_alert: bool = False,
) -> ForecastSide:
    """The forecast's own levels for every day it covers from the day of issue on.

    For each CST day D of the forecast (lead day ≥ 0), the level of each region from D on
    (:func:`engine.ensemble.forecast_levels`, natural mode, under ``rule_set`` or the one in
    force on D) with the forecast's daily AQI, PM2.5 and O3 MDA8 of D.

    Parameters
    ----------
    daily : RegionalDaily
        Regional daily values of the forecast (:func:`engine.regional.regional_daily`).
    codes : sequence of str
        Regions to verify.
    issued : str
        The forecast's issue time, ISO 8601 (UTC unless it names an offset).
    ensemble_threshold : float
        Ensembles: see :func:`engine.ensemble.forecast_levels` [1].
    """
    if not issued:
        raise ForecastError("the forecast has no 'issued' time; the lead day is counted from it")
    day0 = issued_date(issued)
    first, last = covered_dates(daily)
    rows: list[dict[str, Any]] = []
    records = daily.day_records()
    by_date = {code: {d.date: d for d in records[code]} for code in codes}
    day = max(first, day0)
    while day <= last:
        rules = rule_set or rule_set_for(day)
        levels = forecast_levels(
            daily,
            codes,
            day,
            rules,
            mode="natural",
            pre_alert=pre_alert,
            ensemble_threshold=ensemble_threshold,
        )
        for code in codes:
            values = by_date[code].get(day)
            rows.append(
                {
                    "region": code,
                    "date": day,
                    "lead_day": (day - day0).days,
                    "level": levels[code].decision.level,
                    "rule_set": rules.id,
                    "aqi": values.aqi if values else None,
                    "pm25": values.pm25_24h if values else None,
                    "o3_mda8": values.o3_mda8 if values else None,
                }
            )
        day += dt.timedelta(days=1)
    return ForecastSide.from_rows("forecast", rows)


def horizon_days(table: RuleTable) -> int:
    """CST days of observations an observed level rests on: the longest clause's [d]."""
    return max(1, math.ceil(int(table.hours.max()) / 24))


def observed_levels(
    aqi: np.ndarray, primary: np.ndarray, pollutants: Sequence[str], table: RuleTable
) -> np.ndarray:
    """The level the observations trigger from each date on, ``(region, date) -> (region, date)``.

    Parameters
    ----------
    aqi : ndarray of int, (region, date)
        Observed daily AQI [1]; negative where missing.
    primary : ndarray of bool, (region, date, pollutant)
        Observed primary pollutants.
    pollutants : sequence of str
        Pollutant of each position of the last axis of ``primary``.
    table : RuleTable
        The rule table (:func:`engine.levels.rule_table`).

    Returns
    -------
    ndarray of int8, (region, date)
        Level index into ``LEVELS`` of the run of days starting at each date, classified by
        :func:`engine.levels.classify_arrays` over :func:`horizon_days` days (fewer at the end
        of the data: missing days break a run); −1 where the date's AQI is missing.
    """
    aqi = np.asarray(aqi, np.int32)
    n_regions, n_dates = aqi.shape
    horizon = horizon_days(table)
    padded = np.concatenate([aqi, np.full((n_regions, horizon - 1), -1, np.int32)], axis=1)
    flags = np.concatenate(
        [primary, np.zeros((n_regions, horizon - 1, primary.shape[-1]), bool)], axis=1
    )
    windows = np.lib.stride_tricks.sliding_window_view(padded, horizon, axis=1)
    flag_windows = np.lib.stride_tricks.sliding_window_view(flags, horizon, axis=1)
    series = np.ascontiguousarray(windows.reshape(n_regions * n_dates, horizon))
    series_flags = np.ascontiguousarray(
        np.moveaxis(flag_windows, -1, 2).reshape(n_regions * n_dates, horizon, len(pollutants))
    )
    starts = [dt.datetime(2000, 1, 1) + dt.timedelta(days=k) for k in range(horizon)]
    result = classify_arrays(series, series_flags, pollutants, starts, table, "natural")
    levels = result.level.reshape(n_regions, n_dates).astype(np.int8)
    return np.where(aqi >= 0, levels, -1).astype(np.int8)


@dataclasses.dataclass(frozen=True)
class Pairs:
    """The forecast side with what was observed: ``level_observed`` (int8, −1 left out),
    ``aqi_observed`` (int32, −1 missing), ``pm25_observed``, ``o3_mda8_observed`` (float64
    [µg m⁻³], NaN missing). A pair is verified when its date has a valid observed AQI."""

    side: ForecastSide
    level_observed: np.ndarray
    aqi_observed: np.ndarray
    pm25_observed: np.ndarray
    o3_mda8_observed: np.ndarray

    @property
    def verified(self) -> np.ndarray:
        return self.level_observed >= 0

    def select(self, keep: np.ndarray) -> Pairs:
        """The pairs where ``keep`` is True."""
        side = dataclasses.replace(
            self.side,
            **{
                f.name: getattr(self.side, f.name)[keep]
                for f in dataclasses.fields(self.side)
                if f.name != "source"
            },
        )
        return Pairs(
            side,
            self.level_observed[keep],
            self.aqi_observed[keep],
            self.pm25_observed[keep],
            self.o3_mda8_observed[keep],
        )


def pair_with_observations(
    side: ForecastSide, observed: RegionalDaily | None, *, pre_alert: bool = False
) -> Pairs:
    """Each forecast row with the observed level, AQI, PM2.5 and O3 MDA8 of its region and date.

    ``observed`` holds the observed daily values ``(region, date)`` (e.g. from
    ``observations.city_daily``), best extending past the last date by :func:`horizon_days` so
    that the last dates' levels see their whole run; None when no region has a station. Rows
    whose region or date the observations lack, or whose observed AQI is missing, are left out
    (``level_observed`` −1).
    """
    if observed is None:
        n = len(side)
        return Pairs(
            side,
            np.full(n, -1, np.int8),
            np.full(n, -1, np.int32),
            np.full(n, np.nan),
            np.full(n, np.nan),
        )
    data = observed.data
    codes = [str(c) for c in data["region"].values]
    dates = data["date"].values.astype("datetime64[D]")
    aqi_all, primary_all, pollutants, _ = observed.step_arrays("natural")
    aqi, primary = aqi_all[0], primary_all[0]  # observations are not an ensemble
    # one hash look-up per pair (a year of 370 cities × 10 leads is 1.35 M pairs)
    row = pd.Index(codes, dtype=object).get_indexer(pd.Index(side.region, dtype=object))
    row = row.astype(np.int64)
    if dates.size and (np.diff(dates) == np.timedelta64(1, "D")).all():
        col = (side.date - dates[0]).astype(np.int64)  # consecutive days: arithmetic
    else:
        col = np.searchsorted(dates, side.date) if dates.size else np.zeros(len(side), np.int64)
    inside = (row >= 0) & (col >= 0) & (col < dates.size)
    inside[inside] &= dates[col[inside]] == side.date[inside]
    r, c = row[inside], col[inside]
    level = np.full(len(side), -1, np.int8)
    for rule_id in pd.unique(side.rule_set):
        table = rule_table(get_rule_set(rule_id), pre_alert=pre_alert)
        levels = observed_levels(aqi, primary, pollutants, table)
        mine = side.rule_set[inside] == rule_id
        level[np.flatnonzero(inside)[mine]] = levels[r[mine], c[mine]]
    aqi_obs = np.full(len(side), -1, np.int32)
    aqi_obs[inside] = aqi[r, c]

    def values(name: str) -> np.ndarray:
        out = np.full(len(side), np.nan)
        if name in data:
            out[inside] = data[name].transpose("region", "date").values[r, c]
        return out

    return Pairs(side, level, aqi_obs, values("pm25"), values("o3_mda8"))
