"""Administrative regions and region sets, read from GeoJSON or the bundled boundaries.

A region set is an ordered collection of :class:`Region` with unique codes, read from a GeoJSON
FeatureCollection here or from the bundled boundaries (:mod:`grids._builtin`);
:func:`grids.load_regions` takes either by a spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from engine.errors import NotFoundError, RegionError

__all__ = ["KINDS", "Region", "RegionSet", "read_geojson", "validate_geometry", "write_geojson"]

KINDS = ("county", "city", "province", "key_region")
"""Allowed values of a region's ``kind``."""


@dataclass(frozen=True, eq=False)
class Region:
    """One region.

    Attributes
    ----------
    code : str
        Six-digit administrative code (e.g. ``"130100"``) or an own id (``"jjj"``).
    name : str
        Name, e.g. ``"石家庄市"``.
    kind : str
        One of :data:`KINDS`.
    parent : str or None
        Code of the enclosing region (county → city → province), ``None`` at the top.
    geometry : shapely Polygon or MultiPolygon
        Boundary in lon/lat [°] (WGS84).
    """

    code: str
    name: str
    kind: str
    parent: str | None
    geometry: BaseGeometry = field(repr=False)


class RegionSet:
    """An ordered set of regions with unique codes.

    Parameters
    ----------
    regions : iterable of Region
    source : str
        Where the set came from (a path or a ``builtin:`` spec), used in messages.
    """

    def __init__(self, regions: Iterable[Region], source: str = "<memory>") -> None:
        self._regions = tuple(regions)
        self.source = source
        self._index: dict[str, int] = {}
        for i, region in enumerate(self._regions):
            if region.code in self._index:
                raise RegionError(f"{source}: duplicate region code {region.code!r}")
            self._index[region.code] = i
        self._hash: str | None = None

    @property
    def codes(self) -> list[str]:
        """Region codes in order."""
        return [r.code for r in self._regions]

    @property
    def geometries(self) -> np.ndarray:
        """Boundaries as an object array of shapely geometries, in order."""
        return np.array([r.geometry for r in self._regions], dtype=object)

    def get(self, code: str) -> Region:
        """The region with ``code``; :class:`~engine.errors.NotFoundError` if absent."""
        try:
            return self._regions[self._index[str(code)]]
        except KeyError:
            sample = ", ".join(self.codes[:5]) + (" …" if len(self) > 5 else "")
            raise NotFoundError(
                f"region {code!r} is not in the region set {self.source} ({len(self)} regions: "
                f"{sample})"
            ) from None

    def index(self, code: str) -> int:
        """Position of ``code`` in the set."""
        self.get(code)
        return self._index[str(code)]

    def __contains__(self, code: object) -> bool:
        return str(code) in self._index

    def __len__(self) -> int:
        return len(self._regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._regions)

    def __getitem__(self, i: int) -> Region:
        return self._regions[i]

    def select(self, codes: Sequence[str] | None = None, *, kind: str | None = None) -> RegionSet:
        """Subset by codes (in the given order) and/or kind."""
        regions = [self.get(c) for c in codes] if codes is not None else list(self._regions)
        if kind is not None:
            regions = [r for r in regions if r.kind == kind]
        label = f"{self.source}[{kind or 'selection'}]"
        return RegionSet(regions, source=label)

    @property
    def hash(self) -> str:
        """Stable hex digest of the content (codes, names, kinds, parents, geometries)."""
        if self._hash is None:
            h = hashlib.sha256(b"regionset-v1")
            for r in self._regions:
                h.update(json.dumps([r.code, r.name, r.kind, r.parent]).encode())
                h.update(shapely.to_wkb(shapely.normalize(r.geometry), output_dimension=2))
            self._hash = h.hexdigest()[:24]
        return self._hash

    def __repr__(self) -> str:
        return f"RegionSet({len(self)} regions from {self.source})"


# -- reading ------------------------------------------------------------------------------------
def read_geojson(path: Path) -> RegionSet:
    """Read and validate a region FeatureCollection (see :func:`grids.load_regions`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegionError(f"region file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RegionError(f"region file {path} cannot be read: {error}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise RegionError(f"region file {path} is not valid JSON: {error}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise RegionError(f"region file {path} is not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise RegionError(f"region file {path} has no features")
    return RegionSet((_region(f, i, path) for i, f in enumerate(features)), source=str(path))


def _region(feature: Any, i: int, path: Path) -> Region:
    where = f"region file {path}, feature #{i}"
    if not isinstance(feature, dict):
        raise RegionError(f"{where} is not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if "code" in props:
        where += f" (code {props['code']!r})"
    missing = [k for k in ("code", "name", "kind") if props.get(k) in (None, "")]
    if missing:
        raise RegionError(
            f"{where} lacks the properties {missing}; every feature needs code, name, kind, parent"
        )
    kind = str(props["kind"])
    if kind not in KINDS:
        raise RegionError(f"{where}: kind {kind!r} is not one of {list(KINDS)}")
    parent = props.get("parent")
    try:
        geom = _polygons(feature["geometry"])
        if geom is None:
            geom = shapely.geometry.shape(feature["geometry"])
    except Exception as error:  # shapely raises several types for malformed GeoJSON
        raise RegionError(f"{where}: geometry is malformed ({error})") from None
    geom = validate_geometry(geom, where)
    return Region(
        code=str(props["code"]),
        name=str(props["name"]),
        kind=kind,
        parent=None if parent in (None, "") else str(parent),
        geometry=geom,
    )


def _polygons(geometry: Any) -> BaseGeometry | None:
    """A GeoJSON Polygon or MultiPolygon built from coordinate arrays; None for anything else.

    The geometry ``shapely.geometry.shape`` builds, coordinate for coordinate (rings closed
    the same way), in a quarter of its time: it walks every coordinate in Python. None — and
    ``shape`` decides, with its own errors — when the coordinates are not plain numeric rings
    of two or three values each.
    """
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        parts = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        parts = coordinates
    else:
        return None
    polygons, dims = [], set()
    for part in parts:
        if not isinstance(part, list) or not part:
            return None
        if not all(isinstance(ring, list) for ring in part):
            return None
        try:
            rings = [np.asarray(ring) for ring in part]
        except ValueError:  # ragged: coordinates of different lengths
            return None
        if any(
            r.ndim != 2 or r.shape[0] < 4 or r.shape[1] not in (2, 3) or r.dtype.kind not in "if"
            for r in rings
        ):
            return None
        dims |= {r.shape[1] for r in rings}
        if len(dims) > 1:  # 2-D and 3-D rings mixed: shape's rules
            return None
        shell, *holes = (r.astype(np.float64) for r in rings)
        polygons.append(shapely.polygons(shell, holes=holes or None))
    if kind == "Polygon":
        return polygons[0]
    return shapely.multipolygons(polygons)


def validate_geometry(geom: BaseGeometry, where: str) -> BaseGeometry:
    """Check that ``geom`` is a valid, non-empty (multi)polygon in lon/lat."""
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise RegionError(f"{where}: geometry is a {geom.geom_type}, expected (Multi)Polygon")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise RegionError(
            f"{where}: geometry is invalid ({reason}); repair it (e.g. shapely.make_valid)"
        )
    if geom.is_empty or geom.area == 0:
        raise RegionError(f"{where}: geometry is empty")
    x0, y0, x1, y1 = geom.bounds
    if y0 < -90 or y1 > 90 or x0 < -360 or x1 > 360:
        raise RegionError(f"{where}: coordinates are not lon/lat degrees (bounds {geom.bounds})")
    return geom


def write_geojson(regions: Iterable[Region], path: Path) -> None:
    """Write regions as a FeatureCollection readable by :func:`load_regions`."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": r.code, "name": r.name, "kind": r.kind, "parent": r.parent},
            "geometry": json.loads(shapely.to_geojson(r.geometry)),
        }
        for r in regions
    ]
    doc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
