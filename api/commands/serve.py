"""``lantian serve``: the HTTP service."""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.cluster import add_cluster_arguments, cluster_settings, open_cluster
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
        "--observations",
        type=Path,
        default=defaults.observations,
        help="station observations and electricity use (SQLite; lantian observations import)",
    )
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
    parser.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help="worker processes, all on the one SQLite store (default 1)",
    )
    parser.add_argument(
        "--reads-need-key",
        action=argparse.BooleanOptionalAction,
        default=defaults.reads_need_key,
        help="require an API key for reads too (default: reads are anonymous)",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=defaults.rate_limit,
        help="requests per second per API key and worker (0: no limit)",
    )
    parser.add_argument("--timeout-keep-alive", type=int, default=defaults.timeout_keep_alive)
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=defaults.header_timeout,
        help="seconds a client has to send a request's headers",
    )
    parser.add_argument(
        "--reload-poll",
        type=float,
        default=defaults.reload_poll,
        help="seconds between looks for a new forecast file (0: reload only on SIGHUP)",
    )
    # --dask-workers: ``--workers`` already counts the HTTP processes here
    add_cluster_arguments(parser, workers_flag="--dask-workers")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve; with ``--dask-workers N`` or ``--scheduler ADDRESS`` every HTTP process reads
    the forecast in chunks on that cluster (a local one lives as long as the service)."""
    cluster = cluster_settings(args)
    with open_cluster(cluster) as client:
        scheduler = client.scheduler.address if client is not None else None
        return _serve(args, scheduler, cluster.chunk_hours)


def _serve(args: argparse.Namespace, dask_scheduler: str | None, chunk_hours: int) -> int:
    import uvicorn

    from api.app import create_app
    from api.service import Service
    from api.slow_headers import SlowHeaderGuard
    from api.store import DecisionStore

    try:
        settings = Settings(
            forecast=args.forecast,
            regions=args.regions,
            db=args.db,
            registry=args.registry,
            observations=args.observations,
            catalogue=args.catalogue,
            host=args.host,
            port=args.port,
            mode=args.mode,
            pre_alert=args.pre_alert,
            rule_overrides=args.rule_overrides,
            linkage_share=args.linkage_share,
            ensemble_threshold=args.ensemble_threshold,
            min_valid_fraction=args.min_valid_fraction,
            workers=args.workers,
            reads_need_key=args.reads_need_key,
            rate_limit=args.rate_limit,
            timeout_keep_alive=args.timeout_keep_alive,
            header_timeout=args.header_timeout,
            reload_poll=args.reload_poll,
            dask_scheduler=dask_scheduler,
            chunk_hours=chunk_hours,
        )
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise ValueError(f"invalid option: {problems}") from None
    SlowHeaderGuard.header_timeout = settings.header_timeout
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "timeout_keep_alive": settings.timeout_keep_alive,
        "http": SlowHeaderGuard,
    }
    base = f"http://{settings.host}:{settings.port}"
    if settings.workers > 1:
        DecisionStore(settings.db)  # a store that cannot be written fails here, in one line
        _export(settings)
        print(f"Lantian: {settings.workers} workers on {settings.db.name}")
        print(f"API: {base}/v1/response   interactive API docs: {base}/docs")
        uvicorn.run("api.app:app_from_env", factory=True, workers=settings.workers, **options)
        return 0
    # Every date's and mode's responses are computed once the port is open, not before:
    # until then a request computes the ones it needs (docs/service.md).
    service = Service.load(settings, warm=False)
    app = create_app(settings, service=service)
    print(f"Lantian serving {service.forecast.id} for {len(service.regions)} regions")
    print(f"API: {base}/v1/response   interactive API docs: {base}/docs")
    server = uvicorn.Server(uvicorn.Config(app, **options))

    def warm_when_serving() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            service.warm()

    threading.Thread(target=warm_when_serving, name="lantian-warm", daemon=True).start()
    server.run()
    return 0


def _export(settings: Settings) -> None:
    """Put ``settings`` in ``LANTIAN_*`` variables, read again by every worker process."""
    for name, value in settings.model_dump(mode="json").items():
        variable = f"LANTIAN_{name.upper()}"
        if value is None:
            os.environ.pop(variable, None)
        elif isinstance(value, list | dict | bool):
            os.environ[variable] = json.dumps(value)
        else:
            os.environ[variable] = str(value)
