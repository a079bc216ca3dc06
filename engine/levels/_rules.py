"""Alert rule sets as data: levels, conditions, rule tables for the kernel, regional overrides.

Rule sets live in ``engine/data/rule_sets.toml`` (docs/rules.md §2.1), each with an id,
effective dates and a source. Every number of a rule set is a required key there: the code
holds no fallback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.policy import rule_sets_data
from engine.texts import text

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""Response levels, weakest first."""
LEVEL_NAMES_ZH = {level: text(f"level.{level}", "zh") for level in LEVELS}
"""Chinese name of each level (from ``engine/data/texts_alerts.toml``)."""
MODES = {
    # mode: (hours between steps, hours covered by a step, leading steps where a run may begin)
    "natural": (24, 24, 1),
    "rolling": (1, 24, 24),
}
"""Evaluation modes; ``natural`` is the default until the reference settles it (§2.1)."""

_RULE_SETS_FILE = "engine/data/rule_sets.toml"


def level_index(level: str) -> int:
    """Position of ``level`` in :data:`LEVELS`; :class:`PolicyError` if unknown."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise PolicyError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}") from None


def level_fields(**levels: str) -> dict[str, str]:
    """Text fields for levels: each ``name=level`` plus ``name_zh`` = its Chinese name."""
    return levels | {f"{name}_zh": LEVEL_NAMES_ZH[level] for name, level in levels.items()}


@dataclasses.dataclass(frozen=True)
class Condition:
    """AQI above ``threshold`` (or at least it, if ``inclusive``) lasting ``hours`` [h]."""

    threshold: int
    inclusive: bool
    hours: int

    def describe(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {self.threshold}"


@dataclasses.dataclass(frozen=True)
class LevelRule:
    """A level and its clauses: any clause holding gives the level; a clause is all-of."""

    level: str
    clauses: tuple[tuple[Condition, ...], ...]
    optional: bool = False
    source: str = ""


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """A versioned alert rule set (docs/rules.md §2.1).

    ``advisory_pollutants`` are the primary pollutants whose days give advice only, never a
    mandatory level (O3 under MEE-2024, docs/rules.md §2.2); a day with any other primary
    pollutant counts toward the mandatory level. ``lift_after_hours`` [h]: a downgrade or
    lifting needs the forecast below the start condition for more than this;
    ``merge_gap_hours`` [h]: two episodes closer than this are one.
    """

    id: str
    title: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    advisory_pollutants: frozenset[str]
    levels: tuple[LevelRule, ...]  # weakest first
    lift_after_hours: int
    merge_gap_hours: int

    def rule(self, level: str) -> LevelRule | None:
        return next((r for r in self.levels if r.level == level), None)


def _required(table: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return table[key]
    except KeyError:
        raise PolicyError(f"{_RULE_SETS_FILE}: {where} lacks the required key {key!r}") from None


@functools.cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set of ``engine/data/rule_sets.toml`` by id."""
    return {entry["id"]: parse_rule_set(entry) for entry in rule_sets_data()["rule_set"]}


def parse_clauses(raw: Sequence[Sequence[dict[str, Any]]], where: str) -> tuple:
    """Clauses from their TOML form; :class:`PolicyError` naming ``where`` if malformed."""
    clauses = []
    for clause in raw:
        conditions = []
        for c in clause:
            if ("aqi_above" in c) == ("aqi_at_least" in c) or "hours" not in c:
                raise PolicyError(
                    f"{where}: a condition needs exactly one of aqi_above / aqi_at_least and "
                    f"hours, got {c!r}"
                )
            conditions.append(
                Condition(
                    threshold=int(c.get("aqi_above", c.get("aqi_at_least", 0))),
                    inclusive="aqi_at_least" in c,
                    hours=int(c["hours"]),
                )
            )
        if not conditions:
            raise PolicyError(f"{where}: empty clause")
        clauses.append(tuple(conditions))
    return tuple(clauses)


def parse_rule_set(entry: dict[str, Any]) -> RuleSet:
    """A :class:`RuleSet` from its TOML table; :class:`PolicyError` if a key is missing."""
    where = f"rule set {entry.get('id', '?')!r}"
    levels = []
    for rule in _required(entry, "level", where):
        level_index(rule["level"])
        levels.append(
            LevelRule(
                level=rule["level"],
                clauses=parse_clauses(rule["clauses"], f"{where} {rule['level']}"),
                optional=bool(rule.get("optional", False)),
                source=rule.get("source", ""),
            )
        )
    levels.sort(key=lambda r: LEVELS.index(r.level))
    return RuleSet(
        id=_required(entry, "id", where),
        title=_required(entry, "title", where),
        source=_required(entry, "source", where),
        effective_from=_required(entry, "effective_from", where),
        effective_to=entry.get("effective_to"),
        advisory_pollutants=frozenset(_required(entry, "advisory_pollutants", where)),
        levels=tuple(levels),
        lift_after_hours=int(_required(entry, "lift_after_hours", where)),
        merge_gap_hours=int(_required(entry, "merge_gap_hours", where)),
    )


def get_rule_set(rule_set_id: str) -> RuleSet:
    """The rule set named ``rule_set_id``; :class:`PolicyError` naming the known ids if none."""
    try:
        return rule_sets()[rule_set_id]
    except KeyError:
        known = ", ".join(sorted(rule_sets()))
        raise PolicyError(f"unknown rule set {rule_set_id!r}; known: {known}") from None


def rule_set_for(day: dt.date) -> RuleSet:
    """The rule set in force on ``day`` (the newest whose effective range contains it)."""
    candidates = [
        r
        for r in rule_sets().values()
        if r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)
    ]
    if not candidates:
        raise PolicyError(
            f"no alert rule set is in force on {day.isoformat()}; choose one of "
            f"{', '.join(sorted(rule_sets()))} explicitly"
        )
    return max(candidates, key=lambda r: r.effective_from)


@dataclasses.dataclass(frozen=True)
class RuleTable:
    """A rule set flattened for the kernel: clauses strongest level first."""

    rule_set: RuleSet
    levels: tuple[str, ...]  # level of each clause row
    clauses: tuple[tuple[Condition, ...], ...]
    threshold: np.ndarray
    inclusive: np.ndarray
    hours: np.ndarray
    n_conditions: np.ndarray
    start_threshold: dict[str, tuple[int, bool]]  # lowest start condition of each level


@functools.lru_cache(maxsize=256)
def rule_table(
    rule_set: RuleSet,
    *,
    pre_alert: bool = False,
    extra: tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...] = (),
) -> RuleTable:
    """Kernel table of ``rule_set``.

    Parameters
    ----------
    pre_alert : bool
        Use the optional local pre-alert tier (临时管控) of the rule set.
    extra : tuple of (level, clauses)
        Extra clauses of a regional override. They are added to the national ones, so an
        override can only make a level start sooner — never later (docs/rules.md §2.1: local
        plans may be stricter, not laxer).
    """
    added: dict[str, list] = {}
    for level, clauses in extra:
        level_index(level)
        added.setdefault(level, []).extend(clauses)
    rows: list[tuple[str, tuple[Condition, ...]]] = []
    for rule in reversed(rule_set.levels):
        if rule.optional and not pre_alert:
            continue
        for clause in (*rule.clauses, *added.pop(rule.level, [])):
            rows.append((rule.level, clause))
    if added:
        raise PolicyError(
            f"override for levels {', '.join(added)} that {rule_set.id} does not define"
        )
    width = max(len(c) for _, c in rows)
    threshold = np.zeros((len(rows), width), dtype=np.int32)
    inclusive = np.zeros((len(rows), width), dtype=np.bool_)
    hours = np.zeros((len(rows), width), dtype=np.int32)
    for i, (_, clause) in enumerate(rows):
        for k, cond in enumerate(clause):
            threshold[i, k], inclusive[i, k], hours[i, k] = (
                cond.threshold,
                cond.inclusive,
                cond.hours,
            )
    start: dict[str, tuple[int, bool]] = {}
    for level, clause in rows:
        first = clause[0]
        key = (first.threshold, first.inclusive)
        start[level] = min(start.get(level, key), key)
    # A level's start condition includes every stronger level's.
    running: tuple[int, bool] | None = None
    for level in reversed(LEVELS):
        if level in start:
            running = start[level] if running is None else min(running, start[level])
            start[level] = running
    return RuleTable(
        rule_set=rule_set,
        levels=tuple(level for level, _ in rows),
        clauses=tuple(clause for _, clause in rows),
        threshold=threshold,
        inclusive=inclusive,
        hours=hours,
        n_conditions=np.array([len(c) for _, c in rows], dtype=np.int32),
        start_threshold=start,
    )


def parse_overrides(
    data: Mapping[str, Any], where: str = "overrides"
) -> dict[str, dict[str, tuple]]:
    """Regional overrides (stricter local rules) from their TOML form.

    Each ``[[override]]`` table names a ``region``, a ``rule_set``, a ``level``, its extra
    ``clauses`` (same form as in ``rule_sets.toml``) and a ``source``. Extra clauses are added
    to the national ones (see :func:`rule_table`), so an override can only be stricter.

    Returns
    -------
    dict
        Rule set id → region code → ``((level, clauses), ...)``, the form
        :func:`engine.ensemble.forecast_levels` takes.
    """
    out: dict[str, dict[str, list]] = {}
    for i, entry in enumerate(data.get("override", [])):
        here = f"{where}: override #{i + 1}"
        missing = [
            k for k in ("region", "rule_set", "level", "clauses", "source") if k not in entry
        ]
        if missing:
            raise PolicyError(f"{here} lacks {', '.join(missing)}")
        rule_set = get_rule_set(entry["rule_set"])
        if rule_set.rule(entry["level"]) is None:
            raise PolicyError(f"{here}: {rule_set.id} has no level {entry['level']!r}")
        clauses = parse_clauses(entry["clauses"], here)
        regions = out.setdefault(rule_set.id, {})
        regions.setdefault(str(entry["region"]), []).append((entry["level"], clauses))
    return {rid: {code: tuple(v) for code, v in regions.items()} for rid, regions in out.items()}
