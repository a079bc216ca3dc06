"""Regional alert notices in the decision store (a mixin of :class:`api.store.DecisionStore`)."""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

from api._store_writer import Writer, now
from engine.linkage import Notice

__all__ = ["Audit", "NoticeTables"]

Audit = Callable[[int], dict[str, Any]]
"""The audit entry of a write, given the id of the record it wrote (``api.limits.audit_entry``);
written in the write's own transaction: no acknowledged write without its entry."""


class NoticeTables:
    """Regional notices: entered, read, withdrawn, on the store's connections."""

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def writer(self) -> contextlib.AbstractContextManager[Writer]:
        raise NotImplementedError

    def reader(self) -> contextlib.AbstractContextManager[Writer]:
        raise NotImplementedError

    def add_notice(
        self, notice: Notice, issued_by: str | None = None, *, audit: Audit | None = None
    ) -> int:
        """Store a regional alert notice; its id. ``audit(id)`` gives the audit entry written
        in the same transaction."""
        with self.writer() as w:
            cursor = w.db.execute(
                "INSERT INTO regional_notices (key_region, level, start, end, reason, created, "
                "issued_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    notice.key_region,
                    notice.level,
                    notice.start.isoformat(),
                    notice.end.isoformat(),
                    notice.reason,
                    now(),
                    issued_by,
                ),
            )
            w.bump()
            notice_id = int(cursor.lastrowid or 0)
            if audit is not None:
                w.audit(audit(notice_id))
            return notice_id

    def notice(self, notice_id: int) -> dict[str, Any] | None:
        """One notice's row as a dict (withdrawal fields included), or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM regional_notices WHERE id = ?", (notice_id,)).fetchone()
        return dict(row) if row else None

    def withdraw_notice(
        self, notice_id: int, by: str, reason: str, *, audit: Audit | None = None
    ) -> bool:
        """Withdraw a regional notice; False if already withdrawn. ``audit(notice_id)`` gives
        the audit entry written in the same transaction."""
        with self.writer() as w:
            withdrawn = w.withdraw("regional_notices", notice_id, by, reason)
            if withdrawn:
                w.bump()
                if audit is not None:
                    w.audit(audit(notice_id))
            return withdrawn

    def notices(self, day: dt.date | None = None) -> builtins.list[Notice]:
        """Regional notices in force (not withdrawn; on ``day`` when given), newest first."""
        with self.reader() as r:
            return r.notices(day)
