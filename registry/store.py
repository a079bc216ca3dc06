"""The enterprise registry in SQLite: schema with version and migrations, atomic CSV import,
grade history, plans, equipment and region baselines.

One file (default ``data/demo/registry.sqlite``, setting ``LANTIAN_REGISTRY``), WAL journal,
every import one ``BEGIN IMMEDIATE`` transaction: validation runs inside it, so a file with any
bad row imports nothing (all bad rows reported) and concurrent imports cannot interleave.
"""

from __future__ import annotations

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
from registry._import import ImportRejected, ImportSummary, import_files
from registry._schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "ImportRejected", "ImportSummary", "RegistryStore"]

log = logging.getLogger(__name__)


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
        equipment: Path | None = None,
        as_of: dt.date | None = None,
    ) -> ImportSummary:
        """Import registry CSV files atomically; update by ``credit_code`` / ``line_id``.

        A ``lines.csv`` without the optional VOC columns leaves those of existing lines as
        they are; an empty cell resets one to its default rule. An ``equipment.csv`` replaces
        the equipment of the lines it names; a plans file the plans of the enterprises it names.

        Parameters
        ----------
        enterprises, lines, plans, baseline, equipment : Path, optional
            The CSV files (columns of :mod:`registry._csv`); at least one.
        as_of : datetime.date, optional
            Date from which the imported grades hold (grade history); default today (UTC).

        Raises
        ------
        ImportRejected
            If any row of any file is bad: nothing is imported, every bad row is named.
        """
        files = {
            "enterprises": enterprises,
            "lines": lines,
            "plans": plans,
            "baseline": baseline,
            "equipment": equipment,
        }
        if not any(files.values()):
            raise RegistryError(
                "nothing to import: give enterprises, lines, plans, baseline or equipment"
            )
        for path in files.values():
            if path is not None and not Path(path).is_file():
                raise RegistryError(f"{path}: no such file")
        as_of = as_of or dt.datetime.now(dt.UTC).date()
        industries = tuple(default_catalogue().industries)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                summary = import_files(db, files, as_of, industries)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return summary

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
            equipment = db.execute(
                f"""SELECT q.* FROM equipment q JOIN enterprises e USING (credit_code) {where}
                    ORDER BY q.credit_code, q.line_id, q.rowid""",
                params,
            ).fetchall()
            db.execute("COMMIT")
        enterprises = []
        for row in ents:
            record = dict(row)
            record["grade"] = record.pop("grade_on_day")
            enterprises.append(record)
        line_records = [dict(r) for r in lines]
        for record in line_records:  # NULL: the default rule; SQLite keeps booleans as 0/1
            if record["shiftable"] is not None:
                record["shiftable"] = bool(record["shiftable"])
        return registry_from_records(
            enterprises, line_records, [dict(r) for r in plans], [dict(r) for r in equipment]
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
                for t in (
                    "enterprises",
                    "lines",
                    "plans",
                    "baselines",
                    "grade_history",
                    "equipment",
                )
            }
