"""The hand-made VOC registry of issue 11 ("Done when"), as records and as CSV files.

Six firms in 南京 (320100) — every number chosen so that the expected kilograms are worked out
by hand in the tests:

* ``COAT-ADS`` industrial coating, grade C, adsorption only, not low-VOC; line ``L1`` coating
  08:00–16:00 (8 h, the default window of an 8-h line), 10 kg/h VOC, 0.5 kg/h NOx; equipment
  spray booth ``SB1`` 6 kg/h and drying oven ``DO1`` 4 kg/h;
* ``COAT-RTO`` the same firm with an RTO (grade B);
* ``COAT-A`` the same line in a grade A firm;
* ``FURN-LOW`` furniture, grade B, low-VOC materials; spraying 10 h (default 08:00–18:00),
  4 kg/h VOC;
* ``PRINT`` packaging printing, grade B, photocatalysis; printing 08:00–20:00, 5 kg/h VOC;
* ``PETROL`` petrol station, ungraded; tanker unloading ``UL1`` 10:00–13:00 (storage_loading),
  20 kg/h; dispensing ``DISP`` 06:00–22:00 (refuelling, cannot shift), 2 kg/h;

plus ``CEMENT`` (a cement kiln, no VOC process) which no programme lists.
"""

from __future__ import annotations

import csv
from pathlib import Path

from registry._csv import (
    ENTERPRISE_COLUMNS,
    EQUIPMENT_COLUMNS,
    LINE_COLUMNS,
    LINE_OPTIONAL_COLUMNS,
)

REGION = {"code": "320100", "name": "南京市"}


def _ent(code, industry, grade, *, low_voc=False, treatment="none", lon=118.8, lat=32.05):
    return {
        "credit_code": code,
        "name": f"{code} 示例",
        "region_code": "320100",
        "lon": lon,
        "lat": lat,
        "industry": industry,
        "grade": grade,
        "guarantee": False,
        "guarantee_cap": None,
        "positive_list": False,
        "low_voc": low_voc,
        "voc_treatment": treatment,
    }


def _line(code, line_id, process, voc, hours, *, nox=0.0, start=None, end=None, **voc_cols):
    return {
        "credit_code": code,
        "line_id": line_id,
        "process": process,
        "permitted_capacity": 1000.0,
        "licensed_capacity": 1000.0,
        "last_year_output": 800.0,
        "capacity_unit": "t",
        "so2_kg_h": 0.0,
        "nox_kg_h": nox,
        "pm_kg_h": 0.0,
        "voc_kg_h": voc,
        "hours_per_day": hours,
        "already_stopped": False,
        "voc_process": voc_cols.get("voc_process"),
        "start_hour": start,
        "end_hour": end,
        "shiftable": voc_cols.get("shiftable"),
    }


ENTERPRISES = [
    _ent("COAT-ADS", "industrial_coating", "C", treatment="adsorption", lon=118.75, lat=32.05),
    _ent("COAT-RTO", "industrial_coating", "B", treatment="rto", lon=118.85, lat=32.05),
    _ent("COAT-A", "industrial_coating", "A", treatment="adsorption"),
    _ent("FURN-LOW", "furniture", "B", low_voc=True),
    _ent("PRINT", "packaging_printing", "B", treatment="photocatalysis", lon=118.75, lat=32.15),
    _ent("PETROL", "fuel_retail", "ungraded", lon=118.85, lat=32.15),
    _ent("CEMENT", "cement", "C"),
]
LINES = [
    _line("COAT-ADS", "L1", "coating", 10.0, 8.0, nox=0.5),
    _line("COAT-RTO", "L1", "coating", 10.0, 8.0, nox=0.5),
    _line("COAT-A", "L1", "coating", 10.0, 8.0, nox=0.5),
    _line("FURN-LOW", "S1", "spraying", 4.0, 10.0),
    _line("PRINT", "P1", "printing", 5.0, 12.0, start=8.0, end=20.0, voc_process="printing"),
    _line(
        "PETROL", "UL1", "unloading", 20.0, 3.0, start=10.0, end=13.0, voc_process="storage_loading"
    ),
    _line(
        "PETROL",
        "DISP",
        "dispensing",
        2.0,
        16.0,
        start=6.0,
        end=22.0,
        voc_process="refuelling",
        shiftable=False,
    ),
    _line("CEMENT", "K1", "clinker", 0.0, 24.0, nox=100.0),
]
EQUIPMENT = [
    {
        "credit_code": "COAT-ADS",
        "line_id": "L1",
        "equipment_id": "SB1",
        "kind": "spray_booth",
        "voc_kg_h": 6.0,
    },
    {
        "credit_code": "COAT-ADS",
        "line_id": "L1",
        "equipment_id": "DO1",
        "kind": "drying_oven",
        "voc_kg_h": 4.0,
    },
    {
        "credit_code": "PETROL",
        "line_id": "UL1",
        "equipment_id": "RACK1",
        "kind": "unloading_rack",
        "voc_kg_h": 20.0,
    },
]


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_csv(path: Path, rows: list[dict], columns) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    return path


def voc_files(directory: Path) -> dict[str, Path]:
    """The registry as ``enterprises.csv``, ``lines.csv`` (with the VOC columns) and
    ``equipment.csv``."""
    return {
        "enterprises": write_csv(directory / "enterprises.csv", ENTERPRISES, ENTERPRISE_COLUMNS),
        "lines": write_csv(directory / "lines.csv", LINES, LINE_COLUMNS + LINE_OPTIONAL_COLUMNS),
        "equipment": write_csv(directory / "equipment.csv", EQUIPMENT, EQUIPMENT_COLUMNS),
    }
