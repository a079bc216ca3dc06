"""The registry store: atomic CSV import naming every bad row, updates, grade history,
plans, baselines, schema version and migrations."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.errors import RegistryError
from engine.measures import GRADES
from registry import SCHEMA_VERSION, ImportRejected, RegistryStore
from registry._csv import ENTERPRISE_COLUMNS, LINE_COLUMNS, PLAN_COLUMNS
from tests.engine.test_measures import ENTERPRISES, LINES, PLANS


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_csv(path: Path, rows: list[dict], columns) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])
    return path


def cement_files(directory: Path) -> dict[str, Path]:
    """The hand-made cement registry of the engine tests as CSV files."""
    baseline = directory / "baseline.csv"
    baseline.write_text("region_code,so2_t_d,nox_t_d,pm_t_d,voc_t_d\n130100,10,100,5,1\n", "utf-8")
    return {
        "enterprises": write_csv(directory / "enterprises.csv", ENTERPRISES, ENTERPRISE_COLUMNS),
        "lines": write_csv(directory / "lines.csv", LINES, LINE_COLUMNS),
        "plans": write_csv(directory / "plans.csv", PLANS, PLAN_COLUMNS),
        "baseline": baseline,
    }


@pytest.fixture
def files(tmp_path):
    return cement_files(tmp_path)


def test_import_and_load(tmp_path, files):
    store = RegistryStore(tmp_path / "r.sqlite")
    summary = store.import_csv(**files, as_of=dt.date(2026, 1, 1))
    assert (summary.enterprises, summary.lines, summary.plans, summary.baselines) == (12, 18, 2, 1)
    assert store.counts() == {
        "enterprises": 12,
        "lines": 18,
        "plans": 2,
        "baselines": 1,
        "grade_history": 12,
        "equipment": 0,
    }
    registry = store.load(["130100"], dt.date(2026, 12, 2))
    assert registry.n_enterprises == 12 and registry.n_lines == 18
    c = list(registry.credit_code).index("CEM-C")
    lines = slice(registry.line_start[c], registry.line_start[c + 1])
    assert sorted(registry.line_id[lines]) == ["G1", "K1", "K2", "K3"]
    assert registry.already_stopped[lines].sum() == 1
    assert GRADES[registry.grade[list(registry.credit_code).index("CEM-U")]] == "ungraded"
    assert np.isnan(registry.guarantee_cap[list(registry.credit_code).index("CEM-GN")])
    assert len(registry.plans) == 2
    np.testing.assert_array_equal(store.baselines(["130100"])["130100"], [10, 100, 5, 1])
    assert store.load(["140100"], dt.date(2026, 12, 2)).n_enterprises == 0
    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_bad_rows_import_nothing_and_are_all_named(tmp_path, files):
    store = RegistryStore(tmp_path / "r.sqlite")
    ents = files["enterprises"].read_text("utf-8").splitlines()
    ents[2] = ents[2].replace(",A+,", ",E,")  # data row of line 3
    ents[5] = ents[5].replace(",true,", ",yes,").replace(",false,", ",maybe,", 1)
    files["enterprises"].write_text("\n".join(ents) + "\n", "utf-8")
    lines = files["lines"].read_text("utf-8").splitlines()
    lines[4] = lines[4].replace("1550000", "-5")  # line 5
    lines.append("NOBODY,K1,clinker,1,1,1,t,1,1,1,1,24,false")  # line 20
    lines.append("CEM-D,K2,clinker,1,1,0,t,1,1,1,1,25,false")  # line 21: two problems
    files["lines"].write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(**files)
    problems = caught.value.problems
    assert problems[0].startswith("enterprises.csv line 3: grade 'E': not one of A+, A, leading")
    assert problems[1].startswith("enterprises.csv line 6: ")
    assert "lines.csv line 5: permitted_capacity '-5': must be ≥ 0" in problems
    assert any(p.startswith("lines.csv line 20: credit_code 'NOBODY'") for p in problems)
    line21 = next(p for p in problems if p.startswith("lines.csv line 21"))
    assert "hours_per_day '25': must be ≤ 24" in line21 and "last_year_output 0" in line21
    assert len(problems) == 5
    assert "nothing imported" in str(caught.value)
    assert store.counts() == {
        "enterprises": 0,
        "lines": 0,
        "plans": 0,
        "baselines": 0,
        "grade_history": 0,
        "equipment": 0,
    }


def test_a_bad_reimport_leaves_the_registry_as_it_was(tmp_path, files):
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(**files)
    before = store.counts()
    bad = write_csv(tmp_path / "lines2.csv", [{**LINES[0], "hours_per_day": 0}], LINE_COLUMNS)
    with pytest.raises(ImportRejected, match=r"lines2.csv line 2: hours_per_day '0'"):
        store.import_csv(enterprises=files["enterprises"], lines=bad)
    assert store.counts() == before


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (",".join(ENTERPRISE_COLUMNS) + ",owner", "unexpected column(s) owner"),
        (",".join(ENTERPRISE_COLUMNS[:-1]), "missing column(s) voc_treatment"),
    ],
)
def test_column_set_is_exact(tmp_path, header, message):
    path = tmp_path / "enterprises.csv"
    path.write_text(header + "\n", "utf-8")
    with pytest.raises(ImportRejected) as caught:
        RegistryStore(tmp_path / "r.sqlite").import_csv(enterprises=path)
    assert caught.value.problems[0].startswith(f"enterprises.csv line 1: {message}")


def test_not_utf8_is_named(tmp_path):
    path = tmp_path / "enterprises.csv"
    path.write_bytes((",".join(ENTERPRISE_COLUMNS) + "\n").encode() + "水泥".encode("gbk"))
    with pytest.raises(ImportRejected, match="enterprises.csv: not UTF-8"):
        RegistryStore(tmp_path / "r.sqlite").import_csv(enterprises=path)


def test_reimport_updates_and_keeps_grade_history(tmp_path, files):
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(**files, as_of=dt.date(2025, 10, 1))
    changed = [{**e, "grade": "B"} if e["credit_code"] == "CEM-D" else e for e in ENTERPRISES]
    lines = [
        {**x, "last_year_output": 650_000} if x["credit_code"] == "CEM-D" else x for x in LINES
    ]
    summary = store.import_csv(
        enterprises=write_csv(tmp_path / "e2.csv", changed, ENTERPRISE_COLUMNS),
        lines=write_csv(tmp_path / "l2.csv", lines, LINE_COLUMNS),
        as_of=dt.date(2026, 11, 15),
    )
    assert summary.grade_changes == 1
    assert store.counts()["enterprises"] == 12 and store.counts()["lines"] == 18
    assert store.grade_history("CEM-D") == [("2025-10-01", "D"), ("2026-11-15", "B")]
    d = lambda reg: list(reg.credit_code).index("CEM-D")  # noqa: E731
    before = store.load(None, dt.date(2026, 11, 14))
    after = store.load(None, dt.date(2026, 11, 15))
    assert GRADES[before.grade[d(before)]] == "D" and GRADES[after.grade[d(after)]] == "B"
    early = store.load(None, dt.date(2020, 1, 1))  # before the first record: the first grade
    assert GRADES[early.grade[d(early)]] == "D"
    assert after.last_year_output[after.line_start[d(after)]] == 650_000


def test_plans_file_replaces_the_plans_of_its_enterprises(tmp_path, files):
    store = RegistryStore(tmp_path / "r.sqlite")
    store.import_csv(**files)
    new = [
        {"credit_code": "CEM-P", "level": "red", "line_id": "K2", "action": "stop", "value": None}
    ]
    store.import_csv(plans=write_csv(tmp_path / "p2.csv", new, PLAN_COLUMNS))
    registry = store.load(None, dt.date(2026, 12, 2))
    assert list(registry.plans.level) == ["red"] and list(registry.plans.action) == ["stop"]
    bad = [
        {"credit_code": "CEM-P", "level": "red", "line_id": "K9", "action": "stop", "value": None},
        {
            "credit_code": "CEM-P",
            "level": "orange",
            "line_id": None,
            "action": "limit_output",
            "value": 1.5,
        },
    ]
    with pytest.raises(ImportRejected) as caught:
        store.import_csv(plans=write_csv(tmp_path / "p3.csv", bad, PLAN_COLUMNS))
    assert caught.value.problems == [
        "p3.csv line 2: line_id 'K9' is not a line of 'CEM-P'",
        "p3.csv line 3: limit_output needs a value in (0, 1]",
    ]


def test_migrations_and_newer_schema(tmp_path):
    path = tmp_path / "old.sqlite"
    sqlite3.connect(path).close()  # an empty file: schema version 0
    assert RegistryStore(path).schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        db.execute("PRAGMA user_version = 99")
    assert {"enterprises", "lines", "plans", "baselines", "grade_history"} <= tables
    with pytest.raises(RegistryError, match="schema version 99 is newer"):
        RegistryStore(path)


def test_nothing_to_import(tmp_path):
    with pytest.raises(RegistryError, match="nothing to import"):
        RegistryStore(tmp_path / "r.sqlite").import_csv()
    with pytest.raises(RegistryError, match="no such file"):
        RegistryStore(tmp_path / "r.sqlite").import_csv(lines=tmp_path / "absent.csv")
