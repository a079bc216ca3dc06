"""``lantian levels``: response levels of every region for a date, from a forecast file."""

from __future__ import annotations

import argparse

from api.cluster import add_cluster_arguments, cluster_settings, open_cluster
from api.commands._inputs import add_response_arguments
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
    add_response_arguments(parser)
    add_output_arguments(parser, LEVEL_FORMATS)
    add_cluster_arguments(parser)
    parser.set_defaults(handler=run, one_off=in_memory)


def in_memory(args: argparse.Namespace) -> bool:
    """Whether this run is a one-off computation in this process (no dask cluster; api.cli)."""
    return args.cluster_workers is None and args.cluster_scheduler is None  # checked in run


def run(args: argparse.Namespace) -> int:
    fmt = chosen_format(args.format, args.output, LEVEL_FORMATS)
    cluster = cluster_settings(args)
    with open_cluster(cluster):
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
            chunks=cluster.chunks(),
        )
    from api.formats import region_geometries, render_levels

    geometries = region_geometries(regions) if fmt == "geojson" else None
    rendered = render_levels(records, fmt, geometries=geometries, bom=args.bom, language=args.lang)
    write_output(rendered.content, fmt, args.output)
    return 0
