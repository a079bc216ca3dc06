"""Plans (一厂一策) of the served regions, computed once per region, day, level and registry
state, kept as their JSON and CSV bodies (the service's ``GET /v1/regions/{code}/plan``).

A plan depends on the region, the day, the level (with the regime and the ozone-alone level)
and the enterprise registry: the key holds all of them, the registry as its file's identity
(inode, size, modification time), so a registry imported again is read again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from api.plan_schemas import PlanDocument
from engine.errors import NotFoundError
from engine.measures import Catalogue, plan_csv
from registry import RegistryStore, region_plan

__all__ = ["PlanCache", "PlanBodies"]

SIZE = 512
"""Plans kept per process (LRU)."""


@dataclasses.dataclass(frozen=True)
class PlanBodies:
    """One plan as the route sends it: JSON (keys the plan omits stay absent) and CSV."""

    json: bytes
    csv: str


class PlanCache:
    """Plans of one registry file, by region, day, level, regime and ozone-alone level."""

    def __init__(self, registry: Path, catalogue: Catalogue | None) -> None:
        self.registry = registry
        self.catalogue = catalogue
        self._plans: OrderedDict[tuple, PlanBodies] = OrderedDict()
        self._lock = threading.Lock()

    def _identity(self) -> tuple[int, int, int]:
        try:
            stat = self.registry.stat()
        except OSError:
            raise NotFoundError(
                f"no enterprise registry at {self.registry}; create it with "
                "`lantian registry import` (or `lantian demo-data`)"
            ) from None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def plan(
        self,
        region: dict[str, Any],
        day: dt.date,
        level: str,
        *,
        parents: dict[str, str | None],
        regime: str | None = None,
        o3_level: str | None = None,
    ) -> PlanBodies:
        """The plan of ``region`` (``{"code", "name"}``) on ``day`` at ``level``."""
        key = (region["code"], day, level, regime, o3_level, self._identity())
        with self._lock:
            cached = self._plans.get(key)
            if cached is not None:
                self._plans.move_to_end(key)
                return cached
        document, result = region_plan(
            RegistryStore(self.registry),
            {"code": region["code"], "name": region["name"]},
            day,
            level,
            parents=parents,
            catalogue=self.catalogue,
            regime=regime,
            o3_level=o3_level,
        )
        model = PlanDocument.model_validate(document)
        bodies = PlanBodies(model.model_dump_json(exclude_unset=True).encode(), plan_csv(result))
        with self._lock:
            self._plans[key] = bodies
            while len(self._plans) > SIZE:
                self._plans.popitem(last=False)
        return bodies
