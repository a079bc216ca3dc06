"""What ``levels`` and ``plan`` share: the forecast-to-responses pipeline with progress on
stderr (``-v``), the user's weights cache, the choice of an output format and its writing."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from engine.errors import LantianError

__all__ = [
    "SUFFIX_FORMATS",
    "add_output_arguments",
    "chosen_format",
    "compute_responses",
    "defer_dask_array",
    "weights_cache_dir",
    "write_output",
]

log = logging.getLogger("lantian")

SUFFIX_FORMATS = {
    ".json": "json",
    ".csv": "csv",
    ".geojson": "geojson",
    ".nc": "netcdf",
    ".nc4": "netcdf",
    ".parquet": "parquet",
    ".txt": "table",
}
"""Output format implied by the suffix of ``--output`` when ``--format`` is not given."""
_BINARY = frozenset({"netcdf", "parquet"})


def add_output_arguments(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """``--format``, ``--output``/``-o``, ``--no-bom`` and ``--lang`` of a command."""
    parser.add_argument(
        "--format",
        choices=formats,
        default=None,
        help="output format (default: from the --output suffix, else table on a terminal and "
        "json when piped)",
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write here, not stdout")
    parser.add_argument(
        "--no-bom",
        dest="bom",
        action="store_false",
        help="CSV without the UTF-8 byte-order mark (kept by default for Excel)",
    )
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of reasons in tables"
    )


def chosen_format(fmt: str | None, output: Path | None, formats: Sequence[str]) -> str:
    """``--format`` if given, else the one ``--output``'s suffix names, else by the terminal.

    ``table`` when stdout is a terminal, ``json`` when it is a pipe or a file, so scripts that
    read the JSON keep working.
    """
    if fmt is not None:
        return fmt
    if output is not None:
        implied = SUFFIX_FORMATS.get(output.suffix.lower())
        if implied is not None and implied in formats:
            return implied
    return "table" if sys.stdout.isatty() else "json"


def write_output(content: bytes, fmt: str, output: Path | None) -> None:
    """Write ``content`` to ``output``, or to stdout (binary formats only when not a terminal)."""
    if output is not None:
        output.write_bytes(content)
        log.info("wrote %s (%s, %d bytes)", output, fmt, len(content))
        return
    if fmt in _BINARY and sys.stdout.isatty():
        raise LantianError(f"{fmt} is binary: give --output FILE or redirect stdout to a file")
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()


def weights_cache_dir() -> Path | None:
    """``<cache>/weights`` (see :func:`engine.kernels._compile.cache_home`); None if unusable.

    Coverage weights of a region set on a grid take seconds to build and are the same for
    every forecast of a model: the command line keeps them between runs.
    """
    from engine.kernels._compile import cache_home

    path = cache_home() / "weights"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("coverage weights are not cached (%s: %s)", path, error)
        return None
    return path


def compute_responses(
    forecast_path: str | Path,
    regions_spec: str,
    day: dt.date | None,
    *,
    rules: str | None = None,
    mode: str = "natural",
    pre_alert: bool = False,
    overrides_path: Path | None = None,
    standard: str | None = None,
    ensemble_threshold: float | None = None,
    min_valid_fraction: float | None = None,
    chunks: dict[str, int] | None = None,
) -> tuple[list[dict[str, Any]], Any, dt.date]:
    """Responses of every region from ``day`` (default tomorrow, CST), as JSON records.

    Returns the records (``api.schemas.Response`` dumps), the region set and the day. The
    forecast alone decides: no decision store, no episode (a one-off computation). ``chunks``
    reads the forecast lazily in chunks (``read_forecast(..., chunks=)``; on the dask cluster
    a command opened, docs/distributed.md).
    """
    started = time.perf_counter()
    from api.commands._args import tomorrow_cst
    from api.preparation import read_overrides
    from api.schemas import Response
    from engine.levels import get_rule_set, rule_set_for
    from engine.policy import decision_defaults
    from engine.regional import regional_daily
    from engine.response import RegionRef, respond
    from forecasts.reader import read_forecast
    from grids import coverage_weights, grid_from_dataset, load_regions

    defer_dask_array()
    log.info("modules ready in %.1f s", time.perf_counter() - started)
    defaults = decision_defaults()
    threshold = defaults.ensemble_threshold if ensemble_threshold is None else ensemble_threshold
    min_valid = defaults.min_valid_fraction if min_valid_fraction is None else min_valid_fraction
    if not 0 < threshold <= 1:
        raise ValueError(f"--ensemble-threshold {threshold} is not in (0, 1]")
    if not 0 <= min_valid <= 1:
        raise ValueError(f"--min-valid-fraction {min_valid} is not in [0, 1]")
    overrides = read_overrides(overrides_path)
    day = day or tomorrow_cst()
    rule_set = get_rule_set(rules) if rules else rule_set_for(day)

    with _step(f"reading forecast {forecast_path}"):
        forecast = read_forecast(forecast_path, chunks=chunks)
    with _step(f"loading regions {regions_spec}"):
        regions = load_regions(regions_spec)
    cache = weights_cache_dir()
    grid = grid_from_dataset(forecast.data)
    with _step(f"coverage weights of {len(regions)} regions (cache {cache})"):
        weights = coverage_weights(regions, grid, cache_dir=cache)
    with _step("regional daily AQI"):
        daily = regional_daily(forecast.data, weights, standard=standard)
    with _step(f"levels on {day} under {rule_set.id}"):
        responses = respond(
            daily,
            [RegionRef(r.code, r.name, r.parent) for r in regions],
            day,
            forecast.identity(),
            rule_set,
            mode=mode,
            pre_alert=pre_alert,
            overrides=overrides.get(rule_set.id),
            ensemble_threshold=threshold,
            min_valid_fraction=min_valid,
        )
    records = [
        Response.model_validate(r, from_attributes=True).model_dump(mode="json") for r in responses
    ]
    return records, regions, day


class _DaskArrayOnceImported(type):
    """``isinstance(x, cls)``: whether ``x`` is a ``dask.array.Array`` — False while
    ``dask.array`` is not imported, since no dask array can exist before."""

    def __instancecheck__(cls, obj: object) -> bool:
        module = sys.modules.get("dask.array")
        return module is not None and isinstance(obj, module.Array)

    def __subclasscheck__(cls, sub: type) -> bool:
        module = sys.modules.get("dask.array")
        return module is not None and issubclass(sub, module.Array)


class _DaskArray(metaclass=_DaskArrayOnceImported):
    pass


class _LazyDask:
    """xarray's record of the dask module (``xarray.namedarray.pycompat.DuckArrayModule``)
    that imports nothing until a version is asked for."""

    available = True
    type = (_DaskArray,)

    @property
    def module(self) -> Any:
        import dask

        return dask

    @property
    def version(self) -> Any:
        from packaging.version import Version

        return Version(self.module.__version__)


def defer_dask_array() -> None:
    """Keep xarray from importing dask (and with it jinja2 and scipy.fftpack) for nothing.

    When dask is installed, xarray imports it the first time it builds a variable
    (``DuckArrayModule("dask")`` imports ``dask.array`` for its array type) or asks whether an
    array is a dask collection (``dask.base``): 0.5 to 1 s of CPU in a one-off command that
    uses no dask. Neither question needs dask before dask is imported, since no dask object
    can exist before; so xarray's cached record of the dask module is filled in advance with
    a type whose ``isinstance`` looks at ``dask.array`` only once something has imported it,
    and its collection test answers False until then. Once dask is imported (``lantian levels
    --workers``, a notebook), xarray sees dask arrays as before. Does nothing if dask is
    already imported or absent, or if xarray's private layout has moved.
    """
    if "dask" in sys.modules:
        return
    try:
        from importlib.util import find_spec

        from xarray.namedarray import pycompat, utils

        cache = pycompat._cached_duck_array_modules
        collection_test = utils.is_dask_collection
        if find_spec("dask") is None or not isinstance(cache, dict) or "dask" in cache:
            return
    except (ImportError, AttributeError):
        return
    if getattr(collection_test, "_defers_dask", False):
        return

    def is_dask_collection(x: object) -> bool:
        return "dask" in sys.modules and bool(collection_test(x))

    is_dask_collection._defers_dask = True  # type: ignore[attr-defined]
    cache["dask"] = cast(Any, _LazyDask())
    utils.is_dask_collection = cast(Any, is_dask_collection)


class _step:
    """Log ``what`` on entry and its duration on exit (INFO: shown with ``lantian -v``)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        log.info("%s …", self.what)
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            log.info("%s: done in %.2f s", self.what, time.perf_counter() - self.started)
