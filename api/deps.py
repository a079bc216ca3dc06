"""Typed dependency aliases for the routers: the service, and who is asking.

:func:`authenticate` runs for every route (installed on the app): it reads
``Authorization: Bearer <key>``, refuses an unknown or revoked key (401), applies the per-key
rate limit (429 with ``Retry-After``) and, when the service requires keys for reads, refuses an
anonymous read. Writes declare the roles they accept with :func:`require`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, RateLimiter, cached_principal, covers
from api.auth import authenticate as find_key
from api.service import Service

__all__ = [
    "AdminDep",
    "CoordinatorDep",
    "OfficerDep",
    "ServiceDep",
    "authenticate",
    "check_scope",
    "get_service",
    "require",
]

_BEARER = "bearer "
# Documents the key in the OpenAPI schema of the routes that need one (writes, the audit);
# :func:`authenticate` does the checking, for every route.
_KEY = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from `lantian keys create`: `Authorization: Bearer <key>`",
)


async def get_service(request: Request) -> Service:
    """The service state loaded at start-up (a coroutine: no worker-thread hop to get it)."""
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(request: Request) -> Principal | None:
    """The key's principal (also in ``request.state.principal``), or None if anonymous."""
    header = request.headers.get("authorization")
    service: Service = request.app.state.service
    principal = None
    if header is not None:
        if not header.lower().startswith(_BEARER) or not header[len(_BEARER) :].strip():
            raise _unauthorised("the Authorization header must be 'Bearer <API key>'")
        key = header[len(_BEARER) :].strip()
        # A key looked up lately needs no worker thread: one read of the key counter.
        principal = cached_principal(service.store, key) or await run_in_threadpool(
            find_key, service.store, key
        )
        if principal is None:
            raise _unauthorised("the API key is unknown or revoked")
        request.state.principal = principal
        limiter: RateLimiter = request.app.state.limiter
        wait = limiter.wait(principal.id)
        if wait:
            raise HTTPException(
                429,
                f"too many requests for key {principal.id}: at most "
                f"{limiter.rate:g} per second; retry after {wait} s",
                headers={"Retry-After": str(wait)},
            )
    elif request.method in ("GET", "HEAD") and service.settings.reads_need_key:
        raise _unauthorised("this service requires an API key for reads: send Bearer <key>")
    return principal


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the principal if its role is one of ``roles`` (admin always is)."""

    async def dependency(  # a coroutine: no I/O, so no worker-thread hop for it
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Security(_KEY)] = None,
    ) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            raise _unauthorised("this request needs an API key: send Authorization: Bearer <key>")
        if principal.role != "admin" and principal.role not in roles:
            needed = " or ".join(roles)
            raise HTTPException(403, f"a {principal.role} key may not do this; it needs {needed}")
        return principal

    return dependency


def check_scope(principal: Principal, code: str, service: Service) -> None:
    """403 unless ``principal``'s scope covers region or key region ``code``."""
    if principal.role == "admin" or covers(principal.scope, code, service.parents):
        return
    raise HTTPException(
        403, f"key {principal.id} ({principal.role} of {principal.scope}) may not act for {code}"
    )


OfficerDep = Annotated[Principal, Depends(require("officer"))]
CoordinatorDep = Annotated[Principal, Depends(require("coordinator"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
