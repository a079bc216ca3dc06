"""``lantian observations``: import station data and electricity use; observed daily AQI."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from api.commands._args import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "observations",
        help="import monitoring-station data and electricity use; observed daily AQI",
        description="The observation store (SQLite): station list, hourly values, electricity use.",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = sub.add_parser(
        "import",
        help="import CSV files atomically (a file with a bad row imports nothing)",
        description=(
            "Import a station list (station_code,name,city_code,lon,lat), hourly values "
            "(station_code,time,pm25,pm10,o3,no2,so2,co; time in CST) and hourly electricity use "
            "(credit_code,meter_id,line_id,time,kwh; CST). Empty or marked values (NA, -, —) "
            "and negative concentrations are invalid hours; any other bad row is named and "
            "nothing is imported."
        ),
    )
    imp.add_argument("--db", type=Path, required=True, help="observation SQLite file")
    imp.add_argument("--stations", type=Path, default=None, help="station list CSV")
    imp.add_argument("--hourly", type=Path, default=None, help="hourly station values CSV")
    imp.add_argument("--electricity", type=Path, default=None, help="hourly electricity use CSV")
    imp.add_argument(
        "--hour-label",
        choices=("end", "start"),
        default=None,
        help="an hourly stamp ends its hour (national network, default) or starts it",
    )
    imp.set_defaults(handler=run_import)

    daily = sub.add_parser(
        "daily",
        help="observed daily statistics and AQI per city (or per station)",
        description=(
            "Daily values by the official method: the hourly mean of a city's stations, then "
            "the CST daily statistics (≥ 20 valid hours; MDA8), then the AQI."
        ),
    )
    daily.add_argument("--db", type=Path, required=True, help="observation SQLite file")
    daily.add_argument("--from", dest="first", type=iso_date, required=True, help="first CST day")
    daily.add_argument("--to", dest="last", type=iso_date, required=True, help="last CST day")
    daily.add_argument("--city", action="append", default=None, help="city code (repeatable)")
    daily.add_argument("--stations", action="store_true", help="per station, not per city")
    daily.add_argument("--format", choices=("json", "csv"), default="csv")
    daily.set_defaults(handler=run_daily)


def run_import(args: argparse.Namespace) -> int:
    from observations import ObservationStore

    store = ObservationStore(args.db)
    summary = store.import_csv(
        stations=args.stations,
        hourly=args.hourly,
        electricity=args.electricity,
        hour_label=args.hour_label,
    )
    print(
        f"imported into {args.db}: {summary.stations} stations, {summary.hourly_rows} "
        f"station-hours ({summary.invalid_values} values invalid or missing, "
        f"{summary.negative_values} negative set invalid), {summary.electricity_rows} "
        "meter-hours"
    )
    return 0


def run_daily(args: argparse.Namespace) -> int:
    from engine.errors import NotFoundError
    from observations import ObservationStore, city_daily, observed_rows, station_daily

    if not args.db.is_file():
        raise NotFoundError(
            f"{args.db}: no observation store; create it with `lantian observations import`"
        )
    store = ObservationStore(args.db)
    compute = station_daily if args.stations else city_daily
    result = compute(store, args.first, args.last, cities=args.city)
    records = observed_rows(result)
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else ["region"])
    writer.writeheader()
    writer.writerows(records)
    return 0
