"""``lantian notice``: the alert notice (预警信息) of a region, in Chinese, as text or HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.commands._inputs import add_response_arguments, compute_responses
from engine.errors import NotFoundError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "notice",
        help="the alert notice (预警信息) of a region, in Chinese",
        description=(
            "Compute the response of one region from DATE on (as `lantian levels`) and write "
            "its alert notice: level, start time and expected duration, forecast reasons, "
            "measures in force (from the plan, with --registry) and health advice. Fields "
            "without a source are written visibly empty."
        ),
    )
    parser.add_argument("--region", required=True, help="region code, e.g. 130100")
    add_response_arguments(parser)
    parser.add_argument(
        "--registry", type=Path, default=None, help="registry SQLite file (for the measures)"
    )
    parser.add_argument(
        "--catalogue",
        type=Path,
        action="append",
        default=[],
        help="regional catalogue TOML layered over the packaged one (repeatable)",
    )
    parser.add_argument("--format", choices=("text", "html"), default="text")
    parser.add_argument("--out", "-o", type=Path, default=None, help="write here, not stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.notice_writer import write_notice
    from registry import RegistryStore, read_catalogue, region_plan

    if args.registry is not None and not args.registry.is_file():
        raise NotFoundError(
            f"{args.registry}: no registry file; create it with `lantian registry import`"
        )
    computed = compute_responses(args, [args.region])
    response = computed.responses[0]
    plan = None
    if args.registry is not None and response.level != "none":
        plan, _ = region_plan(
            RegistryStore(args.registry),
            {"code": response.region.code, "name": response.region.name},
            response.date,
            response.level,
            parents={r.code: r.parent for r in computed.regions},
            catalogue=read_catalogue(args.catalogue),
            regime=response.regime,
        )
    notice = write_notice(response, plan)
    written = notice.text if args.format == "text" else notice.html
    if args.out:
        args.out.write_text(written, "utf-8")
    else:
        sys.stdout.write(written)
    return 0
