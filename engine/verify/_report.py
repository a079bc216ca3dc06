"""Verification scores of a set of pairs over a period, as a JSON-ready document and as rows.

The document keeps the contract of ``lantian verify --format json`` (and ``GET
/v1/verification``): ``from``, ``to``, ``source``, ``by_level`` (yellow, orange, red: hits,
misses, false alarms, correct negatives, POD, FAR, CSI, HSS), ``aqi`` (bias, RMSE, category
accuracy) and ``regions`` (each verified day); beside them ``pairs`` and ``left_out`` (pairs
without a valid observation, counted apart), ``category_range_accuracy``, ``pollutants``
(bias and RMSE of PM2.5 and O3 MDA8), ``by_lead_day`` and ``rolling`` (trailing 30 and 90 days).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from engine.aqi import categories
from engine.errors import PolicyError
from engine.kernels.verify import group_tallies
from engine.levels import LEVELS
from engine.verify._pairs import Pairs
from engine.verify._scores import (
    COUNT_NAMES,
    category_of,
    errors_from_sums,
    paired_errors,
    skill_scores,
    trailing_sums,
)

__all__ = [
    "PAIR_COLUMNS",
    "VerificationConfig",
    "lead_day_scores",
    "pair_rows",
    "verification_config",
    "verification_document",
    "verification_scores",
]

_FILE = "engine/data/verification.toml"
PAIR_COLUMNS = (
    "region_code",
    "region_name",
    "date",
    "lead_day",
    "rule_set",
    "level_forecast",
    "level_observed",
    "aqi_forecast",
    "aqi_observed",
    "pm25_forecast",
    "pm25_observed",
    "o3_mda8_forecast",
    "o3_mda8_observed",
    "verified",
)
"""Columns of the per-pair CSV (``lantian verify --format csv``)."""


@dataclasses.dataclass(frozen=True)
class VerificationConfig:
    """``engine/data/verification.toml``: levels scored as events, the half width of the AQI
    range [1] and the rolling windows [d] (docs/rules.md §6)."""

    levels: tuple[str, ...]
    half_width: int
    windows: tuple[int, ...]


@functools.cache
def verification_config() -> VerificationConfig:
    """The packaged verification settings; :class:`PolicyError` naming a missing key."""
    data = tomllib.loads(
        resources.files("engine.data").joinpath("verification.toml").read_text("utf-8")
    )
    try:
        levels = tuple(data["levels"]["scored"])
        half_width = int(data["category_range"]["half_width"])
        windows = tuple(int(w) for w in data["rolling"]["window_days"])
    except KeyError as error:
        raise PolicyError(f"{_FILE} lacks the required key {error.args[0]!r}") from None
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise PolicyError(f"{_FILE}: unknown level(s) {', '.join(unknown)}")
    return VerificationConfig(levels, half_width, windows)


def _number(value: Any, digits: int = 4) -> float | None:
    return None if not np.isfinite(value) else round(float(value), digits)


def _uppers() -> np.ndarray:
    return np.array([c.upper for c in categories()])


def _by_level(counts: np.ndarray, levels: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``(event, 4)`` counts → the contract's ``by_level`` object."""
    scores = skill_scores(counts)
    out = {}
    for k, level in enumerate(levels):
        entry: dict[str, Any] = {name: int(counts[k, i]) for i, name in enumerate(COUNT_NAMES)}
        entry |= {name: _number(values[k]) for name, values in scores.items()}
        out[level] = entry
    return out


@dataclasses.dataclass(frozen=True)
class _PerPair:
    """What every grouping of the pairs counts, computed once per verification: levels,
    categories of the forecast AQI, its range and the observed AQI, and the errors of AQI,
    PM2.5 and O3 MDA8 (pair, 3) (NaN unknown)."""

    level: np.ndarray
    level_observed: np.ndarray
    thresholds: np.ndarray
    category_forecast: np.ndarray
    category_observed: np.ndarray
    range_low: np.ndarray
    range_high: np.ndarray
    errors: np.ndarray


_ERRORS = ("aqi", "pm25", "o3_mda8")


def _per_pair(pairs: Pairs, config: VerificationConfig) -> _PerPair:
    side = pairs.side
    uppers = _uppers()
    errors = np.empty((len(side), len(_ERRORS)))
    for q, (f, o) in enumerate(
        [
            (side.aqi, pairs.aqi_observed),
            (side.pm25, pairs.pm25_observed),
            (side.o3_mda8, pairs.o3_mda8_observed),
        ]
    ):
        error, valid = paired_errors(f, o)
        errors[:, q] = np.where(valid, error, np.nan)
    return _PerPair(
        level=side.level,
        level_observed=pairs.level_observed,
        thresholds=np.array([LEVELS.index(level) for level in config.levels]),
        category_forecast=category_of(side.aqi, uppers),
        category_observed=category_of(pairs.aqi_observed, uppers),
        range_low=category_of(
            np.where(side.aqi >= 0, np.maximum(side.aqi - config.half_width, 0), -1), uppers
        ),
        range_high=category_of(np.where(side.aqi >= 0, side.aqi + config.half_width, -1), uppers),
        errors=errors,
    )


def _group_scores(per: _PerPair, group: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Counts and sums of every group (−1: left out) for levels, AQI and pollutants, in one
    pass of :func:`engine.kernels.verify.group_tallies`."""
    counts, category, ranges, sums, pairs = group_tallies(
        group,
        n_groups,
        per.level,
        per.level_observed,
        per.thresholds,
        per.category_forecast,
        per.category_observed,
        per.range_low,
        per.range_high,
        per.errors,
    )
    out = {"levels": counts, "category": category, "range": ranges, "pairs": pairs}
    for q, name in enumerate(_ERRORS):
        out[name] = sums[:, q]
    return out


def _share(pair: np.ndarray) -> float | None:
    return _number(pair[0] / pair[1]) if pair[1] > 0 else None


def _summary(sums: dict[str, np.ndarray], g: int, config: VerificationConfig) -> dict[str, Any]:
    aqi = errors_from_sums(sums["aqi"][g])
    return {
        "pairs": int(sums["pairs"][g]),
        "by_level": _by_level(sums["levels"][g], config.levels),
        "aqi": {
            "bias": _number(aqi["bias"], 3),
            "rmse": _number(aqi["rmse"], 3),
            "category_accuracy": _share(sums["category"][g]),
        },
        "category_range_accuracy": _share(sums["range"][g]),
        "pollutants": {
            name: {
                "bias": _number(errors["bias"], 3),
                "rmse": _number(errors["rmse"], 3),
                "n": int(errors["n"]),
            }
            for name in ("pm25", "o3_mda8")
            for errors in [errors_from_sums(sums[name][g])]
        },
    }


def lead_day_scores(pairs: Pairs, config: VerificationConfig | None = None) -> list[dict]:
    """Scores of the verified pairs for each lead day (as in ``by_lead_day``), lead order."""
    config = config or verification_config()
    return _lead_scores(pairs, _per_pair(pairs, config), config)


def _lead_scores(pairs: Pairs, per: _PerPair, config: VerificationConfig) -> list[dict]:
    verified = pairs.verified
    leads = np.unique(pairs.side.lead_day[verified])
    group = np.where(verified, np.searchsorted(leads, pairs.side.lead_day), -1)
    sums = _group_scores(per, group, leads.size)
    return [{"lead_day": int(lead), **_summary(sums, k, config)} for k, lead in enumerate(leads)]


def _rolling(
    pairs: Pairs, per: _PerPair, first: dt.date, last: dt.date, config: VerificationConfig
) -> dict[str, list[dict[str, Any]]]:
    n_days = (last - first).days + 1
    day = (pairs.side.date - np.datetime64(first, "D")).astype(np.int64)
    group = np.where(pairs.verified, day, -1)
    sums = _group_scores(per, group, n_days)
    out: dict[str, list[dict[str, Any]]] = {}
    for window in config.windows:
        counts = trailing_sums(sums["levels"], window)
        scores = skill_scores(counts)
        category = trailing_sums(sums["category"], window)
        n = trailing_sums(sums["pairs"], window)
        series = []
        for t in range(n_days):
            if n[t] == 0:
                continue
            by_level = {
                level: {name: _number(values[t, k]) for name, values in scores.items()}
                for k, level in enumerate(config.levels)
            }
            series.append(
                {
                    "date": (first + dt.timedelta(days=t)).isoformat(),
                    "pairs": int(n[t]),
                    "by_level": by_level,
                    "category_accuracy": _share(category[t]),
                }
            )
        out[str(window)] = series
    return out


def verification_scores(
    pairs: Pairs,
    first: dt.date,
    last: dt.date,
    *,
    config: VerificationConfig | None = None,
) -> dict[str, Any]:
    """Every score of the pairs dated ``first`` … ``last`` (CST): the document of
    :func:`verification_document` without its per-day ``regions`` listing."""
    config = config or verification_config()
    if last < first:
        raise PolicyError(f"the period ends ({last}) before it starts ({first})")
    inside = (pairs.side.date >= np.datetime64(first, "D")) & (
        pairs.side.date <= np.datetime64(last, "D")
    )
    pairs = pairs.select(inside)
    verified = pairs.verified
    per = _per_pair(pairs, config)
    summary = _summary(_group_scores(per, np.where(verified, 0, -1), 1), 0, config)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "source": pairs.side.source,
        "by_level": summary["by_level"],
        "aqi": summary["aqi"],
        "pairs": summary["pairs"],
        "left_out": int((~verified).sum()),
        "category_range_accuracy": summary["category_range_accuracy"],
        "category_range_half_width": config.half_width,
        "pollutants": summary["pollutants"],
        "by_lead_day": _lead_scores(pairs, per, config),
        "rolling": _rolling(pairs, per, first, last, config),
    }


def verification_document(
    pairs: Pairs,
    first: dt.date,
    last: dt.date,
    names: Mapping[str, str] | None = None,
    *,
    config: VerificationConfig | None = None,
) -> dict[str, Any]:
    """The verification of the pairs dated ``first`` … ``last`` (CST) as a JSON-ready dict.

    Parameters
    ----------
    pairs : Pairs
        From :func:`pair_with_observations`; pairs outside the period are ignored.
    first, last : datetime.date
        The period (target dates of the forecasts).
    names : mapping code → name, optional
        Region names (default: the code).

    Returns
    -------
    dict
        The contract's keys first (``from``, ``to``, ``source``, ``by_level``, ``aqi``,
        ``regions``), then the rest of :func:`verification_scores`.
    """
    scores = verification_scores(pairs, first, last, config=config)
    inside = (pairs.side.date >= np.datetime64(first, "D")) & (
        pairs.side.date <= np.datetime64(last, "D")
    )
    listed = pairs.select(inside & pairs.verified)
    head = ("from", "to", "source", "by_level", "aqi")
    document = {key: scores[key] for key in head}
    document["regions"] = _regions(listed, names or {})
    document |= {key: value for key, value in scores.items() if key not in head}
    return document


def _regions(pairs: Pairs, names: Mapping[str, str]) -> list[dict[str, Any]]:
    side = pairs.side
    order = np.lexsort((side.lead_day, side.date, side.region.astype(str)))
    regions: dict[str, list[dict[str, Any]]] = {}
    for i in order.tolist():
        code = str(side.region[i])
        regions.setdefault(code, []).append(
            {
                "date": str(side.date[i]),
                "lead_day": int(side.lead_day[i]),
                "level_forecast": LEVELS[int(side.level[i])],
                "level_observed": LEVELS[int(pairs.level_observed[i])],
                "aqi_forecast": int(side.aqi[i]) if side.aqi[i] >= 0 else None,
                "aqi_observed": int(pairs.aqi_observed[i]),
            }
        )
    return [
        {"region": {"code": code, "name": names.get(code, code)}, "days": days}
        for code, days in regions.items()
    ]


def pair_rows(pairs: Pairs, names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per pair (:data:`PAIR_COLUMNS`), the left-out ones included (``verified``
    false), ordered by region, date and lead day."""
    names = names or {}
    side = pairs.side
    order = np.lexsort((side.lead_day, side.date, side.region.astype(str)))

    def value(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), 1)

    rows = []
    for i in order.tolist():
        code = str(side.region[i])
        observed = int(pairs.level_observed[i])
        rows.append(
            {
                "region_code": code,
                "region_name": names.get(code, code),
                "date": str(side.date[i]),
                "lead_day": int(side.lead_day[i]),
                "rule_set": str(side.rule_set[i]),
                "level_forecast": LEVELS[int(side.level[i])],
                "level_observed": LEVELS[observed] if observed >= 0 else None,
                "aqi_forecast": int(side.aqi[i]) if side.aqi[i] >= 0 else None,
                "aqi_observed": int(pairs.aqi_observed[i]) if pairs.aqi_observed[i] >= 0 else None,
                "pm25_forecast": value(side.pm25[i]),
                "pm25_observed": value(pairs.pm25_observed[i]),
                "o3_mda8_forecast": value(side.o3_mda8[i]),
                "o3_mda8_observed": value(pairs.o3_mda8_observed[i]),
                "verified": observed >= 0,
            }
        )
    return rows
