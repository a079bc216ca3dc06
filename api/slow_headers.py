"""uvicorn's h11 protocol with a deadline for a request's headers (slow-header protection).

uvicorn times out only idle keep-alive connections: a client sending its headers a byte at a
time keeps a connection forever. :class:`SlowHeaderGuard` closes a connection whose request
headers are not complete :attr:`SlowHeaderGuard.header_timeout` seconds after it opened or after
the previous response (``LANTIAN_HEADER_TIMEOUT``, read again by every worker process).
"""

from __future__ import annotations

import asyncio
import logging
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["SlowHeaderGuard"]

log = logging.getLogger(__name__)


class SlowHeaderGuard(H11Protocol):
    """H11Protocol closing connections slower than ``header_timeout`` [s] to send headers."""

    header_timeout: float = float(os.environ.get("LANTIAN_HEADER_TIMEOUT", "10"))
    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_expired(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.warning("closed a connection that sent no complete request headers in time")
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the headers are in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request's headers get the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
