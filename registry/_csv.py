"""Reading and validating the registry CSV files; every bad row is reported, none is dropped.

Each reader returns typed rows plus a list of problems ``"<file> line <n>: <reason>"``; line
numbers count the header as line 1. Column sets are exact: a missing or extra column is a
problem of line 1.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from engine.measures import ACTIONS, EMISSION_SPECIES, GRADES, LEVELS

__all__ = [
    "BASELINE_COLUMNS",
    "ENTERPRISE_COLUMNS",
    "LINE_COLUMNS",
    "PLAN_COLUMNS",
    "read_baseline",
    "read_enterprises",
    "read_lines",
    "read_plans",
]

ENTERPRISE_COLUMNS = (
    "credit_code",
    "name",
    "region_code",
    "lon",
    "lat",
    "industry",
    "grade",
    "guarantee",
    "guarantee_cap",
    "positive_list",
    "low_voc",
    "voc_treatment",
)
LINE_COLUMNS = (
    "credit_code",
    "line_id",
    "process",
    "permitted_capacity",
    "licensed_capacity",
    "last_year_output",
    "capacity_unit",
    "so2_kg_h",
    "nox_kg_h",
    "pm_kg_h",
    "voc_kg_h",
    "hours_per_day",
    "already_stopped",
)
PLAN_COLUMNS = ("credit_code", "level", "line_id", "action", "value")
BASELINE_COLUMNS = ("region_code", "so2_t_d", "nox_t_d", "pm_t_d", "voc_t_d")

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_LON = (73.0, 136.0)  # China's extent with a margin [degree]
_LAT = (3.0, 54.0)


class _Bad(ValueError):
    pass


def _rows(path: Path, columns: tuple[str, ...], problems: list[str]) -> Iterator[tuple[int, dict]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"{name}: not UTF-8 ({error.reason} at byte {error.start})")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(f"{name} line 1: empty file, expected the header {','.join(columns)}")
        return
    header = [h.strip() for h in header]
    extra = [h for h in header if h not in columns]
    missing = [c for c in columns if c not in header]
    if extra or missing or len(set(header)) != len(header):
        parts = []
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if len(set(header)) != len(header):
            parts.append("repeated column names")
        problems.append(f"{name} line 1: {'; '.join(parts)} — expected exactly {','.join(columns)}")
        return
    for record in reader:
        line = reader.line_num
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            problems.append(f"{name} line {line}: {len(record)} fields, expected {len(header)}")
            continue
        yield line, {h: v.strip() for h, v in zip(header, record, strict=True)}


def _field(row: dict, key: str, parse: Callable[[str], Any], errors: list[str]) -> Any:
    try:
        return parse(row[key])
    except _Bad as error:
        errors.append(f"{key} {row[key]!r}: {error}")
        return None


def _text(value: str) -> str:
    if not value:
        raise _Bad("must not be empty")
    return value


def _ident(value: str) -> str:
    if not _IDENT.match(value):
        raise _Bad("expected a lower-case identifier such as clinker, coating, none")
    return value


def _bool(value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _Bad("expected true or false")


def _number(
    value: str, low: float | None = None, high: float | None = None, *, low_open: bool = False
) -> float:
    try:
        number = float(value)
    except ValueError:
        raise _Bad("not a number") from None
    if not math.isfinite(number):
        raise _Bad("not a finite number")
    if low is not None and (number < low or (low_open and number == low)):
        raise _Bad(f"must be {'>' if low_open else '≥'} {low:g}")
    if high is not None and number > high:
        raise _Bad(f"must be ≤ {high:g}")
    return number


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise _Bad(f"not one of {', '.join(options)}")
        return value

    return parse


def read_enterprises(
    path: Path, industries: tuple[str, ...]
) -> tuple[list[dict], list[str], set[str]]:
    """Typed rows of ``enterprises.csv``, the problems found, and every credit code named
    (bad rows included, so their lines are not reported a second time)."""
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in _rows(path, ENTERPRISE_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "credit_code": _field(row, "credit_code", _text, errors),
            "name": _field(row, "name", _text, errors),
            "region_code": _field(row, "region_code", _text, errors),
            "lon": _field(row, "lon", lambda v: _number(v, *_LON), errors),
            "lat": _field(row, "lat", lambda v: _number(v, *_LAT), errors),
            "industry": _field(row, "industry", _choice(industries), errors),
            "grade": _field(row, "grade", _choice(GRADES), errors),
            "guarantee": _field(row, "guarantee", _bool, errors),
            "guarantee_cap": _field(
                row, "guarantee_cap", lambda v: None if v == "" else _number(v, 0.0, 1.0), errors
            ),
            "positive_list": _field(row, "positive_list", _bool, errors),
            "low_voc": _field(row, "low_voc", _bool, errors),
            "voc_treatment": _field(row, "voc_treatment", _ident, errors),
        }
        if out["guarantee"] is False and out["guarantee_cap"] is not None:
            errors.append("guarantee_cap given for a firm with guarantee=false")
        code = out["credit_code"]
        if code is not None and code in seen:
            errors.append(f"credit_code {code!r} repeats line {seen[code]}")
        elif code is not None:
            seen[code] = line
        _keep(out, errors, path, line, rows, problems)
    return rows, problems, set(seen)


def read_lines(path: Path, known: Callable[[str], bool]) -> tuple[list[dict], list[str]]:
    """Typed rows of ``lines.csv``; ``known(credit_code)`` tells whether an enterprise exists."""
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(path, LINE_COLUMNS, problems):
        errors: list[str] = []
        nonneg = lambda v: _number(v, 0.0)  # noqa: E731
        out = {
            "credit_code": _field(row, "credit_code", _text, errors),
            "line_id": _field(row, "line_id", _text, errors),
            "process": _field(row, "process", _ident, errors),
            "permitted_capacity": _field(row, "permitted_capacity", nonneg, errors),
            "licensed_capacity": _field(row, "licensed_capacity", nonneg, errors),
            "last_year_output": _field(row, "last_year_output", nonneg, errors),
            "capacity_unit": _field(row, "capacity_unit", _text, errors),
            **{f"{p}_kg_h": _field(row, f"{p}_kg_h", nonneg, errors) for p in EMISSION_SPECIES},
            "hours_per_day": _field(
                row, "hours_per_day", lambda v: _number(v, 0.0, 24.0, low_open=True), errors
            ),
            "already_stopped": _field(row, "already_stopped", _bool, errors),
        }
        if out["already_stopped"] is False and out["last_year_output"] == 0.0:
            errors.append(
                "last_year_output 0 for a running line: emissions are proportional to output, "
                "give last year's output or set already_stopped=true"
            )
        code = out["credit_code"]
        if code is not None and not known(code):
            errors.append(f"credit_code {code!r} is in neither enterprises.csv nor the registry")
        key = (code, out["line_id"])
        if None not in key and key in seen:
            errors.append(f"line {key[1]!r} of {key[0]!r} repeats line {seen[key]}")
        elif None not in key:
            seen[key] = line
        _keep(out, errors, path, line, rows, problems)
    return rows, problems


def read_plans(
    path: Path, known_line: Callable[[str, str], bool], known: Callable[[str], bool]
) -> tuple[list[dict], list[str]]:
    """Typed rows of the per-enterprise plans (``credit_code,level,line_id,action,value``)."""
    problems: list[str] = []
    rows: list[dict] = []
    levels = tuple(v for v in LEVELS if v != "none")
    for line, row in _rows(path, PLAN_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "credit_code": _field(row, "credit_code", _text, errors),
            "level": _field(row, "level", _choice(levels), errors),
            "line_id": row["line_id"] or None,
            "action": _field(row, "action", _choice(ACTIONS), errors),
            "value": _field(row, "value", lambda v: None if v == "" else _number(v, 0.0), errors),
        }
        code, action, value = out["credit_code"], out["action"], out["value"]
        if code is not None and not known(code):
            errors.append(f"credit_code {code!r} is in neither enterprises.csv nor the registry")
        elif code is not None and out["line_id"] and not known_line(code, out["line_id"]):
            errors.append(f"line_id {out['line_id']!r} is not a line of {code!r}")
        if action in ("limit_output", "stop_share_of_lines") and (
            value is None or not 0.0 < value <= 1.0
        ):
            errors.append(f"{action} needs a value in (0, 1]")
        if action == "stop_share_of_lines" and out["line_id"]:
            errors.append("stop_share_of_lines applies to the whole plant: leave line_id empty")
        _keep(out, errors, path, line, rows, problems)
    return rows, problems


def read_baseline(path: Path) -> tuple[list[dict], list[str]]:
    """Typed rows of ``baseline.csv`` (whole-society emissions [t d⁻¹])."""
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in _rows(path, BASELINE_COLUMNS, problems):
        errors: list[str] = []
        out = {"region_code": _field(row, "region_code", _text, errors)}
        for p in EMISSION_SPECIES:
            out[f"{p}_t_d"] = _field(row, f"{p}_t_d", lambda v: _number(v, 0.0), errors)
        code = out["region_code"]
        if code is not None and code in seen:
            errors.append(f"region_code {code!r} repeats line {seen[code]}")
        elif code is not None:
            seen[code] = line
        _keep(out, errors, path, line, rows, problems, stamp=False)
    return rows, problems


def _keep(
    out: dict,
    errors: list[str],
    path: Path,
    line: int,
    rows: list[dict],
    problems: list[str],
    *,
    stamp: bool = True,
) -> None:
    """Keep a typed row (stamped with its line number), or record why it is bad."""
    if errors:
        problems.append(f"{path.name} line {line}: {'; '.join(errors)}")
        return
    if stamp:
        out["_line"] = line
    rows.append(out)
