"""``lantian scenario run``: what an emission change does to O3 MDA8, per region and cell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cluster import add_cluster_arguments, cluster_settings, open_cluster

DEFAULT_TILE = (64, 64)
"""Tile of a run on a cluster [cells]: small enough that a 0.05° province gives each worker
several tiles, large enough that the halo ring (a few cells per hour) stays a small share."""


def _tile(text: str) -> tuple[int, int]:
    """``NYxNX`` (e.g. ``64x64``) as a pair of positive cell counts."""
    parts = text.lower().split("x")
    if len(parts) == 2 and all(p.strip().isdigit() and int(p) > 0 for p in parts):
        return int(parts[0]), int(parts[1])
    raise argparse.ArgumentTypeError(f"--tile {text!r}: give NYxNX in cells, e.g. 64x64")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scenario",
        help="ozone change of an emission scenario (peak shifts)",
        description="Photochemical scenarios on the forecast's grid (docs/chemistry.md).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        help="run a scenario: ΔO3 and ΔMDA8 with their uncertainty",
        description=(
            "Run base and scenario emissions through the photochemical box model on the "
            "forecast's grid; print per region the base MDA8, ΔMDA8 (P10, median, P90 over the "
            "ensemble), exceedance days before and after, the VOC moved and the O3 regime; "
            "write ΔO3 and ΔMDA8 per cell to OUT (netCDF)."
        ),
    )
    run.add_argument("--forecast", required=True, help="forecast netCDF (O3, optional weather)")
    run.add_argument("--emissions", required=True, help="base emissions netCDF (voc, nox)")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--change", help="emission change netCDF (voc, nox), scenario − base")
    source.add_argument(
        "--programme",
        help="peak-shift programme TOML layered over the packaged default, or 'default' "
        "(needs --db); run for each top region of --regions over the forecast's CST days",
    )
    run.add_argument("--db", help="registry SQLite of the programme's enterprises")
    run.add_argument(
        "--regions", default="builtin:key-regions", help="regions GeoJSON or builtin:NAME"
    )
    run.add_argument("--out", required=True, type=Path, help="result netCDF to write")
    run.add_argument("--members", type=int, default=20, help="ensemble members (default 20)")
    run.add_argument("--seed", type=int, default=None, help="seed of the perturbations")
    run.add_argument("--population", default=None, help="population netCDF on the grid")
    run.add_argument("--isopleth", metavar="CODE", help="draw the EKMA isopleth of a region")
    run.add_argument("--isopleth-png", type=Path, help="PNG of the isopleth (with --isopleth)")
    run.add_argument("--format", choices=("json", "table"), default="table")
    run.add_argument(
        "--tile",
        type=_tile,
        default=None,
        metavar="NYxNX",
        help=f"run in tiles of NY × NX cells on dask (default with --workers/--scheduler: "
        f"{DEFAULT_TILE[0]}x{DEFAULT_TILE[1]}); the result equals the whole-grid run",
    )
    add_cluster_arguments(run)
    run.set_defaults(handler=_run)
    picture = actions.add_parser(
        "map",
        help="PNG map of a result's ΔMDA8 per cell",
        description=(
            "Draw ΔMDA8 (scenario − base) [µg m⁻³] of a `scenario run` result per cell: one "
            "day (--date) or, by default, the mean over the result's days; blue where the "
            "scenario lowers MDA8, red where it raises it."
        ),
    )
    picture.add_argument("result", type=Path, help="result netCDF of lantian scenario run")
    picture.add_argument("--out", required=True, type=Path, help="PNG to write")
    picture.add_argument("--date", default=None, help="CST day (YYYY-MM-DD); default: the mean")
    picture.add_argument("--regions", default=None, help="regions to outline (GeoJSON, builtin)")
    picture.set_defaults(handler=_map)


def _map(args: argparse.Namespace) -> int:
    import xarray as xr

    from api.pictures import draw_delta_map
    from engine.errors import ForecastError

    if not args.result.is_file():
        raise ForecastError(f"result file {args.result} does not exist")
    with xr.open_dataset(args.result) as data:
        if "delta_mda8" not in data:
            raise ForecastError(f"{args.result} holds no delta_mda8: not a scenario result")
        delta = data["delta_mda8"].load()
        lon, lat = data["lon"].values, data["lat"].values
    if args.date:
        dates = [str(d)[:10] for d in delta["date"].values]
        if args.date not in dates:
            raise ValueError(f"--date {args.date}: the result has {', '.join(dates)}")
        field, when = delta.isel(date=dates.index(args.date)), args.date
    else:
        field, when = delta.mean("date"), "mean over the result's days"
    regions = None
    if args.regions:
        from grids import load_regions

        regions = load_regions(args.regions)
    bound = draw_delta_map(
        field.values, lon, lat, args.out, title=f"ΔMDA8, {when}", regions=regions
    )
    print(f"wrote {args.out} (colour scale ±{bound:.2f} µg m-3)")
    return 0


def _bar(share: float, stage: str) -> None:
    width = 30
    done = int(round(width * max(0.0, min(1.0, share))))
    line = f"\r[{'#' * done}{'.' * (width - done)}] {100 * share:5.1f}% {stage:<40}"
    print(line, end="" if share < 1.0 else "\n", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from api.jobs import ScenarioRequest, execute

    if args.isopleth_png and not args.isopleth:
        raise ValueError("--isopleth-png needs --isopleth CODE (the region to draw)")
    if args.isopleth and not args.isopleth_png:
        raise ValueError("--isopleth needs --isopleth-png PATH (where to draw it)")
    if args.isopleth_png:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError(
                "--isopleth-png needs matplotlib: pip install 'lantian[plot]'"
            ) from None
    request = ScenarioRequest(
        forecast=args.forecast,
        emissions=args.emissions,
        change=args.change,
        programme=args.programme,
        db=args.db,
        regions=args.regions,
        members=args.members,
        seed=args.seed,
        population=args.population,
    )
    progress = _bar if sys.stderr.isatty() else None
    cluster = cluster_settings(args)
    tile = args.tile or (DEFAULT_TILE if cluster.enabled else None)
    with open_cluster(cluster):
        regions, diagram = execute(
            request, args.out, progress=progress, isopleth=args.isopleth, tile=tile
        )
    if diagram is not None:
        _draw(diagram, args.isopleth_png)
    if args.format == "json":
        print(json.dumps(regions, ensure_ascii=False, indent=2))
    else:
        print(_table(regions))
        print(f"wrote {args.out}" + (f" and {args.isopleth_png}" if diagram else ""))
    return 0


def _table(regions: list[dict[str, Any]]) -> str:
    """One row per region: its peak day (highest base MDA8) and the run's totals."""
    header = (
        f"{'code':<8} {'name':<10} {'regime':<13} {'peak day':<10} {'MDA8':>6} "
        f"{'ΔMDA8 P10/P50/P90':>22}  {'exceed.':>7}  {'VOC moved t':>11}"
    )
    from engine.texts import say

    lines = [header, "-" * len(header)]
    starred = False
    for r in regions:
        days = r["days"]
        regime = say(f"scenario.regime.{r['regime']}")[0] if r["regime"] else "-"
        ex = r["exceedance_days"]
        moved = f"{r['voc_moved_kg'] / 1000:.1f}"
        if not days:
            lines.append(f"{r['region']['code']:<8} {r['region']['name']:<10} {regime:<13} no day")
            continue
        peak = max(days, key=lambda d: d["mda8_base"])
        d = peak["delta_mda8"]
        zero = "*" if d["p10"] <= 0 <= d["p90"] else " "
        starred = starred or zero == "*"
        interval = f"{d['p10']:>+7.2f}/{d['p50']:>+6.2f}/{d['p90']:>+6.2f}{zero}"
        lines.append(
            f"{r['region']['code']:<8} {r['region']['name']:<10} {regime:<13} {peak['date']:<10} "
            f"{peak['mda8_base']:>6.1f} {interval} {ex['base']:>3}→{ex['scenario']:<3}  {moved:>11}"
        )
    members = regions[0]["members"] if regions else 0
    defaulted = ", ".join(regions[0]["defaulted"]) if regions else ""
    zero_en, zero_zh = say("scenario.contains_zero")
    lines.append(
        f"MDA8, ΔMDA8 in µg/m³ on each region's day of highest base MDA8; P10/P50/P90 over "
        f"{members} members; exceedance days: MDA8 > 160 µg/m³ before→after; every day: "
        "--format json"
    )
    if starred:
        lines.append(f"* {zero_en} ({zero_zh})")
    if defaulted:
        lines.extend(say("scenario.defaulted", fields=defaulted))
    return "\n".join(lines)


def _draw(diagram: Any, path: Path) -> None:
    """The isopleth as a PNG: O3 contours over VOC and NOx emission factors."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 5), dpi=120)
    contours = axes.contour(diagram.nox_factors, diagram.voc_factors, diagram.o3, levels=12)
    axes.clabel(contours, fmt="%.0f", fontsize=8)
    axes.plot([1.0], [1.0], "ko")
    axes.annotate("today", (1.0, 1.0), textcoords="offset points", xytext=(5, 5))
    axes.set_xlabel("NOx emissions (× base)")
    axes.set_ylabel("VOC emissions (× base)")
    axes.set_title(f"Mean O3 MDA8 [µg/m³], region {diagram.code} ({diagram.mechanism})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
