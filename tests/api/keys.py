"""API keys for tests: created in the test's own decision store, as `lantian keys create` does."""

from __future__ import annotations

from api.auth import create_key


def bearer(client, role: str = "admin", scope: str | None = None, name: str = "test") -> dict:
    """``{"Authorization": "Bearer <key>"}`` for a new key in the store of ``client``'s app."""
    _, key = create_key(client.app.state.service.store, role, scope, name)
    return {"Authorization": f"Bearer {key}"}
