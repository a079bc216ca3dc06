"""The service's state: one forecast, one region set, their weights, the decision store.

Loaded once at start (:meth:`Service.load`), which also warms every numba kernel and, for the
service, precomputes the responses of every region for every covered date under the rule set
in force and each mode. Reads never write: a response is a cache look-up, recomputed only when
the store's generation counter says decisions or notices changed (in any worker). Decisions are
issued on purpose by :meth:`Service.issue`, inside one write transaction that reads the episode
state it rests on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api import schemas
from api._plan_cache import PlanCache
from api.cluster import ClusterSettings, open_cluster
from api.compose import ForecastPart, compose, forecast_part
from api.errors import ConflictError
from api.preparation import key_region_members, prepare, read_overrides
from api.settings import Settings
from api.store import Audit, DecisionStore, Issued, Writer
from engine.errors import NotFoundError, PolicyError, RegionError
from engine.levels import RuleSet, get_rule_set, rule_set_for
from engine.linkage import Notice
from engine.measures import Catalogue
from engine.regional import RegionalDaily, covered_dates
from engine.response import RegionRef, Response, overridden, summarise
from forecasts.reader import Forecast
from grids import RegionSet
from registry import read_catalogue

__all__ = ["IssueItem", "Service", "key_region_members", "prepare", "read_overrides"]

log = logging.getLogger(__name__)

MODES = ("natural", "rolling")
CACHE_SIZE = 256  # (date, rule set, mode) entries kept per process


@dataclasses.dataclass(frozen=True)
class IssueItem:
    """One decision asked for: region, date, optional override (level and reason)."""

    region: str
    date: dt.date
    level: str | None = None
    reason: str | None = None
    rules: str | None = None
    mode: str | None = None


@dataclasses.dataclass
class _Entry:
    """Responses of every region for one (date, rule set, mode) at one store generation."""

    generation: int
    responses: list[Response]
    by_code: dict[str, Response]
    json_by_code: dict[str, bytes] = dataclasses.field(default_factory=dict)
    all_json: bytes | None = None


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
    _cache: OrderedDict = dataclasses.field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    _parts: dict = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, settings: Settings, *, warm: bool = True) -> Service:
        """Read the forecast and regions of ``settings`` and precompute regional daily AQI;
        with ``warm``, also every region's response for each covered date and mode."""
        store = DecisionStore(settings.db, timeout=settings.busy_timeout, sync=settings.store_sync)
        cache = Path(settings.db).parent / "weights-cache"
        overrides = read_overrides(settings.rule_overrides)
        with open_cluster(ClusterSettings(scheduler=settings.dask_scheduler)):
            forecast, regions, daily = prepare(
                settings.forecast,
                settings.regions,
                cache_dir=cache,
                chunks={"time": settings.chunk_hours, "member": 1}
                if settings.dask_scheduler
                else None,
            )
        first, last = covered_dates(daily)
        log.info(
            "serving forecast %s (%s to %s) for %d regions", forecast.id, first, last, len(regions)
        )
        catalogue = read_catalogue(settings.catalogue)
        service = cls(settings, forecast, regions, daily, store, overrides, catalogue)
        if warm:
            service.warm()
        return service

    def warm(self) -> None:
        """Compute every region's response for each covered date (rule set in force) and mode,
        and their JSON bodies."""
        first, last = self.coverage()
        day = first
        while day <= last:
            for mode in MODES:
                self._serialised(self._entry(day, rule_set_for(day), mode), day)
            day += dt.timedelta(days=1)

    @functools.cached_property
    def plans(self) -> PlanCache:
        """The plans of the served regions, kept once computed (``GET .../plan``)."""
        return PlanCache(self.settings.registry, self.catalogue)

    @functools.cached_property
    def parents(self) -> dict[str, str | None]:
        return {r.code: r.parent for r in self.regions}

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

    # -- reads: no side effects ------------------------------------------------------------

    def response(
        self, code: str, day: dt.date, *, rule_set: str | None = None, mode: str | None = None
    ) -> Response:
        """The response of region ``code`` from ``day`` on (nothing is recorded)."""
        self.regions.get(code)
        entry = self._entry(day, self._rules(day, rule_set), mode or self.settings.mode)
        return entry.by_code[code]

    def responses(
        self,
        codes: list[str] | None,
        day: dt.date,
        *,
        rule_set: str | None = None,
        mode: str | None = None,
    ) -> list[Response]:
        """Responses of regions ``codes`` (all if None); nothing is recorded.

        The level follows the episode in force for the region (from the decisions issued
        earlier under the same rule set and mode, not withdrawn) and any regional notice in
        force on ``day``.
        """
        for code in codes or ():
            self.regions.get(code)
        entry = self._entry(day, self._rules(day, rule_set), mode or self.settings.mode)
        return [entry.by_code[c] for c in codes] if codes else list(entry.responses)

    def response_json(
        self, code: str, day: dt.date, *, rule_set: str | None = None, mode: str | None = None
    ) -> bytes:
        """:meth:`response` as the API's JSON, serialised once per state."""
        self.regions.get(code)
        entry = self._entry(day, self._rules(day, rule_set), mode or self.settings.mode)
        return self._serialised(entry, day).json_by_code[code]

    def all_json(
        self, day: dt.date, *, rule_set: str | None = None, mode: str | None = None
    ) -> bytes:
        """Every region's response and the summary as the API's JSON, serialised once."""
        entry = self._entry(day, self._rules(day, rule_set), mode or self.settings.mode)
        return self._serialised(entry, day).all_json  # type: ignore[return-value]

    def cached_json(
        self,
        code: str | None,
        day: dt.date,
        *,
        rule_set: str | None = None,
        mode: str | None = None,
    ) -> bytes | None:
        """The JSON of :meth:`response_json` (``code``) or :meth:`all_json` (None) when it is
        cached for the store's current state, else None: a dictionary look-up and one read of
        the generation counter, cheap enough for the event loop (the HTTP routes call it there
        and fall back to a worker thread on None)."""
        if code is not None:
            self.regions.get(code)
        rules = self._rules(day, rule_set)
        mode = mode or self.settings.mode
        entry = self._cache.get((day, rules.id, mode))
        if entry is None or entry.all_json is None or not self._current(entry, day, rules, mode):
            return None
        return entry.all_json if code is None else entry.json_by_code[code]

    def _current(self, entry: _Entry, day: dt.date, rules: RuleSet, mode: str) -> bool:
        """Whether ``entry`` holds for the store's state: same generation, or no change since
        that its responses rest on (then it is marked current at the new generation)."""
        generation = self.store.generation()
        if entry.generation == generation:
            return True
        if self.store.unchanged_for(entry.generation, day, rules.id, mode):
            entry.generation = max(entry.generation, generation)
            return True
        return False

    @staticmethod
    def _serialised(entry: _Entry, day: dt.date) -> _Entry:
        """``entry`` with its JSON bodies (each region's and the all-region one) filled in."""
        if entry.all_json is None:
            models = [
                schemas.Response.model_validate(r, from_attributes=True) for r in entry.responses
            ]
            entry.json_by_code = {m.region.code: m.model_dump_json().encode() for m in models}
            entry.all_json = (
                schemas.AllResponses(date=day, summary=summarise(entry.responses), responses=models)
                .model_dump_json()
                .encode()
            )
        return entry

    @staticmethod
    def _rules(day: dt.date, rule_set: str | None) -> RuleSet:
        return get_rule_set(rule_set) if rule_set else rule_set_for(day)

    def _entry(self, day: dt.date, rules: RuleSet, mode: str) -> _Entry:
        key = (day, rules.id, mode)
        entry = self._cache.get(key)
        if entry is not None and self._current(entry, day, rules, mode):
            return entry  # type: ignore[no-any-return]
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and self._current(entry, day, rules, mode):
                return entry  # type: ignore[no-any-return]
            generation = self.store.generation()
            refs = [RegionRef(r.code, r.name, r.parent) for r in self.regions]
            with self.store.reader() as r:
                # generation read before the state: a change in between only recomputes again.
                prior = r.prior(day, rules.id, mode, [ref.code for ref in refs])
                notices = r.notices(day)
            responses = self._respond(refs, day, rules, mode, prior, notices)
            entry = _Entry(generation, responses, {x.region.code: x for x in responses})
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return entry

    def _respond(
        self,
        refs: list[RegionRef],
        day: dt.date,
        rules: RuleSet,
        mode: str,
        prior: dict,
        notices: list[Notice],
    ) -> list[Response]:
        return compose(
            self._forecast_part(day, rules, mode),
            refs,
            self.forecast.identity(),
            prior=prior,
            notices=notices,
            key_regions=key_region_members(day),
            min_valid_fraction=self.settings.min_valid_fraction,
        )

    def _forecast_part(self, day: dt.date, rules: RuleSet, mode: str) -> ForecastPart:
        """The forecast-only levels of every region (computed once per date, rules, mode)."""
        key = (day, rules.id, mode)
        part = self._parts.get(key)
        if part is None:
            part = forecast_part(
                self.daily,
                list(self.regions.codes),
                day,
                rules,
                mode=mode,
                ensemble_threshold=self.settings.ensemble_threshold,
                pre_alert=self.settings.pre_alert,
                overrides=self.overrides.get(rules.id),
                key_regions=key_region_members(day),
                linkage_share=self.settings.linkage_share,
            )
            self._parts[key] = part
            while len(self._parts) > CACHE_SIZE:
                self._parts.pop(next(iter(self._parts)))
        return part

    # -- writes ----------------------------------------------------------------------------

    def check_codes(self, codes: list[str]) -> None:
        """RegionError (422) naming the first code not in the served region set."""
        known = set(self.regions.codes)
        for code in codes:
            if code not in known:
                raise RegionError(
                    f"unknown region code {code!r}: not in the served region set "
                    "(see GET /v1/regions)"
                )

    def issue(
        self,
        items: list[IssueItem],
        *,
        issued_by: str,
        key_id: int | None = None,
        token: str | None = None,
        audit: Callable[[list[int], bool], dict[str, Any]] | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Issue decisions (in date order, each seeing the ones before); (decisions, replayed).

        An ``token`` (idempotency key) already used by ``key_id`` for the same request returns
        the decisions it recorded instead of issuing again; for another request, a conflict.
        ``audit(ids, replayed)`` gives the audit entry written in the same transaction.
        """
        self.check_codes([i.region for i in items])
        fingerprint = json.dumps(
            [dataclasses.asdict(i) for i in items], default=str, sort_keys=True
        )
        order = sorted(range(len(items)), key=lambda i: items[i].date)
        idempotent = token is not None and key_id is not None
        with self.store.writer() as w:
            seen = w.replayed(key_id, token) if idempotent else None  # type: ignore[arg-type]
            if seen is not None:
                if seen[0] != fingerprint:
                    raise ConflictError(
                        f"the Idempotency-Key {token!r} was used for another request; "
                        "send a new key with a new request"
                    )
                result, replayed = seen[1], True
            else:
                ids = {i: self._issue_one(w, items[i], issued_by) for i in order}
                result, replayed = [ids[i] for i in range(len(items))], False
                if idempotent:
                    w.remember(key_id, token, fingerprint, result)  # type: ignore[arg-type]
            if audit is not None:
                w.audit(audit(result, replayed))
        return self.store.get_many(result), replayed

    def _issue_one(self, w: Writer, item: IssueItem, issued_by: str) -> int:
        rules = self._rules(item.date, item.rules)
        mode = item.mode or self.settings.mode
        region = self.regions.get(item.region)
        ref = RegionRef(region.code, region.name, region.parent)
        prior = w.prior(item.date, rules.id, mode, [ref.code])
        notices = w.notices(item.date)
        (response,) = self._respond([ref], item.date, rules, mode, prior, notices)
        if item.level is not None:
            response = overridden(response, item.level)
        inputs = {
            "forecast": response.forecast.id,
            "rule_set": rules.id,
            "aqi_standard": response.aqi_standard,
            "previous_decision": w.prior_id(item.date, rules.id, mode, ref.code),
            "notices": [n.id for n in notices],
        }
        (decision_id,) = w.insert([Issued(response, issued_by, item.level, item.reason, inputs)])
        return decision_id

    def withdraw(
        self, decision_id: int, by: str, reason: str, *, audit: Audit | None = None
    ) -> dict[str, Any]:
        """Withdraw a decision (its audit entry, if given, in the same transaction); the
        decision as now stored."""
        if not self.store.withdraw(decision_id, by, reason, audit=audit):
            if self.store.get(decision_id) is None:
                raise NotFoundError(f"no decision {decision_id}")
            raise ConflictError(f"decision {decision_id} is already withdrawn")
        return self.store.get(decision_id) or {}

    def add_notice(
        self, notice: Notice, issued_by: str | None = None, *, audit: Audit | None = None
    ) -> int:
        """Store a regional alert notice after checking its key region exists (its audit
        entry, if given, in the same transaction)."""
        members = key_region_members(notice.start)
        if notice.key_region not in members:
            known = ", ".join(f"{k} ({v.name})" for k, v in members.items())
            raise PolicyError(
                f"unknown key region {notice.key_region!r} on {notice.start}; known: {known}"
            )
        return self.store.add_notice(notice, issued_by, audit=audit)
