"""The registry's SQLite schema: one migration per schema version (docs/design.md, "Data
contracts"). ``MIGRATIONS[k]`` takes a registry from version ``k`` to ``k + 1``; a file written by
an older Lantian is migrated on first open, and its rows keep their meaning.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

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

_V2 = """
ALTER TABLE lines ADD COLUMN voc_process TEXT;
ALTER TABLE lines ADD COLUMN start_hour REAL;
ALTER TABLE lines ADD COLUMN end_hour REAL;
ALTER TABLE lines ADD COLUMN shiftable INTEGER;
CREATE TABLE equipment (
    credit_code TEXT NOT NULL,
    line_id TEXT NOT NULL,
    equipment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    voc_kg_h REAL,
    PRIMARY KEY (credit_code, line_id, equipment_id),
    FOREIGN KEY (credit_code, line_id) REFERENCES lines (credit_code, line_id) ON DELETE CASCADE
);
"""
"""Schema version 2: the VOC columns of lines (NULL: the default rule of docs/rules.md §4.1,
so rows of version 1 keep their meaning) and the equipment of lines."""

MIGRATIONS: list[str] = [_V1, _V2]
"""``MIGRATIONS[k]`` takes a registry from schema version ``k`` to ``k + 1``."""
SCHEMA_VERSION = len(MIGRATIONS)
