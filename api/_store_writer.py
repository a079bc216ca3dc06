"""The decision store's writer: the reads and writes of one transaction (prior decisions for the
episode state, idempotency keys, inserting issued decisions), and the helpers it shares with
:mod:`api.store`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

from api._store_rows import decision_row, notice_from_row
from engine.episodes import PriorDecision
from engine.linkage import Notice
from engine.response import Response

__all__ = ["AUDIT_FIELDS", "Issued", "Writer", "now", "one_line"]

AUDIT_FIELDS = ("who", "key_id", "role", "action", "target", "address", "outcome", "detail")


class Issued(NamedTuple):
    """One decision to record: the response, who issued it, any override, the inputs' ids."""

    response: Response
    issued_by: str | None
    override_level: str | None
    override_reason: str | None
    inputs: dict[str, Any]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _prior(row: sqlite3.Row | None) -> PriorDecision | None:
    if row is None:
        return None
    return PriorDecision(
        date=dt.date.fromisoformat(row["date"]), level=row["level"], episode_id=row["episode_id"]
    )


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


_PRIOR = (
    "SELECT id, date, level, episode_id FROM decisions WHERE rule_set = ? AND mode = ? "
    "AND region_code = ? AND date < ? AND withdrawn IS NULL {extra} "
    "ORDER BY date DESC, id DESC LIMIT 1"
)


class Writer:
    """Reads and writes on one connection, inside one transaction (:meth:`DecisionStore.writer`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._changed: list[tuple[str, str, str]] = []  # decisions inserted, bumped at flush
        self._last: dict[tuple[str, str, str, str], sqlite3.Row | None] = {}  # prior() rows

    def prior(
        self, day: dt.date, rule_set: str, mode: str, codes: Sequence[str]
    ) -> dict[str, tuple[PriorDecision | None, PriorDecision | None]]:
        """Per region, the latest issued (not withdrawn) decision before ``day`` and the latest
        active one, under the same rule set and mode; regions without any are left out.

        Each look-up walks a partial index backwards, so its cost does not grow with history.
        """
        out = {}
        for code in codes:
            params = (rule_set, mode, code, day.isoformat())
            last = self.db.execute(_PRIOR.format(extra=""), params).fetchone()
            self._last[params] = last  # for prior_id, until the next insert
            if last is None:
                continue
            active = self.db.execute(_PRIOR.format(extra="AND level != 'none'"), params).fetchone()
            out[code] = (_prior(last), _prior(active))
        return out

    def prior_id(self, day: dt.date, rule_set: str, mode: str, code: str) -> int | None:
        params = (rule_set, mode, code, day.isoformat())
        if params in self._last:
            row = self._last[params]
        else:
            row = self.db.execute(_PRIOR.format(extra=""), params).fetchone()
        return int(row["id"]) if row else None

    def notices(self, day: dt.date | None = None) -> list[Notice]:
        """Regional notices not withdrawn (those in force on ``day`` when given), newest first."""
        where, params = "WHERE withdrawn IS NULL", []
        if day is not None:
            where += " AND start <= ? AND end >= ?"
            params = [day.isoformat(), day.isoformat()]
        rows = self.db.execute(
            f"SELECT * FROM regional_notices {where} ORDER BY id DESC", params
        ).fetchall()
        return [notice_from_row(row) for row in rows]

    def generation(self) -> int:
        row = self.db.execute("SELECT v FROM meta WHERE k = 'generation'").fetchone()
        return int(row[0])

    def bump(self, decisions: Sequence[tuple[str, str, str]] = ()) -> None:
        """Mark the decisions and notices changed (the response caches of every worker).

        ``decisions``: the (rule set, mode, date) of each decision changed, so that caches keep
        the responses that do not rest on them; empty: everything may have changed (notices).
        """
        self.db.execute("UPDATE meta SET v = v + 1 WHERE k = 'generation'")
        earliest: dict[tuple[str, str], str] = {}
        for rule_set, mode, day in decisions:
            earliest[rule_set, mode] = min(day, earliest.get((rule_set, mode), day))
        rows: list[tuple[str | None, ...]] = [(r, m, d) for (r, m), d in earliest.items()]
        rows = rows or [(None, None, None)]
        self.db.executemany(
            "INSERT INTO changes (generation, rule_set, mode, date) "
            "VALUES ((SELECT v FROM meta WHERE k = 'generation'), ?, ?, ?)",
            rows,
        )

    def unchanged_for(self, since: int, day: dt.date, rule_set: str, mode: str) -> bool:
        """Whether nothing changed after generation ``since`` that the responses of ``day``
        under ``rule_set`` and ``mode`` rest on (decisions of earlier dates, any notice)."""
        row = self.db.execute(
            "SELECT 1 FROM changes WHERE generation > ? AND (rule_set IS NULL OR "
            "(rule_set = ? AND mode = ? AND date < ?)) LIMIT 1",
            (since, rule_set, mode, day.isoformat()),
        ).fetchone()
        return row is None

    def replayed(self, key_id: int, token: str) -> tuple[str, list[int]] | None:
        """(request fingerprint, decision ids) stored under an idempotency key, or None."""
        row = self.db.execute(
            "SELECT request, decisions FROM idempotency WHERE key_id = ? AND token = ?",
            (key_id, token),
        ).fetchone()
        return (row["request"], json.loads(row["decisions"])) if row else None

    def remember(self, key_id: int, token: str, request: str, ids: list[int]) -> None:
        self.db.execute(
            "INSERT INTO idempotency (key_id, token, request, decisions, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (key_id, token, request, json.dumps(ids), now()),
        )

    def withdraw(self, table: str, row_id: int, by: str, reason: str) -> bool:
        """Mark row ``row_id`` of ``table`` (``decisions`` or ``regional_notices``) withdrawn
        now; False if it already was (or does not exist)."""
        if table not in ("decisions", "regional_notices"):
            raise ValueError(f"nothing to withdraw in table {table!r}")
        cursor = self.db.execute(
            f"UPDATE {table} SET withdrawn = ?, withdrawn_by = ?, withdraw_reason = ? "
            "WHERE id = ? AND withdrawn IS NULL",
            (now(), by, reason, row_id),
        )
        return bool(cursor.rowcount)

    def audit(self, entry: dict[str, Any]) -> int:
        """Append one audit entry (:data:`AUDIT_FIELDS`; time is now) in this transaction."""
        cursor = self.db.execute(
            f"INSERT INTO audit (time, {', '.join(AUDIT_FIELDS)}) "
            f"VALUES (?{', ?' * len(AUDIT_FIELDS)})",
            (now(), *(entry.get(f) for f in AUDIT_FIELDS)),
        )
        return int(cursor.lastrowid or 0)

    def insert(self, issued: Sequence[Issued]) -> list[int]:
        """Record decisions; their ids. The generation moves at :meth:`flush`."""
        created = now()
        ids = []
        for response, issued_by, override_level, override_reason, inputs in issued:
            row = decision_row(response, created) + (
                issued_by,
                override_level,
                override_reason,
                json.dumps(inputs, ensure_ascii=False),
            )
            cursor = self.db.execute(
                "INSERT INTO decisions (region_code, date, level, regime, forecast_id, "
                "forecast_issued, rule_set, aqi_standard, reasons, created, mode, "
                "forecast_level, episode_id, episode_status, reasons_zh, probabilities, "
                "issued_by, override_level, override_reason, inputs) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            ids.append(int(cursor.lastrowid or 0))
        self._last.clear()
        self._changed.extend(
            (i.response.rule_set, i.response.mode, i.response.date.isoformat()) for i in issued
        )
        return ids

    def flush(self) -> None:
        """Bump the generation once for the decisions inserted (before the commit): readers
        see only committed states, so one bump per transaction tells them all."""
        if self._changed:
            self.bump(self._changed)
            self._changed = []
