"""The FastAPI application."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi import APIRouter, Depends, FastAPI

import api.routers
from api import __version__
from api.auth import RateLimiter, rate_limit_file
from api.deps import authenticate
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.limits import LimitsAndAudit
from api.service import Service
from api.settings import Settings

__all__ = ["app_from_env", "create_app", "routers"]


def routers() -> Iterator[APIRouter]:
    """The ``router`` of every module of :mod:`api.routers`, in the order of their names.

    A new face is a new module there: nothing else to register (as for CLI commands).
    """
    for info in sorted(pkgutil.iter_modules(api.routers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"api.routers.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            yield router


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    """The application serving ``settings`` (loaded now, so bad inputs fail at start)."""
    settings = settings or Settings()
    app = FastAPI(
        title="Lantian (蓝天) API",
        version=__version__,
        description=(
            "Heavy-pollution response levels for regions, from gridded PM2.5/O3 forecasts, "
            "under the AQI standard and alert rule set in force on each date. Reads are "
            "anonymous unless the service requires keys; writes need an API key "
            "(`Authorization: Bearer <key>`, see `lantian keys create`). Every error body is "
            '`{"detail": "<one sentence>"}`, validation errors list each problem under `errors`.'
        ),
        dependencies=[Depends(authenticate)],
        responses=ERROR_RESPONSES,
        # Served from local assets by api/routers/dashboard.py (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service or Service.load(settings)
    # One bucket per key for all worker processes: a file beside the decision store.
    app.state.limiter = RateLimiter(
        settings.rate_limit, settings.rate_burst, shared=rate_limit_file(settings.db)
    )
    install_error_handlers(app)
    app.add_middleware(LimitsAndAudit)
    for router in routers():
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    """The application of the ``LANTIAN_*`` environment (each ``serve --workers`` process)."""
    return create_app(Settings())
