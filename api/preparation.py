"""What the service and the commands read before they decide: the forecast's regional daily
AQI over a region set, the regional rule overrides, the key regions' members."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from engine.errors import PolicyError
from engine.levels import parse_overrides
from engine.linkage import KeyRegionMembers
from engine.regional import RegionalDaily, regional_daily
from forecasts.reader import Forecast, read_forecast
from grids import RegionSet, coverage_weights, grid_from_dataset, key_regions, load_regions

__all__ = ["key_region_members", "prepare", "read_overrides"]


def key_region_members(day: dt.date) -> dict[str, KeyRegionMembers]:
    """Key regions in force on ``day`` with their member cities and separately listed units."""
    return {
        kr.code: KeyRegionMembers(kr.code, kr.name, frozenset(kr.cities) | frozenset(kr.units))
        for kr in key_regions(day)
    }


def read_overrides(path: Path | None) -> dict[str, dict[str, tuple]]:
    """Regional overrides from a TOML file (empty without a file)."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"rule overrides file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"rule overrides file {path} is not valid TOML: {error}") from None
    return parse_overrides(data, where=str(path))


def prepare(
    forecast_path: str | Path,
    regions_spec: str | Path,
    *,
    cache_dir: Path | None = None,
    standard: str | None = None,
    chunks: dict[str, int] | None = None,
) -> tuple[Forecast, RegionSet, RegionalDaily]:
    """Read a forecast and a region set and compute the regional daily statistics and AQI.

    ``standard`` forces one AQI standard id for every day (default: the one in force on each
    day); ``cache_dir`` keeps the coverage weights between runs; ``chunks`` reads the forecast
    lazily in those chunks, its regional means computed on the active dask cluster.
    """
    forecast = read_forecast(forecast_path, chunks=chunks)
    regions = load_regions(regions_spec)
    grid = grid_from_dataset(forecast.data)
    weights = coverage_weights(regions, grid, cache_dir=cache_dir)
    return forecast, regions, regional_daily(forecast.data, weights, standard=standard)
