"""Reloading the served forecast without dropping a request (no routes: a lifespan only).

The forecast is read again on ``SIGHUP`` (one process; under ``serve --workers N`` uvicorn's
supervisor answers ``SIGHUP`` by replacing each worker, the new one ready before the old one
stops) and when the served file changes: its inode, size or modification time, polled every
``LANTIAN_RELOAD_POLL`` seconds (``serve --reload-poll``; 0: no polling), once the change has
held for one poll, so a file still being written is not read. Write a new forecast beside the
served one and rename it over it.

The new state is built aside, in a worker thread, completely: forecast, regional statistics and
every precomputed response. Then one assignment swaps it in (``app.state.service``). A request
holds the service it started with to its end, so requests in flight finish on the old state and
the next ones see the new one. A forecast that cannot be read is logged and the old one is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from api.service import Service
from engine.errors import LantianError

__all__ = ["Reloader", "router"]

log = logging.getLogger(__name__)


def identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, modification time [ns]) of ``path``, or None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class Reloader:
    """Builds a new :class:`Service` for ``app`` aside and swaps it in; one reload at a time."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.path = Path(app.state.settings.forecast)
        self.seen = identity(self.path)
        self.reloads = 0
        self._lock = threading.Lock()

    def reload(self, why: str) -> bool:
        """Load the forecast again and swap the new state in; False (logged) when it fails."""
        with self._lock:
            self.seen = identity(self.path)
            try:
                service = Service.load(self.app.state.settings)
            except (LantianError, OSError, ValueError) as error:
                log.error("reload (%s) failed, still serving the previous forecast: %s", why, error)
                return False
            old = self.app.state.service
            self.app.state.service = service  # atomic: later requests see the new state
            self.reloads += 1
            log.info(
                "reloaded (%s): serving %s instead of %s", why, service.forecast.id, old.forecast.id
            )
            return True

    async def watch(self, poll: float) -> None:
        """Reload when the served file changed and stayed changed for one poll."""
        pending = None
        while True:
            await asyncio.sleep(poll)
            now = identity(self.path)
            if now is None or now == self.seen:
                pending = None
            elif now == pending:
                await run_in_threadpool(self.reload, "the forecast file changed")
                pending = None
            else:
                pending = now


@contextlib.asynccontextmanager
async def _reloading(app: FastAPI) -> AsyncIterator[None]:
    settings = getattr(app.state, "settings", None)
    if settings is None or not isinstance(getattr(app.state, "service", None), Service):
        yield
        return
    reloader = app.state.reloader = Reloader(app)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task] = set()

    def on_hangup() -> None:
        task = loop.create_task(run_in_threadpool(reloader.reload, "SIGHUP"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
    watcher = (
        loop.create_task(reloader.watch(settings.reload_poll)) if settings.reload_poll else None
    )
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGHUP)


router = APIRouter(lifespan=_reloading)
