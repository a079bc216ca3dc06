"""The decision store: every response the service issues, recorded in SQLite.

Each record keeps what is needed to audit a decision later: region, the date the response
applies to, level, regime, forecast identity, rule set, AQI standard, reasons and creation time
(UTC). Writes are single transactions in WAL mode with a busy timeout, so concurrent requests
neither corrupt nor lose records; each call opens its own connection (safe across threads).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "DecisionStore"]

SCHEMA_VERSION = 1

_MIGRATIONS = {
    1: """
    CREATE TABLE decisions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        region_code   TEXT NOT NULL,
        date          TEXT NOT NULL,       -- first day the response applies to (CST), ISO
        level         TEXT NOT NULL,
        regime        TEXT NOT NULL,
        forecast_id   TEXT NOT NULL,
        forecast_issued TEXT NOT NULL,
        rule_set      TEXT NOT NULL,
        aqi_standard  TEXT NOT NULL,
        reasons       TEXT NOT NULL,       -- JSON list of strings
        created       TEXT NOT NULL        -- UTC, ISO 8601
    );
    CREATE INDEX decisions_region_date ON decisions (region_code, date);
    """,
}


class DecisionStore:
    """SQLite decision store at ``path`` (created and migrated on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            self._migrate(db)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target in sorted(v for v in _MIGRATIONS if v > version):
                for statement in filter(str.strip, _MIGRATIONS[target].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def record(self, responses: list[dict[str, Any]]) -> list[int]:
        """Record responses (the JSON of :mod:`engine.pipeline`) in one transaction; their ids."""
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        rows = [
            (
                r["region"]["code"],
                r["date"],
                r["level"],
                r["regime"],
                r["forecast"]["id"],
                r["forecast"]["issued"],
                r["rule_set"],
                r["aqi_standard"],
                json.dumps(r["reasons"], ensure_ascii=False),
                created,
            )
            for r in responses
        ]
        ids = []
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    cursor = db.execute(
                        "INSERT INTO decisions (region_code, date, level, regime, forecast_id, "
                        "forecast_issued, rule_set, aqi_standard, reasons, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    ids.append(int(cursor.lastrowid or 0))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return ids

    def list(
        self, region: str | None = None, date: dt.date | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Recorded decisions, newest first, filtered by region code and/or date."""
        clauses, params = [], []
        if region is not None:
            clauses.append("region_code = ?")
            params.append(region)
        if date is not None:
            clauses.append("date = ?")
            params.append(date.isoformat())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT * FROM decisions {where} ORDER BY id DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [
            {
                "id": row["id"],
                "region": row["region_code"],
                "date": row["date"],
                "level": row["level"],
                "regime": row["regime"],
                "forecast": {"id": row["forecast_id"], "issued": row["forecast_issued"]},
                "rule_set": row["rule_set"],
                "aqi_standard": row["aqi_standard"],
                "reasons": json.loads(row["reasons"]),
                "created": row["created"],
            }
            for row in rows
        ]
