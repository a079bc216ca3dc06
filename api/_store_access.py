"""API keys and the audit in the decision store (a mixin of :class:`api.store.DecisionStore`)."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from api._store_writer import now

__all__ = ["AccessTables"]


class AccessTables:
    """Keys (digests only) and audit entries, on the store's connections."""

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def writer(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _quick(self, query: str, params: tuple) -> Any:
        raise NotImplementedError

    def keys_generation(self) -> int:
        """A counter that changes whenever a key is created or revoked (any process)."""
        return int(self._quick("SELECT v FROM meta WHERE k = 'keys'", ())[0])

    def add_key(self, name: str, role: str, scope: str | None, digest: str) -> int:
        """Store an API key's SHA-256 digest (never the key); its id."""
        with self.writer() as w:
            cursor = w.db.execute(
                "INSERT INTO api_keys (name, role, scope, hash, created) VALUES (?, ?, ?, ?, ?)",
                (name, role, scope, digest, now()),
            )
            w.db.execute("UPDATE meta SET v = v + 1 WHERE k = 'keys'")
            return int(cursor.lastrowid or 0)

    def key_by_digest(self, digest: str) -> dict[str, Any] | None:
        """The key row whose digest is ``digest`` (revoked ones too), or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM api_keys WHERE hash = ?", (digest,)).fetchone()
        return dict(row) if row else None

    def keys(self) -> list[dict[str, Any]]:
        """Every key without its digest, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, name, role, scope, created, revoked FROM api_keys ORDER BY id"
            ).fetchall()
        return [dict(row) for row in rows]

    def revoke_key(self, key_id: int) -> bool:
        """Revoke a key; False if unknown or already revoked."""
        with self.writer() as w:
            cursor = w.db.execute(
                "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (now(), key_id),
            )
            w.db.execute("UPDATE meta SET v = v + 1 WHERE k = 'keys'")
            return bool(cursor.rowcount)

    def audit(self, **entry: Any) -> int:
        """Append one audit entry: who, key_id, role, action, target, address, outcome, detail."""
        with self.writer() as w:
            return int(w.audit(entry))

    def audit_log(self, limit: int = 1000, before: int | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first (ids below ``before`` when given)."""
        where, params = ("WHERE id < ?", [before]) if before else ("", [])
        with self._connect() as db:
            rows = db.execute(
                f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [dict(row) for row in rows]
