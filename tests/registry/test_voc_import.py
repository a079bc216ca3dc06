"""The VOC extension of the registry (schema version 2): optional line columns with their
default rules, equipment, the migration of version-1 files, plausibility bounds and oversized
fields (docs/rules.md §3.4, §4.1)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest

from engine.measures import VOC_PROCESSES, efficient_treatment, treatment_class
from registry import ImportRejected, RegistryStore
from registry._csv import LINE_COLUMNS, LINE_OPTIONAL_COLUMNS
from registry._schema import MIGRATIONS
from tests.registry.voc_registry import ENTERPRISES, LINES, voc_files, write_csv

DAY = dt.date(2026, 7, 1)


def _line(registry, code, line_id):
    e = list(registry.credit_code).index(code)
    for i in range(registry.line_start[e], registry.line_start[e + 1]):
        if registry.line_id[i] == line_id:
            return i
    raise KeyError(line_id)


def test_voc_columns_and_equipment_import(tmp_path):
    store = RegistryStore(tmp_path / "r.sqlite")
    summary = store.import_csv(**voc_files(tmp_path))
    assert (summary.enterprises, summary.lines, summary.equipment) == (7, 8, 3)
    reg = store.load(None, DAY)
    i = _line(reg, "PRINT", "P1")
    assert VOC_PROCESSES[reg.voc_process[i]] == "printing"
    assert (reg.start_hour[i], reg.end_hour[i]) == (8.0, 20.0)
    d = _line(reg, "PETROL", "DISP")
    assert VOC_PROCESSES[reg.voc_process[d]] == "refuelling" and not reg.shiftable[d]
    u = _line(reg, "PETROL", "UL1")
    assert reg.shiftable[u]  # default of storage_loading
    # defaults from process and hours: coating 8 h → 08:00–16:00, shiftable
    c = _line(reg, "COAT-ADS", "L1")
    assert VOC_PROCESSES[reg.voc_process[c]] == "coating"
    assert (reg.start_hour[c], reg.end_hour[c], bool(reg.shiftable[c])) == (8.0, 16.0, True)
    k = _line(reg, "CEMENT", "K1")
    assert VOC_PROCESSES[reg.voc_process[k]] == "none"
    assert (reg.start_hour[k], reg.end_hour[k], bool(reg.shiftable[k])) == (0.0, 24.0, False)
    q = reg.equipment
    assert list(q.equipment_id[q.line == c]) == ["SB1", "DO1"]
    assert list(q.kind[q.line == c]) == ["spray_booth", "drying_oven"]
    np.testing.assert_array_equal(q.voc_kg_h[q.line == c], [6.0, 4.0])
    # selecting enterprises keeps the equipment on its lines
    sub = reg.select(reg.credit_code == "PETROL")
    assert list(sub.line_id[sub.equipment.line]) == ["UL1"]


def test_old_format_lines_still_import(tmp_path):
    """A lines.csv without the VOC columns (the format of schema version 1) imports."""
    files = voc_files(tmp_path)
    old = write_csv(tmp_path / "old_lines.csv", LINES, LINE_COLUMNS)
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(enterprises=files["enterprises"], lines=old)
    reg = store.load(None, DAY)
    i = _line(reg, "PRINT", "P1")  # no voc_process given: by process name, 12 h from 08:00
    assert VOC_PROCESSES[reg.voc_process[i]] == "printing"
    assert (reg.start_hour[i], reg.end_hour[i]) == (8.0, 20.0)
    u = _line(reg, "PETROL", "UL1")  # "unloading" → storage_loading by the data's table
    assert VOC_PROCESSES[reg.voc_process[u]] == "storage_loading"


def test_reimport_without_voc_columns_keeps_them_and_empty_cells_reset(tmp_path):
    files = voc_files(tmp_path)
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(**files)
    old = write_csv(tmp_path / "old_lines.csv", LINES, LINE_COLUMNS)
    store.import_csv(lines=old)
    reg = store.load(None, DAY)
    assert not reg.shiftable[_line(reg, "PETROL", "DISP")]  # kept from the first import
    blank = [{**x, "shiftable": None} for x in LINES]
    store.import_csv(lines=write_csv(tmp_path / "b.csv", blank, LINE_COLUMNS + ("shiftable",)))
    reg = store.load(None, DAY)
    assert not reg.shiftable[_line(reg, "PETROL", "DISP")]  # default of refuelling: false
    assert reg.shiftable[_line(reg, "PETROL", "UL1")]


def test_version_1_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v1.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        e = ENTERPRISES[4]
        db.execute(
            "INSERT INTO enterprises VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (*[e[k] for k in list(e)[:8]], None, 0, 0, e["voc_treatment"], "2026-01-01"),
        )
        db.execute(
            "INSERT INTO grade_history VALUES (?, '2026-01-01', ?, '2026-01-01')",
            (e["credit_code"], e["grade"]),
        )
        x = LINES[4]
        db.execute(
            "INSERT INTO lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            tuple(x[c] for c in LINE_COLUMNS),
        )
    store = RegistryStore(path)
    assert store.schema_version() == len(MIGRATIONS) == 2
    reg = store.load(None, DAY)
    assert reg.n_lines == 1 and VOC_PROCESSES[reg.voc_process[0]] == "printing"
    assert (reg.start_hour[0], reg.end_hour[0]) == (8.0, 20.0)
    assert len(reg.equipment) == 0
    assert store.counts()["equipment"] == 0


def test_bad_voc_process_imports_nothing_and_names_the_row(tmp_path):
    files = voc_files(tmp_path)
    text = files["lines"].read_text("utf-8").replace(",printing,8.0,", ",painting,8.0,")
    files["lines"].write_text(text, "utf-8")
    store = RegistryStore(tmp_path / "r.sqlite")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(**files)
    assert caught.value.problems == [
        "lines.csv line 6: voc_process 'painting': not one of " + ", ".join(VOC_PROCESSES)
    ]
    assert store.counts()["enterprises"] == 0 and store.counts()["lines"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_hour": 8.0, "end_hour": 18.0}, "spans 10 h but hours_per_day is 12"),
        ({"start_hour": 8.0, "end_hour": None}, "give both start_hour and end_hour"),
        ({"start_hour": 25.0, "end_hour": 13.0}, "start_hour '25.0': must be ≤ 24"),
        ({"shiftable": "sometimes"}, "shiftable 'sometimes': expected true or false"),
    ],
)
def test_bad_window_or_shiftable_is_named(tmp_path, change, message):
    files = voc_files(tmp_path)
    lines = [({**x, **change} if x["line_id"] == "P1" else x) for x in LINES]
    path = write_csv(tmp_path / "l.csv", lines, LINE_COLUMNS + LINE_OPTIONAL_COLUMNS)
    with pytest.raises(ImportRejected) as caught:
        RegistryStore(tmp_path / "r.sqlite").import_csv(
            enterprises=files["enterprises"], lines=path
        )
    (problem,) = caught.value.problems
    assert problem.startswith("l.csv line 6: ") and message in problem


def test_window_past_midnight_is_accepted(tmp_path):
    files = voc_files(tmp_path)
    lines = [
        ({**x, "start_hour": 20.0, "end_hour": 8.0} if x["line_id"] == "P1" else x) for x in LINES
    ]
    path = write_csv(tmp_path / "l.csv", lines, LINE_COLUMNS + LINE_OPTIONAL_COLUMNS)
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(enterprises=files["enterprises"], lines=path)
    reg = store.load(None, DAY)
    i = _line(reg, "PRINT", "P1")
    assert (reg.start_hour[i], reg.end_hour[i]) == (20.0, 8.0)


def test_equipment_problems_are_named(tmp_path):
    files = voc_files(tmp_path)
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(enterprises=files["enterprises"], lines=files["lines"])
    bad = files["equipment"].read_text("utf-8").splitlines()
    bad.append("COAT-ADS,L1,SB2,spray_booth,0.5")  # line 5: 10.5 kg/h > the line's 10
    bad.append("COAT-ADS,L9,SB1,spray_booth,1")  # line 6: no such line
    bad.append("COAT-ADS,L1,SB1,Spray Booth,1")  # line 7: kind not an identifier, id repeats
    files["equipment"].write_text("\n".join(bad) + "\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(equipment=files["equipment"])
    problems = caught.value.problems
    assert problems[0].startswith("equipment.csv line 5: the equipment of line 'L1' emits 10.5")
    assert problems[1] == (
        "equipment.csv line 6: line 'L9' of 'COAT-ADS' is in neither lines.csv nor the registry"
    )
    assert problems[2].startswith("equipment.csv line 7: kind 'Spray Booth'")
    assert "repeats line 2" in problems[2]
    assert store.counts()["equipment"] == 0


def test_equipment_file_replaces_the_equipment_of_its_lines(tmp_path):
    files = voc_files(tmp_path)
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(**files)
    one = tmp_path / "eq.csv"
    one.write_text(
        "credit_code,line_id,equipment_id,kind,voc_kg_h\nCOAT-ADS,L1,SB9,spray_booth,\n", "utf-8"
    )
    assert store.import_csv(equipment=one).equipment == 1
    reg = store.load(None, DAY)
    c = _line(reg, "COAT-ADS", "L1")
    assert list(reg.equipment.equipment_id[reg.equipment.line == c]) == ["SB9"]
    assert np.isnan(reg.equipment.voc_kg_h[reg.equipment.line == c][0])
    assert store.counts()["equipment"] == 2  # PETROL's rack is untouched


def test_implausible_rates_are_refused_naming_the_line(tmp_path):
    """Issue 13 item 5: nox_kg_h = 1e30 no longer imports."""
    files = voc_files(tmp_path)
    lines = [({**x, "nox_kg_h": 1e30} if x["line_id"] == "K1" else x) for x in LINES]
    lines = [({**x, "permitted_capacity": 1e20} if x["line_id"] == "S1" else x) for x in lines]
    path = write_csv(tmp_path / "l.csv", lines, LINE_COLUMNS)
    with pytest.raises(ImportRejected) as caught:
        RegistryStore(tmp_path / "r.sqlite").import_csv(
            enterprises=files["enterprises"], lines=path
        )
    problems = caught.value.problems
    assert problems[0].startswith("l.csv line 5: permitted_capacity '1e+20': above the plausible")
    assert problems[1].startswith("l.csv line 9: nox_kg_h '1e+30': above the plausible bound")
    assert "plausibility_registry.toml" in problems[1]


@pytest.mark.parametrize("size", [3_000, 200_000])
def test_oversized_field_is_refused_naming_the_line(tmp_path, size):
    """Issue 13 item 5: a field over 128 KB (the csv module's limit) gave a traceback."""
    rows = [dict(e) for e in ENTERPRISES]
    rows[2]["name"] = "厂" * size
    files = voc_files(tmp_path)
    from registry._csv import ENTERPRISE_COLUMNS

    path = write_csv(tmp_path / "e.csv", rows, ENTERPRISE_COLUMNS)
    store = RegistryStore(tmp_path / "r.sqlite")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(enterprises=path, lines=files["lines"])
    first = caught.value.problems[0]
    assert first.startswith("e.csv line 4: ")
    assert "2000 characters" in first
    assert store.counts()["enterprises"] == 0


def test_treatment_classes_are_data():
    assert [treatment_class(t) for t in ("rto", "rco", "to", "co")] == ["efficient"] * 4
    assert treatment_class("adsorption") == "not_efficient"
    assert treatment_class("plasma") == "not_efficient"
    assert treatment_class("magic_box") == "unknown"
    flags = efficient_treatment(np.array(["rto", "adsorption", "magic_box", "combustion"], object))
    np.testing.assert_array_equal(flags, [True, False, False, True])
