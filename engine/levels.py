"""Alert levels (预警级别) from regional AQI series, under versioned rule sets.

Rule sets are data (``engine/data/rule_sets.toml``, RULES.md §2.1). A region's forecast is a
series of *steps* from the first day the response applies to: CST natural days in ``natural``
mode, or every 24-h window (one per hour, across midnight) in ``rolling`` mode. The kernel
:func:`engine.kernels.levels.classify_series` finds the highest level whose rule holds; this
module builds its rule table, decides the regime (PM2.5 versus O3) and writes the reasons in
English and Chinese.

Episodes across days (hysteresis, lifting) are :mod:`engine.episodes`; regional linkage is
:mod:`engine.linkage`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.kernels.levels import classify_series

__all__ = [
    "LEVELS",
    "LEVEL_NAMES_ZH",
    "MODES",
    "Condition",
    "DayAQI",
    "LevelDecision",
    "LevelRule",
    "RuleSet",
    "RuleTable",
    "WindowAQI",
    "classify",
    "classify_batch",
    "get_rule_set",
    "level_index",
    "rule_set_for",
    "rule_sets",
    "rule_table",
]

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""Response levels, weakest first."""
LEVEL_NAMES_ZH = {
    "none": "不预警",
    "pre_alert": "预警提示（临时管控）",
    "yellow": "黄色预警",
    "orange": "橙色预警",
    "red": "红色预警",
}
MODES = {
    # mode: (hours between steps, hours covered by a step, leading steps where a run may begin)
    "natural": (24, 24, 1),
    "rolling": (1, 24, 24),
}
"""Evaluation modes; ``natural`` is the default until the reference settles it (RULES §2.1)."""

_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "o3": "O3", "no2": "NO2", "so2": "SO2", "co": "CO"}


def level_index(level: str) -> int:
    """Position of ``level`` in :data:`LEVELS`; :class:`PolicyError` if unknown."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise PolicyError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}") from None


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
    """A versioned alert rule set (RULES.md §2.1)."""

    id: str
    title: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    mandatory_pollutants: frozenset[str]
    levels: tuple[LevelRule, ...]  # weakest first
    lift_after_hours: int = 36
    merge_gap_hours: int = 36

    def rule(self, level: str) -> LevelRule | None:
        return next((r for r in self.levels if r.level == level), None)


@dataclasses.dataclass(frozen=True)
class DayAQI:
    """One CST day of a region: its daily AQI and primary pollutants (aqi None when missing)."""

    date: dt.date
    aqi: int | None
    primary_pollutants: tuple[str, ...]

    def label(self) -> str:
        return self.date.strftime("%m-%d")


@dataclasses.dataclass(frozen=True)
class WindowAQI:
    """One 24-h window starting at ``start`` (CST): its AQI and primary pollutants."""

    start: dt.datetime
    aqi: int | None
    primary_pollutants: tuple[str, ...]

    def label(self) -> str:
        return self.start.strftime("%m-%d %H:%M")


Step = DayAQI | WindowAQI


@dataclasses.dataclass(frozen=True)
class LevelDecision:
    """A region's level from its forecast alone, with regime, advisories and reasons.

    ``clear_hours`` gives, for each level above ``none``, how long [h] the forecast stays below
    that level's start condition from the first step on (used to lift or downgrade episodes).
    """

    level: str
    regime: str  # "pm25" | "o3" | "none"
    advisories: tuple[str, ...]
    reasons: tuple[str, ...]
    reasons_zh: tuple[str, ...]
    rule_set: str
    mode: str = "natural"
    clear_hours: dict[str, int] = dataclasses.field(default_factory=dict)


@functools.cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set of ``engine/data/rule_sets.toml`` by id."""
    text = resources.files("engine.data").joinpath("rule_sets.toml").read_text("utf-8")
    return {entry["id"]: parse_rule_set(entry) for entry in tomllib.loads(text)["rule_set"]}


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
    """A :class:`RuleSet` from its TOML table."""
    levels = []
    for rule in entry["level"]:
        level_index(rule["level"])
        levels.append(
            LevelRule(
                level=rule["level"],
                clauses=parse_clauses(rule["clauses"], f"rule set {entry['id']} {rule['level']}"),
                optional=bool(rule.get("optional", False)),
                source=rule.get("source", ""),
            )
        )
    levels.sort(key=lambda r: LEVELS.index(r.level))
    return RuleSet(
        id=entry["id"],
        title=entry["title"],
        source=entry["source"],
        effective_from=entry["effective_from"],
        effective_to=entry.get("effective_to"),
        mandatory_pollutants=frozenset(entry["mandatory_pollutants"]),
        levels=tuple(levels),
        lift_after_hours=int(entry.get("lift_after_hours", 36)),
        merge_gap_hours=int(entry.get("merge_gap_hours", 36)),
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
        override can only make a level start sooner — never later (RULES §2.1: local plans may
        be stricter, not laxer).
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


def classify_levels(
    aqi: np.ndarray, counts: np.ndarray, table: RuleTable, mode: str = "natural"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level index of every series ``(series, step) -> (series,)``, with clause and spans."""
    step_hours, window_hours, anchor = _mode(mode)
    clause, spans = classify_series(
        aqi,
        counts,
        table.threshold,
        table.inclusive,
        table.hours,
        table.n_conditions,
        step_hours=step_hours,
        window_hours=window_hours,
        anchor=anchor,
    )
    index = np.array([LEVELS.index(level) for level in table.levels] + [0], dtype=np.int8)
    return index[clause], clause, spans


def _mode(mode: str) -> tuple[int, int, int]:
    try:
        return MODES[mode]
    except KeyError:
        raise PolicyError(
            f"unknown evaluation mode {mode!r}; expected one of {', '.join(MODES)}"
        ) from None


def classify_batch(
    series: Sequence[Sequence[Step]], table: RuleTable, mode: str = "natural"
) -> list[LevelDecision]:
    """Decisions for many regions' step series (same length), one kernel call per regime.

    Under a rule set whose mandatory pollutants exclude O3 (MEE-2024), only steps whose primary
    pollutants include a mandatory one count toward a level; if steps driven by other
    pollutants alone would reach a level, the regime is ``"o3"`` with the advisory
    ``o3_health_advice`` and no level (RULES §2.2).
    """
    if not series:
        return []
    n_steps = len(series[0])
    aqi = np.full((len(series), n_steps), -1, dtype=np.int32)
    counted = np.zeros(aqi.shape, dtype=np.bool_)
    mandatory = table.rule_set.mandatory_pollutants
    for i, steps in enumerate(series):
        for t, step in enumerate(steps):
            if step.aqi is not None:
                aqi[i, t] = step.aqi
                counted[i, t] = bool(mandatory & set(step.primary_pollutants))
    valid = aqi >= 0
    level, clause, spans = classify_levels(aqi, counted, table, mode)
    level_any, clause_any, spans_any = classify_levels(aqi, valid, table, mode)
    step_hours, window_hours, _ = _mode(mode)
    out = []
    for i, steps in enumerate(series):
        clear = _clear_hours(aqi[i], counted[i], table, step_hours, window_hours)
        if level[i] > 0:
            en, zh, pollutants = _reasons(steps, table, clause[i], spans[i], mode)
            regime = "o3" if pollutants == {"o3"} else "pm25"
            out.append(
                LevelDecision(LEVELS[level[i]], regime, (), en, zh, table.rule_set.id, mode, clear)
            )
        elif level_any[i] > 0:
            en, zh, _ = _reasons(steps, table, clause_any[i], spans_any[i], mode)
            would = LEVELS[level_any[i]]
            rid = table.rule_set.id
            en += (
                f"O3-dominated days would reach {would}; under {rid} ozone episodes trigger "
                "health advice, not a mandatory level",
            )
            zh += (f"以臭氧为首要污染物的天数将达到{LEVEL_NAMES_ZH[would]}条件；按 {rid}，臭氧污染只发布健康提示，不启动预警",)
            out.append(
                LevelDecision("none", "o3", ("o3_health_advice",), en, zh, rid, mode, clear)
            )
        else:
            out.append(LevelDecision("none", "none", (), (), (), table.rule_set.id, mode, clear))
    return out


def classify(
    steps: Sequence[Step],
    rule_set: RuleSet,
    mode: str = "natural",
    *,
    pre_alert: bool = False,
) -> LevelDecision:
    """Response level of one region from its forecast steps, the first being the day asked."""
    return classify_batch([steps], rule_table(rule_set, pre_alert=pre_alert), mode)[0]


def _clear_hours(
    aqi: np.ndarray, counted: np.ndarray, table: RuleTable, step_hours: int, window_hours: int
) -> dict[str, int]:
    """Hours from the first step that the forecast stays below each level's start condition."""
    out = {}
    for level, (threshold, inclusive) in table.start_threshold.items():
        above = counted & ((aqi >= threshold) if inclusive else (aqi > threshold))
        # Missing steps are unknown, not clean: they end the clean run.
        stop = np.flatnonzero(above | (aqi < 0))
        run = int(stop[0]) if stop.size else aqi.size
        out[level] = run * step_hours + (window_hours - step_hours) if run else 0
    return out


def _reasons(
    steps: Sequence[Step], table: RuleTable, clause: int, spans: np.ndarray, mode: str
) -> tuple[tuple[str, ...], tuple[str, ...], set[str]]:
    level = table.levels[clause]
    rid = table.rule_set.id
    step_hours, window_hours, _ = MODES[mode]
    en, zh, pollutants_all = [], [], set()
    for condition, (start, stop) in zip(table.clauses[clause], spans, strict=False):
        chosen = steps[start:stop]
        pollutants = {p for s in chosen for p in s.primary_pollutants}
        pollutants_all |= pollutants
        label = "/".join(_LABEL.get(p, p) for p in sorted(pollutants, key=list(_LABEL).index))
        lasting = (stop - start) * step_hours + window_hours - step_hours
        if mode == "natural":
            when = ", ".join(s.label() for s in chosen)
            values = ", ".join(str(s.aqi) for s in chosen)
            en.append(
                f"{label} daily AQI {condition.describe()} forecast for {lasting} h "
                f"({when}; AQI {values}) → {level} under {rid}"
            )
            zh.append(
                f"{label} 日 AQI {condition.describe()} 预计持续 {lasting} 小时"
                f"（{when.replace(', ', '、')}；AQI {values.replace(', ', '、')}）"
                f"→ 按 {rid} 为{LEVEL_NAMES_ZH[level]}"
            )
        else:
            first, last = chosen[0], chosen[-1]
            end = last.start + dt.timedelta(hours=window_hours)  # type: ignore[union-attr]
            peak = max(s.aqi or 0 for s in chosen)
            span = f"{first.label()} – {end.strftime('%m-%d %H:%M')}"
            en.append(
                f"{label} 24-h AQI {condition.describe()} forecast for {lasting} h "
                f"({span}; peak AQI {peak}) → {level} under {rid}"
            )
            zh.append(
                f"{label} 滑动 24 小时 AQI {condition.describe()} 预计持续 {lasting} 小时"
                f"（{span}；最高 AQI {peak}）→ 按 {rid} 为{LEVEL_NAMES_ZH[level]}"
            )
    return tuple(en), tuple(zh), pollutants_all
