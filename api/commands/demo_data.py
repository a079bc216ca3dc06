"""``lantian demo-data``: write the demonstration data set."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from api._progress import status
from api.commands._args import iso_date
from engine.cst import CST, today_cst, tomorrow_cst
from forecasts.reader import read_forecast
from forecasts.synthetic import demo_regions, synthetic_forecast

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="write the demo forecast and regions",
        description=(
            "Write DIR/forecast.nc (synthetic hourly PM2.5/O3 and weather, UTC, from 00:00 CST "
            "of DATE), DIR/regions.geojson, the synthetic registry DIR/registry.sqlite, the "
            "base emission inventory DIR/emissions.nc and a demonstration peak shift "
            "DIR/change_peak_shift.nc, deterministically from SEED."
        ),
    )
    parser.add_argument("directory", type=Path, help="output folder (created if absent)")
    parser.add_argument(
        "--date", type=iso_date, default=None, help="first CST day (default: today in CST)"
    )
    parser.add_argument("--days", type=int, default=9, help="whole CST days covered (≥ 7)")
    parser.add_argument("--seed", type=int, default=20261130, help="random seed")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="do nothing if the existing forecast still covers tomorrow (CST) entirely",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.days < 7:
        raise ValueError(f"--days {args.days}: the demo covers at least 7 days")
    directory: Path = args.directory
    forecast_path = directory / "forecast.nc"
    regions_path = directory / "regions.geojson"
    have_all = all(
        (directory / name).is_file()
        for name in (
            "regions.geojson",
            "registry.sqlite",
            "observations.sqlite",
            "emissions.nc",
            "change_peak_shift.nc",
        )
    )
    if args.if_stale and _covers_tomorrow(forecast_path) and have_all:
        print(f"demo data in {directory} still covers tomorrow; kept")
        return 0
    directory.mkdir(parents=True, exist_ok=True)
    start = args.date or today_cst()
    status("generating the synthetic forecast …")
    data = synthetic_forecast(start, days=args.days, seed=args.seed)
    # netCDF compression releases the GIL: each file is written in a thread while work that
    # touches no netCDF file goes on (the registry; the loop once it has read the forecast)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-data-write") as writer:
        status(f"writing {forecast_path.name} …")
        forecast_written = writer.submit(_write, data, forecast_path)
        regions_path.write_text(json.dumps(demo_regions(), ensure_ascii=False, indent=1), "utf-8")
        from registry import import_synthetic  # synthetic enterprise registry of the demo

        status("writing the synthetic enterprise registry …")
        _, counts = import_synthetic(directory, regions_path, seed=args.seed)
        forecast_written.result()
        _say(f"wrote {forecast_path} ({data.attrs['forecast_id']}, {args.days} days from {start})")
        _say(f"wrote {regions_path}")
        _say(f"wrote {directory / 'registry.sqlite'} ({counts.enterprises} synthetic enterprises)")

        from forecasts.synthetic_emissions import demo_change, point_sources, synthetic_emissions
        from registry import RegistryStore

        sources = point_sources(RegistryStore(directory / "registry.sqlite").load(None, start))
        emissions = synthetic_emissions(data, sources)
        change = demo_change(data, sources)
        emission_paths = directory / "emissions.nc", directory / "change_peak_shift.nc"
        written: list[Future] = []

        def write_emissions() -> None:  # once the loop has read forecast.nc
            for dataset, path in zip((emissions, change), emission_paths, strict=True):
                written.append(writer.submit(_write, dataset, path))

        from api.demo_loop import write_loop_data  # observations, decisions, electricity use

        status("writing decisions, observations and electricity use …")
        lines = write_loop_data(directory, seed=args.seed, forecast_read=write_emissions)
        if not written:
            write_emissions()
        for future in written:
            future.result()
    for line in lines:
        _say(line)
    _say(f"wrote {emission_paths[0]} (hourly VOC and NOx by sector, kg h-1 per cell)")
    _say(
        f"wrote {emission_paths[1]} (demonstration peak shift: "
        f"{int(sources.shiftable.sum())} coating, printing and furniture lines, 09:00-18:00 CST)"
    )
    return 0


def _say(line: str) -> None:
    status("")  # the status line of a terminal goes before the line is printed
    print(line, flush=True)


def _write(data: xr.Dataset, path: Path) -> None:
    """Write a dataset atomically (temporary file, then rename), compressed, time in hours."""
    encoding: dict[str, dict[str, Any]] = {
        # level 1 with byte shuffling: half the time of level 4 for 1 % more bytes
        str(v): {"zlib": True, "complevel": 1, "shuffle": True}
        for v in data.data_vars
    }
    encoding["time"] = {"units": "hours since 1970-01-01 00:00:00", "dtype": "int64"}
    tmp = path.with_suffix(".nc.tmp")
    data.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    tmp.replace(path)


def _covers_tomorrow(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        forecast = read_forecast(path)
    except ValueError as error:
        log.warning("existing demo forecast is unusable, rewriting it: %s", error)
        return False
    midnight = dt.datetime.combine(tomorrow_cst(), dt.time(), CST).astimezone(dt.UTC)
    first_hour = np.datetime64(midnight.replace(tzinfo=None), "ns")  # 00:00 CST, in UTC
    return bool(
        forecast.start <= first_hour and forecast.end >= first_hour + np.timedelta64(23, "h")
    )
