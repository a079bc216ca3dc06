"""Air Quality Index under HJ 633-2012 and HJ 633-2026, exact to the integer.

The breakpoint tables, over-range rules, input rounding, daily indicator sets and the category
table are data (``engine/data/aqi_standards.toml``); this module selects a standard by date and
applies it. Every IAQI goes through the exact integer kernel :mod:`engine.kernels.aqi`, so a value
whose exact IAQI is an integer is never pushed up by float noise.

Conventions
-----------
* Pollutant ids: ``pm25_24h``, ``pm10_24h``, ``o3_8h``, ``o3_1h``, ``so2_24h``, ``so2_1h``,
  ``no2_24h``, ``no2_1h``, ``co_24h``, ``co_1h``; concentrations in µg/m³, CO in mg/m³.
* :data:`MISSING` (-1) is the IAQI / AQI of no value: NaN input, a negative concentration, or
  (HJ 633-2012) a value above the top of a column that has no IAQI for that averaging period
  (SO2 1h > 800, O3 8h > 800: the caller uses the other period). ``not_computed="raise"``
  raises :class:`~engine.errors.PolicyError` for the latter instead.
* A value above the top of any other column is undefined in both texts (RULES §1.1 [?]); by
  default its IAQI is 500 and it is flagged (``above_top="cap"``); ``above_top="missing"``
  gives :data:`MISSING` instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

import numpy as np
import xarray as xr

from engine.errors import PolicyError
from engine.kernels import aqi as _kernel

__all__ = [
    "AQI_MISSING",
    "DAILY_KEYS",
    "MISSING",
    "POLLUTANT_IDS",
    "Category",
    "DailyAQI",
    "Standard",
    "categories",
    "category",
    "daily_aqi",
    "daily_aqi_dataset",
    "get_standard",
    "iaqi",
    "iaqi_with_flags",
    "standard_for",
    "standards",
]

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
    "o3_8h": "o3_8h",
    "o3_1h": "o3_1h",
}
"""Daily statistic name (as made by :func:`engine.daily.daily_statistics`) → pollutant id."""

_KEY_ALIASES = {pid: key for key, pid in DAILY_KEYS.items()} | {"o3_mda8": "o3_8h"}
_SPECIES = ("pm25", "pm10", "so2", "no2", "co", "o3")
_FLAG_TEXT = {
    _kernel.FLAG_MISSING: "missing value",
    _kernel.FLAG_NEGATIVE: "negative concentration (invalid)",
    _kernel.FLAG_NOT_COMPUTED: "above the top breakpoint: no IAQI for this averaging period",
    _kernel.FLAG_FIXED: "above the top breakpoint: IAQI fixed by the standard",
    _kernel.FLAG_ABOVE_TOP: "above the top breakpoint: undefined by the standard (RULES §1.1 [?])",
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


def iaqi_with_flags(
    pollutant: str,
    concentration: Any,
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> tuple[np.ndarray, np.ndarray]:
    """IAQI and the reason codes of :mod:`engine.kernels.aqi` (``FLAG_*``), as arrays.

    Same parameters as :func:`iaqi`; returns ``(iaqi int32, flags int8)`` of the input's shape.
    """
    std = get_standard(standard)
    bp, lv, scale, over = _column(pollutant, std)
    if above_top not in ("cap", "missing"):
        raise PolicyError(f"above_top must be 'cap' or 'missing', got {above_top!r}")
    top_value = int(_data()["above_top"]["iaqi"]) if above_top == "cap" else MISSING
    values = np.asarray(concentration)
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float32 if values.dtype == np.float16 else np.float64)
    flat = np.ascontiguousarray(values).reshape(-1)
    out = np.empty(flat.shape, np.int32)
    flags = np.empty(flat.shape, np.int8)
    _kernel.iaqi(flat, bp, lv, scale, over, top_value, out, flags)
    return out.reshape(values.shape), flags.reshape(values.shape)


def iaqi(
    pollutant: str,
    concentration: Any,
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
    not_computed: Literal["missing", "raise"] = "missing",
) -> Any:
    """Individual AQI of one pollutant: the exact value, rounded up (HJ 633 §5).

    Parameters
    ----------
    pollutant : str
        Pollutant id, e.g. ``"pm25_24h"``, ``"o3_8h"`` (see :data:`POLLUTANT_IDS`).
    concentration : float or array_like
        Concentration [µg m⁻³; CO mg m⁻³]; float32 or float64, any shape.
    standard : str or datetime.date
        Standard id (``"HJ633-2012"``, ``"HJ633-2026"``) or a date (the standard in force).
        Under HJ633-2026 the input is first rounded by GB/T 8170 (integer; CO one decimal;
        half to even only at an exact half of the float's exact value).
    above_top : {"cap", "missing"}
        A value above the top breakpoint of a column without a rule in the standard (RULES
        §1.1 [?]): IAQI 500 (default) or :data:`MISSING`. Use :func:`iaqi_with_flags` to see
        which values were capped.
    not_computed : {"missing", "raise"}
        HJ633-2012 SO2 1h > 800 and O3 8h > 800 have no IAQI (use the 24-h / 1-h value):
        return :data:`MISSING` (default) or raise :class:`~engine.errors.PolicyError`.

    Returns
    -------
    int or numpy.ndarray of int32 or xarray.DataArray
        IAQI [1]; :data:`MISSING` (-1) for NaN, negative or not-computed input. A DataArray
        input gives a DataArray with its dims and coordinates.
    """
    out, flags = iaqi_with_flags(pollutant, concentration, standard, above_top=above_top)
    if not_computed == "raise" and np.any(flags == _kernel.FLAG_NOT_COMPUTED):
        std = get_standard(standard)
        rule = std.over_range[pollutant]
        top = std.breakpoints[pollutant][-1]
        raise PolicyError(
            f"{pollutant} above {top} has no IAQI under {std.id}; use {rule[1]} instead"
        )
    if isinstance(concentration, xr.DataArray):
        return concentration.copy(data=out).assign_attrs(
            {
                "long_name": f"IAQI of {pollutant}",
                "units": "1",
                "aqi_standard": get_standard(standard).id,
                "missing_value": MISSING,
            }
        )
    if np.ndim(concentration) == 0 and not isinstance(concentration, np.ndarray):
        return int(out.reshape(()))
    return out


@dataclasses.dataclass(frozen=True)
class DailyAQI:
    """Daily AQI of one place and day.

    Attributes
    ----------
    aqi : int
        AQI [1]; :data:`AQI_MISSING` (-1) when no pollutant has an IAQI.
    iaqi : dict of str to int
        IAQI per pollutant id entering the daily AQI under ``standard`` and given in the
        input [1]; :data:`MISSING` for a missing or not-computed value.
    primary_pollutants : tuple of str
        Pollutant names (``pm25``, ``o3``, …) whose IAQI equals the AQI, ties all listed; empty
        when AQI <= 50 or missing.
    category : Category or None
        ``None`` when the AQI is missing.
    standard : str
        Standard id used.
    notes : dict of str to str
        Per pollutant id, why its IAQI is special (missing, over-range, capped at 500).
    non_attainment : tuple of str
        HJ633-2012 only: pollutant names with an IAQI above 100 (超标污染物); the 2026 text
        drops the term, so always empty under HJ633-2026.
    """

    aqi: int
    iaqi: dict[str, int]
    primary_pollutants: tuple[str, ...]
    category: Category | None
    standard: str
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    non_attainment: tuple[str, ...] = ()


def daily_aqi(
    values: Mapping[str, float],
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> DailyAQI:
    """Daily AQI from a day's statistics (HJ 633 §4–5).

    Parameters
    ----------
    values : mapping
        Any subset of ``pm25``, ``pm10``, ``so2``, ``no2``, ``co`` (daily means), ``o3_8h``
        (MDA8) and ``o3_1h`` (daily max 1-h; enters under HJ633-2012 only) [µg m⁻³; CO
        mg m⁻³]. Pollutant ids (``pm25_24h``) and ``o3_mda8`` are accepted as keys too. NaN or
        ``None`` values are skipped.
    standard : str or datetime.date
        Standard id, or the day (its standard in force).
    above_top : {"cap", "missing"}
        See :func:`iaqi`.

    Returns
    -------
    DailyAQI
        Under HJ633-2012, O3 8h > 800 has no IAQI and the O3 1h IAQI (which enters the daily
        AQI under 2012) stands for O3; under HJ633-2026, O3 8h > 800 gives 300 and the O3 1h
        value is ignored.
    """
    std = get_standard(standard)
    iaqis: dict[str, int] = {}
    notes: dict[str, str] = {}
    for key, value in values.items():
        name = _KEY_ALIASES.get(key, key)
        if name not in DAILY_KEYS:
            raise PolicyError(
                f"unknown daily statistic {key!r}; expected one of {', '.join(DAILY_KEYS)}"
            )
        pid = DAILY_KEYS[name]
        if pid not in std.daily:
            continue
        number = np.nan if value is None else float(value)
        result, flag = iaqi_with_flags(pid, np.float64(number), std, above_top=above_top)
        iaqis[pid] = int(result)
        if int(flag) != _kernel.FLAG_OK:
            notes[pid] = _FLAG_TEXT[int(flag)]
    if (
        notes.get("o3_8h") == _FLAG_TEXT[_kernel.FLAG_NOT_COMPUTED]
        and iaqis.get("o3_1h", MISSING) == MISSING
    ):
        notes["o3_8h"] += "; the O3 1h value it falls back to is missing"
    present = [v for v in iaqis.values() if v >= 0]
    if not present:
        return DailyAQI(AQI_MISSING, iaqis, (), None, std.id, notes)
    aqi_value = min(max(max(present), std.aqi_min), std.aqi_max)
    primary: tuple[str, ...] = ()
    if aqi_value > 50:
        winners = {species_of(pid) for pid, v in iaqis.items() if v == aqi_value}
        primary = tuple(s for s in _SPECIES if s in winners)
    exceeding: tuple[str, ...] = ()
    if std.non_attainment_above is not None:
        over = {species_of(pid) for pid, v in iaqis.items() if v > std.non_attainment_above}
        exceeding = tuple(s for s in _SPECIES if s in over)
    return DailyAQI(aqi_value, iaqis, primary, category(aqi_value), std.id, notes, exceeding)


def daily_aqi_dataset(
    daily: xr.Dataset,
    standard: str | None = None,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> xr.Dataset:
    """Daily AQI of every element of a dataset of daily statistics.

    Parameters
    ----------
    daily : xarray.Dataset
        Output of :func:`engine.daily.daily_statistics`: any of ``pm25``, ``pm10``, ``so2``,
        ``no2``, ``co``, ``o3_8h``, ``o3_1h`` with a ``date`` dim [µg m⁻³; CO mg m⁻³].
    standard : str, optional
        Standard id for every date; default: :func:`standard_for` of each date.
    above_top : {"cap", "missing"}
        See :func:`iaqi`.

    Returns
    -------
    xarray.Dataset
        Same dims as the inputs (``(..., date)``): ``aqi`` int32 (-1: no data), ``category``
        int8 (1–6; 0: no data), ``iaqi_<pollutant id>`` int32 for each statistic present (-1:
        missing, not computed, or — ``iaqi_o3_1h`` on HJ633-2026 dates — not part of the daily
        AQI), ``primary_<pollutant>`` bool (all False when AQI <= 50), ``above_top`` bool (some
        IAQI was set by the undefined-over-range rule), and a ``standard`` coordinate along
        ``date``.
    """
    if "date" not in daily.dims:
        raise PolicyError(f"daily statistics need a 'date' dim, got dims {tuple(daily.dims)}")
    keys = [k for k in DAILY_KEYS if k in daily.data_vars]
    dates = daily["date"].values
    if standard is not None:
        ids = np.array([get_standard(standard).id] * len(dates), dtype=object)
    else:
        ids = np.array([standard_for(d) for d in dates], dtype=object)
    if keys:
        arrays = xr.broadcast(*[daily[k] for k in keys])
        dims = arrays[0].dims
        data = {k: a.transpose(*dims).values for k, a in zip(keys, arrays, strict=True)}
        coords = arrays[0].coords
    else:
        dims, data, coords = ("date",), {}, daily["date"].coords
    shape = tuple(daily.sizes[d] for d in dims)
    axis = dims.index("date")
    iaqis = {DAILY_KEYS[k]: np.full(shape, MISSING, np.int32) for k in keys}
    above = np.zeros(shape, bool)
    aqi_min = np.zeros(len(dates), np.int32)
    for sid in dict.fromkeys(ids):
        std = get_standard(sid)
        sel = np.flatnonzero(ids == sid)
        index = (slice(None),) * axis + (sel,)
        aqi_min[sel] = std.aqi_min
        for key in keys:
            pid = DAILY_KEYS[key]
            if pid not in std.daily:
                continue
            out, flags = iaqi_with_flags(pid, data[key][index], std, above_top=above_top)
            iaqis[pid][index] = out
            above[index] |= flags == _kernel.FLAG_ABOVE_TOP
    if iaqis:
        aqi = np.max(np.stack(list(iaqis.values())), axis=0)
    else:
        aqi = np.full(shape, AQI_MISSING, np.int32)
    floor = aqi_min.reshape((-1,) + (1,) * (len(shape) - axis - 1))
    aqi = np.where(aqi >= 0, np.maximum(aqi, floor), AQI_MISSING).astype(np.int32)
    uppers = np.array([c.upper for c in categories()])
    level = np.minimum(np.searchsorted(uppers, aqi, side="left") + 1, len(uppers))
    level = np.where(aqi >= 0, level, 0).astype(np.int8)
    out_vars: dict[str, Any] = {
        "aqi": (
            dims,
            aqi,
            {
                "long_name": "daily air quality index",
                "units": "1",
                "missing_value": AQI_MISSING,
                "comment": "HJ 633; -1 where no pollutant has an IAQI",
            },
        ),
        "category": (
            dims,
            level,
            {
                "long_name": "AQI category level (HJ 633 Table 2)",
                "units": "1",
                "flag_values": "1 2 3 4 5 6",
                "flag_meanings": "excellent good lightly_polluted "
                "moderately_polluted heavily_polluted severely_polluted",
                "comment": "0 where the AQI is missing",
            },
        ),
    }
    for pid, values in iaqis.items():
        attrs = {"long_name": f"individual AQI of {pid}", "units": "1", "missing_value": MISSING}
        if pid == "o3_1h":
            attrs["comment"] = "enters the daily AQI under HJ633-2012 only; -1 on other dates"
        out_vars[f"iaqi_{pid}"] = (dims, values, attrs)
    for species in _SPECIES:
        pids = [pid for pid in iaqis if species_of(pid) == species]
        if not pids:
            continue
        hit = np.zeros(shape, bool)
        for pid in pids:
            hit |= iaqis[pid] == aqi
        out_vars[f"primary_{species}"] = (
            dims,
            hit & (aqi > 50),
            {"long_name": f"{species} is a primary pollutant (首要污染物)", "units": "1"},
        )
    out_vars["above_top"] = (
        dims,
        above,
        {
            "long_name": "some value above the top breakpoint, IAQI by the undefined-range rule",
            "comment": f"RULES §1.1 [?]: above_top={above_top!r}",
        },
    )
    result = xr.Dataset(out_vars, coords={k: v for k, v in coords.items()})
    result = result.assign_coords(standard=("date", ids.astype(str)))
    result.attrs.update(
        {"aqi_standards": ", ".join(dict.fromkeys(ids)), "aqi_missing_value": AQI_MISSING}
    )
    return result
