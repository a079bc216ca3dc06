"""Season assessment against the targets (docs/rules.md §6.3).

For each city and season — autumn–winter (October–March, labelled by the year it starts),
ozone season (May–September) or calendar year — the heavy-pollution days (AQI > 200), good days
(AQI ≤ 100), days with O3 among the primary pollutants, and their change against the same
season of a base year (the year before by default) and the −25 % target; for planners, the VOC
emission of the key industries of the registry against a base registry and the −10 % target.

The seasons are those of the measure catalogue (``[seasons]`` of ``engine/data/measures.toml``);
targets, good days and key industries are in ``engine/data/assessment.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np

from engine.aqi._standards import _data as _aqi_data
from engine.errors import PolicyError
from engine.measures import Registry, default_catalogue
from engine.regional import RegionalDaily

__all__ = [
    "SEASONS",
    "AssessmentConfig",
    "assessment_config",
    "count_days",
    "relative_change",
    "season_counts",
    "season_document",
    "season_period",
    "voc_emission_t_a",
]

SEASONS = ("autumn_winter", "ozone", "year")
"""Assessed periods: the two campaign seasons of the catalogue, and the calendar year."""
_FILE = "engine/data/assessment.toml"


@dataclasses.dataclass(frozen=True)
class AssessmentConfig:
    """``good_max_category`` (good days: category ≤ it), ``heavy_above`` [1] (AQI above it is
    a heavy-pollution day), ``targets`` (id → (change [1], source)), ``voc_industries`` and
    ``operating_days`` [d a⁻¹]."""

    good_max_category: int
    heavy_above: int
    targets: Mapping[str, tuple[float, str]]
    voc_industries: tuple[str, ...]
    operating_days: float


@functools.cache
def assessment_config() -> AssessmentConfig:
    """The packaged assessment settings; :class:`PolicyError` naming a missing key."""
    text = resources.files("engine.data").joinpath("assessment.toml").read_text("utf-8")
    data = tomllib.loads(text)
    try:
        targets = {t["id"]: (float(t["change"]), str(t["source"])) for t in data["target"]}
        config = AssessmentConfig(
            good_max_category=int(data["days"]["good_max_category"]),
            heavy_above=int(_aqi_data()["categories"]["heavy_pollution_above"]),
            targets=targets,
            voc_industries=tuple(data["voc"]["key_industries"]),
            operating_days=float(data["voc"]["operating_days"]),
        )
    except KeyError as error:
        raise PolicyError(f"{_FILE} lacks the required key {error.args[0]!r}") from None
    for needed in ("heavy_days", "voc_key_industries"):
        if needed not in targets:
            raise PolicyError(f"{_FILE}: no [[target]] with id {needed!r}")
    return config


def season_period(season: str, year: int) -> tuple[dt.date, dt.date]:
    """First and last CST day of ``season`` of ``year`` (autumn–winter: starting that year)."""
    if season == "year":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    seasons = default_catalogue().seasons
    if season not in seasons or season not in SEASONS:
        raise PolicyError(f"unknown season {season!r}; expected one of {', '.join(SEASONS)}")
    (m0, d0), (m1, d1) = seasons[season]
    end_year = year + 1 if (m1, d1) < (m0, d0) else year
    return dt.date(year, m0, d0), dt.date(end_year, m1, d1)


def count_days(
    aqi: np.ndarray,
    category: np.ndarray,
    primary_o3: np.ndarray,
    config: AssessmentConfig | None = None,
) -> dict[str, np.ndarray]:
    """Day counts of each region over the dates given, ``(region, date) -> (region,)``.

    Parameters
    ----------
    aqi, category : ndarray of int, (region, date)
        Daily AQI [1] (negative: missing) and category 1–6 (0: missing).
    primary_o3 : ndarray of bool, (region, date)
        O3 is a primary pollutant of the day.

    Returns
    -------
    dict of ndarray
        ``valid_days``, ``heavy_days`` (AQI above ``heavy_above``), ``good_days`` (category
        ≤ ``good_max_category``), ``o3_primary_days`` [d], all int64.
    """
    config = config or assessment_config()
    valid = np.asarray(aqi) >= 0
    return {
        "valid_days": valid.sum(axis=1),
        "heavy_days": (valid & (aqi > config.heavy_above)).sum(axis=1),
        "good_days": (valid & (category >= 1) & (category <= config.good_max_category)).sum(1),
        "o3_primary_days": (valid & np.asarray(primary_o3, bool)).sum(axis=1),
    }


def season_counts(
    daily: RegionalDaily, first: dt.date, last: dt.date, config: AssessmentConfig | None = None
) -> dict[str, np.ndarray]:
    """:func:`count_days` of the dates ``first`` … ``last`` of observed daily values
    ``(region, date) -> (region,)`` (dates the data lack count as not valid)."""
    data = daily.data.sel(date=slice(np.datetime64(first, "ns"), np.datetime64(last, "ns")))
    order = ("region", "date")
    primary = data["primary_o3"] if "primary_o3" in data else data["aqi"] < -1
    return count_days(
        data["aqi"].transpose(*order).values,
        data["category"].transpose(*order).values,
        primary.transpose(*order).values,
        config,
    )


def relative_change(current: float, base: float) -> float | None:
    """(current − base) / base [1]; None when the base is 0 (undefined)."""
    return None if base == 0 else (current - base) / base


def _target_met(current: float, base: float, target: float) -> bool | None:
    """Whether ``current`` is at or below (1 + target) × base; with a base of 0, whether it
    stayed 0 [I]; None without a base."""
    if not np.isfinite(base):
        return None
    if base == 0:
        return bool(current == 0)
    return bool(current <= (1.0 + target) * base + 1e-9)


def voc_emission_t_a(registry: Registry, config: AssessmentConfig | None = None) -> float:
    """VOC emission of the key industries of a registry [t a⁻¹].

    Each running line emits ``voc_kg_h × hours_per_day × operating_days`` (lines already
    stopped emit nothing).
    """
    config = config or assessment_config()
    if registry.n_lines == 0:
        return 0.0
    industry = np.array(registry.industries, dtype=object)[registry.industry]
    key = np.isin(industry, config.voc_industries)[registry.line_enterprise()]
    voc = registry.emission_kg_h[:, 3] * registry.hours_per_day * config.operating_days
    running = key & ~registry.already_stopped
    return float(voc[running].sum() / 1000.0)


def season_document(
    season: str,
    year: int,
    base_year: int,
    codes: Sequence[str],
    current: Mapping[str, np.ndarray],
    base: Mapping[str, np.ndarray],
    *,
    names: Mapping[str, str] | None = None,
    voc: Mapping[str, tuple[float, float | None]] | None = None,
    config: AssessmentConfig | None = None,
) -> dict[str, Any]:
    """The assessment as a JSON-ready dict.

    Parameters
    ----------
    season, year, base_year :
        The season assessed, its year and the year compared with.
    codes : sequence of str, (region,)
        City codes, in the order of the count arrays.
    current, base : mapping of ndarray
        :func:`count_days` of the season and of the base season.
    voc : mapping code → (t a⁻¹, base t a⁻¹ or None), optional
        VOC emission of the key industries of each city (and ``"total"``).
    """
    config = config or assessment_config()
    names = names or {}
    heavy_target, heavy_source = config.targets["heavy_days"]
    voc_target, voc_source = config.targets["voc_key_industries"]
    first, last = season_period(season, year)
    base_first, base_last = season_period(season, base_year)
    cities = []
    for k, code in enumerate(codes):

        def counts(table: Mapping[str, np.ndarray], k: int = k) -> dict[str, int]:
            return {name: int(values[k]) for name, values in table.items()}

        now, then = counts(current), counts(base)
        change = relative_change(now["heavy_days"], then["heavy_days"])
        entry: dict[str, Any] = {
            "code": code,
            "name": names.get(code, code),
            **now,
            "base": then,
            "heavy_days_change": None if change is None else round(change, 4),
            "heavy_days_target_met": (
                _target_met(now["heavy_days"], then["heavy_days"], heavy_target)
                if then["valid_days"]
                else None
            ),
        }
        if voc is not None and code in voc:
            entry["voc"] = _voc_entry(*voc[code], voc_target)
        cities.append(entry)
    document: dict[str, Any] = {
        "season": season,
        "year": year,
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "base_year": base_year,
        "base_period": {"from": base_first.isoformat(), "to": base_last.isoformat()},
        "targets": {
            "heavy_days_change": heavy_target,
            "heavy_days_source": heavy_source,
            "voc_change": voc_target,
            "voc_source": voc_source,
            "voc_industries": list(config.voc_industries),
        },
        "cities": cities,
    }
    if voc is not None and "total" in voc:
        document["voc_total"] = _voc_entry(*voc["total"], voc_target)
    return document


def _voc_entry(value: float, base: float | None, target: float) -> dict[str, Any]:
    change = None if base is None else relative_change(value, base)
    return {
        "t_a": round(value, 3),
        "base_t_a": None if base is None else round(base, 3),
        "change": None if change is None else round(change, 4),
        "target_met": None if base is None else _target_met(value, base, target),
    }
