"""The three observation CSV files: station list, hourly station values, hourly electricity use.

Every reader returns typed data plus the problems found (``"<file> line <n>: <reason>"``, the
header being line 1); an import with any problem imports nothing. The station list is small and
read row by row with :mod:`engine.csvrows`; the two hourly files are read in blocks of columns
(:mod:`observations._table`) so that a year of 1,500 stations stays fast.

Validity of hourly values (docs/rules.md §1.5): an empty field or a missing marker
(:data:`MISSING_MARKERS`) is an invalid hour, a negative concentration is an invalid hour too
(counted apart), and hours absent from the file are gaps; none of these is a bad row. A value
that is not a number, an unknown station, a time that is not a whole CST hour, or a station-hour
given twice is a bad row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from engine.csvrows import decode, field, keep, number, rows, text
from observations._table import MISSING_MARKERS, Problems, read_columns

__all__ = [
    "ELECTRICITY_COLUMNS",
    "HOURLY_COLUMNS",
    "MISSING_MARKERS",
    "POLLUTANTS",
    "STATION_COLUMNS",
    "ElectricityRows",
    "HourlyRows",
    "read_electricity",
    "read_hourly",
    "read_stations",
]

STATION_COLUMNS = ("station_code", "name", "city_code", "lon", "lat")
HOURLY_COLUMNS = ("station_code", "time", "pm25", "pm10", "o3", "no2", "so2", "co")
POLLUTANTS = HOURLY_COLUMNS[2:]
"""Order of the pollutant axis of hourly values [µg m⁻³; ``co`` mg m⁻³]."""
ELECTRICITY_COLUMNS = ("credit_code", "meter_id", "line_id", "time", "kwh")

_LON = (73.0, 136.0)  # China's extent with a margin [degree]
_LAT = (3.0, 54.0)
_EPOCH_HOUR = np.datetime64(0, "h")
_CST = dt.timezone(dt.timedelta(hours=8))


def read_stations(path: Path) -> tuple[list[dict], list[str]]:
    """Typed rows of the station list (``station_code,name,city_code,lon,lat``) and problems."""
    problems: list[str] = []
    kept: list[dict] = []
    content = decode(path.name, path.read_bytes(), problems)
    if content is None:
        return kept, problems
    seen: dict[str, int] = {}
    for line, row in rows(path.name, content, STATION_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "station_code": field(row, "station_code", text, errors),
            "name": field(row, "name", text, errors),
            "city_code": field(row, "city_code", text, errors),
            "lon": field(row, "lon", lambda v: number(v, *_LON), errors),
            "lat": field(row, "lat", lambda v: number(v, *_LAT), errors),
        }
        code = out["station_code"]
        if code is not None and code in seen:
            errors.append(f"station_code {code!r} repeats line {seen[code]}")
        elif code is not None:
            seen[code] = line
        keep(out, errors, path.name, line, kept, problems)
    return kept, problems


@dataclasses.dataclass
class HourlyRows:
    """Valid rows of an hourly file, as columns.

    ``station`` int64 index into the known station codes; ``hour`` int64 CST hour stamps as
    hours since 1970-01-01T00 (naive CST); ``values`` float32 ``(row, pollutant)`` in
    :data:`POLLUTANTS` order [µg m⁻³; CO mg m⁻³], NaN for an invalid hour. ``invalid``: values
    empty or marked missing; ``negative``: negative values set invalid.
    """

    station: np.ndarray
    hour: np.ndarray
    values: np.ndarray
    invalid: int = 0
    negative: int = 0

    def __len__(self) -> int:
        return int(self.hour.size)


def read_hourly(path: Path, stations: Mapping[str, int]) -> tuple[HourlyRows, list[str]]:
    """Hourly station values (``station_code,time,pm25,pm10,o3,no2,so2,co``, CST) and problems.

    ``stations`` maps each known station code to its index.
    """
    problems = Problems(path.name)
    known = pd.Index(list(stations))
    index = np.array(list(stations.values()), dtype=np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    invalid = negative = 0
    for block in read_columns(path, HOURLY_COLUMNS, POLLUTANTS, problems):
        c = block.columns
        codes = c["station_code"]
        empty = codes.codes < 0
        # one look-up per distinct code, then by the row's category
        found = known.get_indexer(pd.Index(codes.categories, dtype=object))
        position = np.where(empty, -1, found[np.maximum(codes.codes, 0)])
        unknown = (position < 0) & ~empty
        bad_codes = np.asarray(codes.categories, dtype=object)[codes.codes[unknown]]
        ok = ~block.reported
        ok &= _flag(problems, block.line, empty, lambda k: "station_code must not be empty")
        ok &= _flag(problems, block.line, unknown, _unknown_station(bad_codes))
        hour, bad_time = _hours(c["time"], block.line, problems)
        ok &= ~bad_time
        values = np.stack([c[p] for p in POLLUTANTS], axis=1)[ok]
        invalid += int(np.isnan(values).sum())
        below = values < 0
        negative += int(below.sum())
        values[below] = np.nan
        parts.append((index[position[ok]], hour[ok], values.astype(np.float32), block.line[ok]))
    station, hour, values, lines = _concat(parts, [np.int64, np.int64, np.float32, np.int64])
    _duplicates(station, hour, lines, problems, "station_code and time")
    out = HourlyRows(station, hour, values.reshape(-1, len(POLLUTANTS)), invalid, negative)
    return out, problems.messages()


@dataclasses.dataclass
class ElectricityRows:
    """Valid rows of an electricity-use file, as columns.

    ``series`` int64 index into ``keys`` (``(credit_code, meter_id, line_id)``, empty strings for
    absent ids); ``hour`` int64 CST hour stamps since 1970-01-01T00; ``kwh`` float32 [kWh], NaN
    when the reading is missing.
    """

    keys: list[tuple[str, str, str]]
    series: np.ndarray
    hour: np.ndarray
    kwh: np.ndarray

    def __len__(self) -> int:
        return int(self.hour.size)


def read_electricity(path: Path) -> tuple[ElectricityRows, list[str]]:
    """Hourly electricity use (``credit_code,meter_id,line_id,time,kwh``, CST) and problems.

    ``kwh`` is the energy of the hour beginning at ``time`` [kWh] (docs/rules.md §6 [I]); an
    empty value is a missing reading, a negative one a bad row.
    """
    problems = Problems(path.name)
    keys: dict[tuple[str, str, str], int] = {}
    parts: list[tuple[np.ndarray, ...]] = []
    for block in read_columns(path, ELECTRICITY_COLUMNS, ("kwh",), problems):
        c = block.columns
        ok = ~block.reported
        empty = c["credit_code"].codes < 0
        ok &= _flag(problems, block.line, empty, lambda k: "credit_code must not be empty")
        hour, bad_time = _hours(c["time"], block.line, problems)
        ok &= ~bad_time
        kwh = c["kwh"]
        ok &= _flag(problems, block.line, kwh < 0, lambda k: "kwh must be ≥ 0")
        # the distinct (credit_code, meter_id, line_id) of the block, then each row's
        names = ("credit_code", "meter_id", "line_id")
        triple = np.stack([c[k].codes[ok] for k in names], axis=1)
        unique, inverse = np.unique(triple, axis=0, return_inverse=True)
        categories = [np.asarray(c[k].categories, dtype=object) for k in names]
        ids = np.array(
            [
                keys.setdefault(
                    tuple(
                        str(cats[i]) if i >= 0 else ""
                        for cats, i in zip(categories, row, strict=True)
                    ),  # type: ignore[arg-type]
                    len(keys),
                )
                for row in unique.tolist()
            ],
            dtype=np.int64,
        )
        series = ids[inverse.reshape(-1)] if inverse.size else np.zeros(0, np.int64)
        parts.append((series, hour[ok], kwh[ok].astype(np.float32), block.line[ok]))
    series, hour, kwh, lines = _concat(parts, [np.int64, np.int64, np.float32, np.int64])
    _duplicates(series, hour, lines, problems, "credit_code, meter_id, line_id and time")
    return ElectricityRows(list(keys), series, hour, kwh), problems.messages()


# ---------------------------------------------------------------- helpers


def _flag(
    problems: Problems, lines: np.ndarray, bad: np.ndarray, reason: Callable[[int], str]
) -> np.ndarray:
    """Record ``reason(k)`` for the ``k``-th bad row; the mask of the other rows."""
    bad = np.asarray(bad, bool)
    if bad.any():
        problems.add_many(lines[bad], reason)
    return ~bad


def _unknown_station(codes: np.ndarray) -> Callable[[int], str]:
    def reason(k: int) -> str:
        return f"station_code {codes[k]!r} is in neither the station list nor the store"

    return reason


def _hours(
    values: pd.Categorical, lines: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """CST hour stamps (hours since the epoch) and the mask of bad times, reported.

    Each distinct time string is parsed once (an hour is shared by every station).
    """
    texts = pd.Index(values.categories, dtype=object)
    try:
        parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):  # offsets mixed with naive times: parse one by one
        parsed = pd.DatetimeIndex([_one_time(v) for v in texts])
    if parsed.tz is not None:
        parsed = parsed.tz_convert(_CST).tz_localize(None)
    stamps = parsed.to_numpy().astype("datetime64[s]")
    whole = stamps.astype("datetime64[h]")
    unparsed_cat = np.isnat(stamps)
    off_hour_cat = ~unparsed_cat & (stamps != whole.astype("datetime64[s]"))
    hours_cat = np.where(unparsed_cat, 0, (whole - _EPOCH_HOUR).astype(np.int64))
    code = values.codes
    missing = code < 0
    safe = np.maximum(code, 0)
    unparsed = ~missing & unparsed_cat[safe] if texts.size else np.zeros(code.size, bool)
    off_hour = ~missing & off_hour_cat[safe] if texts.size else np.zeros(code.size, bool)
    bad = missing | unparsed | off_hour
    for k in np.flatnonzero(bad).tolist():
        if missing[k]:
            problems.add(lines[k], "time must not be empty")
        elif unparsed[k]:
            text = texts[code[k]]
            problems.add(lines[k], f"time {text!r}: not a CST time such as 2026-01-05 14:00")
        else:
            problems.add(lines[k], f"time {texts[code[k]]!r}: not on a whole hour")
    hours = np.where(bad, 0, hours_cat[safe]) if texts.size else np.zeros(code.size, np.int64)
    return hours, bad


def _one_time(value: object) -> np.datetime64:
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError:
        return np.datetime64("NaT")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(_CST).tz_localize(None)
    return np.datetime64(stamp.to_datetime64(), "ns")


def _concat(parts: list[tuple[np.ndarray, ...]], dtypes: list) -> list[np.ndarray]:
    if not parts:
        return [np.zeros(0, dtype=d) for d in dtypes]
    return [np.concatenate([p[i] for p in parts]) for i in range(len(dtypes))]


def _duplicates(
    series: np.ndarray, hour: np.ndarray, lines: np.ndarray, problems: Problems, what: str
) -> None:
    """Name every row whose (series, hour) repeats an earlier row."""
    if hour.size < 2:
        return
    order = np.lexsort((lines, hour, series))
    s, h = series[order], hour[order]
    repeat = np.flatnonzero((s[1:] == s[:-1]) & (h[1:] == h[:-1])) + 1
    if repeat.size == 0:
        return
    # the first line of each run of equal keys
    new_key = np.ones(order.size, bool)
    new_key[1:] = (s[1:] != s[:-1]) | (h[1:] != h[:-1])
    first = lines[order][np.maximum.accumulate(np.where(new_key, np.arange(order.size), 0))]
    for k in repeat.tolist():
        problems.add(lines[order[k]], f"{what} repeat line {first[k]}")
