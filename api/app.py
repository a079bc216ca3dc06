"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from api import __version__
from api.errors import install_error_handlers
from api.routers import decisions, health, notices, plans, regions, response
from api.service import Service
from api.settings import Settings

__all__ = ["create_app"]

ROUTERS = [
    health.router,
    regions.router,
    response.router,
    notices.router,
    decisions.router,
    plans.router,
]


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
    )
    app.state.settings = settings
    app.state.service = service or Service.load(settings)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
