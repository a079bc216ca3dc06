"""The decision store: every response the service issues, and regional notices, in SQLite.

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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from engine.episodes import PriorDecision
from engine.levels import LEVELS
from engine.linkage import Notice
from engine.response import Response

__all__ = ["SCHEMA_VERSION", "DecisionStore"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _prior(row: sqlite3.Row) -> PriorDecision:
    return PriorDecision(
        date=dt.date.fromisoformat(row["date"]), level=row["level"], episode_id=row["episode_id"]
    )


SCHEMA_VERSION = 3

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
    2: """
    ALTER TABLE decisions ADD COLUMN mode TEXT NOT NULL DEFAULT 'natural';
    ALTER TABLE decisions ADD COLUMN forecast_level TEXT;
    ALTER TABLE decisions ADD COLUMN episode_id TEXT;
    ALTER TABLE decisions ADD COLUMN episode_status TEXT;
    ALTER TABLE decisions ADD COLUMN reasons_zh TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE decisions ADD COLUMN probabilities TEXT;
    CREATE INDEX decisions_episode ON decisions (episode_id);
    """,
    3: """
    CREATE TABLE regional_notices (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        key_region  TEXT NOT NULL,
        level       TEXT NOT NULL,
        start       TEXT NOT NULL,
        end         TEXT NOT NULL,
        reason      TEXT NOT NULL,
        created     TEXT NOT NULL
    );
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

    def record(self, responses: Sequence[Response]) -> list[int]:
        """Record responses (as :mod:`engine.response` returns them) in one transaction; ids."""
        created = _now()
        rows = [
            (
                r.region.code,
                r.date.isoformat(),
                r.level,
                r.regime,
                r.forecast.id,
                r.forecast.issued,
                r.rule_set,
                r.aqi_standard,
                json.dumps(list(r.reasons), ensure_ascii=False),
                created,
                r.mode,
                r.forecast_level,
                r.episode.id if r.episode else None,
                r.episode.status if r.episode else None,
                json.dumps(list(r.reasons_zh), ensure_ascii=False),
                json.dumps(dict(r.probabilities)) if r.probabilities is not None else None,
            )
            for r in responses
        ]
        with self._transaction() as db:
            return [
                int(
                    db.execute(
                        "INSERT INTO decisions (region_code, date, level, regime, forecast_id, "
                        "forecast_issued, rule_set, aqi_standard, reasons, created, mode, "
                        "forecast_level, episode_id, episode_status, reasons_zh, probabilities) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    ).lastrowid
                    or 0
                )
                for row in rows
            ]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def prior(
        self, day: dt.date, rule_set: str, mode: str, codes: list[str] | None = None
    ) -> dict[str, tuple[PriorDecision, PriorDecision | None]]:
        """Per region, the latest decision for a day before ``day`` and the latest active one.

        Only decisions under the same rule set and mode count, so replays under another rule
        set do not disturb the episodes in force. "Latest" is the greatest date, then the
        latest issued.
        """
        where = "date < ? AND rule_set = ? AND mode = ?"
        params: list[Any] = [day.isoformat(), rule_set, mode]
        if codes is not None:
            where += f" AND region_code IN ({','.join('?' * len(codes))})"
            params += codes
        query = (
            "SELECT region_code, date, level, episode_id FROM ("
            "  SELECT *, ROW_NUMBER() OVER ("
            "    PARTITION BY region_code ORDER BY date DESC, id DESC) AS rank"
            f"  FROM decisions WHERE {where} {{extra}}) WHERE rank = 1"
        )
        with self._connect() as db:
            last = db.execute(query.format(extra=""), params).fetchall()
            active = db.execute(query.format(extra="AND level != 'none'"), params).fetchall()
        actives = {row["region_code"]: _prior(row) for row in active}
        return {row["region_code"]: (_prior(row), actives.get(row["region_code"])) for row in last}

    def episodes(
        self, region: str, rule_set: str | None = None, mode: str = "natural"
    ) -> list[dict[str, Any]]:
        """Episodes of ``region``: start, end, levels over time and reasons, newest first.

        Built from the decisions: for each date the latest decision issued counts.
        """
        where, params = "region_code = ? AND mode = ? AND episode_id IS NOT NULL", [region, mode]
        if rule_set:
            where += " AND rule_set = ?"
            params.append(rule_set)
        query = (
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER ("
            "  PARTITION BY rule_set, date ORDER BY id DESC) AS rank"
            f"  FROM decisions WHERE {where}) WHERE rank = 1 ORDER BY date, id"
        )
        with self._connect() as db:
            rows = db.execute(query, params).fetchall()
        episodes: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            key = (row["rule_set"], row["episode_id"])
            episode = episodes.setdefault(
                key,
                {
                    "id": row["episode_id"],
                    "region": region,
                    "rule_set": row["rule_set"],
                    "mode": row["mode"],
                    "start": row["date"],
                    "end": None,
                    "active": True,
                    "max_level": "none",
                    "history": [],
                },
            )
            if row["level"] == "none":
                episode["end"], episode["active"] = row["date"], False
            else:
                episode["end"], episode["active"] = None, True
                if LEVELS.index(row["level"]) > LEVELS.index(episode["max_level"]):
                    episode["max_level"] = row["level"]
            episode["history"].append(
                {
                    "date": row["date"],
                    "level": row["level"],
                    "forecast_level": row["forecast_level"],
                    "status": row["episode_status"],
                    "reasons": json.loads(row["reasons"]),
                    "reasons_zh": json.loads(row["reasons_zh"]),
                    "issued": row["created"],
                }
            )
        return sorted(episodes.values(), key=lambda e: e["start"], reverse=True)

    def add_notice(self, notice: Notice) -> int:
        """Store a regional alert notice; its id."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO regional_notices (key_region, level, start, end, reason, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    notice.key_region,
                    notice.level,
                    notice.start.isoformat(),
                    notice.end.isoformat(),
                    notice.reason,
                    _now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def notices(self, day: dt.date | None = None) -> list[Notice]:
        """Stored regional notices (those in force on ``day`` when given), newest first."""
        where, params = "", []
        if day is not None:
            where, params = "WHERE start <= ? AND end >= ?", [day.isoformat(), day.isoformat()]
        with self._connect() as db:
            rows = db.execute(
                f"SELECT * FROM regional_notices {where} ORDER BY id DESC", params
            ).fetchall()
        return [
            Notice(
                key_region=row["key_region"],
                level=row["level"],
                start=dt.date.fromisoformat(row["start"]),
                end=dt.date.fromisoformat(row["end"]),
                reason=row["reason"],
                source="notice",
                id=row["id"],
            )
            for row in rows
        ]

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
                "reasons_zh": json.loads(row["reasons_zh"]),
                "mode": row["mode"],
                "forecast_level": row["forecast_level"],
                "episode": (
                    {"id": row["episode_id"], "status": row["episode_status"]}
                    if row["episode_id"]
                    else None
                ),
                "probabilities": json.loads(row["probabilities"]) if row["probabilities"] else None,
                "created": row["created"],
            }
            for row in rows
        ]
