"""What a map of regions needs: simplified shapes, label points, key-region outlines, legend.

Shared by the web page at ``/`` (``GET /v1/map/regions``, ``GET /v1/map/legend``) and the
pictures of the CLI (:mod:`api.pictures`), so both draw the same shapes in the same colours.
Level colours are data (``engine/data/display.toml``), AQI category colours and names come from
``engine.aqi.categories()`` (HJ 633, docs/rules.md §1.4), level names from
``engine/data/texts_alerts.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gzip
import hashlib
import json
import math
import threading
import tomllib
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from engine.aqi import categories
from engine.errors import PolicyError
from engine.levels import LEVELS, get_rule_set, rule_set_for
from engine.texts import text
from grids import RegionSet, key_regions

__all__ = [
    "Shape",
    "display_data",
    "geometry_document",
    "geometry_payload",
    "legend",
    "level_rgb",
    "missing_rgb",
    "shapes",
    "tolerance_for",
]

_DISPLAY_FILE = "engine/data/display.toml"
# Share of the larger side of the map's extent kept as simplification tolerance: about half a
# pixel on a map 500 px across, so the simplification is invisible on screen [I].
_TOLERANCE_SHARE = 1 / 1000


@functools.cache
def display_data() -> dict[str, Any]:
    """The parsed ``engine/data/display.toml``; :class:`PolicyError` if a level lacks a colour."""
    data = tomllib.loads(resources.files("engine.data").joinpath("display.toml").read_text("utf-8"))
    for level in LEVELS:
        rgb = data.get("level", {}).get(level, {}).get("rgb")
        if not (isinstance(rgb, list) and len(rgb) == 3):
            raise PolicyError(f"{_DISPLAY_FILE}: [level.{level}] needs rgb = [r, g, b]")
    if "rgb" not in data.get("missing", {}):
        raise PolicyError(f"{_DISPLAY_FILE}: [missing] needs rgb = [r, g, b]")
    return data


def level_rgb(level: str) -> tuple[int, int, int]:
    """Display colour of a response level [0–255 each]."""
    r, g, b = display_data()["level"][level]["rgb"]
    return int(r), int(g), int(b)


def missing_rgb() -> tuple[int, int, int]:
    """Display colour of a region without a response."""
    r, g, b = display_data()["missing"]["rgb"]
    return int(r), int(g), int(b)


def legend(day: dt.date, rule_set: str | None = None) -> dict[str, Any]:
    """Levels, AQI categories and the AQI thresholds of the chart, for ``day``.

    ``thresholds`` are the AQI values the red level of the rule set in force (or ``rule_set``)
    refers to — 200 and 300 under MEE-2024 (docs/rules.md §2.1) — drawn on the AQI chart.
    """
    rules = get_rule_set(rule_set) if rule_set else rule_set_for(day)
    red = rules.rule("red")
    thresholds = sorted({c.threshold for clause in red.clauses for c in clause}) if red else []
    return {
        "date": day,
        "rule_set": {"id": rules.id, "title": rules.title},
        "levels": [
            {
                "id": level,
                "name_en": text(f"level.{level}", "en"),
                "name_zh": text(f"level.{level}", "zh"),
                "rgb": list(level_rgb(level)),
            }
            for level in LEVELS
        ],
        "missing_rgb": list(missing_rgb()),
        "categories": [
            {
                "level": c.level,
                "roman": c.roman,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "rgb": list(c.rgb),
                "lower": c.lower,
                "upper": c.upper,
            }
            for c in categories()
        ],
        "thresholds": thresholds,
        "source": display_data()["source"],
    }


@dataclasses.dataclass(frozen=True)
class Shape:
    """A region as a map draws it: simplified outline [° lon/lat] and a point for its label."""

    code: str
    name: str
    kind: str
    parent: str | None
    geometry: BaseGeometry
    label: tuple[float, float]


def tolerance_for(regions: RegionSet) -> float:
    """Simplification tolerance [°]: a small share of the larger side of the set's extent."""
    x0, y0, x1, y1 = shapely.total_bounds(regions.geometries)
    return max(x1 - x0, y1 - y0, 1e-3) * _TOLERANCE_SHARE


def _simplified(geometries: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify a group of regions; as one coverage (shared edges stay shared) when it is one."""
    if len(geometries) > 1 and bool(shapely.coverage_is_valid(geometries)):
        out = shapely.coverage_simplify(geometries, tolerance, simplify_boundary=True)
        if bool(np.all(shapely.is_valid(out))) and not bool(np.any(shapely.is_empty(out))):
            return np.asarray(out)
    out = shapely.simplify(geometries, tolerance, preserve_topology=True)
    return np.asarray(shapely.make_valid(out))


def _label_point(geometry: BaseGeometry, tolerance: float) -> tuple[float, float]:
    """A point well inside the largest part (pole of inaccessibility), for labels and tests."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    polygons = [p for p in parts if p.geom_type == "Polygon"] or [geometry]
    largest = max(polygons, key=lambda p: p.area)
    try:
        point = shapely.polylabel(largest, tolerance=max(tolerance, 1e-4))
    except Exception:  # shapely refuses some degenerate polygons: any inner point will do
        point = shapely.point_on_surface(largest)
    return round(point.x, 4), round(point.y, 4)


_CACHE: dict[tuple[str, float], list[Shape]] = {}
_LOCK = threading.Lock()


def shapes(regions: RegionSet, tolerance: float | None = None) -> list[Shape]:
    """Simplified shapes of every region, largest first (so contained units are drawn on top).

    Regions of one kind are simplified together as a coverage when they form one (cities of
    a province share their borders exactly); tiny islands below a few tolerances² are dropped.
    Cached per region set content and tolerance.
    """
    tolerance = tolerance_for(regions) if tolerance is None else tolerance
    key = (regions.hash, round(tolerance, 9))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    originals = regions.geometries
    simplified = np.empty(len(originals), dtype=object)
    kinds = np.array([r.kind for r in regions])
    for kind in dict.fromkeys(kinds):
        where = np.flatnonzero(kinds == kind)
        simplified[where] = _simplified(originals[where], tolerance)
    out = []
    for region, original, geometry in zip(regions, originals, simplified, strict=True):
        if geometry.is_empty:  # simplified away (a speck of a region): keep it as it is
            geometry = original
        geometry = _without_specks(geometry, 4 * tolerance**2)
        out.append(
            Shape(
                region.code,
                region.name,
                region.kind,
                region.parent,
                geometry,
                _label_point(original, tolerance),
            )
        )
    out.sort(key=lambda s: -s.geometry.area)
    with _LOCK:
        _CACHE[key] = out
    return out


def _without_specks(geometry: BaseGeometry, min_area: float) -> BaseGeometry:
    parts = list(getattr(geometry, "geoms", [geometry]))
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    if len(polygons) <= 1:
        return geometry
    kept = [p for p in polygons if p.area >= min_area] or [max(polygons, key=lambda p: p.area)]
    return shapely.MultiPolygon(kept) if len(kept) > 1 else kept[0]


def _decimals(tolerance: float) -> int:
    """Coordinate decimals: a quarter of the tolerance or finer, at least 2, at most 6."""
    return int(min(6, max(2, math.ceil(-math.log10(tolerance / 4)))))


def _coordinates(geometry: BaseGeometry, decimals: int) -> dict[str, Any]:
    def ring(r: Any) -> list[list[float]]:
        return np.round(np.asarray(r.coords)[:, :2], decimals).tolist()  # type: ignore[no-any-return]

    def polygon(p: Any) -> list[list[list[float]]]:
        return [ring(p.exterior), *(ring(i) for i in p.interiors)]

    parts = [p for p in getattr(geometry, "geoms", [geometry]) if p.geom_type == "Polygon"]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": polygon(parts[0])}
    return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in parts]}


def geometry_document(regions: RegionSet, tolerance: float | None = None) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the simplified regions, plus the key-region outlines.

    Features carry ``code``, ``name``, ``kind``, ``parent`` and ``label`` (lon, lat of the
    label point); ``key_regions`` holds the outline of each key region over its members in
    the set, with its dates in force, so a page shows those in force on the day it shows.
    """
    tolerance = tolerance_for(regions) if tolerance is None else tolerance
    decimals = _decimals(tolerance)
    drawn = shapes(regions, tolerance)
    by_code = {s.code: s for s in drawn}
    features = [
        {
            "type": "Feature",
            "id": s.code,
            "properties": {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "parent": s.parent,
                "label": list(s.label),
            },
            "geometry": _coordinates(s.geometry, decimals),
        }
        for s in drawn
    ]
    outlines = []
    for kr in key_regions():
        members = [by_code[c].geometry for c in (*kr.cities, *kr.units) if c in by_code]
        if not members:
            continue
        union = shapely.union_all(shapely.make_valid(np.array(members, dtype=object)))
        union = _without_specks(shapely.simplify(union, tolerance), 4 * tolerance**2)
        outlines.append(
            {
                "type": "Feature",
                "id": kr.code,
                "properties": {
                    "code": kr.code,
                    "name": kr.name,
                    "name_en": kr.name_en,
                    "effective_from": kr.effective_from.isoformat(),
                    "effective_to": kr.effective_to.isoformat() if kr.effective_to else None,
                    "members": len(members),
                },
                "geometry": _coordinates(union, decimals),
            }
        )
    x0, y0, x1, y1 = shapely.total_bounds(regions.geometries)
    return {
        "type": "FeatureCollection",
        "bbox": [round(float(v), 4) for v in (x0, y0, x1, y1)],
        "tolerance": tolerance,
        "source": regions.source,
        "features": features,
        "key_regions": outlines,
    }


@dataclasses.dataclass(frozen=True)
class Payload:
    """A serialised geometry document: plain and gzip bytes, and its entity tag."""

    raw: bytes
    gzipped: bytes
    etag: str


_PAYLOADS: dict[str, Payload] = {}


def geometry_payload(regions: RegionSet) -> Payload:
    """:func:`geometry_document` as compact JSON bytes, gzipped once, cached per region set."""
    with _LOCK:
        cached = _PAYLOADS.get(regions.hash)
    if cached is not None:
        return cached
    raw = json.dumps(geometry_document(regions), ensure_ascii=False, separators=(",", ":"))
    data = raw.encode("utf-8")
    payload = Payload(
        raw=data,
        gzipped=gzip.compress(data, compresslevel=6, mtime=0),
        etag='"' + hashlib.sha256(data).hexdigest()[:20] + '"',
    )
    with _LOCK:
        _PAYLOADS[regions.hash] = payload
    return payload
