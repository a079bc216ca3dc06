"""The decision pipeline: a forecast on a grid → regional daily AQI → response per region.

Order matters (DESIGN.md): concentrations are averaged over each region first (area-weighted
hourly means), then daily statistics are taken in China Standard Time — MDA8 of the regional
mean, not the mean of gridded MDA8 — then the AQI under the standard in force on each day, then
the level under the rule set in force on the requested date, then the episode and regional
linkage adjustments (decided by the caller from its stores: :mod:`engine.episodes`,
:mod:`engine.linkage`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine.aggregate import regional_mean
from engine.aqi import daily_aqi_dataset
from engine.daily import daily_statistics
from engine.episodes import EpisodeOutcome, PriorDecision, continue_episode
from engine.errors import DataCoverageError
from engine.levels import (
    LEVELS,
    Condition,
    LevelDecision,
    RuleSet,
    classify_arrays,
    rule_table,
)
from engine.linkage import KeyRegionMembers, Notice, computed_notices, linkage_floor

__all__ = [
    "POLLUTANTS",
    "ForecastLevel",
    "RegionRef",
    "RegionalDaily",
    "build_response",
    "covered_dates",
    "forecast_levels",
    "regional_daily",
    "respond",
    "summarise",
]

POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
_DAY_FIELDS = {"pm25_24h": "pm25", "o3_mda8": "o3_8h"}
_HOUR = np.timedelta64(1, "h")


@dataclasses.dataclass(frozen=True)
class RegionalDaily:
    """Regional hourly means, daily statistics and daily AQI of every region.

    Attributes
    ----------
    data : xarray.Dataset
        ``([member,] region, date)``: daily statistics (``pm25``, ``o3_8h``, ``o3_1h``, …
        [µg m⁻³]), ``aqi``, ``category``, ``primary_<pollutant>``, the ``standard`` per date,
        and ``valid_fraction`` ``([member,] region)`` [1], the least share of a region's area
        with valid forecast values over the forecast hours.
    hourly : xarray.Dataset
        ``([member,] region, time)`` area-weighted hourly means [µg m⁻³], ``time`` UTC.
    standard : str or None
        AQI standard forced for every day, or None for the standard in force on each day.
    """

    data: xr.Dataset
    hourly: xr.Dataset
    standard: str | None = None
    _cache: dict[Any, Any] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def region_index(self, codes: Sequence[str]) -> np.ndarray:
        """Positions of ``codes`` along the ``region`` dim."""
        if "index" not in self._cache:
            values = self.data["region"].values.tolist()
            self._cache["index"] = {code: i for i, code in enumerate(values)}
        index = self._cache["index"]
        return np.array([index[c] for c in codes], dtype=np.intp)

    def step_arrays(self, mode: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Steps of ``mode`` as plain arrays, computed once.

        Returns ``aqi (member, region, step)``, ``primary (member, region, step, pollutant)``,
        the pollutants, and the CST start of each step ``(step,)`` (datetime64).
        """
        key = ("steps", mode)
        if key not in self._cache:
            if mode == "natural":
                source = self.data.rename(date="step")
                starts = self.data["date"].values
            else:
                source = self.rolling.rename(window="step")
                starts = self.rolling["window"].values
            if "member" not in source.dims:
                source = source.expand_dims("member")
            pollutants = [p for p in POLLUTANTS if f"primary_{p}" in source]
            order = ("member", "region", "step")
            aqi = source["aqi"].transpose(*order).values.astype(np.int32)
            primary = np.stack(
                [source[f"primary_{p}"].transpose(*order).values for p in pollutants], axis=-1
            )
            self._cache[key] = (aqi, primary, pollutants, starts)
        return self._cache[key]  # type: ignore[no-any-return]

    def day_records(self) -> dict[str, list[dict[str, Any]]]:
        """The ``days`` records of every region for every date, computed once."""
        if "records" not in self._cache:
            codes = self.data["region"].values.tolist()
            self._cache["records"] = _day_values(self, codes)
        return self._cache["records"]  # type: ignore[no-any-return]

    @property
    def ensemble(self) -> bool:
        """Whether the forecast has a ``member`` dim."""
        return "member" in self.data.dims

    @property
    def dates(self) -> list[dt.date]:
        """CST dates with a daily AQI for at least one region, in order."""
        other = [d for d in self.data["aqi"].dims if d != "date"]
        valid = (self.data["aqi"] >= 0).any(other).values
        return [_as_date(d) for d, ok in zip(self.data["date"].values, valid, strict=True) if ok]

    @property
    def rolling(self) -> xr.Dataset:
        """AQI of every 24-h window ``([member,] region, window)``, one window per hour.

        Each window is scored like a natural day (same validity rules, MDA8 from the 8-h
        windows inside it, the standard in force on its start date); ``window`` holds the CST
        start of the window. Computed once.
        """
        if "rolling" not in self._cache:
            self._cache["rolling"] = self._rolling()
        return self._cache["rolling"]  # type: ignore[no-any-return]

    def _rolling(self) -> xr.Dataset:
        parts = []
        for offset in range(24):
            shifted = self.hourly.assign_coords(time=self.hourly["time"] - offset * _HOUR)
            daily = daily_statistics(shifted)
            aqi = daily_aqi_dataset(daily, self.standard)
            starts = aqi["date"].values + offset * _HOUR
            parts.append(aqi.drop_vars("standard").assign_coords(date=starts))
        windows = xr.concat(parts, "date", data_vars="minimal", coords="minimal", join="outer")
        return windows.sortby("date").rename(date="window")


def regional_daily(
    forecast: xr.Dataset, weights: Any, *, standard: str | None = None
) -> RegionalDaily:
    """Regional daily statistics and AQI from a gridded hourly forecast.

    Parameters
    ----------
    forecast : xarray.Dataset
        Hourly pollutants ``([member,] time, lat, lon)`` in HJ 633 units [µg m⁻³; CO
        mg m⁻³], ``time`` UTC.
    weights : grids.CoverageWeights
        Coverage weights of the regions on the forecast's grid.
    standard : str, optional
        AQI standard id for every day; default: the standard in force on each day.

    Returns
    -------
    RegionalDaily
        ``([member,] time, lat, lon) -> ([member,] region, date)``.
    """
    hourly, valid = {}, []
    for pollutant in POLLUTANTS:
        if pollutant not in forecast:
            continue
        mean = regional_mean(forecast[pollutant], weights)
        valid.append(mean["valid_fraction"])
        hourly[pollutant] = mean[pollutant] if pollutant in mean else mean["mean"]
    hourly_ds = xr.Dataset(hourly)
    daily = daily_statistics(hourly_ds)
    aqi = daily_aqi_dataset(daily, standard)
    data = xr.merge([daily, aqi], compat="override", join="exact")
    data["valid_fraction"] = xr.concat(valid, "pollutant").min(["pollutant", "time"])
    return RegionalDaily(data=data, hourly=hourly_ds, standard=standard)


def covered_dates(daily: RegionalDaily) -> tuple[dt.date, dt.date]:
    """First and last CST date with a daily AQI."""
    dates = daily.dates
    if not dates:
        raise DataCoverageError("the forecast covers no whole China Standard Time day")
    return dates[0], dates[-1]


@dataclasses.dataclass(frozen=True)
class ForecastLevel:
    """A region's level from the forecast alone, with the days it rests on.

    ``probabilities`` (ensembles only) is the share of members at or above each level.
    """

    decision: LevelDecision
    days: list[dict[str, Any]]
    probabilities: dict[str, float] | None = None
    valid_fraction: float = 1.0


def forecast_levels(
    daily: RegionalDaily,
    codes: Sequence[str],
    day: dt.date,
    rule_set: RuleSet,
    *,
    mode: str = "natural",
    pre_alert: bool = False,
    overrides: Mapping[str, tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...]]
    | None = None,
    ensemble_threshold: float = 0.5,
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
        above it) is at least this [1].

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
    starts = [_as_datetime(t) for t in starts_all[steps]]
    records = daily.day_records()
    valid = daily.data["valid_fraction"]
    if "member" in valid.dims:
        valid = valid.min("member")
    valid_by_code = dict(zip(codes, valid.values[daily.region_index(codes)].tolist(), strict=True))
    first_iso, last_iso = day.isoformat(), last.isoformat()
    values = {
        code: [r for r in records[code] if first_iso <= r["date"] <= last_iso] for code in codes
    }

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
            out[code] = ForecastLevel(decision, values[code], probabilities, valid_by_code[code])
    return out


def _ensemble(result: Any, members: int, regions: int, threshold: float):
    """Per-region chooser over ensemble members (rows are member-major).

    The level issued is the highest whose probability — the share of members at or above
    it — is at least ``threshold``; the hours the forecast stays clean are the ones at least
    that share of members reach (so lifting needs the same confidence as starting).
    """
    level = result.level.reshape(members, regions)
    o3_only = ((level == 0) & (result.level_any.reshape(members, regions) > 0)).mean(axis=0)
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
        note_en = (
            f"ensemble of {members} members: {p:.0%} at or above {name}"
            f" (level chosen: the highest with probability ≥ {threshold:.0%})"
        )
        note_zh = (
            f"集合预报 {members} 个成员中 {p:.0%} 达到或超过该级别"
            f"（取概率 ≥ {threshold:.0%} 的最高级别）"
        )
        hours = {k: int(v[j]) for k, v in clear.items()}
        if name == "none":
            o3 = bool(o3_only[j] >= threshold)
            decision = LevelDecision(
                "none",
                "o3" if o3 else "none",
                ("o3_health_advice",) if o3 else (),
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


def _day_values(daily: RegionalDaily, codes: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The ``days`` records of each region (ensembles: from the member-median statistics)."""
    data = daily.data.sel(region=list(codes))
    if daily.ensemble:
        stats = data[
            [v for v in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h") if v in data]
        ]
        median = stats.median("member")
        data = xr.merge([median, daily_aqi_dataset(median, daily.standard)], compat="override")
    out: dict[str, list[dict[str, Any]]] = {}
    primaries = [str(v) for v in data.data_vars if str(v).startswith("primary_")]
    dates = [_as_date(d).isoformat() for d in data["date"].values]
    aqi = data["aqi"].transpose("region", "date").values.tolist()
    category = data["category"].transpose("region", "date").values.tolist()
    fields = {
        name: np.round(data[source].transpose("region", "date").values.astype(np.float64), 1)
        for name, source in _DAY_FIELDS.items()
        if source in data
    }
    fields_list = {name: np.where(np.isfinite(v), v, np.nan).tolist() for name, v in fields.items()}
    flags = {
        p: data[f"primary_{p}"].transpose("region", "date").values.tolist()
        for p in POLLUTANTS
        if f"primary_{p}" in primaries
    }
    for r, code in enumerate(codes):
        records = []
        for t, date in enumerate(dates):
            if aqi[r][t] < 0:
                continue
            record: dict[str, Any] = {"date": date}
            for name in _DAY_FIELDS:
                value = fields_list[name][r][t] if name in fields_list else None
                record[name] = None if value is None or value != value else value
            record["aqi"] = aqi[r][t]
            record["category"] = category[r][t]
            record["primary_pollutants"] = [p for p, f in flags.items() if f[r][t]]
            records.append(record)
        out[code] = records
    return out


def build_response(
    region: Mapping[str, str],
    day: dt.date,
    forecast: ForecastLevel,
    forecast_identity: Mapping[str, str],
    aqi_standard: str,
    *,
    episode: EpisodeOutcome | None = None,
    linkage: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None,
    min_valid_fraction: float = 0.75,
) -> dict[str, Any]:
    """The response JSON of one region: the forecast level, then episode and linkage.

    The issued ``level`` is the episode's level (hysteresis) raised to at least the level of
    any regional notice in force; ``forecast_level`` keeps the forecast-only level. A response
    resting on less than ``min_valid_fraction`` of the region's area with valid forecast
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
    coverage = round(forecast.valid_fraction, 4)
    degraded = coverage < min_valid_fraction or not forecast.days
    if degraded:
        reasons.append(
            f"decision degraded: only {coverage:.0%} of the region's area has valid forecast "
            f"values (at least {min_valid_fraction:.0%} expected); the region lies partly or "
            "wholly outside the forecast grid, or cells are missing"
        )
        reasons_zh.append(
            f"决策降级：区域内仅 {coverage:.0%} 的面积有有效预报值（应不少于 "
            f"{min_valid_fraction:.0%}），区域部分或全部位于预报范围之外，或有缺测格点"
        )
    regime = decision.regime
    if level != "none" and regime == "none":
        regime = "pm25"  # held by an episode or a regional notice: the PM2.5 response
    response: dict[str, Any] = {
        "region": {"code": region["code"], "name": region["name"]},
        "date": day.isoformat(),
        "level": level,
        "regime": regime,
        "advisories": list(decision.advisories),
        "aqi_standard": aqi_standard,
        "rule_set": decision.rule_set,
        "days": forecast.days,
        "reasons": reasons,
        "forecast": {"id": forecast_identity["id"], "issued": forecast_identity["issued"]},
        "reasons_zh": reasons_zh,
        "mode": decision.mode,
        "forecast_level": decision.level,
        "episode": (
            {"id": episode.episode_id, "status": episode.status}
            if episode and episode.episode_id
            else None
        ),
        "valid_fraction": coverage,
        "degraded": degraded,
    }
    if forecast.probabilities is not None:
        response["probabilities"] = forecast.probabilities
    return response


def summarise(responses: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Number of responses at each level, every level listed."""
    counts = dict.fromkeys(LEVELS, 0)
    for r in responses:
        counts[r["level"]] += 1
    return counts


def _as_date(value: np.datetime64) -> dt.date:
    return np.asarray(value).astype("datetime64[D]").item()  # type: ignore[no-any-return]


def _as_datetime(value: np.datetime64) -> dt.datetime:
    return np.asarray(value).astype("datetime64[s]").item()  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class RegionRef:
    """What the pipeline needs of a region: code, name and parent code."""

    code: str
    name: str
    parent: str | None = None


def respond(
    daily: RegionalDaily,
    regions: Sequence[RegionRef],
    day: dt.date,
    forecast_identity: Mapping[str, str],
    rule_set: RuleSet,
    *,
    mode: str = "natural",
    pre_alert: bool = False,
    overrides: Mapping[str, Any] | None = None,
    ensemble_threshold: float = 0.5,
    prior: Mapping[str, tuple[PriorDecision, PriorDecision | None]] | None = None,
    notices: Sequence[Notice] = (),
    key_regions: Mapping[str, KeyRegionMembers] | None = None,
    linkage_share: float | None = None,
    linkage_regions: Sequence[str] | None = None,
    min_valid_fraction: float = 0.75,
) -> list[dict[str, Any]]:
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
        computed notice at that level (RULES §2.1 [?]: the share is a local choice).
    linkage_regions : sequence of str, optional
        Codes whose forecast levels count for computed linkage (default: ``regions``).
    min_valid_fraction : float
        Responses resting on a smaller share of a region's area with valid forecast values are
        marked ``degraded`` [1] (our data-quality rule [I]).
    Other parameters are those of :func:`forecast_levels`.
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
                {"code": region.code, "name": region.name},
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
