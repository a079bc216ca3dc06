"""The decision store: decisions issued on purpose, regional notices, API keys and the audit.

Each decision keeps what is needed to audit it later: region, the date it applies to, level
issued and forecast level, regime, forecast identity, rule set, AQI standard, reasons, who issued
it (and any override with its reason), the inputs' ids, creation time (UTC) and, once withdrawn,
who withdrew it and why. Writes are single ``BEGIN IMMEDIATE`` transactions in WAL mode with a
busy timeout, so concurrent writers (threads or ``serve --workers``) neither corrupt nor lose
records. Each thread keeps one connection (opening one and reading the schema costs more than a
small transaction); before each use the file's device, inode and mode are compared with those
it was opened on, so a deleted, replaced or write-protected store is noticed as before.

Every SQLite or file-system failure becomes :class:`StoreError` (a one-line reason; the real
error is logged), so the API answers 503 and the CLI prints one line.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from api._store_access import AccessTables
from api._store_notices import Audit, NoticeTables
from api._store_rows import (
    MIGRATIONS,
    decision_dict,
    episodes_from_rows,
)
from api._store_writer import Issued, Writer, one_line
from engine.episodes import PriorDecision
from engine.errors import LantianError
from engine.response import Response

__all__ = ["SCHEMA_VERSION", "Audit", "DecisionStore", "Issued", "StoreError"]

log = logging.getLogger(__name__)

_INHERITED: list[sqlite3.Connection] = []  # connections of a parent process, never closed here

SCHEMA_VERSION = max(MIGRATIONS)


class StoreError(LantianError):
    """The decision store cannot be read or written (missing, read-only, full, locked)."""


class DecisionStore(NoticeTables, AccessTables):
    """SQLite decision store at ``path`` (created and migrated on first use)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0, sync: str = "normal") -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()
        self._write_lock = threading.Lock()
        # Keys looked up (digest -> (principal, keys generation, monotonic time)): api.auth.
        self.key_cache: dict[str, tuple[Any, int, float]] = {}
        # WAL with synchronous=NORMAL: a commit survives a crash of the process (kill -9) but
        # not a power cut; "full" syncs every commit to disk (tens of ms on slow disks).
        self.sync = {"normal": "NORMAL", "full": "FULL"}[sync]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
            finally:
                db.close()
        except (sqlite3.Error, OSError) as error:  # the message carries the error: no log
            raise StoreError(
                f"the decision store {self.path.name} cannot be opened for writing "
                f"({one_line(error)}); check the directory exists and is writable"
            ) from None

    def _unavailable(self, error: BaseException) -> StoreError:
        log.error("decision store %s: %s", self.path, error)
        # an OSError's text names the path: its strerror alone ("No such file or directory")
        reason = error.strerror if isinstance(error, OSError) and error.strerror else None
        return StoreError(
            f"the decision store {self.path.name} is unavailable ({reason or one_line(error)})"
        )

    def _open(self) -> sqlite3.Connection:
        # mode=rw: a deleted store is an error, not silently a new empty file.
        db = sqlite3.connect(
            f"file:{self.path}?mode=rw", uri=True, timeout=self.timeout, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
        db.row_factory = sqlite3.Row
        try:
            db.execute(f"PRAGMA synchronous = {self.sync}")
        except BaseException:
            db.close()
            raise
        return db

    def _kept(self) -> tuple[sqlite3.Connection, bool]:
        """This thread's connection, and whether it is kept (False: a fresh one to close).

        Kept while the file is the one it was opened on (same device, inode and mode): a
        deleted store fails here, a replaced or re-permissioned one gets a new connection. A
        connection busy in a transaction (a nested call) or inherited across ``fork`` is not
        used: a fresh one is opened.
        """
        try:
            st = os.stat(self.path)
        except OSError as error:
            self._drop()
            raise self._unavailable(error) from None
        ident = (st.st_dev, st.st_ino, st.st_mode, os.getpid())
        kept = getattr(self._local, "kept", None)
        try:
            if kept is not None and kept[0] == ident:
                if not kept[1].in_transaction:
                    return kept[1], True
                return self._open(), False
            self._drop()
            db = self._open()
        except sqlite3.Error as error:
            raise self._unavailable(error) from None
        self._local.kept = (ident, db)
        return db, True

    def _drop(self) -> None:
        """Forget this thread's connection (closed, unless it belongs to a parent process)."""
        kept = getattr(self._local, "kept", None)
        self._local.kept = None
        if kept is None:
            return
        if kept[0][3] == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                kept[1].close()
        else:  # closing a parent's connection in a child may disturb the parent's locks
            _INHERITED.append(kept[1])

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db, kept = self._kept()
        failed = False
        try:
            yield db
        except sqlite3.Error as error:
            failed = True
            raise self._unavailable(error) from None
        finally:
            if not kept:
                db.close()
            elif failed or db.in_transaction:
                # after an error (or a failed rollback) its state is unknown: open anew next time
                self._drop()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target in sorted(v for v in MIGRATIONS if v > version):
                for statement in filter(str.strip, MIGRATIONS[target].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise

    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        """One write transaction: everything read inside it is what the commit rests on.

        The threads of one process take turns on a lock first: SQLite's busy handler makes a
        waiting writer sleep with growing back-off, so many threads contending for its lock
        would spend most of their time asleep; one writer per process waits there instead.
        """
        with self._write_lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                w = Writer(db)
                yield w
                w.flush()
                db.execute("COMMIT")
            except BaseException:
                _rollback(db)
                raise

    @contextlib.contextmanager
    def reader(self) -> Iterator[Writer]:
        """Reads on one connection (a consistent snapshot inside a read transaction)."""
        with self._connect() as db:
            db.execute("BEGIN")
            try:
                yield Writer(db)
            finally:
                db.execute("ROLLBACK")

    # -- decisions -------------------------------------------------------------------------

    def record(
        self, responses: Sequence[Response], issued_by: str | None = None
    ) -> builtins.list[int]:
        """Record responses as issued, without override, in one transaction; their ids."""
        with self.writer() as w:
            return w.insert(
                [Issued(r, issued_by, None, None, {"forecast": r.forecast.id}) for r in responses]
            )

    def generation(self) -> int:
        """A counter that changes whenever decisions or notices change (any process).

        Read on every GET, so on a connection kept per thread (opening one costs more than the
        query); a failure drops that connection and reports a :class:`StoreError`.
        """
        return int(self._quick("SELECT v FROM meta WHERE k = 'generation'", ())[0])

    def unchanged_for(self, since: int, day: dt.date, rule_set: str, mode: str) -> bool:
        """Whether nothing the responses of ``day`` under ``rule_set`` and ``mode`` rest on
        changed after generation ``since`` (see :meth:`Writer.unchanged_for`)."""
        row = self._quick(
            "SELECT 1 FROM changes WHERE generation > ? AND (rule_set IS NULL OR "
            "(rule_set = ? AND mode = ? AND date < ?)) LIMIT 1",
            (since, rule_set, mode, day.isoformat()),
        )
        return row is None

    def _quick(self, query: str, params: tuple) -> Any:
        """The first row of a small read, on this thread's kept connection."""
        with self._connect() as db:
            return db.execute(query, params).fetchone()

    def prior(
        self, day: dt.date, rule_set: str, mode: str, codes: list[str] | None = None
    ) -> dict[str, tuple[PriorDecision | None, PriorDecision | None]]:
        """See :meth:`Writer.prior` (all regions with a decision when ``codes`` is None)."""
        with self.reader() as r:
            if codes is None:
                codes = [
                    row[0]
                    for row in r.db.execute(
                        "SELECT DISTINCT region_code FROM decisions "
                        "WHERE rule_set = ? AND mode = ?",
                        (rule_set, mode),
                    )
                ]
            return r.prior(day, rule_set, mode, codes)

    def get(self, decision_id: int) -> dict[str, Any] | None:
        """One decision as :meth:`list` shows it, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM decisions WHERE id = ?", (decision_id,)).fetchone()
        return decision_dict(row) if row else None

    def get_many(self, ids: Sequence[int]) -> builtins.list[dict[str, Any]]:
        """Decisions by id, in the order given."""
        with self._connect() as db:
            rows = {
                row["id"]: row
                for row in db.execute(
                    f"SELECT * FROM decisions WHERE id IN ({','.join('?' * len(ids))})", list(ids)
                )
            }
        return [decision_dict(rows[i]) for i in ids if i in rows]

    def withdraw(
        self, decision_id: int, by: str, reason: str, *, audit: Audit | None = None
    ) -> bool:
        """Withdraw a decision (it no longer holds an episode); False if already withdrawn.

        ``audit(decision_id)`` gives the audit entry written in the same transaction."""
        with self.writer() as w:
            withdrawn = w.withdraw("decisions", decision_id, by, reason)
            if withdrawn:
                row = w.db.execute(
                    "SELECT rule_set, mode, date FROM decisions WHERE id = ?", (decision_id,)
                ).fetchone()
                w.bump([tuple(row)])
                if audit is not None:
                    w.audit(audit(decision_id))
            return withdrawn

    def episodes(
        self, region: str, rule_set: str | None = None, mode: str = "natural"
    ) -> builtins.list[dict[str, Any]]:
        """Episodes of ``region``: start, end, levels over time and reasons, newest first.

        Built from the issued decisions not withdrawn: for each date the latest one counts.
        """
        where = "region_code = ? AND mode = ? AND episode_id IS NOT NULL AND withdrawn IS NULL"
        params: list[Any] = [region, mode]
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
        return episodes_from_rows(region, rows)

    def list(
        self, region: str | None = None, date: dt.date | None = None, limit: int = 1000
    ) -> builtins.list[dict[str, Any]]:
        """Recorded decisions (withdrawn ones too, marked), newest first, filtered."""
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
        return [decision_dict(row) for row in rows]

    def check(self) -> str:
        """``ok``, or a one-line reason the store cannot be read and written.

        On a new connection: a kept one may still write where a new one no longer could.
        """
        if not self.path.is_file():
            return f"the decision store {self.path.name} is missing"
        try:
            db = self._open()
            try:
                db.execute("SELECT v FROM meta WHERE k = 'generation'").fetchone()
                db.execute("BEGIN IMMEDIATE")  # takes the write lock: fails when read-only
                try:
                    db.execute("UPDATE meta SET v = v WHERE k = 'generation'")
                finally:
                    db.execute("ROLLBACK")
            finally:
                db.close()
        except sqlite3.Error as error:
            return str(self._unavailable(error))
        return "ok"


def _rollback(db: sqlite3.Connection) -> None:
    """Roll back, logging (not raising) a failed rollback so the real error propagates."""
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error as error:
        log.error("rollback failed after an error (the error follows): %s", error)
