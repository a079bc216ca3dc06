"""Request limits and the audit of writes, as one pure-ASGI middleware (cheap for reads).

* A request body over :data:`MAX_BODY` bytes gets 413, whether declared by
  ``Content-Length`` or streamed.
* Every write (any method but GET, HEAD, OPTIONS) is recorded in the store's audit after it
  completes: who (the key), when, what (method, path, and the ids the route names in
  ``request.state.audit_target``), from which address, and the outcome (status code). Issuing
  writes its entry in the decisions' own transaction (:func:`audit_entry`); then nothing more is
  written unless the response's status differs from the entry's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY", "LimitsAndAudit", "audit_entry"]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
"""Largest request body accepted [bytes]."""

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _too_large() -> HTTPException:
    # An HTTPException, so FastAPI's body parsing passes it on instead of answering 400.
    return HTTPException(413, f"request body over {MAX_BODY // 1024} KB; send less")


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class LimitsAndAudit:
    """The body limit for every request and the audit entry of every write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
                status["code"] = 413
                await _send_json(send, 413, {"detail": _too_large().detail})
                return
            received = 0

            async def receiving() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > MAX_BODY:
                        raise _too_large()
                return message

            await self.app(scope, receiving, sending)
        finally:
            await self._audit(scope, status["code"])

    @staticmethod
    async def _audit(scope: Scope, outcome: int) -> None:
        state = scope.get("state", {})
        if state.get("audited") == outcome:  # written by the route in its own transaction
            return
        app = scope.get("app")
        service = getattr(getattr(app, "state", None), "service", None)
        if service is None:
            return
        entry = audit_entry(scope, outcome)
        try:
            await anyio.to_thread.run_sync(lambda: service.store.audit(**entry))
        except Exception:  # the response is already sent: log, never mask it
            log.exception("audit entry not written: %s", entry)


def audit_entry(scope: Scope, outcome: int) -> dict[str, Any]:
    """The audit entry of the request of ``scope`` with ``outcome`` (its HTTP status): the
    key (``state.principal``), the route's ``state.audit_target`` and ``state.audit_detail``.

    A route that writes it in its own transaction (one commit: no acknowledged write without
    its entry, no entry for a rolled-back one) sets ``state.audited`` to that outcome, and the
    middleware writes another entry only if the response's status differs.
    """
    state = scope.get("state", {})
    principal = state.get("principal")
    client = scope.get("client")
    return {
        "who": f"{principal.name} (key {principal.id})" if principal else None,
        "key_id": principal.id if principal else None,
        "role": principal.role if principal else None,
        "action": f"{scope['method']} {scope['path']}",
        "target": state.get("audit_target"),
        "address": client[0] if client else None,
        "outcome": outcome,
        "detail": state.get("audit_detail"),
    }
