"""``lantian regions``: each region of a set on a grid — cells, areas and covered fraction."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.commands._args import grid_spec


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regions",
        help="region areas and coverage on a forecast grid",
        description=(
            "List every region of a set with the cells it covers on a grid, its area from the "
            "coverage weights, the geodesic area of its polygon and the covered fraction."
        ),
    )
    parser.add_argument(
        "--regions",
        default="builtin:key-regions",
        help="regions GeoJSON or builtin:NAME (default builtin:key-regions; see --list)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--grid",
        type=grid_spec,
        metavar="LON0,LON1,LAT0,LAT1,STEP",
        help="regular lat/lon grid: outer cell edges and cell size [degrees]",
    )
    source.add_argument("--forecast", type=Path, help="take the grid of this forecast netCDF")
    source.add_argument("--list", action="store_true", help="list the bundled region sets")
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.add_argument("--cache-dir", type=Path, default=None, help="coverage-weights cache")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import grids

    if args.list:
        for name, description in grids.builtin_sets().items():
            print(f"builtin:{name:<20} {description}")
        return 0
    if args.forecast is not None:
        grid = grids.read_grid(args.forecast)
    elif args.grid is not None:
        grid = grids.RegularGrid.from_bounds(*args.grid)
    else:
        raise grids.RegionError("give --grid LON0,LON1,LAT0,LAT1,STEP or --forecast FILE")
    regions = grids.load_regions(args.regions)
    weights = grids.coverage_weights(regions, grid, cache_dir=args.cache_dir)
    rows = grids.coverage_report(regions, weights)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(rows))
    return 0


def _table(rows: list[dict]) -> str:
    from api.formats import text_grid

    header = ["code", "name", "kind", "parent", "cells", "area_km2", "polygon_km2", "covered"]
    cells = [
        [
            r["code"], r["name"], r["kind"], r["parent"] or "-", str(r["cells"]),
            f"{r['area_km2']:.1f}", f"{r['polygon_area_km2']:.1f}", f"{r['covered_fraction']:.4f}",
        ]
        for r in rows
    ]  # fmt: skip
    return "\n".join(text_grid(header, cells, "<<<<>>>>"))
