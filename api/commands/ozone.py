"""``lantian ozone plan``: a region's peak-shift programme (错峰生产) over a period, as JSON, as
the on-site check list (CSV) or as the hourly emission change on a grid (netCDF)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.commands._args import grid_spec, iso_date
from engine.errors import NotFoundError, PolicyError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ozone",
        help="ozone season: VOC peak-shift programmes (错峰生产)",
        description="The ozone season (May–September): VOC peak-shift programmes.",
    )
    actions = parser.add_subparsers(dest="ozone_command", required=True, metavar="ACTION")
    plan = actions.add_parser(
        "plan",
        help="who must move or stop VOC work, on which days, how many kilograms",
        description=(
            "Apply a peak-shift programme to the firms of a region from --from to --to: the "
            "packaged default (Lantian's own, docs/rules.md §4) with the region's programme "
            "files (--programme) layered over it. JSON: per firm and line, window, action, "
            "days and kg moved and removed; CSV: the on-site check list; netCDF: the hourly "
            "VOC and NOx change (scenario minus base, kg/h per cell) on the grid of --forecast "
            "or --grid."
        ),
    )
    plan.add_argument("--db", type=Path, required=True, help="registry SQLite file")
    plan.add_argument("--region", required=True, help="region code, e.g. 320100")
    plan.add_argument("--from", dest="first", type=iso_date, required=True, help="first CST day")
    plan.add_argument("--to", dest="last", type=iso_date, required=True, help="last CST day")
    plan.add_argument(
        "--programme",
        type=Path,
        action="append",
        default=[],
        help="programme TOML layered over the packaged default (repeatable)",
    )
    plan.add_argument("--format", choices=("json", "csv", "netcdf"), default="json")
    plan.add_argument("--out", type=Path, default=None, help="write here (netcdf: required)")
    where = plan.add_mutually_exclusive_group()
    where.add_argument(
        "--forecast",
        type=Path,
        default=None,
        help="forecast netCDF: its grid (netcdf) and its O3 MDA8 and t2m (forecast triggers)",
    )
    where.add_argument(
        "--grid",
        type=grid_spec,
        default=None,
        metavar="LON0,LON1,LAT0,LAT1,STEP",
        help="a lat/lon grid for --format netcdf, outer edges and step in degrees",
    )
    plan.add_argument(
        "--regions",
        default="builtin:all",
        help="regions GeoJSON or builtin:NAME: names, hierarchy, the forecast's regional means",
    )
    plan.add_argument("--language", choices=("en", "zh"), default="en", help="of the reasons")
    plan.add_argument(
        "--by-sector",
        action="store_true",
        help="netcdf: add voc_by_sector and nox_by_sector (by VOC process class)",
    )
    plan.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from grids import RegularGrid, load_regions, read_grid
    from registry import RegistryStore, period_dates, region_programme

    if not args.db.is_file():
        raise NotFoundError(
            f"{args.db}: no registry file; create it with `lantian registry import`"
        )
    if args.format == "netcdf" and (args.out is None or not (args.forecast or args.grid)):
        raise PolicyError(
            "--format netcdf writes a file on a grid: give --out F.nc and --forecast F or "
            "--grid LON0,LON1,LAT0,LAT1,STEP"
        )
    regions = load_regions(args.regions)
    parents = {r.code: r.parent for r in regions}
    name = regions.get(args.region).name if args.region in regions else args.region
    o3 = t2m = None
    if args.forecast:
        dates = period_dates(args.first, args.last)
        o3, t2m = _forecast_values(args.forecast, regions, args.region, dates)
    document, result = region_programme(
        RegistryStore(args.db),
        {"code": args.region, "name": name},
        args.first,
        args.last,
        parents=parents,
        programme_paths=args.programme,
        o3_mda8=o3,
        t2m_max=t2m,
        language=args.language,
    )
    for en, zh in result.notes:
        print(f"lantian ozone: note: {en if args.language == 'en' else zh}", file=sys.stderr)
    if args.format == "netcdf":
        from forecasts.emission_change import emission_change_dataset, write_emission_change

        grid = read_grid(args.forecast) if args.forecast else RegularGrid.from_bounds(*args.grid)
        dataset = emission_change_dataset(
            result, grid, by_sector=args.by_sector, attrs={"region": args.region}
        )
        write_emission_change(dataset, args.out)
        print(f"wrote {args.out} ({len(result.dates) * 24} hours, grid {grid!r})")
        return 0
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        from engine.ozone import programme_csv

        text = programme_csv(result, args.region, language=args.language)
    if args.out:
        args.out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _forecast_values(forecast: Path, regions: Any, code: str, dates: list) -> tuple[Any, Any]:
    """The region's forecast O3 MDA8 [µg m⁻³] and daily maximum t2m [°C] on ``dates``."""
    import xarray as xr

    from engine.aggregate import regional_mean
    from engine.ozone import regional_o3_mda8, t2m_daily_max
    from engine.regional import regional_daily
    from forecasts.reader import read_forecast
    from grids import coverage_weights, grid_from_dataset

    if code not in regions:
        raise NotFoundError(f"region {code} is not in the region set; give --regions")
    one = regions.select([code])
    data = read_forecast(forecast).data
    weights = coverage_weights(one, grid_from_dataset(data))
    o3 = regional_o3_mda8(regional_daily(data, weights), code, dates)
    with xr.open_dataset(forecast) as ds:
        if "t2m" not in ds:
            return o3, None
        t2m = ds["t2m"].load()
    if "member" in t2m.dims:
        t2m = t2m.median("member")
    hourly = regional_mean(t2m, weights)["t2m"].isel(region=0).values
    units = str(t2m.attrs.get("units", ""))
    return o3, t2m_daily_max(hourly, t2m["time"].values, units, dates)
