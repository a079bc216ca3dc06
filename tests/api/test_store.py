"""The decision store: records, filters and survives concurrent writers."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

from api.store import SCHEMA_VERSION, DecisionStore
from engine.response import ForecastIdentity, RegionRef, Response


def response(code: str, day: str, level: str = "yellow") -> Response:
    return Response(
        region=RegionRef(code, code),
        date=dt.date.fromisoformat(day),
        level=level,
        regime="pm25",
        advisories=(),
        aqi_standard="HJ633-2026",
        rule_set="MEE-2024",
        days=(),
        reasons=("PM2.5 daily AQI > 200 …",),
        forecast=ForecastIdentity("F@1", "2026-11-30T12:00Z"),
        reasons_zh=(),
        mode="natural",
        forecast_level=level,
        episode=None,
        probabilities=None,
        valid_fraction=1.0,
        degraded=False,
    )


def test_record_and_filter(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    store.record([response("110000", "2026-12-01"), response("120000", "2026-12-01", "red")])
    store.record([response("110000", "2026-12-02", "none")])
    rows = store.list(region="110000")
    assert [r["date"] for r in rows] == ["2026-12-02", "2026-12-01"]  # newest first

    only = store.list(date=dt.date(2026, 12, 1), region="120000")
    assert len(only) == 1 and only[0]["level"] == "red"
    assert only[0]["reasons"] == ["PM2.5 daily AQI > 200 …"]
    assert only[0]["created"].endswith("Z")


def test_schema_version_and_reopen(tmp_path):
    path = tmp_path / "d.sqlite"
    DecisionStore(path).record([response("1", "2026-12-01")])
    assert len(DecisionStore(path).list()) == 1  # reopening migrates nothing, loses nothing
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_concurrent_writers_lose_nothing(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    errors = []

    def write(worker: int) -> None:
        try:
            for i in range(40):
                store.record([response(f"{worker}", f"2026-12-{1 + i % 9:02d}")] * 2)
        except Exception as error:  # pragma: no cover - would fail the test below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = store.list(limit=10000)
    assert len(rows) == 8 * 40 * 2
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["region"] for r in rows} == {str(w) for w in range(8)}
