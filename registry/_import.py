"""One registry import: every CSV file validated, then written in the caller's transaction.

Nothing is written unless every row of every file is good (:class:`ImportRejected` names each
bad row); rows update by ``credit_code`` / ``line_id``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path

from engine.errors import RegistryError
from registry._csv import (
    read_baseline,
    read_enterprises,
    read_equipment,
    read_lines,
    read_plans,
)

__all__ = ["ImportRejected", "ImportSummary", "import_files"]


class ImportRejected(RegistryError):
    """An import found bad rows and imported nothing; ``problems`` lists each row's reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s); nothing imported"
        super().__init__(head + ":\n" + "\n".join(f"  {p};" for p in problems))


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """Rows written by one import, and grade changes recorded."""

    enterprises: int = 0
    lines: int = 0
    plans: int = 0
    baselines: int = 0
    grade_changes: int = 0
    equipment: int = 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def import_files(
    db: sqlite3.Connection, files: dict, as_of: dt.date, industries: tuple[str, ...]
) -> ImportSummary:
    """Validate the CSV ``files`` and write them in the open transaction of ``db``.

    Raises :class:`ImportRejected` naming every bad row before anything is written.
    """
    problems: list[str] = []
    existing = {r[0]: r[1] for r in db.execute("SELECT credit_code, grade FROM enterprises")}
    ent_rows: list[dict] = []
    named: set[str] = set()
    if files["enterprises"]:
        ent_rows, found, named = read_enterprises(Path(files["enterprises"]), industries)
        problems += found
    known = set(existing) | named
    line_rows: list[dict] = []
    optional: tuple[str, ...] = ()
    if files["lines"]:
        line_rows, found, optional = read_lines(Path(files["lines"]), known.__contains__)
        problems += found
    plan_rows: list[dict] = []
    if files["plans"]:
        lines_known = {(r["credit_code"], r["line_id"]) for r in line_rows}
        lines_known |= set(db.execute("SELECT credit_code, line_id FROM lines"))
        plan_rows, found = read_plans(
            Path(files["plans"]), lambda c, i: (c, i) in lines_known, known.__contains__
        )
        problems += found
    equipment_rows: list[dict] = []
    if files["equipment"]:
        voc = {
            (c, i): v for c, i, v in db.execute("SELECT credit_code, line_id, voc_kg_h FROM lines")
        }
        voc.update({(r["credit_code"], r["line_id"]): r["voc_kg_h"] for r in line_rows})
        equipment_rows, found = read_equipment(
            Path(files["equipment"]), lambda c, i: voc.get((c, i))
        )
        problems += found
    base_rows: list[dict] = []
    if files["baseline"]:
        base_rows, found = read_baseline(Path(files["baseline"]))
        problems += found
    if problems:
        raise ImportRejected(problems)
    now = _now()
    changes = 0
    db.executemany(
        """INSERT INTO enterprises VALUES (:credit_code, :name, :region_code, :lon, :lat,
               :industry, :grade, :guarantee, :guarantee_cap, :positive_list, :low_voc,
               :voc_treatment, :updated)
           ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name,
               region_code = excluded.region_code, lon = excluded.lon, lat = excluded.lat,
               industry = excluded.industry, grade = excluded.grade,
               guarantee = excluded.guarantee, guarantee_cap = excluded.guarantee_cap,
               positive_list = excluded.positive_list, low_voc = excluded.low_voc,
               voc_treatment = excluded.voc_treatment, updated = excluded.updated""",
        [{**r, "updated": now} for r in ent_rows],
    )
    history = [
        (r["credit_code"], as_of.isoformat(), r["grade"], now)
        for r in ent_rows
        if existing.get(r["credit_code"]) != r["grade"]
    ]
    changes = sum(
        1
        for r in ent_rows
        if r["credit_code"] in existing and existing[r["credit_code"]] != r["grade"]
    )
    db.executemany(
        """INSERT INTO grade_history VALUES (?, ?, ?, ?)
           ON CONFLICT (credit_code, valid_from) DO UPDATE SET grade = excluded.grade,
               recorded = excluded.recorded""",
        history,
    )
    columns = (
        "credit_code, line_id, process, permitted_capacity, licensed_capacity, "
        "last_year_output, capacity_unit, so2_kg_h, nox_kg_h, pm_kg_h, voc_kg_h, "
        "hours_per_day, already_stopped"
    ).split(", ") + list(optional)
    updated = [c for c in columns if c not in ("credit_code", "line_id")]
    db.executemany(
        f"""INSERT INTO lines ({", ".join(columns)})
            VALUES ({", ".join(":" + c for c in columns)})
            ON CONFLICT (credit_code, line_id) DO UPDATE SET
            {", ".join(f"{c} = excluded.{c}" for c in updated)}""",
        line_rows,
    )
    # an equipment file replaces the equipment of the lines it names
    db.executemany(
        "DELETE FROM equipment WHERE credit_code = ? AND line_id = ?",
        list({(r["credit_code"], r["line_id"]) for r in equipment_rows}),
    )
    db.executemany(
        "INSERT INTO equipment VALUES (:credit_code, :line_id, :equipment_id, :kind, :voc_kg_h)",
        equipment_rows,
    )
    # a plans file replaces the plans of the enterprises it names
    db.executemany(
        "DELETE FROM plans WHERE credit_code = ?",
        [(c,) for c in {r["credit_code"] for r in plan_rows}],
    )
    db.executemany(
        "INSERT INTO plans VALUES (:credit_code, :level, :line_id, :action, :value)", plan_rows
    )
    db.executemany(
        """INSERT INTO baselines VALUES (:region_code, :so2_t_d, :nox_t_d, :pm_t_d, :voc_t_d)
           ON CONFLICT (region_code) DO UPDATE SET so2_t_d = excluded.so2_t_d,
               nox_t_d = excluded.nox_t_d, pm_t_d = excluded.pm_t_d,
               voc_t_d = excluded.voc_t_d""",
        base_rows,
    )
    summary = ImportSummary(
        len(ent_rows),
        len(line_rows),
        len(plan_rows),
        len(base_rows),
        changes,
        len(equipment_rows),
    )
    db.execute(
        "INSERT INTO imports (imported, as_of, files, counts) VALUES (?, ?, ?, ?)",
        (
            now,
            as_of.isoformat(),
            json.dumps({k: str(v) for k, v in files.items() if v}),
            json.dumps(dataclasses.asdict(summary)),
        ),
    )
    return summary
