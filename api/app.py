"""The FastAPI application."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI

import api.routers
from api import __version__
from api.errors import install_error_handlers
from api.service import Service
from api.settings import Settings

__all__ = ["create_app", "routers"]


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
            "under the AQI standard and alert rule set in force on each date."
        ),
        # Served from local assets by api/routers/dashboard.py (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service or Service.load(settings)
    install_error_handlers(app)
    for router in routers():
        app.include_router(router)
    return app
