"""The service's state: one forecast, one region set, their weights, the decision store.

Loaded once at start (:meth:`Service.load`), which also warms every numba kernel, so requests
only classify precomputed regional AQI, apply episodes and linkage from the store, and record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import tomllib
from pathlib import Path
from typing import Any

from api.settings import Settings
from api.store import DecisionStore
from engine.errors import PolicyError
from engine.levels import get_rule_set, parse_overrides, rule_set_for
from engine.linkage import KeyRegionMembers, Notice
from engine.measures import Catalogue
from engine.regional import RegionalDaily, covered_dates, regional_daily
from engine.response import RegionRef, Response, respond
from forecasts.reader import Forecast, read_forecast
from grids import RegionSet, coverage_weights, grid_from_dataset, key_regions, load_regions
from registry import read_catalogue

__all__ = ["Service", "key_region_members", "prepare", "read_overrides"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Service:
    """Everything a request needs, computed once."""

    settings: Settings
    forecast: Forecast
    regions: RegionSet
    daily: RegionalDaily
    store: DecisionStore
    overrides: dict[str, dict[str, tuple]]
    catalogue: Catalogue | None = None

    @classmethod
    def load(cls, settings: Settings) -> Service:
        """Read the forecast and regions of ``settings`` and precompute regional daily AQI."""
        cache = Path(settings.db).parent / "weights-cache"
        overrides = read_overrides(settings.rule_overrides)
        forecast, regions, daily = prepare(settings.forecast, settings.regions, cache_dir=cache)
        first, last = covered_dates(daily)
        log.info(
            "serving forecast %s (%s to %s) for %d regions", forecast.id, first, last, len(regions)
        )
        catalogue = read_catalogue(settings.catalogue)
        store = DecisionStore(settings.db)
        return cls(settings, forecast, regions, daily, store, overrides, catalogue)

    def region_info(self, code: str) -> dict[str, Any]:
        """``{"code", "name", "kind", "parent"}`` of a region; NotFoundError if unknown."""
        region = self.regions.get(code)
        return {
            "code": region.code,
            "name": region.name,
            "kind": region.kind,
            "parent": region.parent,
        }

    def coverage(self) -> tuple[dt.date, dt.date]:
        """First and last CST date the served forecast has daily values for."""
        return covered_dates(self.daily)

    def response(
        self, code: str, day: dt.date, *, rule_set: str | None = None, mode: str | None = None
    ) -> Response:
        """The response of region ``code`` from ``day`` on, recorded in the decision store."""
        return self.responses([code], day, rule_set=rule_set, mode=mode)[0]

    def responses(
        self,
        codes: list[str] | None,
        day: dt.date,
        *,
        rule_set: str | None = None,
        mode: str | None = None,
    ) -> list[Response]:
        """Responses of regions ``codes`` (all if None), recorded in one transaction.

        The level issued follows the episode in force for the region (from earlier decisions
        under the same rule set and mode) and any regional notice in force on ``day``.
        """
        rules = get_rule_set(rule_set) if rule_set else rule_set_for(day)
        mode = mode or self.settings.mode
        regions = [self.regions.get(c) for c in codes] if codes else list(self.regions)
        refs = [RegionRef(r.code, r.name, r.parent) for r in regions]
        results = respond(
            self.daily,
            refs,
            day,
            self.forecast.identity(),
            rules,
            mode=mode,
            pre_alert=self.settings.pre_alert,
            overrides=self.overrides.get(rules.id),
            ensemble_threshold=self.settings.ensemble_threshold,
            prior=self.store.prior(day, rules.id, mode, [r.code for r in refs]),
            notices=self.store.notices(day),
            key_regions=key_region_members(day),
            linkage_share=self.settings.linkage_share,
            linkage_regions=self.regions.codes,
            min_valid_fraction=self.settings.min_valid_fraction,
        )
        self.store.record(results)
        return results

    def add_notice(self, notice: Notice) -> int:
        """Store a regional alert notice after checking its key region exists."""
        members = key_region_members(notice.start)
        if notice.key_region not in members:
            known = ", ".join(f"{k} ({v.name})" for k, v in members.items())
            raise PolicyError(
                f"unknown key region {notice.key_region!r} on {notice.start}; known: {known}"
            )
        return self.store.add_notice(notice)


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
) -> tuple[Forecast, RegionSet, RegionalDaily]:
    """Read a forecast and a region set and compute the regional daily statistics and AQI.

    ``standard`` forces one AQI standard id for every day (default: the one in force on each
    day); ``cache_dir`` keeps the coverage weights between runs.
    """
    forecast = read_forecast(forecast_path)
    regions = load_regions(regions_spec)
    grid = grid_from_dataset(forecast.data)
    weights = coverage_weights(regions, grid, cache_dir=cache_dir)
    return forecast, regions, regional_daily(forecast.data, weights, standard=standard)
