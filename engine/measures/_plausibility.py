"""Plausibility bounds of the registry import, as data (``plausibility_registry.toml``).

A registry row beyond them is refused (docs/rules.md §3.4): the bounds stop typing errors and
junk such as ``nox_kg_h = 1e30`` or a field of megabytes, never a real line.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources

from engine.errors import PolicyError
from engine.measures._catalogue import EMISSION_SPECIES

__all__ = ["Plausibility", "plausibility"]

_FILE = "engine/data/plausibility_registry.toml"


@dataclasses.dataclass(frozen=True)
class Plausibility:
    """Upper bounds of registry values.

    ``emission_kg_h``: largest emission rate of a line or a piece of equipment per species
    [kg h⁻¹]; ``capacity_max``: largest capacity or output [unit a⁻¹]; ``max_field_chars``:
    longest text field of a CSV [characters]; ``source``: where the bounds come from.
    """

    emission_kg_h: Mapping[str, float]
    capacity_max: float
    max_field_chars: int
    source: str


@functools.cache
def plausibility() -> Plausibility:
    """The bounds of ``engine/data/plausibility_registry.toml`` (required keys, no default)."""
    text = resources.files("engine.data").joinpath("plausibility_registry.toml").read_text("utf-8")
    data = tomllib.loads(text)
    try:
        rates = {p: float(data["emission_kg_h"][p]) for p in EMISSION_SPECIES}
        bounds = Plausibility(
            emission_kg_h=rates,
            capacity_max=float(data["capacity"]["max"]),
            max_field_chars=int(data["fields"]["max_chars"]),
            source=str(data["source"]),
        )
    except KeyError as error:
        raise PolicyError(f"{_FILE}: missing the required key {error}") from None
    if min(rates.values()) <= 0 or bounds.capacity_max <= 0 or bounds.max_field_chars <= 0:
        raise PolicyError(f"{_FILE}: every bound must be positive")
    return bounds
