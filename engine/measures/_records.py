"""A columnar :class:`~engine.measures.Registry` from records keyed like the registry CSVs.

The registry store (``registry`` package) and the tests build registries this way; values are
already typed (the store validates every row on import).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.errors import RegistryError
from engine.measures._catalogue import ACTIONS, EMISSION_SPECIES, LEVELS
from engine.measures._registry import GRADE_INDEX, Equipment, Plans, Registry, factorize
from engine.measures._voc import (
    VOC_PROCESSES,
    default_shiftable,
    default_voc_process,
    default_window,
)

__all__ = ["check_plan_codes", "registry_from_records"]


def check_plan_codes(plans: Plans) -> None:
    """Raise RegistryError if plan rows name an unknown level or action."""
    for level in set(plans.level.tolist()):
        if level not in LEVELS:
            raise RegistryError(f"plan level {level!r} not one of {', '.join(LEVELS)}")
    for action in set(plans.action.tolist()):
        if action not in ACTIONS:
            raise RegistryError(f"plan action {action!r} not one of {', '.join(ACTIONS)}")


def registry_from_records(
    enterprises: Sequence[dict],
    lines: Sequence[dict],
    plans: Sequence[dict] = (),
    equipment: Sequence[dict] = (),
) -> Registry:
    """A registry from records keyed like the CSV columns of the registry contract.

    ``enterprises``: ``credit_code, name, region_code, lon, lat, industry, grade, guarantee,
    guarantee_cap (None), positive_list, low_voc, voc_treatment``; ``lines``: ``credit_code,
    line_id, process, permitted_capacity, licensed_capacity, last_year_output, capacity_unit,
    so2_kg_h, nox_kg_h, pm_kg_h, voc_kg_h, hours_per_day, already_stopped``; ``plans``:
    ``credit_code, level, line_id (None: whole plant), action, value (None)``. Lines may
    also hold ``voc_process``, ``start_hour``, ``end_hour`` and ``shiftable``; a key absent or
    None takes the default rule of docs/rules.md §4.1. ``equipment``: ``credit_code, line_id,
    equipment_id, kind, voc_kg_h (None)``. Values are already typed (the store validates them).
    Lines keep their order within an enterprise, equipment its order within a line.
    """
    position = {str(e["credit_code"]): k for k, e in enumerate(enterprises)}
    if len(position) != len(enterprises):
        raise RegistryError("duplicate credit_code among the enterprises")
    for line in lines:
        if str(line["credit_code"]) not in position:
            raise RegistryError(
                f"line {line['line_id']!r} names unknown enterprise {line['credit_code']!r}"
            )
    order = sorted(range(len(lines)), key=lambda j: position[str(lines[j]["credit_code"])])
    lines = [lines[j] for j in order]
    owner = np.fromiter((position[str(x["credit_code"])] for x in lines), np.int64, len(lines))
    counts = np.bincount(owner, minlength=len(enterprises))
    line_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    region, regions = factorize([str(e["region_code"]) for e in enterprises])
    industry, industries = factorize([str(e["industry"]) for e in enterprises])
    process, processes = factorize([str(x["process"]) for x in lines])
    unit, units = factorize([str(x["capacity_unit"]) for x in lines])

    def col(rows: Sequence[dict], key: str, dtype: type = np.float64) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=dtype)

    caps = [
        np.nan if e.get("guarantee_cap") is None else float(e["guarantee_cap"]) for e in enterprises
    ]
    emission = np.array([[x[f"{p}_kg_h"] for p in EMISSION_SPECIES] for x in lines], np.float64)
    line_index = {(str(x["credit_code"]), str(x["line_id"])): k for k, x in enumerate(lines)}
    plan_rows = list(plans)
    plan = Plans(
        np.array([position[str(p["credit_code"])] for p in plan_rows], np.int64),
        np.array([str(p["level"]) for p in plan_rows], object),
        np.array(
            [
                line_index[(str(p["credit_code"]), str(p["line_id"]))] if p.get("line_id") else -1
                for p in plan_rows
            ],
            np.int64,
        ),
        np.array([str(p["action"]) for p in plan_rows], object),
        np.array(
            [np.nan if p.get("value") is None else float(p["value"]) for p in plan_rows], np.float64
        ),
    )
    check_plan_codes(plan)
    hours = col(lines, "hours_per_day")
    voc = _voc_columns(lines, processes, process, emission, hours)
    return Registry(
        credit_code=np.array([str(e["credit_code"]) for e in enterprises], object),
        name=np.array([str(e["name"]) for e in enterprises], object),
        region=region,
        regions=regions,
        industry=industry,
        industries=industries,
        grade=np.array([GRADE_INDEX[str(e["grade"])] for e in enterprises], np.int8),
        guarantee=col(enterprises, "guarantee", bool),
        guarantee_cap=np.array(caps, np.float64),
        positive_list=col(enterprises, "positive_list", bool),
        low_voc=col(enterprises, "low_voc", bool),
        voc_treatment=np.array([str(e["voc_treatment"]) for e in enterprises], object),
        lon=col(enterprises, "lon"),
        lat=col(enterprises, "lat"),
        line_start=line_start,
        line_id=np.array([str(x["line_id"]) for x in lines], object),
        process=process,
        processes=processes,
        permitted_capacity=col(lines, "permitted_capacity"),
        licensed_capacity=col(lines, "licensed_capacity"),
        last_year_output=col(lines, "last_year_output"),
        capacity_unit=unit,
        units=units,
        emission_kg_h=emission.reshape(len(lines), len(EMISSION_SPECIES)),
        hours_per_day=hours,
        already_stopped=col(lines, "already_stopped", bool),
        plans=plan,
        **voc,
        equipment=_equipment(equipment, line_index),
    )


def _voc_columns(
    lines: Sequence[dict],
    processes: tuple[str, ...],
    process: np.ndarray,
    emission: np.ndarray,
    hours: np.ndarray,
) -> dict[str, np.ndarray]:
    """VOC line columns: the records' values where given, else the default rules (§4.1)."""
    n = len(lines)
    names = np.array(processes, object)[process] if n else np.zeros(0, object)
    voc = emission.reshape(n, len(EMISSION_SPECIES))[:, EMISSION_SPECIES.index("voc")]
    cls = default_voc_process(names, voc)
    given = [x.get("voc_process") for x in lines]
    for i, value in enumerate(given):
        if value is not None:
            if value not in VOC_PROCESSES:
                raise RegistryError(
                    f"line {lines[i]['line_id']!r}: voc_process {value!r} not one of "
                    f"{', '.join(VOC_PROCESSES)}"
                )
            cls[i] = VOC_PROCESSES.index(value)
    start, end = default_window(hours)
    for i, x in enumerate(lines):
        if x.get("start_hour") is not None and x.get("end_hour") is not None:
            start[i], end[i] = float(x["start_hour"]), float(x["end_hour"])
    shiftable = default_shiftable(cls, hours)
    for i, x in enumerate(lines):
        if x.get("shiftable") is not None:
            shiftable[i] = bool(x["shiftable"])
    return {"voc_process": cls, "start_hour": start, "end_hour": end, "shiftable": shiftable}


def _equipment(rows: Sequence[dict], line_index: dict[tuple[str, str], int]) -> Equipment:
    """Equipment records as columns grouped by line (stable within a line)."""
    if not rows:
        return Equipment.empty()
    lines = []
    for row in rows:
        key = (str(row["credit_code"]), str(row["line_id"]))
        if key not in line_index:
            raise RegistryError(f"equipment {row['equipment_id']!r} names unknown line {key}")
        lines.append(line_index[key])
    order = np.argsort(np.array(lines, np.int64), kind="stable")
    pick = [rows[k] for k in order.tolist()]
    return Equipment(
        np.array(lines, np.int64)[order],
        np.array([str(r["equipment_id"]) for r in pick], object),
        np.array([str(r["kind"]) for r in pick], object),
        np.array([np.nan if r.get("voc_kg_h") is None else float(r["voc_kg_h"]) for r in pick]),
    )
