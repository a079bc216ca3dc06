"""The service's state: one forecast, one region set, their weights, the decision store.

Loaded once at start (:meth:`Service.load`), which also warms every numba kernel, so requests
only look up precomputed regional daily values, classify and record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from api.settings import Settings
from api.store import DecisionStore
from engine.pipeline import RegionalDaily, build_response, covered_dates, regional_daily
from forecasts.reader import Forecast, read_forecast
from grids import RegionSet, RegularGrid, coverage_weights, load_regions

__all__ = ["Service", "prepare"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Service:
    """Everything a request needs, computed once."""

    settings: Settings
    forecast: Forecast
    regions: RegionSet
    daily: RegionalDaily
    store: DecisionStore

    @classmethod
    def load(cls, settings: Settings) -> Service:
        """Read the forecast and regions of ``settings`` and precompute regional daily AQI."""
        cache = Path(settings.db).parent / "weights-cache"
        forecast, regions, daily = prepare(settings.forecast, settings.regions, cache_dir=cache)
        first, last = covered_dates(daily)
        log.info(
            "serving forecast %s (%s to %s) for %d regions", forecast.id, first, last, len(regions)
        )
        return cls(settings, forecast, regions, daily, DecisionStore(settings.db))

    def region_info(self, code: str) -> dict[str, Any]:
        """``{"code", "name", "kind", "parent"}`` of a region; NotFoundError if unknown."""
        region = self.regions.get(code)
        return {"code": region.code, "name": region.name, "kind": region.kind, "parent": region.parent}

    def coverage(self) -> tuple[dt.date, dt.date]:
        """First and last CST date the served forecast has daily values for."""
        return covered_dates(self.daily)

    def response(self, code: str, day: dt.date, *, rule_set: str | None = None) -> dict[str, Any]:
        """The response of region ``code`` from ``day`` on, recorded in the decision store."""
        return self.responses([code], day, rule_set=rule_set)[0]

    def responses(
        self, codes: list[str] | None, day: dt.date, *, rule_set: str | None = None
    ) -> list[dict[str, Any]]:
        """Responses of regions ``codes`` (all if None), recorded in one transaction."""
        regions = [self.regions.get(c) for c in codes] if codes else list(self.regions)
        results = [
            build_response(
                self.daily,
                {"code": r.code, "name": r.name},
                day,
                self.forecast.identity(),
                rule_set=rule_set,
            )
            for r in regions
        ]
        self.store.record(results)
        return results


def prepare(
    forecast_path: str | Path,
    regions_spec: str | Path,
    *,
    cache_dir: Path | None = None,
    standard: str | None = None,
) -> tuple[Forecast, RegionSet, RegionalDaily]:
    """Read a forecast and a region set and compute the regional daily statistics and AQI.

    ``standard`` forces one AQI standard id for every day (default: the one in force on each
    day); ``cache_dir`` keeps the coverage weights between runs.
    """
    forecast = read_forecast(forecast_path)
    regions = load_regions(regions_spec)
    grid = RegularGrid.from_dataset(forecast.data)
    weights = coverage_weights(regions, grid, cache_dir=cache_dir)
    return forecast, regions, regional_daily(forecast.data, weights, standard=standard)
