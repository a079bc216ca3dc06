"""The enterprise registry in SQLite: schema with version and migrations, atomic CSV import,
grade history, plans and region baselines.

One file (default ``data/demo/registry.sqlite``, setting ``LANTIAN_REGISTRY``), WAL journal,
every import one ``BEGIN IMMEDIATE`` transaction: validation runs inside it, so a file with any
bad row imports nothing (all bad rows reported) and concurrent imports cannot interleave.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import numpy as np

from engine.errors import RegistryError
from engine.measures import EMISSION_SPECIES, Registry, default_catalogue, registry_from_records
from registry._csv import read_baseline, read_enterprises, read_lines, read_plans

__all__ = ["SCHEMA_VERSION", "ImportRejected", "ImportSummary", "RegistryStore"]

log = logging.getLogger(__name__)

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE enterprises (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    industry TEXT NOT NULL,
    grade TEXT NOT NULL,
    guarantee INTEGER NOT NULL,
    guarantee_cap REAL,
    positive_list INTEGER NOT NULL,
    low_voc INTEGER NOT NULL,
    voc_treatment TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX enterprises_region ON enterprises (region_code);
CREATE TABLE grade_history (
    credit_code TEXT NOT NULL REFERENCES enterprises (credit_code) ON DELETE CASCADE,
    valid_from TEXT NOT NULL,
    grade TEXT NOT NULL,
    recorded TEXT NOT NULL,
    PRIMARY KEY (credit_code, valid_from)
);
CREATE TABLE lines (
    credit_code TEXT NOT NULL REFERENCES enterprises (credit_code) ON DELETE CASCADE,
    line_id TEXT NOT NULL,
    process TEXT NOT NULL,
    permitted_capacity REAL NOT NULL,
    licensed_capacity REAL NOT NULL,
    last_year_output REAL NOT NULL,
    capacity_unit TEXT NOT NULL,
    so2_kg_h REAL NOT NULL,
    nox_kg_h REAL NOT NULL,
    pm_kg_h REAL NOT NULL,
    voc_kg_h REAL NOT NULL,
    hours_per_day REAL NOT NULL,
    already_stopped INTEGER NOT NULL,
    PRIMARY KEY (credit_code, line_id)
);
CREATE TABLE plans (
    credit_code TEXT NOT NULL REFERENCES enterprises (credit_code) ON DELETE CASCADE,
    level TEXT NOT NULL,
    line_id TEXT,
    action TEXT NOT NULL,
    value REAL
);
CREATE INDEX plans_enterprise ON plans (credit_code);
CREATE TABLE baselines (
    region_code TEXT PRIMARY KEY,
    so2_t_d REAL NOT NULL,
    nox_t_d REAL NOT NULL,
    pm_t_d REAL NOT NULL,
    voc_t_d REAL NOT NULL
);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    imported TEXT NOT NULL,
    as_of TEXT NOT NULL,
    files TEXT NOT NULL,
    counts TEXT NOT NULL
);
"""

MIGRATIONS: list[str] = [_V1]
"""``MIGRATIONS[k]`` takes a registry from schema version ``k`` to ``k + 1``."""
SCHEMA_VERSION = len(MIGRATIONS)


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class RegistryStore:
    """The registry SQLite file at ``path`` (created and migrated on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self._connect() as db:
            self._migrate(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30.0, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RegistryError(
                f"{self.path}: registry schema version {version} is newer than this Lantian "
                f"knows ({SCHEMA_VERSION}); upgrade Lantian"
            )
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
                log.info("registry %s migrated to schema version %d", self.path, step + 1)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        with self._connect() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    # ---------------------------------------------------------------- import

    def import_csv(
        self,
        *,
        enterprises: Path | None = None,
        lines: Path | None = None,
        plans: Path | None = None,
        baseline: Path | None = None,
        as_of: dt.date | None = None,
    ) -> ImportSummary:
        """Import registry CSV files atomically; update by ``credit_code`` / ``line_id``.

        Parameters
        ----------
        enterprises, lines, plans, baseline : Path, optional
            The CSV files (columns of :mod:`registry._csv`); at least one.
        as_of : datetime.date, optional
            Date from which the imported grades hold (grade history); default today (UTC).

        Raises
        ------
        ImportRejected
            If any row of any file is bad: nothing is imported, every bad row is named.
        """
        files = {"enterprises": enterprises, "lines": lines, "plans": plans, "baseline": baseline}
        if not any(files.values()):
            raise RegistryError("nothing to import: give enterprises, lines, plans or baseline")
        for path in files.values():
            if path is not None and not Path(path).is_file():
                raise RegistryError(f"{path}: no such file")
        as_of = as_of or dt.datetime.now(dt.UTC).date()
        industries = tuple(default_catalogue().industries)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                summary = self._import(db, files, as_of, industries)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return summary

    def _import(
        self, db: sqlite3.Connection, files: dict, as_of: dt.date, industries: tuple[str, ...]
    ) -> ImportSummary:
        problems: list[str] = []
        existing = {r[0]: r[1] for r in db.execute("SELECT credit_code, grade FROM enterprises")}
        ent_rows: list[dict] = []
        named: set[str] = set()
        if files["enterprises"]:
            ent_rows, found, named = read_enterprises(Path(files["enterprises"]), industries)
            problems += found
        known = set(existing) | named
        line_rows: list[dict] = []
        if files["lines"]:
            line_rows, found = read_lines(Path(files["lines"]), known.__contains__)
            problems += found
        plan_rows: list[dict] = []
        if files["plans"]:
            lines_known = {(r["credit_code"], r["line_id"]) for r in line_rows}
            lines_known |= set(db.execute("SELECT credit_code, line_id FROM lines"))
            plan_rows, found = read_plans(
                Path(files["plans"]), lambda c, i: (c, i) in lines_known, known.__contains__
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
        db.executemany(
            """INSERT INTO lines VALUES (:credit_code, :line_id, :process, :permitted_capacity,
                   :licensed_capacity, :last_year_output, :capacity_unit, :so2_kg_h, :nox_kg_h,
                   :pm_kg_h, :voc_kg_h, :hours_per_day, :already_stopped)
               ON CONFLICT (credit_code, line_id) DO UPDATE SET process = excluded.process,
                   permitted_capacity = excluded.permitted_capacity,
                   licensed_capacity = excluded.licensed_capacity,
                   last_year_output = excluded.last_year_output,
                   capacity_unit = excluded.capacity_unit, so2_kg_h = excluded.so2_kg_h,
                   nox_kg_h = excluded.nox_kg_h, pm_kg_h = excluded.pm_kg_h,
                   voc_kg_h = excluded.voc_kg_h, hours_per_day = excluded.hours_per_day,
                   already_stopped = excluded.already_stopped""",
            line_rows,
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
            len(ent_rows), len(line_rows), len(plan_rows), len(base_rows), changes
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

    # ---------------------------------------------------------------- queries

    def load(self, region_codes: Sequence[str] | None, day: dt.date) -> Registry:
        """Enterprises of ``region_codes`` (all if None) with grades in force on ``day``.

        The grade on ``day`` is the last one recorded from a date ≤ ``day``; before the first
        record, the first recorded grade.
        """
        where, params = "", {"day": day.isoformat()}
        if region_codes is not None:
            where = "WHERE e.region_code IN (SELECT value FROM json_each(:codes))"
            params["codes"] = json.dumps(list(region_codes))
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            db.execute("BEGIN")
            ents = db.execute(
                f"""SELECT e.*, COALESCE(
                        (SELECT h.grade FROM grade_history h WHERE h.credit_code = e.credit_code
                           AND h.valid_from <= :day ORDER BY h.valid_from DESC LIMIT 1),
                        (SELECT h.grade FROM grade_history h WHERE h.credit_code = e.credit_code
                           ORDER BY h.valid_from LIMIT 1),
                        e.grade) AS grade_on_day
                    FROM enterprises e {where} ORDER BY e.credit_code""",
                params,
            ).fetchall()
            lines = db.execute(
                f"""SELECT l.* FROM lines l JOIN enterprises e USING (credit_code) {where}
                    ORDER BY l.credit_code, l.line_id""",
                params,
            ).fetchall()
            plans = db.execute(
                f"""SELECT p.* FROM plans p JOIN enterprises e USING (credit_code) {where}
                    ORDER BY p.credit_code, p.rowid""",
                params,
            ).fetchall()
            db.execute("COMMIT")
        enterprises = []
        for row in ents:
            record = dict(row)
            record["grade"] = record.pop("grade_on_day")
            enterprises.append(record)
        return registry_from_records(
            enterprises, [dict(r) for r in lines], [dict(r) for r in plans]
        )

    def baselines(self, region_codes: Sequence[str]) -> dict[str, np.ndarray]:
        """Whole-society emissions (species,) [t d⁻¹] of the regions that have one."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM baselines WHERE region_code IN (SELECT value FROM json_each(?))",
                (json.dumps(list(region_codes)),),
            ).fetchall()
        return {r[0]: np.array(r[1 : 1 + len(EMISSION_SPECIES)], np.float64) for r in rows}

    def grade_history(self, credit_code: str) -> list[tuple[str, str]]:
        """``(valid_from, grade)`` of an enterprise, oldest first."""
        with self._connect() as db:
            return [
                tuple(r)
                for r in db.execute(
                    "SELECT valid_from, grade FROM grade_history WHERE credit_code = ? "
                    "ORDER BY valid_from",
                    (credit_code,),
                )
            ]

    def region_codes(self) -> list[str]:
        """Region codes that have enterprises."""
        with self._connect() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT region_code FROM enterprises ORDER BY region_code"
                )
            ]

    def counts(self) -> dict[str, int]:
        """Number of rows per table."""
        with self._connect() as db:
            return {
                t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("enterprises", "lines", "plans", "baselines", "grade_history")
            }
