"""The schema of the observation store, as migrations (see :mod:`observations.store`)."""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    station_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX stations_city ON stations (city_code);
CREATE TABLE hourly (
    month INTEGER NOT NULL,
    station INTEGER NOT NULL REFERENCES stations (id),
    hours BLOB NOT NULL,
    PRIMARY KEY (month, station)
);
CREATE INDEX hourly_station ON hourly (station, month);
CREATE TABLE meters (
    id INTEGER PRIMARY KEY,
    credit_code TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    line_id TEXT NOT NULL,
    UNIQUE (credit_code, meter_id, line_id)
);
CREATE TABLE electricity (
    month INTEGER NOT NULL,
    meter INTEGER NOT NULL REFERENCES meters (id),
    kwh BLOB NOT NULL,
    PRIMARY KEY (month, meter)
);
CREATE INDEX electricity_meter ON electricity (meter, month);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    imported TEXT NOT NULL,
    files TEXT NOT NULL,
    counts TEXT NOT NULL
);
"""
# month: CST month of the hour stamps, months since 1970-01; hours: float32 (744, 6), slot
# 24 × (day - 1) + hour of the stamp, × pollutants pm25, pm10, o3, no2, so2, co; kwh: float32
# (744,). Slots past the end of a short month stay NaN.

MIGRATIONS: list[str] = [_V1]
"""``MIGRATIONS[k]`` takes a store from schema version ``k`` to ``k + 1``."""
