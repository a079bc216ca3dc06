"""The enterprise registry as columnar arrays: what selection and accounting read.

Enterprises and their production lines are held column by column; categorical columns
(industry, grade, process, region, capacity unit) as integer codes into small vocabularies, so a
million lines are a few flat arrays. Lines are grouped by enterprise: enterprise ``e`` owns
lines ``line_start[e]:line_start[e + 1]``. Built by the registry store (the ``registry``
package) or by the synthetic generator; holds no file or database handle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from engine.errors import RegistryError
from engine.measures._catalogue import ACTIONS, EMISSION_SPECIES, GRADES, LEVELS

__all__ = ["Plans", "Registry", "factorize", "registry_from_records"]


def factorize(values: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes of ``values`` and their vocabulary (in order of first appearance)."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int32, len(values))
    return codes, tuple(index)


@dataclasses.dataclass(frozen=True)
class Plans:
    """Per-enterprise plans (一厂一策) that override the catalogue, one row per action.

    Columns (plan,): ``enterprise`` index, ``level`` (one of LEVELS), ``line`` index (``-1``:
    whole plant), ``action`` (one of ACTIONS), ``value`` [1] (NaN when the action has none).
    """

    enterprise: np.ndarray
    level: np.ndarray
    line: np.ndarray
    action: np.ndarray
    value: np.ndarray

    @classmethod
    def empty(cls) -> Plans:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, object),
            np.zeros(0, np.int64),
            np.zeros(0, object),
            np.zeros(0),
        )

    def __len__(self) -> int:
        return int(self.enterprise.shape[0])


# Columns with one row per enterprise, and per production line (``emission_kg_h`` is 2-D).
_ENTERPRISE_FIELDS = (
    "credit_code",
    "name",
    "region",
    "industry",
    "grade",
    "guarantee",
    "guarantee_cap",
    "positive_list",
    "low_voc",
    "voc_treatment",
    "lon",
    "lat",
)
_LINE_FIELDS = (
    "line_id",
    "process",
    "permitted_capacity",
    "licensed_capacity",
    "last_year_output",
    "capacity_unit",
    "emission_kg_h",
    "hours_per_day",
    "already_stopped",
)


@dataclasses.dataclass(frozen=True)
class Registry:
    """Columnar enterprise registry.

    Enterprise columns (enterprise,): ``credit_code``, ``name`` (object), ``region`` (int32 code
    into ``regions``), ``industry`` (int32 code into ``industries``), ``grade`` (int8 index into
    :data:`GRADES`, the grade in force on the plan's date), ``guarantee`` (bool),
    ``guarantee_cap`` [1 of base output] (NaN: none), ``positive_list``, ``low_voc`` (bool),
    ``voc_treatment`` (object), ``lon``, ``lat`` [degree].

    Line columns (line,): ``line_id`` (object), ``process`` (int32 code into ``processes``),
    ``permitted_capacity``, ``licensed_capacity``, ``last_year_output`` [unit a⁻¹],
    ``capacity_unit`` (int32 code into ``units``), ``emission_kg_h`` (line, species)
    [kg h⁻¹] in :data:`EMISSION_SPECIES` order, ``hours_per_day`` [h d⁻¹],
    ``already_stopped`` (bool).
    """

    credit_code: np.ndarray
    name: np.ndarray
    region: np.ndarray
    regions: tuple[str, ...]
    industry: np.ndarray
    industries: tuple[str, ...]
    grade: np.ndarray
    guarantee: np.ndarray
    guarantee_cap: np.ndarray
    positive_list: np.ndarray
    low_voc: np.ndarray
    voc_treatment: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    line_start: np.ndarray
    line_id: np.ndarray
    process: np.ndarray
    processes: tuple[str, ...]
    permitted_capacity: np.ndarray
    licensed_capacity: np.ndarray
    last_year_output: np.ndarray
    capacity_unit: np.ndarray
    units: tuple[str, ...]
    emission_kg_h: np.ndarray
    hours_per_day: np.ndarray
    already_stopped: np.ndarray
    plans: Plans = dataclasses.field(default_factory=Plans.empty)

    def __post_init__(self) -> None:
        n_ent, n_line = self.n_enterprises, self.n_lines
        for name in _ENTERPRISE_FIELDS:
            if getattr(self, name).shape[0] != n_ent:
                raise RegistryError(
                    f"registry column {name} has {getattr(self, name).shape[0]} "
                    f"rows, expected {n_ent} (one per enterprise)"
                )
        for name in _LINE_FIELDS:
            if getattr(self, name).shape[0] != n_line:
                raise RegistryError(
                    f"registry column {name} has {getattr(self, name).shape[0]} "
                    f"rows, expected {n_line} (one per line)"
                )
        if self.line_start.shape != (n_ent + 1,) or (n_ent and self.line_start[0] != 0):
            raise RegistryError("line_start must hold enterprise + 1 offsets starting at 0")
        if np.any(np.diff(self.line_start) < 0):
            raise RegistryError("line_start must be non-decreasing (lines grouped by enterprise)")
        if self.emission_kg_h.shape != (n_line, len(EMISSION_SPECIES)):
            raise RegistryError(
                f"emission_kg_h must be (line, {len(EMISSION_SPECIES)}) in the order "
                f"{', '.join(EMISSION_SPECIES)}"
            )

    @property
    def n_enterprises(self) -> int:
        return int(self.credit_code.shape[0])

    @property
    def n_lines(self) -> int:
        return int(self.line_id.shape[0])

    def line_enterprise(self) -> np.ndarray:
        """Enterprise index of every line (line,)."""
        return np.repeat(np.arange(self.n_enterprises), np.diff(self.line_start))

    def base_output(self) -> np.ndarray:
        """Output base of each line: min(permitted, licensed, last year's) (line,) [unit a⁻¹].

        docs/rules.md §3.2: the base of "cut output x %" is the smallest of the three (as daily
        averages; the common divisor cancels in every ratio Lantian takes).
        """
        return np.minimum(
            np.minimum(self.permitted_capacity, self.licensed_capacity), self.last_year_output
        )

    def select(self, enterprises: np.ndarray) -> Registry:
        """The registry restricted to the enterprises where the boolean mask is true."""
        keep = np.asarray(enterprises, bool)
        counts = np.diff(self.line_start)
        line_keep = np.repeat(keep, counts)
        new_start = np.concatenate([[0], np.cumsum(counts[keep])]).astype(np.int64)
        ent_map = np.full(self.n_enterprises, -1, np.int64)
        ent_map[keep] = np.arange(int(keep.sum()))
        line_map = np.full(self.n_lines, -1, np.int64)
        line_map[line_keep] = np.arange(int(line_keep.sum()))
        p = self.plans
        pk = keep[p.enterprise] if len(p) else np.zeros(0, bool)
        plans = Plans(
            ent_map[p.enterprise[pk]],
            p.level[pk],
            np.where(p.line[pk] >= 0, line_map[np.maximum(p.line[pk], 0)], -1),
            p.action[pk],
            p.value[pk],
        )
        changes = {f: getattr(self, f)[keep] for f in _ENTERPRISE_FIELDS}
        changes.update({f: getattr(self, f)[line_keep] for f in _LINE_FIELDS})
        return dataclasses.replace(self, line_start=new_start, plans=plans, **changes)

    def in_regions(self, codes: Sequence[str]) -> Registry:
        """The enterprises whose region code is one of ``codes``."""
        wanted = np.array([c in set(codes) for c in self.regions], bool)
        return self.select(wanted[self.region] if self.regions else np.zeros(0, bool))


def check_plan_codes(plans: Plans) -> None:
    """Raise RegistryError if plan rows name an unknown level or action."""
    for level in set(plans.level.tolist()):
        if level not in LEVELS:
            raise RegistryError(f"plan level {level!r} not one of {', '.join(LEVELS)}")
    for action in set(plans.action.tolist()):
        if action not in ACTIONS:
            raise RegistryError(f"plan action {action!r} not one of {', '.join(ACTIONS)}")


GRADE_INDEX = {g: i for i, g in enumerate(GRADES)}


def registry_from_records(
    enterprises: Sequence[dict],
    lines: Sequence[dict],
    plans: Sequence[dict] = (),
) -> Registry:
    """A registry from records keyed like the CSV columns of the registry contract.

    ``enterprises``: ``credit_code, name, region_code, lon, lat, industry, grade, guarantee,
    guarantee_cap (None), positive_list, low_voc, voc_treatment``; ``lines``: ``credit_code,
    line_id, process, permitted_capacity, licensed_capacity, last_year_output, capacity_unit,
    so2_kg_h, nox_kg_h, pm_kg_h, voc_kg_h, hours_per_day, already_stopped``; ``plans``:
    ``credit_code, level, line_id (None: whole plant), action, value (None)``. Values are
    already typed (the store validates them). Lines keep their order within an enterprise.
    """
    position = {str(e["credit_code"]): k for k, e in enumerate(enterprises)}
    if len(position) != len(enterprises):
        raise RegistryError("duplicate credit_code among the enterprises")
    for line in lines:
        if str(line["credit_code"]) not in position:
            raise RegistryError(
                f"line {line['line_id']!r} names unknown enterprise {line['credit_code']!r}"
            )
    order = sorted(range(len(lines)), key=lambda j: position[str(lines[j]["credit_code"])])
    lines = [lines[j] for j in order]
    owner = np.fromiter((position[str(x["credit_code"])] for x in lines), np.int64, len(lines))
    counts = np.bincount(owner, minlength=len(enterprises))
    line_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    region, regions = factorize([str(e["region_code"]) for e in enterprises])
    industry, industries = factorize([str(e["industry"]) for e in enterprises])
    process, processes = factorize([str(x["process"]) for x in lines])
    unit, units = factorize([str(x["capacity_unit"]) for x in lines])

    def col(rows: Sequence[dict], key: str, dtype: type = np.float64) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=dtype)

    caps = [
        np.nan if e.get("guarantee_cap") is None else float(e["guarantee_cap"]) for e in enterprises
    ]
    emission = np.array([[x[f"{p}_kg_h"] for p in EMISSION_SPECIES] for x in lines], np.float64)
    line_index = {(str(x["credit_code"]), str(x["line_id"])): k for k, x in enumerate(lines)}
    plan_rows = list(plans)
    plan = Plans(
        np.array([position[str(p["credit_code"])] for p in plan_rows], np.int64),
        np.array([str(p["level"]) for p in plan_rows], object),
        np.array(
            [
                line_index[(str(p["credit_code"]), str(p["line_id"]))] if p.get("line_id") else -1
                for p in plan_rows
            ],
            np.int64,
        ),
        np.array([str(p["action"]) for p in plan_rows], object),
        np.array(
            [np.nan if p.get("value") is None else float(p["value"]) for p in plan_rows], np.float64
        ),
    )
    check_plan_codes(plan)
    return Registry(
        credit_code=np.array([str(e["credit_code"]) for e in enterprises], object),
        name=np.array([str(e["name"]) for e in enterprises], object),
        region=region,
        regions=regions,
        industry=industry,
        industries=industries,
        grade=np.array([GRADE_INDEX[str(e["grade"])] for e in enterprises], np.int8),
        guarantee=col(enterprises, "guarantee", bool),
        guarantee_cap=np.array(caps, np.float64),
        positive_list=col(enterprises, "positive_list", bool),
        low_voc=col(enterprises, "low_voc", bool),
        voc_treatment=np.array([str(e["voc_treatment"]) for e in enterprises], object),
        lon=col(enterprises, "lon"),
        lat=col(enterprises, "lat"),
        line_start=line_start,
        line_id=np.array([str(x["line_id"]) for x in lines], object),
        process=process,
        processes=processes,
        permitted_capacity=col(lines, "permitted_capacity"),
        licensed_capacity=col(lines, "licensed_capacity"),
        last_year_output=col(lines, "last_year_output"),
        capacity_unit=unit,
        units=units,
        emission_kg_h=emission.reshape(len(lines), len(EMISSION_SPECIES)),
        hours_per_day=col(lines, "hours_per_day"),
        already_stopped=col(lines, "already_stopped", bool),
        plans=plan,
    )
