"""``lantian plan``: the measures of every enterprise of a region at a level (一厂一策)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.commands._args import LEVELS, iso_date, tomorrow_cst
from api.commands._pipeline import add_output_arguments, chosen_format, write_output
from engine.errors import NotFoundError, PolicyError

PLAN_FORMATS = ("table", "json", "csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="measures per enterprise and line, and the reductions they add up to",
        description=(
            "Select every enterprise's measures in a region at a response level (own plan, "
            "else catalogue by industry × grade × level × season, else grade fallback) and "
            "account the reductions against the region's baseline. Without --level, the level "
            "is computed from --forecast and --regions."
        ),
    )
    parser.add_argument("--db", type=Path, required=True, help="registry SQLite file")
    parser.add_argument("--region", required=True, help="region code, e.g. 130100")
    parser.add_argument(
        "--date", type=iso_date, default=None, help="CST day (YYYY-MM-DD); default tomorrow"
    )
    parser.add_argument("--level", choices=LEVELS, default=None, help="response level")
    parser.add_argument(
        "--regions",
        default=None,
        help="regions GeoJSON: region names and hierarchy (and the level)",
    )
    parser.add_argument("--forecast", default=None, help="forecast netCDF to compute the level")
    parser.add_argument(
        "--catalogue",
        type=Path,
        action="append",
        default=[],
        help="regional catalogue TOML layered over the packaged one (repeatable)",
    )
    add_output_arguments(parser, PLAN_FORMATS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.measures import plan_csv
    from registry import RegistryStore, read_catalogue, region_plan

    if not args.db.is_file():
        raise NotFoundError(
            f"{args.db}: no registry file; create it with `lantian registry import`"
        )
    day = args.date or tomorrow_cst()
    region = {"code": args.region, "name": args.region}
    parents = None
    if args.regions:
        from grids import load_regions

        regions = load_regions(args.regions)
        parents = {r.code: r.parent for r in regions}
        if args.region in regions:
            region["name"] = regions.get(args.region).name
    level, regime, o3_level = args.level, None, None
    if level is None:
        if not (args.forecast and args.regions):
            raise PolicyError(
                "give --level (one of none, pre_alert, yellow, orange, red), or --forecast and "
                "--regions to compute the level"
            )
        level, regime, o3_level = _computed_level(args.forecast, args.regions, args.region, day)
    catalogue = read_catalogue(args.catalogue or [])
    document, result = region_plan(
        RegistryStore(args.db),
        region,
        day,
        level,
        parents=parents,
        catalogue=catalogue,
        regime=regime,
        o3_level=o3_level,
        language=args.lang,
    )
    fmt = chosen_format(args.format, args.output, PLAN_FORMATS)
    if fmt == "json":
        content = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif fmt == "csv":
        from api.formats import csv_bytes

        content = csv_bytes(plan_csv(result, language=args.lang), bom=args.bom)
    else:
        from api.formats import plan_table

        content = plan_table(document).encode("utf-8")
    write_output(content, fmt, args.output)
    return 0


def _computed_level(
    forecast: str, regions: str, code: str, day
) -> tuple[str, str | None, str | None]:
    """Level, regime and (in the O3 regime) the level O3 alone would give, of ``code`` on
    ``day`` from the forecast alone (as ``lantian levels`` and the plan route)."""
    from api.commands._pipeline import compute_responses

    records, region_set, _ = compute_responses(forecast, regions, day)
    if code not in region_set:
        region_set.get(code)  # NotFoundError naming the known codes
    record = next(r for r in records if r["region"]["code"] == code)
    o3_level = None
    if record["regime"] == "o3":
        import datetime as dt

        from engine.levels import get_rule_set
        from engine.ozone import o3_alone_level
        from engine.regional import DayValues

        days = [
            DayValues(
                dt.date.fromisoformat(d["date"]),
                d["pm25_24h"],
                d["o3_mda8"],
                d["aqi"],
                d["category"],
                tuple(d["primary_pollutants"]),
            )
            for d in record["days"]
        ]
        o3_level = o3_alone_level(days, get_rule_set(record["rule_set"]))
    return record["level"], record["regime"], o3_level
