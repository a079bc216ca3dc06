"""Reading and validating the registry CSV files; every bad row is reported, none is dropped.

Each reader returns typed rows plus a list of problems ``"<file> line <n>: <reason>"``; line
numbers count the header as line 1. Column sets are exact: a missing or extra column is a
problem of line 1 — except the optional VOC columns of ``lines.csv``
(:data:`LINE_OPTIONAL_COLUMNS`), which files of the format before schema version 2 lack.
Values beyond the plausibility bounds of ``engine/data/plausibility_registry.toml`` and
oversized fields are refused with their line (docs/rules.md §3.4).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.measures import ACTIONS, EMISSION_SPECIES, GRADES, LEVELS, VOC_PROCESSES, window_hours
from registry._fields import (
    LAT,
    LON,
    as_bool,
    capacity,
    choice,
    field,
    ident,
    keep,
    number,
    optional,
    rate,
    read_rows,
    text,
)

__all__ = [
    "BASELINE_COLUMNS",
    "ENTERPRISE_COLUMNS",
    "EQUIPMENT_COLUMNS",
    "LINE_COLUMNS",
    "LINE_OPTIONAL_COLUMNS",
    "PLAN_COLUMNS",
    "read_baseline",
    "read_enterprises",
    "read_equipment",
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
LINE_OPTIONAL_COLUMNS = ("voc_process", "start_hour", "end_hour", "shiftable")
"""Optional columns of ``lines.csv`` (schema version 2); an empty cell takes the default rule
of docs/rules.md §4.1."""
EQUIPMENT_COLUMNS = ("credit_code", "line_id", "equipment_id", "kind", "voc_kg_h")
PLAN_COLUMNS = ("credit_code", "level", "line_id", "action", "value")
BASELINE_COLUMNS = ("region_code", "so2_t_d", "nox_t_d", "pm_t_d", "voc_t_d")


def read_enterprises(
    path: Path, industries: tuple[str, ...]
) -> tuple[list[dict], list[str], set[str]]:
    """Typed rows of ``enterprises.csv``, the problems found, and every credit code named
    (bad rows included, so their lines are not reported a second time)."""
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    industry = choice(industries)  # made once, not on every row
    for line, row in read_rows(path, ENTERPRISE_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "credit_code": field(row, "credit_code", text, errors),
            "name": field(row, "name", text, errors),
            "region_code": field(row, "region_code", text, errors),
            "lon": field(row, "lon", lambda v: number(v, *LON), errors),
            "lat": field(row, "lat", lambda v: number(v, *LAT), errors),
            "industry": field(row, "industry", industry, errors),
            "grade": field(row, "grade", choice(GRADES), errors),
            "guarantee": field(row, "guarantee", as_bool, errors),
            "guarantee_cap": field(
                row, "guarantee_cap", lambda v: None if v == "" else number(v, 0.0, 1.0), errors
            ),
            "positive_list": field(row, "positive_list", as_bool, errors),
            "low_voc": field(row, "low_voc", as_bool, errors),
            "voc_treatment": field(row, "voc_treatment", ident, errors),
        }
        if out["guarantee"] is False and out["guarantee_cap"] is not None:
            errors.append("guarantee_cap given for a firm with guarantee=false")
        code = out["credit_code"]
        if code is not None and code in seen:
            errors.append(f"credit_code {code!r} repeats line {seen[code]}")
        elif code is not None:
            seen[code] = line
        keep(out, errors, path, line, rows, problems)
    return rows, problems, set(seen)


def read_lines(
    path: Path, known: Callable[[str], bool]
) -> tuple[list[dict], list[str], tuple[str, ...]]:
    """Typed rows of ``lines.csv``, the problems found, and the optional columns it has.

    ``known(credit_code)`` tells whether an enterprise exists. Optional VOC columns
    (:data:`LINE_OPTIONAL_COLUMNS`) that are empty or absent are None: the default rule of
    docs/rules.md §4.1. A given operating window must hold ``hours_per_day`` hours.
    """
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    present: set[str] = set()
    hour = optional(lambda v: number(v, 0.0, 24.0))
    rates = {p: rate(p) for p in EMISSION_SPECIES}  # parsers made once, not on every row
    hours = lambda v: number(v, 0.0, 24.0, low_open=True)  # noqa: E731
    voc_process, shiftable = optional(choice(VOC_PROCESSES)), optional(as_bool)
    optional_columns = set(LINE_OPTIONAL_COLUMNS)
    for line, row in read_rows(path, LINE_COLUMNS, problems, LINE_OPTIONAL_COLUMNS):
        present |= row.keys() & optional_columns
        errors: list[str] = []
        out = {
            "credit_code": field(row, "credit_code", text, errors),
            "line_id": field(row, "line_id", text, errors),
            "process": field(row, "process", ident, errors),
            "permitted_capacity": field(row, "permitted_capacity", capacity, errors),
            "licensed_capacity": field(row, "licensed_capacity", capacity, errors),
            "last_year_output": field(row, "last_year_output", capacity, errors),
            "capacity_unit": field(row, "capacity_unit", text, errors),
            **{f"{p}_kg_h": field(row, f"{p}_kg_h", rates[p], errors) for p in EMISSION_SPECIES},
            "hours_per_day": field(row, "hours_per_day", hours, errors),
            "already_stopped": field(row, "already_stopped", as_bool, errors),
            "voc_process": field(row, "voc_process", voc_process, errors),
            "start_hour": field(row, "start_hour", hour, errors),
            "end_hour": field(row, "end_hour", hour, errors),
            "shiftable": field(row, "shiftable", shiftable, errors),
        }
        if out["already_stopped"] is False and out["last_year_output"] == 0.0:
            errors.append(
                "last_year_output 0 for a running line: emissions are proportional to output, "
                "give last year's output or set already_stopped=true"
            )
        errors += _window_problems(row, out)
        code = out["credit_code"]
        if code is not None and not known(code):
            errors.append(f"credit_code {code!r} is in neither enterprises.csv nor the registry")
        key = (code, out["line_id"])
        if None not in key and key in seen:
            errors.append(f"line {key[1]!r} of {key[0]!r} repeats line {seen[key]}")
        elif None not in key:
            seen[key] = line
        keep(out, errors, path, line, rows, problems)
    return rows, problems, tuple(c for c in LINE_OPTIONAL_COLUMNS if c in present)


def _window_problems(row: dict, out: dict) -> list[str]:
    """A given operating window: both ends, and as long as ``hours_per_day``."""
    start, end, hours = out["start_hour"], out["end_hour"], out["hours_per_day"]
    if (row.get("start_hour", "") == "") != (row.get("end_hour", "") == ""):
        return ["give both start_hour and end_hour, or neither (default window)"]
    if start is None or end is None or hours is None:
        return []
    span = float(window_hours(start, end))
    if abs(span - hours) > 1e-6:
        return [
            f"start_hour {start:g} to end_hour {end:g} spans {span:g} h but hours_per_day is "
            f"{hours:g}: the window must hold the operating hours (the end before the start "
            "runs past midnight)"
        ]
    return []


def read_equipment(
    path: Path, line_voc: Callable[[str, str], float | None]
) -> tuple[list[dict], list[str]]:
    """Typed rows of ``equipment.csv`` (``credit_code,line_id,equipment_id,kind,voc_kg_h``).

    ``line_voc(credit_code, line_id)`` is the line's VOC rate [kg h⁻¹], None for an unknown
    line. The equipment of a line may not emit more VOC than the line (docs/rules.md §4.1).
    """
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    summed: dict[tuple[str, str], float] = {}
    voc = optional(rate("voc"))  # made once, not on every row
    for line, row in read_rows(path, EQUIPMENT_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "credit_code": field(row, "credit_code", text, errors),
            "line_id": field(row, "line_id", text, errors),
            "equipment_id": field(row, "equipment_id", text, errors),
            "kind": field(row, "kind", ident, errors),
            "voc_kg_h": field(row, "voc_kg_h", voc, errors),
        }
        code, line_id = out["credit_code"], out["line_id"]
        if code is not None and line_id is not None:
            limit = line_voc(code, line_id)
            if limit is None:
                errors.append(
                    f"line {line_id!r} of {code!r} is in neither lines.csv nor the registry"
                )
            elif out["voc_kg_h"] is not None:
                total = summed.get((code, line_id), 0.0) + out["voc_kg_h"]
                summed[(code, line_id)] = total
                if total > limit * (1 + 1e-9) + 1e-12:
                    errors.append(
                        f"the equipment of line {line_id!r} emits {total:g} kg/h VOC so far, more "
                        f"than the line's voc_kg_h {limit:g}"
                    )
            key = (code, line_id, out["equipment_id"])
            if out["equipment_id"] is not None and key in seen:
                errors.append(f"equipment {key[2]!r} of line {line_id!r} repeats line {seen[key]}")
            elif out["equipment_id"] is not None:
                seen[key] = line
        keep(out, errors, path, line, rows, problems)
    return rows, problems


def read_plans(
    path: Path, known_line: Callable[[str, str], bool], known: Callable[[str], bool]
) -> tuple[list[dict], list[str]]:
    """Typed rows of the per-enterprise plans (``credit_code,level,line_id,action,value``)."""
    problems: list[str] = []
    rows: list[dict] = []
    levels = tuple(v for v in LEVELS if v != "none")
    for line, row in read_rows(path, PLAN_COLUMNS, problems):
        errors: list[str] = []
        out = {
            "credit_code": field(row, "credit_code", text, errors),
            "level": field(row, "level", choice(levels), errors),
            "line_id": row["line_id"] or None,
            "action": field(row, "action", choice(ACTIONS), errors),
            "value": field(row, "value", lambda v: None if v == "" else number(v, 0.0), errors),
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
        keep(out, errors, path, line, rows, problems)
    return rows, problems


def read_baseline(path: Path) -> tuple[list[dict], list[str]]:
    """Typed rows of ``baseline.csv`` (whole-society emissions [t d⁻¹])."""
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in read_rows(path, BASELINE_COLUMNS, problems):
        errors: list[str] = []
        out = {"region_code": field(row, "region_code", text, errors)}
        for p in EMISSION_SPECIES:
            out[f"{p}_t_d"] = field(row, f"{p}_t_d", lambda v: number(v, 0.0), errors)
        code = out["region_code"]
        if code is not None and code in seen:
            errors.append(f"region_code {code!r} repeats line {seen[code]}")
        elif code is not None:
            seen[code] = line
        keep(out, errors, path, line, rows, problems, stamp=False)
    return rows, problems
