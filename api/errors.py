"""The one place where errors become HTTP responses.

Every error body is ``{"detail": "<one sentence>"}``, plus optional structured fields: request
validation errors keep their list under ``"errors"`` (location, message, type). Lantian's own
exceptions map by class (:data:`STATUS`); the decision store's failures are 503s with a one-line
reason (the real error is logged); anything unexpected is a logged 500 with a generic sentence.
Absolute file paths never appear in a body: they are cut to their last component.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.formats._media import NotAcceptable
from api.schemas import ErrorBody
from api.store import StoreError
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

__all__ = [
    "ERROR_RESPONSES",
    "STATUS",
    "ConflictError",
    "install_error_handlers",
    "scrub",
    "status_for",
]

log = logging.getLogger(__name__)


class ConflictError(LantianError):
    """The request conflicts with the stored state (already withdrawn, idempotency key reused)."""


# Most specific class first; the first match wins.
STATUS: list[tuple[type[LantianError], int]] = [
    (NotFoundError, 404),
    (ConflictError, 409),
    (NotAcceptable, 406),  # the Accept header names no format the route serves
    (DataCoverageError, 422),
    (RegistryError, 422),
    (ObservationError, 422),
    (PolicyError, 422),
    (RegionError, 422),
    (ForecastError, 503),  # the served forecast itself is unusable: the service cannot answer
    (StoreError, 503),  # the decision store is missing, read-only, full or locked
    (LantianError, 400),
]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "model": ErrorBody}
    for code, text in [
        (400, "The request body cannot be parsed (not JSON, or not UTF-8)"),
        (401, "No API key, or an unknown or revoked one"),
        (403, "The key's role or scope does not allow this"),
        (404, "Not found"),
        (413, "Request body over 64 KB"),
        (422, "Invalid request: `detail` says what; `errors` lists each problem"),
        (429, "Too many requests for this key: see `Retry-After`"),
        (503, "A store or the served forecast is unavailable"),
    ]
}
"""Error responses documented on every route (their body is :class:`api.schemas.ErrorBody`)."""

# An absolute POSIX or Windows path: keep only its last component.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"`,;:()]+)+[\\/]([^\s\\/'\"`,;:()]+)")


def scrub(message: str) -> str:
    """``message`` on one line, with absolute paths cut to their file name."""
    return _PATH.sub(r"\1", " ".join(message.split()))


def status_for(error: LantianError) -> int:
    """HTTP status of an error raised on purpose."""
    return next(code for cls, code in STATUS if isinstance(error, cls))


def _error_list(errors: Any) -> list[dict[str, Any]]:
    """Validation errors reduced to JSON-safe fields (an input of NaN cannot be echoed)."""
    return [
        {
            "loc": [p if isinstance(p, int | str) else str(p) for p in e.get("loc", ())],
            "msg": scrub(str(e.get("msg", ""))),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves on the request's path (Starlette's 405 names
    only the first route matching the path, when GET and POST are separate routes)."""
    methods: set[str] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router (FastAPI)
            if inner is not None:
                walk(inner.routes)
            elif route.matches(request.scope)[0] is not Match.NONE:  # PARTIAL: path, not method
                methods.update(getattr(route, "methods", None) or ())

    walk(request.app.router.routes)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to ``{"detail": sentence, ...}`` with its status code."""

    @app.exception_handler(LantianError)
    async def _lantian(request: Request, error: LantianError) -> JSONResponse:
        status = status_for(error)
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, error)
        return JSONResponse(
            status_code=status,
            content={"detail": scrub(str(error)), "error": type(error).__name__},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = _error_list(error.errors())
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return JSONResponse(
            status_code=422,
            content={"detail": f"invalid {where}: {first['msg']}{more}", "errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        headers = getattr(error, "headers", None)
        if error.status_code == 405:
            allowed = _allowed_methods(request)
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
            detail = (
                f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}"
            )
        return JSONResponse(
            status_code=error.status_code, content={"detail": scrub(detail)}, headers=headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(
            status_code=500, content={"detail": "internal error; the server log has the details"}
        )
