"""Month blocks of hourly series in SQLite: one row per (month, series) holding 744 hour slots
(31 days × 24) of float32 values as a blob (see :mod:`observations.store`)."""

from __future__ import annotations

import sqlite3

import numpy as np

__all__ = ["SLOTS", "month_start_hour", "write_blocks"]

SLOTS = 31 * 24  # hour slots of a month block


def month_start_hour(month: np.ndarray) -> np.ndarray:
    """First hour (hours since the epoch) of months given as months since 1970-01."""
    start = month.astype("datetime64[M]").astype("datetime64[h]")
    return (start - np.datetime64(0, "h")).astype(np.int64)


def write_blocks(
    db: sqlite3.Connection,
    table: str,
    key: str,
    blob: str,
    series: np.ndarray,
    hour: np.ndarray,
    values: np.ndarray,
) -> None:
    """Write hourly rows into the month blocks of ``table``, merging with stored blocks."""
    if hour.size == 0:
        return
    width = values.shape[1]
    month = (hour.astype("datetime64[h]").astype("datetime64[M]")).astype(np.int64)
    slot = hour - month_start_hour(month)
    span = int(series.max()) + 1
    keys, inverse = np.unique(month * span + series, return_inverse=True)
    blocks = np.full((keys.size, SLOTS, width), np.nan, np.float32)
    block_month, block_series = np.divmod(keys, span)
    if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
        db.execute("CREATE TEMP TABLE IF NOT EXISTS _keys (month INTEGER, series INTEGER)")
        db.execute("DELETE FROM _keys")
        db.executemany(
            "INSERT INTO _keys VALUES (?, ?)",
            zip(block_month.tolist(), block_series.tolist(), strict=True),
        )
        stored = db.execute(
            f"SELECT t.month, t.{key}, t.{blob} FROM {table} t "
            f"JOIN _keys k ON t.month = k.month AND t.{key} = k.series"
        ).fetchall()
        if stored:
            where = np.searchsorted(keys, np.array([r[0] * span + r[1] for r in stored]))
            data = np.frombuffer(b"".join(r[2] for r in stored), np.float32)
            blocks[where] = data.reshape(len(stored), SLOTS, width)
    blocks[inverse, slot] = values
    db.executemany(
        f"INSERT OR REPLACE INTO {table} (month, {key}, {blob}) VALUES (?, ?, ?)",
        zip(
            block_month.tolist(), block_series.tolist(), (b.tobytes() for b in blocks), strict=True
        ),
    )
