"""The inputs of ``lantian levels`` for the commands that draw or write from the same responses
(``lantian map``, ``chart``, ``notice``): forecast, regions, date, rule set, mode and options.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from api.commands._args import iso_date, tomorrow_cst

if TYPE_CHECKING:
    from engine.response import Response
    from grids import RegionSet

__all__ = ["Computed", "add_response_arguments", "compute_responses"]


def add_response_arguments(parser: argparse.ArgumentParser) -> None:
    """``--forecast``, ``--regions``, ``--date``, ``--rules``, ``--mode`` and the options of
    ``lantian levels``, with the same meanings and defaults."""
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


@dataclasses.dataclass(frozen=True)
class Computed:
    """Responses of the regions asked, and the whole region set read."""

    day: dt.date
    responses: list[Response]
    regions: RegionSet


def compute_responses(args: argparse.Namespace, codes: list[str] | None = None) -> Computed:
    """Responses of ``codes`` (every region if None) from the arguments, as ``lantian levels``
    computes them: a one-off computation, no decision store, no episodes."""
    # Heavy imports here: numba kernels compile or load from cache on import.
    from api.commands._pipeline import defer_dask_array
    from api.preparation import prepare, read_overrides
    from engine.levels import get_rule_set, rule_set_for
    from engine.policy import decision_defaults
    from engine.response import RegionRef, respond

    defer_dask_array()  # before the first xarray variable is built

    defaults = decision_defaults()
    threshold = defaults.ensemble_threshold
    if args.ensemble_threshold is not None:
        threshold = args.ensemble_threshold
    min_valid = defaults.min_valid_fraction
    if args.min_valid_fraction is not None:
        min_valid = args.min_valid_fraction
    if not 0 < threshold <= 1:
        raise ValueError(f"--ensemble-threshold {threshold} is not in (0, 1]")
    if not 0 <= min_valid <= 1:
        raise ValueError(f"--min-valid-fraction {min_valid} is not in [0, 1]")
    overrides = read_overrides(args.overrides)
    day = args.date or tomorrow_cst()
    rules = get_rule_set(args.rules) if args.rules else rule_set_for(day)
    forecast, regions, daily = prepare(args.forecast, args.regions, standard=args.standard)
    chosen = [regions.get(c) for c in codes] if codes else list(regions)
    responses = respond(
        daily,
        [RegionRef(r.code, r.name, r.parent) for r in chosen],
        day,
        forecast.identity(),
        rules,
        mode=args.mode,
        pre_alert=args.pre_alert,
        overrides=overrides.get(rules.id),
        ensemble_threshold=threshold,
        min_valid_fraction=min_valid,
    )
    return Computed(day, responses, regions)
