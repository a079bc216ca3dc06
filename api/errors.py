"""The one place where Lantian's exception tree becomes HTTP status codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from engine.errors import (
    DataCoverageError,
    ForecastError,
    LantianError,
    NotFoundError,
    ObservationError,
    PolicyError,
    RegionError,
    RegistryError,
)

__all__ = ["STATUS", "install_error_handlers"]

# Most specific class first; the first match wins.
STATUS: list[tuple[type[LantianError], int]] = [
    (NotFoundError, 404),
    (DataCoverageError, 422),
    (RegistryError, 422),
    (ObservationError, 422),
    (PolicyError, 422),
    (RegionError, 422),
    (ForecastError, 503),  # the served forecast itself is unusable: the service cannot answer
    (LantianError, 400),
]


def status_for(error: LantianError) -> int:
    """HTTP status of an error raised on purpose."""
    return next(code for cls, code in STATUS if isinstance(error, cls))


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`LantianError` to ``{"detail": message}`` with its status code."""

    @app.exception_handler(LantianError)
    async def _handle(request: Request, error: LantianError) -> JSONResponse:
        return JSONResponse(
            status_code=status_for(error),
            content={"detail": str(error), "error": type(error).__name__},
        )
