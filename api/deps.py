"""Typed dependency aliases for the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.service import Service

__all__ = ["ServiceDep", "get_service"]


def get_service(request: Request) -> Service:
    """The service state loaded at start-up."""
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]
