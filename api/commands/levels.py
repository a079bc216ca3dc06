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
    parser.add_argument("--overrides", default=None, help="TOML file of stricter regional rules")
    parser.add_argument(
        "--standard", default=None, help="AQI standard id for every day (default: in force)"
    )
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Heavy imports here: numba kernels compile or load from cache on import.
    from api.schemas import Response
    from api.service import prepare, read_overrides
    from engine.levels import get_rule_set, rule_set_for
    from engine.policy import decision_defaults
    from engine.response import RegionRef, respond

    defaults = decision_defaults()
    threshold = _or(args.ensemble_threshold, defaults.ensemble_threshold)
    min_valid = _or(args.min_valid_fraction, defaults.min_valid_fraction)
    if not 0 < threshold <= 1:
        raise ValueError(f"--ensemble-threshold {threshold} is not in (0, 1]")
    if not 0 <= min_valid <= 1:
        raise ValueError(f"--min-valid-fraction {min_valid} is not in [0, 1]")
    overrides = read_overrides(args.overrides)
    day = args.date or tomorrow_cst()
    rules = get_rule_set(args.rules) if args.rules else rule_set_for(day)
    forecast, regions, daily = prepare(args.forecast, args.regions, standard=args.standard)
    responses = respond(
        daily,
        [RegionRef(r.code, r.name, r.parent) for r in regions],
        day,
        forecast.identity(),
        rules,
        mode=args.mode,
        pre_alert=args.pre_alert,
        overrides=overrides.get(rules.id),
        ensemble_threshold=threshold,
        min_valid_fraction=min_valid,
    )
    records = [
        Response.model_validate(r, from_attributes=True).model_dump(mode="json") for r in responses
    ]
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(_table(records))
    return 0


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _table(responses: list[dict]) -> str:
    header = f"{'code':<8} {'name':<10} {'level':<9} {'regime':<6} {'rules':<9} daily AQI from date"
    ensemble = any(r.get("probabilities") is not None for r in responses)
    lines = [header, "-" * len(header)]
    for r in responses:
        aqi = " ".join(
            f"{d['aqi']:>3}{'*' if 'o3' in d['primary_pollutants'] else ' '}" for d in r["days"]
        )
        probabilities = ""
        if ensemble:
            p = r["probabilities"]
            probabilities = "  P(y/o/r) " + "/".join(
                f"{p.get(k, 0):.2f}" for k in ("yellow", "orange", "red")
            )
        lines.append(
            f"{r['region']['code']:<8} {r['region']['name']:<10} {r['level']:<9} "
            f"{r['regime']:<6} {r['rule_set']:<9} {aqi}{probabilities}"
        )
    lines.append("(* O3 is a primary pollutant that day)")
    return "\n".join(lines)
