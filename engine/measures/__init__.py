"""Measures per enterprise and line under an alert, and the reductions they add up to (一厂一策).

* :func:`default_catalogue`, :func:`parse_catalogue` — the measure catalogue as data
  (``engine/data/measures.toml``: the cement table of docs/rules.md §3.2 as ``official``,
  grade-based ``local_default`` rules for the other industries), layered per region;
* :class:`Registry` — the enterprise registry as columnar arrays, with the VOC attributes of
  its lines and their :class:`Equipment` (defaults and treatment classes:
  ``engine/data/voc.toml``, docs/rules.md §4.1); :func:`plausibility` — bounds of the import;
* :func:`compute_plan` — rule resolution (own plan → catalogue → grade fallback; self-directed
  and positive-list exemptions), accounting (guarantee firms never stopped, never cut harder
  than their output limit; lines already stopped count nothing) and totals [kg d⁻¹];
* :func:`propose_shortfall` — extra stops, D first, then C, then B, when a target is missed;
* :func:`plan_document`, :func:`plan_rows` — the plan as JSON and as a per-line check list,
  reasons in English or Chinese (``engine/data/texts_measures.toml``);
* :func:`build_plan` — all of it for one region.
"""

from engine.measures._build import build_plan
from engine.measures._catalogue import (
    ACTIONS,
    EMISSION_SPECIES,
    GRADES,
    LEVELS,
    Action,
    Catalogue,
    Policy,
    Rule,
)
from engine.measures._explain import LANGUAGES
from engine.measures._parse import default_catalogue, default_catalogue_text, parse_catalogue
from engine.measures._plan import BASES, PlanResult, account_lines, compute_plan
from engine.measures._plausibility import Plausibility, plausibility
from engine.measures._records import registry_from_records
from engine.measures._registry import Equipment, Plans, Registry, factorize
from engine.measures._report import CSV_COLUMNS, plan_csv, plan_document, plan_rows
from engine.measures._shortfall import Proposals, propose_shortfall
from engine.measures._voc import (
    VOC_PROCESSES,
    default_shiftable,
    default_voc_process,
    default_window,
    efficient_treatment,
    treatment_class,
    voc_data,
    window_hours,
)

__all__ = [
    "ACTIONS",
    "Action",
    "BASES",
    "CSV_COLUMNS",
    "Catalogue",
    "EMISSION_SPECIES",
    "Equipment",
    "GRADES",
    "LANGUAGES",
    "LEVELS",
    "PlanResult",
    "Plans",
    "Plausibility",
    "Policy",
    "Proposals",
    "Registry",
    "Rule",
    "VOC_PROCESSES",
    "account_lines",
    "build_plan",
    "compute_plan",
    "default_catalogue",
    "default_catalogue_text",
    "default_shiftable",
    "default_voc_process",
    "default_window",
    "efficient_treatment",
    "factorize",
    "parse_catalogue",
    "plan_csv",
    "plan_document",
    "plan_rows",
    "plausibility",
    "propose_shortfall",
    "registry_from_records",
    "treatment_class",
    "voc_data",
    "window_hours",
]
