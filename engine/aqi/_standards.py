"""HJ 633 standards as data: tables, categories, the standard in force on a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.kernels import aqi as _kernel

MISSING = _kernel.MISSING
"""IAQI of no value [1] (-1): NaN, negative, or not computed by the standard."""
AQI_MISSING = MISSING
"""AQI of a day without any IAQI [1] (-1)."""

POLLUTANT_IDS = (
    "pm25_24h",
    "pm10_24h",
    "o3_8h",
    "o3_1h",
    "so2_24h",
    "so2_1h",
    "no2_24h",
    "no2_1h",
    "co_24h",
    "co_1h",
)
"""Pollutant ids of the IAQI tables (species and averaging period)."""

DAILY_KEYS = {
    "pm25": "pm25_24h",
    "pm10": "pm10_24h",
    "so2": "so2_24h",
    "no2": "no2_24h",
    "co": "co_24h",
    "o3_mda8": "o3_8h",
    "o3_1h": "o3_1h",
}
"""Daily statistic name (as made by :func:`engine.daily.daily_statistics`) → pollutant id."""

_KEY_ALIASES = {pid: key for key, pid in DAILY_KEYS.items()}
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
"""The ambient pollutants of HJ 633 (docs/glossary.md), in the order responses list them."""
_SPECIES = POLLUTANTS
_FLAG_TEXT = {
    _kernel.FLAG_MISSING: "missing value",
    _kernel.FLAG_NEGATIVE: "negative concentration (invalid)",
    _kernel.FLAG_NOT_COMPUTED: "above the top breakpoint: no IAQI for this averaging period",
    _kernel.FLAG_FIXED: "above the top breakpoint: IAQI fixed by the standard",
    _kernel.FLAG_ABOVE_TOP: (
        "above the top breakpoint: undefined by the standard (docs/rules.md §1.1 [?])"
    ),
}


def species_of(pollutant_id: str) -> str:
    """Pollutant name of a pollutant id: ``"o3_8h"`` → ``"o3"``."""
    return pollutant_id.split("_", 1)[0]


@dataclasses.dataclass(frozen=True)
class Category:
    """An AQI category (HJ 633 Table 2).

    Attributes: ``level`` 1–6, ``roman`` (I … VI), ``name_zh``, ``name_en``, ``rgb`` colour
    ``(r, g, b)`` 0–255, and the AQI range ``lower`` … ``upper`` [1].
    """

    level: int
    roman: str
    name_zh: str
    name_en: str
    rgb: tuple[int, int, int]
    lower: int
    upper: int

    @property
    def colour_hex(self) -> str:
        """``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


@dataclasses.dataclass(frozen=True)
class Standard:
    """One version of HJ 633, as read from the data file.

    ``breakpoints[id]`` are the concentration breakpoints [µg m⁻³; CO mg m⁻³] and
    ``levels[id]`` the IAQI at each; ``over_range[id]`` is ``("not_computed", use_instead)`` or
    ``("fixed", iaqi)``; ``rounding_decimals[id]`` the GB/T 8170 input rounding (absent: none);
    ``daily`` the pollutant ids entering the daily AQI; ``aqi_min``/``aqi_max`` its range.
    """

    id: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    breakpoints: Mapping[str, tuple[int, ...]]
    levels: Mapping[str, tuple[int, ...]]
    over_range: Mapping[str, tuple[str, Any]]
    rounding_decimals: Mapping[str, int]
    daily: tuple[str, ...]
    aqi_min: int
    aqi_max: int
    non_attainment_above: int | None = None

    def in_force(self, day: dt.date) -> bool:
        """Whether the standard is in force on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("engine.data").joinpath("aqi_standards.toml").read_text("utf-8")
    return tomllib.loads(text)


def _parse_standard(raw: Mapping[str, Any]) -> Standard:
    table = raw["breakpoints"]
    all_levels = [int(x) for x in table["iaqi"]]
    breakpoints: dict[str, tuple[int, ...]] = {}
    levels: dict[str, tuple[int, ...]] = {}
    for pid in POLLUTANT_IDS:
        if pid not in table:
            raise PolicyError(f"standard {raw['id']}: no breakpoints for {pid}")
        column = table[pid]
        if not all(isinstance(x, int) for x in column) or column[0] != 0:
            raise PolicyError(
                f"standard {raw['id']}: breakpoints of {pid} must be integers starting at 0, "
                f"got {column}"
            )
        if any(b <= a for a, b in zip(column, column[1:], strict=False)):
            raise PolicyError(f"standard {raw['id']}: breakpoints of {pid} must increase")
        lv = all_levels[: len(column)]
        if any(b - a > 256 for a, b in zip(lv, lv[1:], strict=False)):
            raise PolicyError(f"standard {raw['id']}: IAQI steps above 256 are not supported")
        breakpoints[pid] = tuple(column)
        levels[pid] = tuple(lv)
    over: dict[str, tuple[str, Any]] = {}
    for pid, rule in raw.get("over_range", {}).items():
        if rule["rule"] == "not_computed":
            over[pid] = ("not_computed", rule["use_instead"])
        elif rule["rule"] == "fixed":
            over[pid] = ("fixed", int(rule["iaqi"]))
        else:
            raise PolicyError(f"standard {raw['id']}: unknown over-range rule {rule['rule']!r}")
    rounding = dict(raw.get("rounding_decimals", {})) if raw.get("input_rounding") else {}
    return Standard(
        id=raw["id"],
        title=raw["title"],
        effective_from=raw["effective_from"],
        effective_to=raw.get("effective_to"),
        source=raw["source"],
        breakpoints=breakpoints,
        levels=levels,
        over_range=over,
        rounding_decimals=rounding,
        daily=tuple(raw["daily"]),
        aqi_min=int(raw["aqi_min"]),
        aqi_max=int(raw["aqi_max"]),
        non_attainment_above=raw.get("non_attainment_above"),
    )


@functools.lru_cache(maxsize=1)
def standards() -> dict[str, Standard]:
    """Every AQI standard of the data file, by id, in order of entry into force."""
    parsed = [_parse_standard(raw) for raw in _data()["standard"]]
    return {s.id: s for s in sorted(parsed, key=lambda s: s.effective_from)}


@functools.lru_cache(maxsize=1)
def categories() -> tuple[Category, ...]:
    """The six AQI categories, level 1 first."""
    out = []
    lower = 0
    for raw in _data()["categories"]["level"]:
        out.append(
            Category(
                level=int(raw["level"]),
                roman=raw["roman"],
                name_zh=raw["name_zh"],
                name_en=raw["name_en"],
                rgb=(int(raw["rgb"][0]), int(raw["rgb"][1]), int(raw["rgb"][2])),
                lower=lower,
                upper=int(raw["upper"]),
            )
        )
        lower = int(raw["upper"]) + 1
    return tuple(out)


def _as_date(day: Any) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    if isinstance(day, np.datetime64):
        return dt.date.fromisoformat(str(day.astype("datetime64[D]")))
    if isinstance(day, str):
        try:
            return dt.date.fromisoformat(day[:10])
        except ValueError:
            pass
    if hasattr(day, "to_pydatetime"):
        return day.to_pydatetime().date()  # type: ignore[no-any-return]
    raise PolicyError(f"cannot read {day!r} as a date; expected datetime.date or 'YYYY-MM-DD'")


def standard_for(day: dt.date | dt.datetime | np.datetime64 | str) -> str:
    """Id of the AQI standard in force on ``day`` (China Standard Time date).

    ``HJ633-2012`` from 2012-02-29 to 2026-02-28, ``HJ633-2026`` from 2026-03-01.

    Raises
    ------
    PolicyError
        ``day`` precedes every standard (before 2012-02-29 China reported the API, not the
        AQI); pass a standard explicitly to compute anyway.
    """
    date = _as_date(day)
    for standard in standards().values():
        if standard.in_force(date):
            return standard.id
    known = ", ".join(f"{s.id} from {s.effective_from}" for s in standards().values())
    raise PolicyError(
        f"no AQI standard was in force on {date.isoformat()} ({known}); pass the standard "
        "explicitly"
    )


def get_standard(standard: str | dt.date | Standard) -> Standard:
    """A :class:`Standard` by id (``"HJ633-2026"``, ``"HJ 633-2026"``, ``"2026"``) or by date."""
    if isinstance(standard, Standard):
        return standard
    if isinstance(standard, str):
        key = standard.strip().upper().replace(" ", "").replace("_", "-")
        table = standards()
        if key in table:
            return table[key]
        for sid in table:
            if key in (sid.split("-")[-1], sid.replace("-", "")):
                return table[sid]
        if len(key) >= 10 and key[4] == "-":
            return table[standard_for(key)]
        raise PolicyError(
            f"unknown AQI standard {standard!r}; expected one of {', '.join(table)} or a date"
        )
    return standards()[standard_for(standard)]


def category(aqi: int) -> Category:
    """Category of an AQI value (level 1–6, Chinese and English names, colour).

    Raises
    ------
    PolicyError
        ``aqi`` is negative (missing).
    """
    value = int(aqi)
    if value < 0:
        raise PolicyError(f"AQI {value} has no category; expected an AQI >= 0")
    for cat in categories():
        if value <= cat.upper:
            return cat
    return categories()[-1]


def _column(pollutant: str, standard: Standard) -> tuple[np.ndarray, np.ndarray, int, int]:
    if pollutant not in standard.breakpoints:
        raise PolicyError(
            f"unknown pollutant id {pollutant!r}; expected one of {', '.join(POLLUTANT_IDS)}"
        )
    bp = np.asarray(standard.breakpoints[pollutant], dtype=np.int64)
    lv = np.asarray(standard.levels[pollutant], dtype=np.int64)
    decimals = standard.rounding_decimals.get(pollutant)
    scale = 0 if decimals is None else 10 ** int(decimals)
    rule = standard.over_range.get(pollutant)
    if rule is None:
        over = _kernel.OVER_RANGE_UNDEFINED
    elif rule[0] == "fixed":
        over = int(rule[1])
    else:
        over = _kernel.OVER_RANGE_NOT_COMPUTED
    return bp, lv, scale, over
