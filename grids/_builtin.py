"""Bundled region sets (``builtin:<name>``)."""

from __future__ import annotations

from engine.errors import NotFoundError
from grids._regions import RegionSet

__all__ = ["builtin_sets", "load_builtin"]


def builtin_sets() -> dict[str, str]:
    """Names of the bundled region sets and what each holds."""
    return {}


def load_builtin(name: str) -> RegionSet:
    """The bundled region set ``name``."""
    raise NotFoundError(
        f"unknown bundled region set 'builtin:{name}'; available: {sorted(builtin_sets())}"
    )
