"""``lantian map``: a PNG map of the regions coloured by level issued or by AQI category."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._inputs import add_response_arguments, compute_responses


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "map",
        help="PNG map of the regions by level or AQI category",
        description=(
            "Compute the responses of every region from DATE on (as `lantian levels`) and draw "
            "them as a PNG map: by the level issued (yellow, orange, red) or by the AQI "
            "category of DATE (HJ 633 colours), each region's level or AQI written on it."
        ),
    )
    add_response_arguments(parser)
    parser.add_argument(
        "--by", choices=("level", "aqi"), default="level", help="colour by (default: level)"
    )
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.pictures import draw_map

    computed = compute_responses(args)
    first = computed.responses[0] if computed.responses else None
    by = "level issued" if args.by == "level" else "AQI category"
    title = f"{computed.day} — {by}"
    if first is not None:
        title += f" · {first.rule_set} · {first.aqi_standard} · forecast {first.forecast.id}"
    draw_map(computed.regions, computed.responses, args.out, by=args.by, title=title)
    print(f"wrote {args.out} ({len(computed.responses)} regions, by {args.by}, {computed.day})")
    return 0
