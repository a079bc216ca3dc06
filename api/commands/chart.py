"""``lantian chart``: a PNG chart of a region's daily AQI, PM2.5 and O3 MDA8."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._inputs import add_response_arguments, compute_responses


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chart",
        help="PNG chart of a region's daily AQI, PM2.5 and O3 MDA8",
        description=(
            "Compute the response of one region from DATE on (as `lantian levels`) and draw "
            "its daily AQI with the red level's thresholds (200 and 300 under MEE-2024) and "
            "its daily PM2.5 and O3 MDA8."
        ),
    )
    parser.add_argument("--region", required=True, help="region code, e.g. 130100")
    add_response_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.pictures import draw_chart

    computed = compute_responses(args, [args.region])
    response = computed.responses[0]
    draw_chart(response, args.out)
    print(f"wrote {args.out} ({response.region.code} {response.region.name}, {response.level})")
    return 0
