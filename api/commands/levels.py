"""``lantian levels``: response levels of every region for a date, from a forecast file."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._args import iso_date
from api.commands._pipeline import (
    add_output_arguments,
    chosen_format,
    compute_responses,
    write_output,
)

LEVEL_FORMATS = ("table", "json", "csv", "geojson", "netcdf", "parquet")
"""``api.formats.LEVEL_FORMATS``, spelled out so that ``--help`` imports no serialiser."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "levels",
        help="response levels of every region for a date",
        description=(
            "Compute the response level of every region from DATE on, with its reasons, as a "
            "table (on a terminal), JSON (when piped), CSV (with a UTF-8 byte-order mark unless "
            "--no-bom), GeoJSON (region polygons coloured by level), CF netCDF (regional daily "
            "values on a region dimension) or Parquet (needs the 'parquet' extra)."
        ),
    )
    parser.add_argument("--forecast", required=True, help="forecast netCDF file")
    parser.add_argument(
        "--regions",
        default="builtin:key-regions",
        help="regions GeoJSON or builtin:NAME (default builtin:key-regions; see lantian "
        "regions --list)",
    )
    parser.add_argument(
        "--date", type=iso_date, default=None, help="first CST day (YYYY-MM-DD); default tomorrow"
    )
    parser.add_argument("--rules", default=None, help="alert rule set id (default: in force)")
    parser.add_argument(
        "--mode",
        choices=("natural", "rolling"),
        default="natural",
        help="natural CST days (default) or every 24-h window across midnight",
    )
    parser.add_argument(
        "--pre-alert", action="store_true", help="use the local pre-alert tier (临时管控)"
    )
    parser.add_argument(
        "--ensemble-threshold",
        type=float,
        default=None,
        help="ensembles: issue the highest level with at least this probability "
        "(default: [decision] of engine/data/rule_sets.toml, 0.5)",
    )
    parser.add_argument(
        "--min-valid-fraction",
        type=float,
        default=None,
        help="mark a response degraded below this share of valid forecast area "
        "(default: [decision] of engine/data/rule_sets.toml, 0.75)",
    )
    parser.add_argument(
        "--overrides", type=Path, default=None, help="TOML file of stricter regional rules"
    )
    parser.add_argument(
        "--standard", default=None, help="AQI standard id for every day (default: in force)"
    )
    add_output_arguments(parser, LEVEL_FORMATS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    fmt = chosen_format(args.format, args.output, LEVEL_FORMATS)
    records, regions, _ = compute_responses(
        args.forecast,
        args.regions,
        args.date,
        rules=args.rules,
        mode=args.mode,
        pre_alert=args.pre_alert,
        overrides_path=args.overrides,
        standard=args.standard,
        ensemble_threshold=args.ensemble_threshold,
        min_valid_fraction=args.min_valid_fraction,
    )
    from api.formats import region_geometries, render_levels

    geometries = region_geometries(regions) if fmt == "geojson" else None
    rendered = render_levels(records, fmt, geometries=geometries, bom=args.bom, language=args.lang)
    write_output(rendered.content, fmt, args.output)
    return 0
