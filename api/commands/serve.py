"""``lantian serve``: the HTTP service."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from api.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = Settings()
    parser = subparsers.add_parser(
        "serve",
        help="start the HTTP service",
        description="Serve response levels over HTTP (options override LANTIAN_* variables).",
    )
    parser.add_argument("--forecast", type=Path, default=defaults.forecast)
    parser.add_argument("--regions", default=defaults.regions)
    parser.add_argument("--db", type=Path, default=defaults.db, help="decision store (SQLite)")
    parser.add_argument("--registry", type=Path, default=defaults.registry)
    parser.add_argument(
        "--catalogue",
        type=Path,
        action="append",
        default=list(defaults.catalogue),
        help="regional measure catalogue TOML layered over the packaged one (repeatable)",
    )
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--mode", choices=("natural", "rolling"), default=defaults.mode)
    parser.add_argument(
        "--pre-alert",
        action=argparse.BooleanOptionalAction,
        default=defaults.pre_alert,
        help="use the local pre-alert tier (临时管控)",
    )
    parser.add_argument("--rule-overrides", type=Path, default=defaults.rule_overrides)
    parser.add_argument(
        "--linkage-share",
        type=float,
        default=defaults.linkage_share,
        help="share of a key region's cities at a level that links all of them (default: off)",
    )
    parser.add_argument("--ensemble-threshold", type=float, default=defaults.ensemble_threshold)
    parser.add_argument("--min-valid-fraction", type=float, default=defaults.min_valid_fraction)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    try:
        settings = Settings(
            forecast=args.forecast,
            regions=args.regions,
            db=args.db,
            registry=args.registry,
            catalogue=args.catalogue,
            host=args.host,
            port=args.port,
            mode=args.mode,
            pre_alert=args.pre_alert,
            rule_overrides=args.rule_overrides,
            linkage_share=args.linkage_share,
            ensemble_threshold=args.ensemble_threshold,
            min_valid_fraction=args.min_valid_fraction,
        )
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise ValueError(f"invalid option: {problems}") from None
    app = create_app(settings)
    base = f"http://{settings.host}:{settings.port}"
    service = app.state.service
    print(f"Lantian serving {service.forecast.id} for {len(service.regions)} regions")
    print(f"API: {base}/v1/response   interactive API docs: {base}/docs")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0
