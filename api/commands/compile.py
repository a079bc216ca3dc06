"""``lantian compile``: compile the numba kernels into the cache ahead of their first use."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

SERVICE_KERNELS = (
    "grids._rasterise",
    "engine.kernels.aggregate",
    "engine.kernels.daily",
    "engine.kernels.aqi",
    "engine.kernels.levels",
    "engine.kernels.measures",
)
"""Kernel modules of ``lantian serve`` and ``lantian demo-data``, in the order they first use
them (coverage weights, regional means, daily statistics, AQI, levels, measures)."""
OTHER_KERNELS = ("engine.kernels.ozone", "engine.kernels.verify", "engine.kernels.photochem")
"""The kernels of scenarios, ozone programmes and verification, compiled by ``--all``."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compile",
        help="compile the numba kernels into the cache ahead of their first use",
        description=(
            "Compile (or load, when already cached) the numba kernels that the service and "
            "lantian levels use — with --all, every kernel, scenarios' too — into the kernel "
            "cache (LANTIAN_CACHE_DIR, else the user's cache directory), with a progress bar on "
            "a terminal. Each kernel otherwise compiles on its first use; later runs load it."
        ),
    )
    parser.add_argument("--all", action="store_true", help="every kernel, not the service's")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api._progress import bar, status

    started = time.perf_counter()
    for module in SERVICE_KERNELS + (OTHER_KERNELS if args.all else ()):
        importlib.import_module(module)
    from engine.kernels._compile import compile_all, kernel_cache_dir

    def progress(done: int, total: int, kernel: str) -> None:
        status(f"compiling kernels {bar(done, total)} {kernel}")

    compiled = compile_all(progress)
    status("")
    print(
        f"{compiled} kernel signatures compiled, the others loaded, in "
        f"{time.perf_counter() - started:.1f} s; cache {kernel_cache_dir()}",
        file=sys.stderr,
    )
    return 0
