"""The decision store's schema (migrations) and the conversions of its rows (private)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from engine.levels import LEVELS
from engine.linkage import Notice
from engine.response import Response

__all__ = ["MIGRATIONS", "decision_dict", "decision_row", "episodes_from_rows", "notice_from_row"]

MIGRATIONS = {
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
    # 4: decisions are issued on purpose (who, override, inputs) and can be withdrawn, as can
    # notices; the episode look-ups get partial indexes; API keys, audit, idempotency keys and
    # a generation counter that tells every worker's response cache that the state changed.
    # Rows of earlier versions (recorded by GETs) stay as issued, with issued_by NULL.
    4: """
    ALTER TABLE decisions ADD COLUMN issued_by TEXT;
    ALTER TABLE decisions ADD COLUMN override_level TEXT;
    ALTER TABLE decisions ADD COLUMN override_reason TEXT;
    ALTER TABLE decisions ADD COLUMN inputs TEXT;
    ALTER TABLE decisions ADD COLUMN withdrawn TEXT;
    ALTER TABLE decisions ADD COLUMN withdrawn_by TEXT;
    ALTER TABLE decisions ADD COLUMN withdraw_reason TEXT;
    CREATE INDEX decisions_prior ON decisions (rule_set, mode, region_code, date, id)
        WHERE withdrawn IS NULL;
    CREATE INDEX decisions_prior_active ON decisions (rule_set, mode, region_code, date, id)
        WHERE withdrawn IS NULL AND level != 'none';
    ALTER TABLE regional_notices ADD COLUMN issued_by TEXT;
    ALTER TABLE regional_notices ADD COLUMN withdrawn TEXT;
    ALTER TABLE regional_notices ADD COLUMN withdrawn_by TEXT;
    ALTER TABLE regional_notices ADD COLUMN withdraw_reason TEXT;
    CREATE TABLE api_keys (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        name     TEXT NOT NULL,
        role     TEXT NOT NULL,
        scope    TEXT,
        hash     TEXT NOT NULL UNIQUE,   -- SHA-256 of the key, hex (the key itself is not kept)
        created  TEXT NOT NULL,
        revoked  TEXT
    );
    CREATE TABLE audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        time     TEXT NOT NULL,          -- UTC, ISO 8601
        who      TEXT,
        key_id   INTEGER,
        role     TEXT,
        action   TEXT NOT NULL,
        target   TEXT,
        address  TEXT,
        outcome  INTEGER,                -- HTTP status (the CLI: 0 done, 2 refused)
        detail   TEXT
    );
    CREATE TABLE idempotency (
        key_id    INTEGER NOT NULL,
        token     TEXT NOT NULL,
        request   TEXT NOT NULL,
        decisions TEXT NOT NULL,
        created   TEXT NOT NULL,
        PRIMARY KEY (key_id, token)
    );
    CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    INSERT INTO meta (k, v) VALUES ('generation', 0)
    """,
    # 5: what each generation changed, so a cached response that a change cannot affect is
    # kept: a decision of (rule set, mode, date) changes only the responses of later dates under
    # that rule set and mode; a row with NULLs (a notice) changes every response.
    5: """
    CREATE TABLE changes (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        generation  INTEGER NOT NULL,
        rule_set    TEXT,
        mode        TEXT,
        date        TEXT
    );
    CREATE INDEX changes_generation ON changes (generation)
    """,
    # 6: a counter of key changes (created, revoked), so that a process may keep the keys it
    # looked up while the counter stands still, and a revoked key stops working at once.
    6: """
    INSERT OR IGNORE INTO meta (k, v) VALUES ('keys', 0)
    """,
}


def decision_row(r: Response, created: str) -> tuple:
    """The first 16 columns of a decision row from a response."""
    return (
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


def decision_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A decision row as the API shows it (``api.schemas.Decision``)."""
    return {
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
        "issued_by": row["issued_by"],
        "override": (
            {"level": row["override_level"], "reason": row["override_reason"]}
            if row["override_level"]
            else None
        ),
        "inputs": json.loads(row["inputs"]) if row["inputs"] else None,
        "withdrawn": (
            {"at": row["withdrawn"], "by": row["withdrawn_by"], "reason": row["withdraw_reason"]}
            if row["withdrawn"]
            else None
        ),
    }


def notice_from_row(row: sqlite3.Row) -> Notice:
    return Notice(
        key_region=row["key_region"],
        level=row["level"],
        start=dt.date.fromisoformat(row["start"]),
        end=dt.date.fromisoformat(row["end"]),
        reason=row["reason"],
        source="notice",
        id=row["id"],
    )


def episodes_from_rows(region: str, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """Episodes from the decisions that count (one per rule set and date, by date), newest first."""
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
