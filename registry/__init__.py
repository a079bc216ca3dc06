"""The enterprise registry, an adapter around the engine: SQLite store, CSV import, region
membership and baselines, a region's plan, synthetic registry.

Imports :mod:`engine` (and :mod:`grids` for region sets), never :mod:`api` (docs/design.md,
"Layout").

* :class:`RegistryStore` — schema version and migrations, atomic CSV import (every bad row
  reported by line number, nothing imported), grade history, plans, baselines, loading a
  region's enterprises as the engine's columnar :class:`engine.measures.Registry`;
* :func:`region_members`, :func:`region_chain`, :func:`region_baseline` — what a region covers;
* :func:`region_programme`, :func:`read_programme` — a region's peak-shift programme over a
  period (docs/rules.md §4);
* :func:`synthetic_registry` — a realistic synthetic registry (:mod:`registry.synthetic`);
* :func:`synthetic_places`, :func:`import_synthetic` — where synthetic firms are registered
  (the counties below a region set's regions); generate, write the CSVs and import them.
"""

from registry._demo import FIRMS_PER_REGION, import_synthetic, synthetic_places
from registry._ozone import MAX_PERIOD_DAYS, period_dates, read_programme, region_programme
from registry._plan import read_catalogue, region_plan
from registry.regions import region_baseline, region_chain, region_members
from registry.store import SCHEMA_VERSION, ImportRejected, ImportSummary, RegistryStore
from registry.synthetic import SyntheticRegistry, synthetic_registry

__all__ = [
    "FIRMS_PER_REGION",
    "MAX_PERIOD_DAYS",
    "SCHEMA_VERSION",
    "ImportRejected",
    "ImportSummary",
    "RegistryStore",
    "SyntheticRegistry",
    "import_synthetic",
    "period_dates",
    "read_catalogue",
    "read_programme",
    "region_baseline",
    "region_chain",
    "region_members",
    "region_plan",
    "region_programme",
    "synthetic_places",
    "synthetic_registry",
]
