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
from engine.measures._catalogue import EMISSION_SPECIES, GRADES
from engine.measures._voc import default_shiftable, default_voc_process, default_window

__all__ = ["GRADE_INDEX", "Equipment", "Plans", "Registry", "factorize"]


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


@dataclasses.dataclass(frozen=True)
class Equipment:
    """Pieces of equipment of the lines (spray booths, drying ovens, presses, tanks, racks).

    Columns (equipment,): ``line`` index (non-decreasing: equipment grouped by line),
    ``equipment_id`` and ``kind`` (object), ``voc_kg_h`` [kg h⁻¹] (VOC emission rate of the
    piece while running; NaN when not given).
    """

    line: np.ndarray
    equipment_id: np.ndarray
    kind: np.ndarray
    voc_kg_h: np.ndarray

    @classmethod
    def empty(cls) -> Equipment:
        return cls(np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, object), np.zeros(0))

    def __len__(self) -> int:
        return int(self.line.shape[0])

    def of_lines(self, n_lines: int) -> np.ndarray:
        """Offsets (line + 1,): equipment of line ``i`` is ``start[i]:start[i + 1]``."""
        counts = np.bincount(self.line, minlength=n_lines) if len(self) else np.zeros(n_lines)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


_DEFAULT = np.zeros(0)
"""Marks a VOC line column not given: :class:`Registry` fills it by the rules of
``engine/data/voc.toml`` (docs/rules.md §4.1)."""

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
    "voc_process",
    "start_hour",
    "end_hour",
    "shiftable",
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
    ``already_stopped`` (bool); ``voc_process`` (int8 index into :data:`VOC_PROCESSES`),
    ``start_hour`` and ``end_hour`` [h, CST] (the usual operating window; the end lies before
    the start when the work runs past midnight), ``shiftable`` (bool) — each filled by the
    default rules of ``engine/data/voc.toml`` when not given (docs/rules.md §4.1).
    ``equipment``: the lines' equipment (:class:`Equipment`).
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
    voc_process: np.ndarray = dataclasses.field(default_factory=lambda: _DEFAULT)
    start_hour: np.ndarray = dataclasses.field(default_factory=lambda: _DEFAULT)
    end_hour: np.ndarray = dataclasses.field(default_factory=lambda: _DEFAULT)
    shiftable: np.ndarray = dataclasses.field(default_factory=lambda: _DEFAULT)
    equipment: Equipment = dataclasses.field(default_factory=Equipment.empty)

    def __post_init__(self) -> None:
        n_ent, n_line = self.n_enterprises, self.n_lines
        for name in _ENTERPRISE_FIELDS:
            if getattr(self, name).shape[0] != n_ent:
                raise RegistryError(
                    f"registry column {name} has {getattr(self, name).shape[0]} "
                    f"rows, expected {n_ent} (one per enterprise)"
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
        for name in _LINE_FIELDS[:9]:
            if getattr(self, name).shape[0] != n_line:
                raise RegistryError(
                    f"registry column {name} has {getattr(self, name).shape[0]} "
                    f"rows, expected {n_line} (one per line)"
                )
        self._fill_voc_defaults()
        for name in _LINE_FIELDS[9:]:
            if getattr(self, name).shape[0] != n_line:
                raise RegistryError(
                    f"registry column {name} has {getattr(self, name).shape[0]} "
                    f"rows, expected {n_line} (one per line)"
                )
        q = self.equipment
        if len(q) and (np.any(np.diff(q.line) < 0) or q.line.min() < 0 or q.line.max() >= n_line):
            raise RegistryError("equipment lines must be valid line indices, grouped by line")

    def _fill_voc_defaults(self) -> None:
        """Fill the VOC line columns not given by the rules of docs/rules.md §4.1."""
        fill = object.__setattr__  # frozen: the defaults belong to construction
        if self.voc_process is _DEFAULT:
            voc = self.emission_kg_h[:, EMISSION_SPECIES.index("voc")]
            names = np.array(self.processes, object)[self.process] if self.n_lines else []
            fill(self, "voc_process", default_voc_process(np.asarray(names), voc))
        if self.start_hour is _DEFAULT or self.end_hour is _DEFAULT:
            start, end = default_window(self.hours_per_day)
            fill(self, "start_hour", start)
            fill(self, "end_hour", end)
        if self.shiftable is _DEFAULT:
            fill(self, "shiftable", default_shiftable(self.voc_process, self.hours_per_day))

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
        q = self.equipment
        qk = line_keep[q.line] if len(q) else np.zeros(0, bool)
        equipment = Equipment(line_map[q.line[qk]], q.equipment_id[qk], q.kind[qk], q.voc_kg_h[qk])
        changes = {f: getattr(self, f)[keep] for f in _ENTERPRISE_FIELDS}
        changes.update({f: getattr(self, f)[line_keep] for f in _LINE_FIELDS})
        return dataclasses.replace(
            self, line_start=new_start, plans=plans, equipment=equipment, **changes
        )

    def in_regions(self, codes: Sequence[str]) -> Registry:
        """The enterprises whose region code is one of ``codes``."""
        wanted = np.array([c in set(codes) for c in self.regions], bool)
        return self.select(wanted[self.region] if self.regions else np.zeros(0, bool))


GRADE_INDEX = {g: i for i, g in enumerate(GRADES)}
