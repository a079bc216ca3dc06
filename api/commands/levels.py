"""``lantian levels``: response levels of every region for a date, from a forecast file."""

from __future__ import annotations

import argparse
import json

from api.commands._args import iso_date, tomorrow_cst


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "levels",
        help="response levels of every region for a date",
        description="Compute the response level of every region from DATE on.",
    )
    parser.add_argument("--forecast", required=True, help="forecast netCDF file")
    parser.add_argument("--regions", required=True, help="regions GeoJSON (or builtin:NAME)")
    parser.add_argument(
        "--date", type=iso_date, default=None, help="first CST day (YYYY-MM-DD); default tomorrow"
    )
    parser.add_argument("--rules", default=None, help="alert rule set id (default: in force)")
    parser.add_argument(
        "--standard", default=None, help="AQI standard id for every day (default: in force)"
    )
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.service import prepare  # heavy: numba kernels compile or load on import
    from engine.pipeline import build_response

    forecast, regions, daily = prepare(args.forecast, args.regions, standard=args.standard)
    day = args.date or tomorrow_cst()
    responses = [
        build_response(
            daily, {"code": r.code, "name": r.name}, day, forecast.identity(), rule_set=args.rules
        )
        for r in regions
    ]
    if args.format == "json":
        print(json.dumps(responses, ensure_ascii=False, indent=2))
    else:
        print(_table(responses))
    return 0


def _table(responses: list[dict]) -> str:
    header = f"{'code':<8} {'name':<10} {'level':<9} {'regime':<6} {'rules':<9} daily AQI from date"
    lines = [header, "-" * len(header)]
    for r in responses:
        aqi = " ".join(f"{d['aqi']:>3}{'*' if 'o3' in d['primary_pollutants'] else ' '}" for d in r["days"])
        lines.append(
            f"{r['region']['code']:<8} {r['region']['name']:<10} {r['level']:<9} "
            f"{r['regime']:<6} {r['rule_set']:<9} {aqi}"
        )
    lines.append("(* O3 is a primary pollutant that day)")
    return "\n".join(lines)
